"""Strict reading shared by every input format, JSON and TOML.

Strict reading shared by every input format, JSON and TOML: typed getters that name the field,
unknown keys rejected, and file errors that name the file, the line and the key.

A misspelt optional key must not be silently ignored, and a planner must be able to fix a file from
the one-line message without reading a traceback.
"""

from __future__ import annotations

import json
import math
import re
import sys
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Self, TypeVar

from json_source_map import calculate

from optimizer.errors import InputFileError, ValidationError

T = TypeVar("T")


class JsonNode:
    """A JSON object with the path it was found at; its getters raise errors naming that path.

    Subclasses for other formats only rename things (`CONTAINER`, `UNKNOWN`): a TOML table is read
    the same way.
    """

    CONTAINER = "an object"
    UNKNOWN = "unknown field"

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise ValidationError(path, f"must be {self.CONTAINER}, got {kind(value)}")
        self.value: dict[str, Any] = value
        self.path = path
        self.used: set[str] = set()

    def at(self, key: str) -> str:
        """The path of `key` inside this node."""
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, convert: Callable[[object, str], T], default: T | None = None) -> T:
        """The converted value of `key`; `default` when absent (required when `default` is None)."""
        self.used.add(key)
        if key not in self.value:
            if default is None:
                raise ValidationError(self.at(key), "is required")
            return default
        return convert(self.value[key], self.at(key))

    def optional(self, key: str, convert: Callable[[object, str], T]) -> T | None:
        """The converted value, or None when the key is absent or null."""
        self.used.add(key)
        value = self.value.get(key)
        return None if value is None else convert(value, self.at(key))

    def child(self, key: str) -> Self:
        """A required nested object."""
        self.used.add(key)
        if key not in self.value:
            raise ValidationError(self.at(key), "is required")
        return type(self)(self.value[key], self.at(key))

    def items(self, key: str, *, required: bool = True) -> list[tuple[object, str]]:
        """The elements of a list with their paths."""
        self.used.add(key)
        if key not in self.value:
            if required:
                raise ValidationError(self.at(key), "is required")
            return []
        value = self.value[key]
        if not isinstance(value, list):
            raise ValidationError(self.at(key), f"must be a list, got {kind(value)}")
        return [(item, f"{self.at(key)}[{i}]") for i, item in enumerate(value)]

    def done(self) -> None:
        """Refuse any key no getter asked for (a typo must not pass silently)."""
        unknown = sorted(set(self.value) - self.used)
        if unknown:
            raise ValidationError(self.at(unknown[0]), self.UNKNOWN)


class TomlTable(JsonNode):
    """A TOML table with its key path: the same getters, TOML's words."""

    CONTAINER = "a table"
    UNKNOWN = "unknown key"

    def table(self, key: str) -> TomlTable:
        """A sub-table; an absent one reads as empty (every key in it has a default or is required)."""
        self.used.add(key)
        return TomlTable(self.value.get(key, {}), self.at(key))


def kind(value: object) -> str:
    """A JSON type name for error messages."""
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def as_int(value: object, path: str) -> int:
    """An integer (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(path, f"must be an integer, got {kind(value)}")
    return value


def as_number(value: object, path: str) -> float:
    """A number (not a boolean), as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(path, f"must be a number, got {kind(value)}")
    return float(value)


def as_str(value: object, path: str) -> str:
    """A string."""
    if not isinstance(value, str):
        raise ValidationError(path, f"must be a string, got {kind(value)}")
    return value


def as_bool(value: object, path: str) -> bool:
    """A boolean."""
    if not isinstance(value, bool):
        raise ValidationError(path, f"must be true or false, got {kind(value)}")
    return value


def int_in(low: int, high: int) -> Callable[[object, str], int]:
    """A getter for an integer within [low, high]."""

    def convert(value: object, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(path, f"must be an integer within [{low}, {high}], got {value!r}")
        return value

    return convert


def number_in(low: float, high: float) -> Callable[[object, str], float]:
    """A getter for a finite number within [low, high]."""

    def convert(value: object, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValidationError(path, f"must be a number, got {value!r}")
        if not low <= value <= high:
            raise ValidationError(path, f"must be within [{low:g}, {high:g}], got {value}")
        return float(value)

    return convert


def ints_in(low: int, high: int) -> Callable[[object, str], tuple[int, ...]]:
    """A getter for a non-empty list of integers, each within [low, high]."""
    each = int_in(low, high)

    def convert(value: object, path: str) -> tuple[int, ...]:
        if not isinstance(value, list) or not value:
            raise ValidationError(path, f"must be a non-empty list of integers, got {kind(value)}")
        return tuple(each(item, f"{path}[{i}]") for i, item in enumerate(value))

    return convert


def as_name(value: object, path: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise ValidationError(path, f"must be a non-empty string, got {value!r}")
    return value


def as_names(value: object, path: str) -> tuple[str, ...]:
    """A list of non-empty strings."""
    if not isinstance(value, list):
        raise ValidationError(path, "must be a list of strings")
    return tuple(as_name(item, f"{path}[{i}]") for i, item in enumerate(value))


_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$")


def as_clock(value: object, path: str) -> int:
    """A time of day "HH:MM" or "HH:MM:SS" (hours may pass 24) as seconds from midnight."""
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if not match:
        raise ValidationError(path, f'must be a time "HH:MM[:SS]", got {value!r}')
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0)


def as_date(value: object, path: str) -> date:
    """A TOML date (unquoted)."""
    if isinstance(value, date):
        return value
    raise ValidationError(path, f"must be a date (2026-12-01, unquoted), got {value!r}")


def _pointer(field: str) -> str:
    parts = re.findall(r"[^.\[\]]+", field)
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def field_line(text: str, field: str) -> int | None:
    """1-based line of the field (or of its nearest enclosing value that exists) in the JSON text."""
    try:
        spans = calculate(text)
    except Exception:  # the map is a nicety: never let it hide the real error
        return None
    pointer = _pointer(field)
    while pointer and pointer not in spans:
        pointer = pointer.rsplit("/", 1)[0]
    entry = spans.get(pointer)
    if entry is None:
        return None
    start = entry.key_start or entry.value_start
    return int(start.line) + 1


STDIN = Path("-")
"""The path that means standard input (`backhaul route -`); errors call it `<stdin>`."""


def _read_text(path: Path, max_bytes: int) -> str:
    """The file (or standard input for `-`) as UTF-8 text, refused when larger than `max_bytes`."""
    try:
        if path == STDIN:
            data = sys.stdin.buffer.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise InputFileError(f"<stdin>: larger than {max_bytes / 2**20:g} MiB")
            return data.decode("utf-8")
        if path.stat().st_size > max_bytes:
            raise InputFileError(f"{path}: larger than {max_bytes / 2**20:g} MiB")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"{_name(path)}: cannot read: {error}") from None


def _name(path: Path) -> str:
    return "<stdin>" if path == STDIN else str(path)


def read_json_file(path: Path, parse: Callable[[object], T], *, max_bytes: int) -> T:
    """Read and parse a JSON file; every error becomes an `InputFileError` naming the file, line and field."""
    text = _read_text(path, max_bytes)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = _name(path)
        raise InputFileError(f"{where}:{error.lineno}: not valid JSON: {error.msg} (column {error.colno})") from None
    try:
        return parse(data)
    except ValidationError as error:
        line = field_line(text, error.field)
        where = f"{_name(path)}:{line}" if line else _name(path)
        raise InputFileError(f"{where}: {error}") from None


def toml_line(text: str, field_path: str) -> int | None:
    """1-based line of a dotted key in TOML text: its table header, then the key inside it."""
    parts = [p for p in re.split(r"\.|\[\d+\]", field_path) if p]
    lines = text.splitlines()
    start, section = 0, ""
    for depth in range(len(parts) - 1, 0, -1):
        header = re.compile(r"^\s*\[+\s*" + re.escape(".".join(parts[:depth])) + r"\s*\]+")
        hits = [i for i, line in enumerate(lines) if header.match(line)]
        if hits:
            start, section = hits[0] + 1, ".".join(parts[:depth])
            break
    key = parts[len(section.split(".")) if section else 0] if parts else ""
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=|[{,]\s*" + re.escape(parts[-1]) + r"\s*=")
    for i in range(start, len(lines)):
        if i > start and lines[i].lstrip().startswith("[") and section:
            break
        if pattern.search(lines[i]):
            return i + 1
    return start or None


def read_toml_file(path: Path, parse: Callable[[TomlTable], T], *, max_bytes: int = 2**20) -> T:
    """Read and parse a TOML file; every error becomes an `InputFileError` naming the file, line and key."""
    text = _read_text(path, max_bytes)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputFileError(f"{path}: not valid TOML: {error}") from None
    try:
        return parse(TomlTable(data, ""))
    except ValidationError as error:
        line = toml_line(text, error.field) if error.field else None
        raise InputFileError(f"{path}:{line}: {error}" if line else f"{path}: {error}") from None

"""Strict JSON reading shared by every input format: typed getters that name the field, unknown keys
rejected, and file errors that name the file and line.

A misspelt optional key must not be silently ignored, and a planner must be able to fix a file from
the one-line message without reading a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
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
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, convert: Callable[[object, str], T], default: T | None = None) -> T:
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
        self.used.add(key)
        if key not in self.value:
            raise ValidationError(self.at(key), "is required")
        return type(self)(self.value[key], self.at(key))

    def items(self, key: str, *, required: bool = True) -> list[tuple[object, str]]:
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
        unknown = sorted(set(self.value) - self.used)
        if unknown:
            raise ValidationError(self.at(unknown[0]), self.UNKNOWN)


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
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(path, f"must be an integer, got {kind(value)}")
    return value


def as_number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(path, f"must be a number, got {kind(value)}")
    return float(value)


def as_str(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(path, f"must be a string, got {kind(value)}")
    return value


def as_bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(path, f"must be true or false, got {kind(value)}")
    return value


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


def read_json_file(path: Path, parse: Callable[[object], T], *, max_bytes: int) -> T:
    """Read and parse a JSON file; every error becomes an `InputFileError` naming the file, line and field."""
    try:
        if path.stat().st_size > max_bytes:
            raise InputFileError(f"{path}: larger than {max_bytes // 2**20} MiB")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"{path}: cannot read: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFileError(f"{path}:{error.lineno}: not valid JSON: {error.msg} (column {error.colno})") from None
    try:
        return parse(data)
    except ValidationError as error:
        line = field_line(text, error.field)
        where = f"{path}:{line}" if line else str(path)
        raise InputFileError(f"{where}: {error}") from None

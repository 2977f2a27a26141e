"""The rule file: one merchant's return rules as TOML (docs/api.md, "Return rules"), read strictly.

Every key is optional (the default is the statutory floor and the merchant-pays-for-quality
rule); an unknown key or a bad value is an error naming the key and its line.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from types import MappingProxyType

from optimizer.domain import REASON_CODES
from optimizer.errors import ValidationError
from optimizer.io.strict import (
    TomlTable,
    as_name,
    as_names,
    as_str,
    int_in,
    number_in,
    read_toml_file,
    toml_line,
)
from optimizer.rules.ruleset import METHOD_TABLES, STATUTORY_FLAGS, InsuranceTable, Payer, RuleSet, Screening

MAX_RULES_BYTES = 64 * 1024
_AMOUNT = int_in(0, 10**9)
NONE: tuple[str, ...] = ()
_DAYS = int_in(0, 10**6)  # the floor is the rule set's own check, so its message names the statute


def _insurance(table: TomlTable) -> InsuranceTable:
    bands = []
    for item, path in table.items("bands", required=False):
        band = TomlTable(item, path)
        bands.append((band.get("up_to_km", number_in(0, 100_000)), band.get("cents", _AMOUNT)))
        band.done()
    cap, flat = table.optional("cap_cents", _AMOUNT), table.optional("flat_cents", _AMOUNT)
    table.done()
    try:
        return InsuranceTable(cap_cents=cap, flat_cents=flat, bands=tuple(bands))
    except ValidationError as error:
        raise error.within(table.path) from None


def parse_rules(root: TomlTable, version: int = 0) -> RuleSet:
    """A rule set from a parsed rule file (errors name the key)."""
    window = root.table("window")
    categories = window.table("categories")
    category_days = {name: categories.get(name, _DAYS) for name in list(categories.value)}
    exclusions = root.table("exclusions")
    payer_table = root.table("payer")
    payers = {}
    for reason in list(payer_table.value):
        if reason not in REASON_CODES:
            raise ValidationError(payer_table.at(reason), f"not a reason code ({', '.join(REASON_CODES)})")
        who = payer_table.get(reason, as_str)
        if who not in ("merchant", "customer"):
            raise ValidationError(payer_table.at(reason), f"must be merchant or customer, got {who!r}")
        payers[reason] = Payer(who)
    insurance_table = root.table("insurance")
    unknown = sorted(set(insurance_table.value) - set(METHOD_TABLES))
    if unknown:
        raise ValidationError(insurance_table.at(unknown[0]), f"unknown method (one of {', '.join(METHOD_TABLES)})")
    insurance = {}
    for method in METHOD_TABLES:
        if method in insurance_table.value:
            insurance[method] = _insurance(insurance_table.table(method))
    keep, condition = root.table("keep_it"), root.table("condition")
    evidence_table = root.table("evidence")
    screening = root.table("screening")
    defaults, threshold = Screening(), number_in(0, 1)
    thresholds = [screening.get(f.name, threshold, getattr(defaults, f.name)) for f in fields(Screening)]
    try:
        rules = RuleSet(
            window_days=window.get("default_days", _DAYS, RuleSet.window_days),
            category_window_days=MappingProxyType(category_days),
            quality_window_days=window.get("quality_days", _DAYS, RuleSet.quality_window_days),
            excluded_categories=frozenset(exclusions.get("categories", as_names, NONE)),
            excluded_flags=frozenset(exclusions.get("flags", as_names, STATUTORY_FLAGS)),
            condition=condition.get("standard", as_name, RuleSet.condition),
            payer_by_reason=MappingProxyType(payers),
            insurance=MappingProxyType(insurance) if insurance_table.value else RuleSet().insurance,
            keep_it_max_value_cents=keep.get("max_value_cents", _AMOUNT, 0),
            evidence=MappingProxyType({c: evidence_table.get(c, as_names) for c in list(evidence_table.value)}),
            screening=Screening(*thresholds),
            version=version,
        )
    except ValidationError as error:
        raise _located(error) from None
    for table in (
        window,
        categories,
        exclusions,
        payer_table,
        insurance_table,
        keep,
        condition,
        evidence_table,
        screening,
    ):
        table.done()
    root.done()
    return rules


_FIELD_KEYS = {
    "window_days": "window.default_days",
    "quality_window_days": "window.quality_days",
    "excluded_flags": "exclusions.flags",
    "condition": "condition.standard",
    "keep_it_max_value_cents": "keep_it.max_value_cents",
}


def _located(error: ValidationError) -> ValidationError:
    """A rule set's error with its field named as the rule file spells it."""
    field = error.field
    if field.startswith("category_window_days."):
        field = "window.categories." + field.split(".", 1)[1]
    return ValidationError(_FIELD_KEYS.get(field, field), error.reason)


def rules_from_text(text: str, version: int = 0) -> RuleSet:
    """A rule set from rule-file text; errors name the key and its line (`line 4: window.default_days: ...`)."""
    if len(text.encode()) > MAX_RULES_BYTES:
        raise ValidationError("rules", f"a rule file holds at most {MAX_RULES_BYTES} bytes")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValidationError("rules", f"not valid TOML: {error}") from None
    try:
        return parse_rules(TomlTable(data, ""), version)
    except ValidationError as error:
        line = toml_line(text, error.field) if error.field else None
        raise ValidationError(error.field, f"line {line}: {error.reason}" if line else error.reason) from None


def read_rules_file(path: Path) -> RuleSet:
    """A rule set from a file; errors are `InputFileError`s naming the file, the line and the key."""
    return read_toml_file(path, parse_rules, max_bytes=MAX_RULES_BYTES)

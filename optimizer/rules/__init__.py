"""Return rules: what may come back and when, the evidence a ruling asks for, who pays, and keep-it."""

from optimizer.rules.eligibility import Item, Ruling, decide, decide_all, evidence_for
from optimizer.rules.keep_or_return import ItemEconomics, KeepIt, expected_recovery_cents, keep_it, may_keep
from optimizer.rules.rules_toml import read_rules_file, rules_from_text
from optimizer.rules.ruleset import (
    STATUTORY_DAYS,
    STATUTORY_FLAGS,
    InsuranceTable,
    Payer,
    RuleSet,
    Screening,
    is_quality_problem,
)

__all__ = [
    "STATUTORY_DAYS",
    "STATUTORY_FLAGS",
    "InsuranceTable",
    "Item",
    "ItemEconomics",
    "KeepIt",
    "Payer",
    "RuleSet",
    "Ruling",
    "Screening",
    "decide",
    "decide_all",
    "evidence_for",
    "expected_recovery_cents",
    "is_quality_problem",
    "keep_it",
    "may_keep",
    "read_rules_file",
    "rules_from_text",
]

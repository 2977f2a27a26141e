"""The return rules, table by table: the statutory floor and its exclusions, merchant overrides, who pays, 运费险."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from optimizer.errors import InputFileError, ValidationError
from optimizer.policy import ReturnPolicy
from optimizer.rules import InsuranceTable, Item, Payer, RuleSet, decide, read_rules_file, rules_from_text

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
MERCHANT = rules_from_text(
    """
[window]
default_days = 15
quality_days = 30
categories = { apparel = 30 }
[exclusions]
categories = ["electronics"]
flags = ["customised", "hygiene"]
[condition]
standard = "unused_with_tags"
"""
)


def _days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


ELIGIBILITY = [
    # (rules, category, flags, reason, days since delivery, eligible, rule id, statutory)
    (RuleSet(), "home", (), "changed_mind", 6.9, True, "statutory.no_reason_7d", True),
    (RuleSet(), "home", (), "changed_mind", 7.1, False, "merchant.window", False),
    (RuleSet(), "apparel", ("customised",), "changed_mind", 1, False, "statutory.exclusion.customised", True),
    (RuleSet(), "home", ("perishable",), "size_or_fit", 1, False, "statutory.exclusion.perishable", True),
    (RuleSet(), "electronics", ("digital",), "changed_mind", 1, False, "statutory.exclusion.digital", True),
    (RuleSet(), "home", ("hygiene",), "better_price", 1, False, "statutory.exclusion.hygiene", True),
    # a quality problem comes back whatever the flags, within the quality window
    (RuleSet(), "apparel", ("customised",), "defective", 14, True, "quality.window", False),
    (RuleSet(), "apparel", ("customised",), "defective", 16, False, "quality.window", False),
    # merchant overrides: longer windows, per category
    (MERCHANT, "home", (), "changed_mind", 14, True, "merchant.window", False),
    (MERCHANT, "home", (), "changed_mind", 16, False, "merchant.window", False),
    (MERCHANT, "apparel", (), "size_or_fit", 29, True, "merchant.window.apparel", False),
    (MERCHANT, "apparel", (), "wrong_item", 29, True, "quality.window", False),
    # the merchant excludes electronics: the statute still holds for the first 7 days
    (MERCHANT, "electronics", (), "changed_mind", 6, True, "statutory.no_reason_7d", True),
    (MERCHANT, "electronics", (), "changed_mind", 8, False, "merchant.exclusion.category.electronics", False),
    # the merchant accepts perishable and digital goods (it does not exclude those flags): its window decides
    (MERCHANT, "home", ("perishable",), "changed_mind", 3, True, "merchant.window", False),
    (MERCHANT, "home", ("digital",), "changed_mind", 16, False, "merchant.window", False),
    (MERCHANT, "home", ("customised",), "changed_mind", 3, False, "statutory.exclusion.customised", True),
]


@pytest.mark.parametrize(
    ("rules", "category", "flags", "reason", "days", "eligible", "rule_id", "statutory"), ELIGIBILITY
)
def test_eligibility_names_the_rule_that_decided(
    rules: RuleSet,
    category: str,
    flags: tuple[str, ...],
    reason: str,
    days: float,
    eligible: bool,
    rule_id: str,
    statutory: bool,
) -> None:
    ruling = decide(rules, Item(category, 10_000, frozenset(flags)), reason, _days_ago(days), NOW)
    assert (ruling.eligible, ruling.rule_id, ruling.statutory) == (eligible, rule_id, statutory)
    assert ruling.text
    assert bool(ruling.evidence_required) == (eligible and bool(ruling.evidence_required))


def test_the_statute_asks_no_more_than_a_complete_item_and_the_merchant_standard_holds_after() -> None:
    within = decide(MERCHANT, Item("home", 5_000), "changed_mind", _days_ago(3), NOW)
    after = decide(MERCHANT, Item("home", 5_000), "changed_mind", _days_ago(10), NOW)
    assert (within.condition, after.condition) == ("complete", "unused_with_tags")


@pytest.mark.parametrize(
    ("category", "reason", "value", "expected"),
    [
        ("electronics", "defective", 50_000, ["photo_of_defect", "photo_of_serial_number", "video_of_fault"]),
        (
            "electronics",
            "defective",
            500_000,
            ["photo_of_defect", "photo_of_serial_number", "video_of_fault", "unboxing_video"],
        ),
        ("apparel", "changed_mind", 20_000, ["photo_with_tags"]),
        ("home", "wrong_item", 9_000, ["photo_of_item_received", "photo_of_shipping_label"]),
        ("home", "changed_mind", 9_000, []),
    ],
)
def test_evidence_is_asked_by_category_reason_and_value(
    category: str, reason: str, value: int, expected: list[str]
) -> None:
    ruling = decide(RuleSet(), Item(category, value), reason, _days_ago(1), NOW)
    assert list(ruling.evidence_required) == expected


def test_a_merchant_adds_evidence_for_a_category_and_a_refusal_asks_for_none() -> None:
    rules = rules_from_text('[evidence]\nhome = ["photo_of_receipt"]\n')
    assert decide(rules, Item("home", 100), "changed_mind", _days_ago(1), NOW).evidence_required == (
        "photo_of_receipt",
    )
    assert decide(rules, Item("home", 100), "changed_mind", _days_ago(30), NOW).evidence_required == ()


BAND = "[[insurance.drop_off.bands]]\nup_to_km = {}\ncents = {}\n"
BANDS = BAND.format(50, 500) + BAND.format(500, 900)
FLAT = "[insurance.drop_off]\nflat_cents = 600\n"
CAP = "[insurance.pickup]\ncap_cents = 800\n"
PAYERS = [
    # (rule file, reason, insured, method, distance km, amount, expected shares)
    ("", "defective", True, "pickup", 10, 1_500, [(Payer.MERCHANT, 1_500)]),
    ("", "changed_mind", False, "pickup", 10, 1_500, [(Payer.CUSTOMER, 1_500)]),
    ("", "changed_mind", True, "pickup", 10, 1_500, [(Payer.INSURER, 1_200), (Payer.CUSTOMER, 300)]),
    ('[payer]\nsize_or_fit = "merchant"\n', "size_or_fit", True, "pickup", 10, 900, [(Payer.MERCHANT, 900)]),
    ('[payer]\nquality = "customer"\n', "damaged", False, "drop_off", 10, 900, [(Payer.CUSTOMER, 900)]),
    # 运费险 tables: a cap on the pickup fee ...
    (
        "[insurance.pickup]\ncap_cents = 800\n",
        "changed_mind",
        True,
        "pickup",
        10,
        1_000,
        [(Payer.INSURER, 800), (Payer.CUSTOMER, 200)],
    ),
    (CAP, "changed_mind", True, "pickup", 10, 500, [(Payer.INSURER, 500)]),
    # ... a flat self-ship compensation (it covers the cost up to the flat sum) ...
    (
        "[insurance.drop_off]\nflat_cents = 600\n",
        "changed_mind",
        True,
        "drop_off",
        10,
        1_000,
        [(Payer.INSURER, 600), (Payer.CUSTOMER, 400)],
    ),
    (FLAT, "changed_mind", True, "drop_off", 10, 400, [(Payer.INSURER, 400)]),
    # ... and distance bands (the parcel's road distance to its center); beyond the last, the last
    (
        BANDS,
        "changed_mind",
        True,
        "drop_off",
        50,
        2_000,
        [(Payer.CUSTOMER, 1_500), (Payer.INSURER, 500)],
    ),
    (
        BANDS,
        "changed_mind",
        True,
        "drop_off",
        51,
        2_000,
        [(Payer.CUSTOMER, 1_100), (Payer.INSURER, 900)],
    ),
    (
        BANDS,
        "changed_mind",
        True,
        "drop_off",
        900,
        2_000,
        [(Payer.CUSTOMER, 1_100), (Payer.INSURER, 900)],
    ),
    # a method without a table: the insured shopper pays
    (CAP, "changed_mind", True, "drop_off", 10, 700, [(Payer.CUSTOMER, 700)]),
]


@pytest.mark.parametrize(("text", "reason", "insured", "method", "km", "amount", "shares"), PAYERS)
def test_who_pays_under_each_table(
    text: str, reason: str, insured: bool, method: str, km: float, amount: int, shares: list[tuple[Payer, int]]
) -> None:
    rules = rules_from_text(text)
    split = rules.split(amount, reason=reason, insured=insured, method=method, distance_m=int(km * 1000))
    assert list(split) == shares
    assert sum(a for _, a in split) == amount


@pytest.mark.parametrize("method", ["pickup", "drop_off"])
@pytest.mark.parametrize(
    ("table", "cost", "km", "payout"),
    [
        ("cap_cents = 800", 500, 10, 500),
        ("cap_cents = 800", 1_500, 10, 800),
        ("flat_cents = 600", 200, 10, 600),
        ("flat_cents = 600", 2_000, 10, 600),
        ("bands = [{ up_to_km = 50, cents = 500 }, { up_to_km = 500, cents = 900 }]", 2_000, 50, 500),
        ("bands = [{ up_to_km = 50, cents = 500 }, { up_to_km = 500, cents = 900 }]", 2_000, 50.001, 900),
        ("bands = [{ up_to_km = 50, cents = 500 }, { up_to_km = 500, cents = 900 }]", 2_000, 5_000, 900),
    ],
)
def test_every_insurance_table_kind_pays_on_either_method(
    method: str, table: str, cost: int, km: float, payout: int
) -> None:
    rules = rules_from_text(f"[insurance.{method}]\n{table}\n")
    distance = round(km * 1000)
    assert rules.insurance_payout(cost, method=method, distance_m=distance) == payout
    other = "drop_off" if method == "pickup" else "pickup"
    assert rules.insurance_payout(cost, method=other, distance_m=distance) is None


def test_a_flat_compensation_is_paid_whatever_the_cost_and_a_cap_only_up_to_it() -> None:
    assert InsuranceTable(flat_cents=600).payout(400, 0) == 600
    assert InsuranceTable(cap_cents=600).payout(400, 0) == 400


def test_a_merchant_without_rules_keeps_its_policy_cap() -> None:
    rules = ReturnPolicy(insurance_cap_cents=300).rules()
    assert list(rules.split(1_000, reason="changed_mind", insured=True)) == [
        (Payer.CUSTOMER, 700),
        (Payer.INSURER, 300),
    ]


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("[window]\ndefault_days = 5\n", "window.default_days", "line 2: 5 is below the statutory 7-day"),
        ("[window]\ncategories = { apparel = 6 }\n", "window.categories.apparel", "below the statutory 7-day"),
        ("[window]\nquality_days = 3\n", "window.quality_days", "below the statutory 7-day"),
        ('[exclusions]\nflags = ["fragile"]\n', "exclusions.flags", "must be among"),
        ('[condition]\nstandard = "mint"\n', "condition.standard", "must be one of"),
        ('[payer]\nchanged_mind = "insurer"\n', "payer.changed_mind", "must be merchant or customer"),
        ('[payer]\nwhim = "merchant"\n', "payer.whim", "not a reason code"),
        ("[insurance.pickup]\ncap_cents = 1\nflat_cents = 2\n", "insurance.pickup", "exactly one of"),
        ("[insurance.mail]\ncap_cents = 1\n", "insurance.mail", "unknown method"),
        (
            BAND.format(9, 1) + BAND.format(5, 1),
            "insurance.drop_off.bands[1].up_to_km",
            "ascending",
        ),
        ("[keep_it]\nmax_value_cents = -1\n", "keep_it.max_value_cents", "within"),
        ("[screening]\nmanual_review = 0.2\n", "screening", "not decrease"),
        ("[window]\ndefualt_days = 9\n", "window.defualt_days", "unknown key"),
        ("window = 3", "window", "must be a table"),
        ("[window\n", "rules", "not valid TOML"),
    ],
)
def test_a_bad_rule_file_names_the_key_and_the_reason(text: str, field: str, says: str) -> None:
    with pytest.raises(ValidationError) as raised:
        rules_from_text(text)
    assert raised.value.field == field
    assert says in raised.value.reason


def test_a_rule_file_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[window]\ndefault_days = 30\n\n[keep_it]\nmax_value_cents = "lots"\n')
    with pytest.raises(InputFileError, match=rf"{path}:5: keep_it.max_value_cents: must be an integer"):
        read_rules_file(path)


def test_the_documented_rule_file_example_is_a_valid_rule_file() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
    section = docs.split("## Return rules", 1)[1]
    example, bands = (block.split("```", 1)[0] for block in section.split("```toml\n")[1:3])
    assert rules_from_text(bands).insurance["drop_off"].payout(10_000, 51_000) == 1_000
    rules = rules_from_text(example)
    assert rules.window_for("apparel") == 30
    assert rules.insurance["drop_off"].flat_cents == 800
    assert rules.payer_for("size_or_fit") is Payer.MERCHANT
    assert rules.keep_it_max_value_cents == 5_000

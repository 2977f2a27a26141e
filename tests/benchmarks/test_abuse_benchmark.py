"""`benchmarks/abuse.py --json` prints the figures the issue names, beside the return-rate rule's."""

from __future__ import annotations

import json

import pytest

from benchmarks.abuse import main


def test_the_json_names_precision_recall_and_honest_fpr_with_the_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "--shoppers", "1500", "--seed", "5"]) == 0
    figures = json.loads(capsys.readouterr().out)
    for who in (figures, figures["baseline"]):
        assert {"precision", "recall", "honest_fpr", "screened", "abusive", "flagged"} <= set(who)
        assert all(0 <= who[k] <= 1 for k in ("precision", "recall", "honest_fpr"))
    assert figures["seed"] == 5
    assert figures["screened"] == figures["baseline"]["screened"]
    assert figures["recall"] > figures["baseline"]["recall"]


def test_a_population_too_small_or_too_large_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["--shoppers", "5"])
    assert refused.value.code == 2
    assert "--shoppers must be within" in capsys.readouterr().err

"""The shortest-path benchmark compares both methods on the same addresses and checks every answer."""

from __future__ import annotations

import pytest

from benchmarks.shortest_paths import main


def test_both_methods_are_timed_and_agree_on_every_time(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--region", "shanghai-central", "--targets", "300", "--addresses", "10", "--repeats", "2"])
    out = capsys.readouterr().out
    assert "two Dijkstras" in out
    assert "hierarchy" in out
    assert "pairs checked 12,000: times differ 0" in out

"""The route-quality benchmark script writes one validated JSON line per instance and engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.vrptw import load_references, main
from tests.paths import INSTANCES

C101 = INSTANCES / "solomon" / "c101.txt"


def test_results_lines_carry_the_agreed_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.jsonl"
    assert main([str(C101), "--time-limit", "0.5", "--out", str(out), "--engine", "ortools-plain"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1
    row = rows[0]
    for key in ("instance", "engine", "time_limit_s", "runtime_s", "distance", "vehicles", "routes"):
        assert key in row
    assert row["valid"]
    assert row["complete"]
    assert sorted(c for route in row["routes"] for c in route) == list(range(1, 101))
    assert "mean gap %" in capsys.readouterr().out


def test_references_prefer_the_distance_only_best_known() -> None:
    references = load_references()
    assert references["c101"] == (828.94, "distance_only")
    assert references["c1_2_1"][1] == "hierarchical_min_vehicles_then_distance"


def test_a_bad_instance_file_stops_the_run_with_its_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("X\n\nVEHICLE\n 2 ten\n")
    assert main([str(C101), str(bad), "--time-limit", "0.5", "--out", str(tmp_path / "r.jsonl")]) == 2
    assert f"{bad}:4: expected numbers" in capsys.readouterr().err
    assert not (tmp_path / "r.jsonl").exists()

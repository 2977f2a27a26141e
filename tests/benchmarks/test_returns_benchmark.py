"""The returns benchmark: its instances regenerate, every engine's plan passes `backhaul validate`,
an online day keeps what is under way, and bad files stop the run with their name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import make_returns, online, returns_bench
from benchmarks.make_returns import Day
from optimizer.io.problem_json import problem_from_dict
from optimizer.routing.insertion import cheapest_insertion
from optimizer.routing.schedule import evaluate_route
from tests.paths import ROOT

SMALL = Day("shanghai_60", "shanghai-central", 60, 20261207)


@pytest.fixture(scope="module")
def small_day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 60-pickup Shanghai day and its online variant, written as the benchmark writes its own."""
    folder = tmp_path_factory.mktemp("returns")
    problem, day = make_returns.build(SMALL)
    requests = problem["requests"]
    assert any("delivery_parcels" in r for r in requests)  # exchanges,
    assert any("skills" in r for r in requests)  # skills,
    assert any(len(r["time_windows"]) == 2 for r in requests)  # a choice of slots,
    assert len({c["shift"]["start"] for c in problem["couriers"]}) == 3  # and a mixed fleet on shifts
    static, dynamic = folder / "shanghai_60.json", folder / "shanghai_60_online.json"
    static.write_text(json.dumps(problem))
    dynamic.write_text(json.dumps(day))
    return static, dynamic


def test_the_instances_regenerate_byte_for_byte() -> None:
    for day in make_returns.DAYS:
        problem, dynamic = make_returns.build(day)
        for name, document in ((day.name, problem), (f"{day.name}_online", dynamic)):
            written = (ROOT / "benchmarks" / "returns" / f"{name}.json").read_text()
            assert written == json.dumps(document, indent=1) + "\n", name


def test_every_engine_that_can_express_a_day_gives_a_plan_that_passes_validate(
    small_day: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    static, dynamic = small_day
    engines = [arg for name in returns_bench.ALL_ENGINES for arg in ("--engine", name)]
    arguments = [str(static), str(dynamic), "--time-limit", "1", "--out", str(tmp_path), *engines]
    assert returns_bench.main(arguments) == 0
    rows = json.loads((tmp_path / "results.json").read_text())["rows"]
    ran = {(r["instance"], r["engine"]) for r in rows if "skipped" not in r}
    assert ran == {
        *(("shanghai_60", engine) for engine in ("backhaul", "pyvrp", "vroom", "ortools-plain")),
        ("shanghai_60_online", "backhaul"),
        ("shanghai_60_online", "insertion"),
    }
    for row in rows:
        if "skipped" not in row:
            assert row["valid"], row
            assert row["validate"].startswith("valid:"), row
            assert row["served"] + row.get("refused", 0) == 60, row
    table = capsys.readouterr().out
    assert table.count("passed (1 of 1)") == len(ran)
    assert "cannot express: bookings arrive over the day" in table


def test_a_courier_has_committed_to_the_stops_it_has_left_for(small_day: tuple[Path, Path]) -> None:
    problem = problem_from_dict(json.loads(small_day[0].read_text()))
    courier = next(v for v, c in enumerate(problem.couriers) if c.id.startswith("van"))
    route = [r for r in range(len(problem.requests)) if problem.requests[r].time_windows[0].start_s == 9 * 3600][:3]
    schedule = evaluate_route(problem, courier, route)
    assert schedule.feasible
    first_leaves = schedule.start_s
    second_leaves = schedule.service_starts_s[0] + problem.requests[route[0]].service_s
    assert online.committed(problem, {courier: route}, first_leaves - 1) == {courier: 0}
    assert online.committed(problem, {courier: route}, first_leaves) == {courier: 1}
    assert online.committed(problem, {courier: route}, second_leaves) == {courier: 2}
    assert online.committed(problem, {courier: route}, 23 * 3600) == {courier: 3}


def test_an_online_day_never_moves_a_stop_a_courier_has_left_for(
    small_day: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    day = online.read_online(small_day[1])
    names = [r.id for r in day.problem.requests]
    promised: list[tuple[int, list[str]]] = []  # (courier, the stops it had left for) at each decision
    replan = online._replan

    def note(routes: online.Routes, held: Any) -> None:
        promised.extend((v, [names[r] for r in routes[v][:n]]) for v, n in held.items() if n)

    def inserting(problem: Any, routes: online.Routes, request: int, couriers: Any, fixed: Any) -> Any:
        note(routes, fixed)
        return cheapest_insertion(problem, routes, request, couriers, fixed)

    def replanning(problem: Any, accepted: Any, routes: online.Routes, held: Any, seconds: float, seed: int) -> Any:
        note(routes, held)
        return replan(problem, accepted, routes, held, seconds, seed)

    monkeypatch.setattr(online, "cheapest_insertion", inserting)
    monkeypatch.setattr(online, "_replan", replanning)
    outcome = online.play(day, "backhaul", time_limit_s=3)
    final = {day.problem.courier_index[r.courier_id]: [s.request_id for s in r.stops] for r in outcome.result.routes}
    assert promised  # couriers were under way while bookings came in
    for courier, prefix in promised:
        assert final[courier][: len(prefix)] == prefix
    assert outcome.replans == len(day.replan_at)


def test_recording_keeps_only_cheaper_validated_plans_that_serve_everyone() -> None:
    def row(cost: float, **change: Any) -> dict[str, Any]:
        base = {"instance": "d", "engine": "pyvrp", "seed": 0, "time_limit_s": 5.0, "valid": True}
        return base | {"cost_cents": cost, "served": 10, "requests": 10} | change

    best: dict[str, Any] = {"d": {"cost_cents": 1000.0}}
    rejected = [row(900, valid=False), row(800, served=9), row(700, refused=0), row(1000)]
    assert not returns_bench.record(rejected, best, "cmd")
    assert returns_bench.record([row(990)], best, "python benchmarks/returns_bench.py d.json")
    assert best["d"]["cost_cents"] == 990
    assert best["d"]["command"] == "python benchmarks/returns_bench.py d.json"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="backhaul-online-0"), 'format: must be "backhaul-online-1"'),
        (lambda d: d["arrivals"][0].update(request_id="RET-99999"), "arrivals[0].request_id: no request"),
        (lambda d: d["arrivals"].pop(), "arrivals: must give every request of the problem exactly once"),
        (lambda d: d["replan_at"].reverse(), "replan_at: must be increasing times"),
        (lambda d: d["problem"]["requests"][2].update(lat=95), "problem.requests[2].lat"),
    ],
)
def test_a_bad_online_file_stops_the_run_naming_the_file_line_and_key(
    small_day: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Any, message: str
) -> None:
    document = json.loads(small_day[1].read_text())
    change(document)
    bad = tmp_path / "bad_online.json"
    bad.write_text(json.dumps(document, indent=1))
    assert returns_bench.main([str(small_day[0]), str(bad), "--time-limit", "1", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert f"{bad}:" in error
    assert message in error
    assert not (tmp_path / "results.json").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--time-limit", "0"], "argument --time-limit: must be a positive number of seconds, got 0"),
        (["--time-limit", "nan"], "argument --time-limit: must be a positive number of seconds, got nan"),
        (["--time-limit", "1", "--runs", "0"], "argument --runs: must be at least 1, got 0"),
        (["--time-limit", "1", "--engine", "gurobi"], "argument --engine: invalid choice: 'gurobi'"),
    ],
)
def test_a_bad_argument_stops_the_run_naming_the_flag(
    small_day: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as stop:
        returns_bench.main([str(small_day[0]), *arguments, "--out", str(tmp_path)])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()

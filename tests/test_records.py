"""Problems from tables and plans as tables and maps (the notebook API), and the quickstart notebook itself."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from optimizer import plan, problem_from_records
from optimizer.errors import ValidationError
from optimizer.geo.region import Region
from tests.paths import ROOT

PICKUPS = [
    {"id": f"R{k}", "lat": 31.232 + 0.001 * (k % 6), "lon": 121.472 + 0.0008 * k, "window": "09:00-12:00"}
    for k in range(6)
]
VANS = [{"id": "van-1", "depot": "D1", "parcels": 4}, {"id": "van-2", "depot": "D1", "parcels": 4}]


def test_a_list_of_dicts_and_a_dataframe_make_the_same_problem(tiny_region: Region) -> None:
    from_dicts = problem_from_records(PICKUPS, couriers=VANS, region=tiny_region)
    from_frame = problem_from_records(pd.DataFrame(PICKUPS), couriers=pd.DataFrame(VANS), region=tiny_region)
    assert from_dicts.requests == from_frame.requests
    assert from_dicts.couriers == from_frame.couriers
    assert from_dicts.requests[0].service_s == 180
    assert from_dicts.couriers[0].capacity.parcels == 4


def test_the_plan_is_validated_and_comes_back_as_a_table_and_a_map(tiny_region: Region) -> None:
    planned = plan(problem_from_records(PICKUPS, couriers=VANS, region=tiny_region), time_limit_s=1, region=tiny_region)
    assert planned.violations == []
    table = planned.to_dataframe()
    served = table.dropna(subset=["courier_id"]) if "unassigned" in table else table
    assert sorted(served["request_id"]) == sorted(str(p["id"]) for p in PICKUPS)
    assert (served.groupby("courier_id")["parcels"].max() <= 4).all()  # capacity holds, load after each stop
    features = planned.to_geojson()["features"]
    assert {f["properties"].get("courier_id") for f in features} >= set(served["courier_id"])
    again = plan(planned.problem, time_limit_s=1)  # without the region: one straight line per route
    lines = [f for f in again.to_geojson()["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(again.result.routes)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 95.0}, "requests[2].lat"),
        ({"window": "9 to 11"}, "requests[2].window"),
        ({"parcels": 0}, "requests[2].parcels[0].count"),
    ],
)
def test_a_bad_row_is_an_error_naming_it(tiny_region: Region, change: dict[str, object], field: str) -> None:
    rows = [dict(p) for p in PICKUPS]
    rows[2].update(change)
    with pytest.raises(ValidationError) as raised:
        problem_from_records(rows, couriers=VANS, region=tiny_region)
    assert raised.value.field == field


def test_couriers_need_a_depot_and_a_problem_needs_depots_or_a_region() -> None:
    with pytest.raises(ValidationError, match=r"couriers\[0\].depot: is required"):
        problem_from_records(PICKUPS, couriers=[{"id": "v"}], depots=[{"id": "D1", "lat": 31.23, "lon": 121.47}])
    with pytest.raises(ValidationError, match="give the depots, or a region"):
        problem_from_records(PICKUPS, couriers=VANS)


def test_the_quickstart_notebook_runs(tmp_path: Path) -> None:
    notebook = nbformat.read(ROOT / "docs" / "quickstart.ipynb", as_version=4)  # type: ignore[no-untyped-call]
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "docs")}}
    ).execute()
    errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    nbformat.write(notebook, tmp_path / "quickstart.ipynb")  # type: ignore[no-untyped-call]

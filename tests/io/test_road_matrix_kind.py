"""A problem may name the road network it is measured on (`matrix.kind = "road"`), and fails closed on another."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from optimizer.errors import InputFileError, ValidationError
from optimizer.geo.region import load_region
from optimizer.geo.road_matrix import RoadNetworkSource
from optimizer.io.problem_json import load_problem, problem_from_dict
from tests.paths import SAMPLE_PROBLEM

REGION = "shenzhen-pingshan"


def _on_roads(**matrix: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE_PROBLEM.read_text())
    data["matrix"] = {"kind": "road", "region": REGION, **matrix}
    return data


def test_a_road_matrix_is_the_regions_fastest_paths_as_region_gives_them(tmp_path: Path) -> None:
    region = load_region(REGION)
    named = problem_from_dict(_on_roads(fingerprint=region.fingerprint), cache_dir=tmp_path)
    data = json.loads(SAMPLE_PROBLEM.read_text())
    given = problem_from_dict(data, matrix_source=RoadNetworkSource(region, tmp_path))
    assert np.array_equal(named.matrix.duration_s, given.matrix.duration_s)
    assert np.array_equal(named.matrix.distance_m, given.matrix.distance_m)
    same = problem_from_dict(_on_roads(), matrix_source=RoadNetworkSource(region, tmp_path))
    assert np.array_equal(same.matrix.distance_m, given.matrix.distance_m)


@pytest.mark.parametrize(
    ("matrix", "field", "reason"),
    [
        ({"fingerprint": "0" * 16}, "matrix.fingerprint", "not the one the problem was made on"),
        ({"region": "atlantis"}, "matrix.region", "unknown region 'atlantis'"),
        ({"speed_kmh": 30}, "matrix.speed_kmh", ""),
    ],
)
def test_another_road_network_or_a_stray_key_is_refused_by_name(
    tmp_path: Path, matrix: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        problem_from_dict(_on_roads(**matrix), cache_dir=tmp_path)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_region_may_not_swap_the_road_network_a_file_names(tmp_path: Path) -> None:
    other = RoadNetworkSource(load_region("shanghai-central"), tmp_path)
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(_on_roads(), indent=1))
    with pytest.raises(InputFileError, match=r"problem.json:\d+: matrix.region: the problem is measured on"):
        load_problem(path, matrix_source=other)

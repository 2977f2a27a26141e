"""Travel matrices: known distances, integer units, and the detour and speed settings."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.domain import Location
from optimizer.errors import ValidationError
from optimizer.geo.matrices import HaversineSource, TravelMatrix, euclidean_matrix


def test_one_degree_of_latitude_is_about_111_km() -> None:
    matrix = HaversineSource(detour_factor=1.0, speed_kmh=36.0).matrix_for(
        [Location(22.0, 114.0), Location(23.0, 114.0)]
    )
    assert matrix.distance_m[0, 1] == pytest.approx(111_195, abs=5)
    assert matrix.duration_s[0, 1] == pytest.approx(111_195 / 10, abs=1)
    assert matrix.distance_m.dtype == np.int64


def test_detour_factor_scales_distance_and_time() -> None:
    points = [Location(22.70, 114.30), Location(22.72, 114.33), Location(22.69, 114.36)]
    straight = HaversineSource(detour_factor=1.0, speed_kmh=25).matrix_for(points)
    detour = HaversineSource(detour_factor=1.4, speed_kmh=25).matrix_for(points)
    assert np.allclose(detour.distance_m, straight.distance_m * 1.4, atol=1)
    assert np.array_equal(straight.distance_m, straight.distance_m.T)
    assert not np.diag(straight.distance_m).any()


def test_euclidean_matrix_scales_before_rounding() -> None:
    matrix = euclidean_matrix([[0, 0], [3, 4], [1, 1]], scale=100)
    assert matrix.distance_m[0, 1] == 500
    assert matrix.distance_m[0, 2] == 141


@pytest.mark.parametrize(
    "build",
    [
        lambda: TravelMatrix(np.zeros((2, 3), dtype=np.int64), np.zeros((2, 3), dtype=np.int64)),
        lambda: TravelMatrix(np.full((2, 2), -1, dtype=np.int64), np.zeros((2, 2), dtype=np.int64)),
        lambda: TravelMatrix(np.zeros((2, 2)), np.zeros((2, 2))),  # type: ignore[arg-type]
        lambda: HaversineSource(detour_factor=0.5),
        lambda: HaversineSource(speed_kmh=0),
    ],
)
def test_bad_matrices_and_settings_are_rejected(build: object) -> None:
    with pytest.raises(ValidationError):
        build()  # type: ignore[operator]

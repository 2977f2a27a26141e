"""A wheel installed away from the checkout carries what it needs: the bundled regions and the migrations."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from tests.paths import ROOT

USE_THE_WHEEL = """
import json, pathlib, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]  # the unpacked wheel, then the dependencies; no checkout, no .pth
import optimizer
from optimizer import RoutingProblem, load_region, solve, validate
from optimizer.geo.road_matrix import RoadNetworkSource
from optimizer.demand import DemandSpec, generate_returns
from api.store import Store

region = load_region("shanghai-central")
returns = generate_returns(region, DemandSpec(returns=5), seed=3)
depots = region.sites.depots
from optimizer.fleet import FleetSpec
couriers = FleetSpec(1).couriers(depots)
from optimizer.domain import PickupRequest, TimeWindow
requests = [PickupRequest(r.id, r.location, (TimeWindow(9 * 3600, 21 * 3600),), 180, r.parcels()) for r in returns]
problem = RoutingProblem.from_source(depots, couriers, requests, RoadNetworkSource(region, pathlib.Path(sys.argv[3])))
result = solve(problem, time_limit_s=1.0, solution_limit=20)
Store("sqlite:///" + sys.argv[3] + "/wheel.db").migrate()
print(json.dumps({"package": optimizer.__file__, "problems": validate(problem, result),
                  "served": sum(len(r.stops) for r in result.routes)}))
"""


def test_a_wheel_installed_away_from_the_checkout_plans_a_bundled_region_and_migrates(tmp_path: Path) -> None:
    # built from a copy of the sources: a `build/` left in the checkout (stale, renamed files) cannot leak in
    source = tmp_path / "source"
    leftovers = ("build", "*.egg-info", ".git", ".venv*", "results", ".*cache", ".hypothesis", "__pycache__", "*.db*")
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*leftovers))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(source),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("backhaul-*.whl")
    unpacked = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(unpacked)
    assert {"optimizer/py.typed", "optimizer/regions/shenzhen-pingshan/region.toml", "api/migrations/env.py"} <= names
    done = subprocess.run(
        [sys.executable, "-S", "-c", USE_THE_WHEEL, str(unpacked), sysconfig.get_paths()["purelib"], str(tmp_path)],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["package"].startswith(str(unpacked)), "the wheel's copy was used, not the checkout"
    assert report["problems"] == []
    assert report["served"] == 5

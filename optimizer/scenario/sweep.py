"""Sweeps: one scenario key varied over values and seeds, run in parallel.

Sweeps: one scenario file, one key varied over several values, several seeds each, run in parallel
locally (a process pool) or on a Dask distributed cluster; the results do not depend on where they ran.
"""

from __future__ import annotations

import csv
import ctypes
import json
import os
import sys
import tomllib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optimizer.errors import InputFileError, ValidationError
from optimizer.scenario.spec import spec_from_toml

M_TRIM_THRESHOLD = -1
"""glibc's mallopt parameter number for the trim threshold."""
SWEPT_KPIS = ("cost_per_processed_return_cents", "pickups_in_slot_pct", "courier_km", "co2_kg", "unplaced_returns")


@dataclass(frozen=True)
class Run:
    """One variant and seed of a sweep: the scenario's TOML data with the key set, and its seed."""

    key: str
    value: Any
    replication: int
    data: dict[str, Any]
    name: str
    folder: str
    """Where the scenario file is (a demand file is relative to it)."""


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """`fleet.couriers_per_depot=6,8,10` -> the dotted key and its values (TOML literals: 6, 1.5, true, "x")."""
    key, sep, values = text.partition("=")
    if not sep or not key.strip() or not values.strip():
        raise ValidationError("--vary", f"must be KEY=V1,V2,..., got {text!r}")
    parsed = []
    for raw in values.split(","):
        try:
            parsed.append(tomllib.loads(f"v = {raw.strip()}")["v"])
        except tomllib.TOMLDecodeError:
            parsed.append(raw.strip())
    return key.strip(), parsed


def runs(path: Path, key: str, values: Sequence[Any], replications: int) -> list[Run]:
    """Every (value, replication) of the sweep; each checked now, so a bad key fails before any runs."""
    try:
        base = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputFileError(f"{path}: {error}") from None
    found = []
    for value in values:
        for replication in range(replications):
            data = json.loads(json.dumps(base, default=str))  # a deep copy; dates become text, restored below
            data["date"] = base["date"]
            table = data
            *parents, leaf = key.split(".")
            for part in parents:
                table = table.setdefault(part, {})
            table[leaf] = value
            data["seed"] = int(base.get("seed", 0)) + replication
            try:
                spec_from_toml(data, name=path.stem, folder=path.parent)
            except ValidationError as error:
                raise InputFileError(f"{path}: with {key}={value!r}: {error}") from None
            found.append(Run(key, value, replication, data, path.stem, str(path.parent)))
    return found


def _relax_malloc_trim() -> None:
    """Undo a tiny glibc trim threshold (Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 for its workers).

    With it, returning memory to the system after every small free slowed a simulation by about 30 %
    (measured: 23 s -> 30 s for 4 runs); glibc's own default adapts the threshold instead.
    """
    if not sys.platform.startswith("linux") or int(os.environ.get("MALLOC_TRIM_THRESHOLD_", "0") or 0) >= 2**26:
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_TRIM_THRESHOLD, 2**26)
    except (OSError, AttributeError):
        return  # not glibc: nothing to undo


def run_one(run: Run, cache_dir: str | None) -> dict[str, Any]:
    """Simulate one run and return its KPIs (plain data: it crosses process and network boundaries)."""
    from optimizer.scenario.simulation import simulate  # loaded in the worker

    if "MALLOC_TRIM_THRESHOLD_" in os.environ:
        _relax_malloc_trim()
    spec = spec_from_toml(run.data, name=run.name, folder=Path(run.folder))
    kpis = simulate(spec, cache_dir=Path(cache_dir) if cache_dir else None).kpis()
    return {"value": run.value, "replication": run.replication, "seed": spec.seed, **kpis}


def run_local(all_runs: Sequence[Run], cache_dir: Path | None, workers: int | None = None) -> list[dict[str, Any]]:
    """Run every variant and seed in a local process pool; rows in the order of `all_runs`."""
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        return list(pool.map(run_one, all_runs, [str(cache_dir) if cache_dir else None] * len(all_runs)))


def run_dask(all_runs: Sequence[Run], cache_dir: Path | None, address: str) -> list[dict[str, Any]]:
    """The same runs on a Dask distributed cluster (one task per run)."""
    from distributed import Client

    with Client(address) as client:  # type: ignore[no-untyped-call]
        futures = client.map(run_one, list(all_runs), cache_dir=str(cache_dir) if cache_dir else None, pure=False)
        results: list[dict[str, Any]] = client.gather(futures)
    return results


def write_sweep(results: Sequence[dict[str, Any]], key: str, out: Path) -> None:
    """`sweep.json`, `sweep.csv` (one row per run) and `sweep.png` (each KPI against the value, min-max spread)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps({"key": key, "runs": list(results)}, indent=2, default=str) + "\n")
    columns = [
        "value",
        "replication",
        "seed",
        *SWEPT_KPIS,
        "baseline_cost_per_processed_return_cents",
        "saved_per_processed_return_pct",
    ]
    with (out / "sweep.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in results:
            writer.writerow([row[c] for c in columns])
    values = list(dict.fromkeys(row["value"] for row in results))
    figure, axes = plt.subplots(1, len(SWEPT_KPIS), figsize=(3.4 * len(SWEPT_KPIS), 3.4))
    for axis, kpi in zip(axes, SWEPT_KPIS, strict=True):
        groups = [[float(r[kpi]) for r in results if r["value"] == v] for v in values]
        middle = np.array([np.median(g) for g in groups])
        low = middle - np.array([min(g) for g in groups])
        high = np.array([max(g) for g in groups]) - middle
        axis.errorbar(range(len(values)), middle, yerr=[low, high], marker="o", capsize=4)
        axis.set_xticks(range(len(values)), [str(v) for v in values])
        axis.set_xlabel(key, fontsize=8)
        axis.set_title(kpi.replace("_", " "), fontsize=9)
    figure.tight_layout()
    figure.savefig(out / "sweep.png", dpi=110)
    plt.close(figure)

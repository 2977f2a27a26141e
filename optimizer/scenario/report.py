"""Scenario outputs: KPIs, an offline HTML report and comparisons.

Scenario outputs: `kpis.json`, an offline HTML report (an interactive map of the routes along the
roads, drawn by `optimizer.maps`, and charts as embedded images), and the tables and chart of a
comparison. Nothing is fetched at view time: the report opens without a network.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt
import numpy as np

from optimizer.geo.route_shapes import loops_geojson
from optimizer.maps.document import CenterLoad, Flow, map_document, plan_layer
from optimizer.maps.page import head, map_section
from optimizer.scenario.kpis import KPI_ROWS, CostSplit
from optimizer.scenario.simulation import ScenarioResult


def format_kpi(value: float, style: str) -> str:
    """A KPI value printed in its row's style (`cents`: yuan with fen; `cents_total`: whole yuan)."""
    if style == "cents":
        return f"{value / 100:,.2f}"
    if style == "cents_total":
        return f"{value / 100:,.0f}"
    return style.format(value)


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def route_map(result: ScenarioResult) -> dict[str, Any]:
    """The busiest day's routes of both designs along the roads, their flows to the centers, the centers' load."""
    region = result.region
    plans = [
        plan_layer(
            design.name,
            loops_geojson(region.road_graph, design.routes),
            [Flow(origin, target, count) for origin, target, count in design.flows],
        )
        for design in (result.optimised, result.baseline)
    ]
    centers = [CenterLoad(c.id, c.capacity, c.used) for c in result.optimised.kpis.centers]
    title = f"{result.spec.name}: the busiest day's routes"
    return map_document(region, plans, title=title, centers=centers, centers_title="Centers (Backhaul, all dates)")


def charts_png(result: ScenarioResult) -> bytes:
    """Cost per processed return split by part, both designs; returns processed and waiting per day."""
    figure, (costs, centers) = plt.subplots(1, 2, figsize=(12, 4.5))
    designs = (result.optimised, result.baseline)
    parts = [name for name in CostSplit.__dataclass_fields__ if name != "total"]
    bottom = np.zeros(2)
    below = np.zeros(2)
    for part in parts:
        values = np.array([getattr(d.kpis.cost_cents, part) / max(1, d.kpis.returns_processed) / 100 for d in designs])
        base = np.where(values >= 0, bottom, below)
        costs.bar([d.name for d in designs], values, bottom=base, label=part.replace("_", " "))
        bottom += np.maximum(values, 0)
        below += np.minimum(values, 0)
    costs.axhline(0, color="black", linewidth=0.5)
    costs.set_ylabel("yuan per processed return")
    costs.set_title("Cost per processed return")
    costs.legend(fontsize=8)
    dates = [d.date[5:] for d in result.optimised.kpis.days]
    capacity = [sum(c.capacity for c in d.centers) for d in result.optimised.kpis.days]
    centers.plot(dates, capacity, color="black", linestyle="--", linewidth=0.8, label="capacity")
    for design in designs:
        line = centers.plot(dates, [sum(c.used for c in d.centers) for d in design.kpis.days], label=f"{design.name}")
        backlog = [d.backlog_end for d in design.kpis.days]
        centers.plot(dates, backlog, color=line[0].get_color(), linestyle=":", label=f"{design.name}: backlog")
    centers.set_ylabel("returns")
    centers.set_title("Processed per day, and returns due but waiting")
    centers.tick_params(axis="x", labelrotation=45, labelsize=7)
    centers.legend(fontsize=8)
    return _png(figure)


STYLE = (
    "body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}.bh-frame .bh-map{height:640px}"
    ".bh-frame{border:1px solid #ccc}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}img{max-width:100%}"
)


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def report_html(result: ScenarioResult) -> str:
    """The whole report as one self-contained HTML page."""
    mine_kpis, base = result.optimised.kpis, result.baseline.kpis
    rows = []
    for row in KPI_ROWS:
        mine, theirs = row.read(mine_kpis), row.read(base)
        delta = f"{100 * (mine - theirs) / abs(theirs):+.1f} %" if theirs else ""
        rows.append(
            f"<tr><td>{html.escape(row.label)}</td><td>{format_kpi(mine, row.style)}</td>"
            f"<td>{format_kpi(theirs, row.style)}</td><td>{delta}</td></tr>"
        )
    centers = "".join(
        f"<tr><td>{c.id}</td><td>{c.capacity:,}</td><td>{c.used:,}</td><td>{b.used:,}</td></tr>"
        for c, b in zip(mine_kpis.centers, base.centers, strict=True)
    )
    days = "".join(
        f"<tr><td>{d.date}</td><td>{d.returns:,}</td><td>{sum(c.used for c in d.centers):,}</td>"
        f"<td>{sum(c.used for c in b.centers):,}</td><td>{d.backlog_end:,}</td><td>{b.backlog_end:,}</td></tr>"
        for d, b in zip(mine_kpis.days, base.days, strict=False)
    )
    span = f", {result.spec.days} days" if result.spec.days > 1 else ""
    heading = f"{result.spec.name}: {result.spec.region}, {result.spec.day}{span}"
    title = html.escape(heading)
    co2 = ", ".join(f"{v.name} {v.co2_g_per_km:g} g" for v, _ in result.spec.fleet.types())
    return f"""<!doctype html>
<html lang="en"><head>{head(heading, STYLE)}</head><body>
<h1>{title}</h1>
<p>Seed {result.spec.seed}; simulated in {result.runtime_s:.0f} s. Backhaul saves
<b>{result.saved_per_processed_return_pct:.1f} %</b> per processed return against today's practice on the same
shoppers (nearest capable center with room, else the next-nearest, else the queue; same cost model).</p>
<h2>KPIs</h2>
<table id="kpis"><tr><th>KPI</th><th>Backhaul</th><th>today's practice</th><th>change</th></tr>
{"".join(rows)}</table>
<h2>Map</h2>
<p>The busiest day's routes along the roads; choose the design on the right. Red bands: returns sent to each
center (width = returns). Scroll or use + and − to zoom, drag to move, click a route to zoom to it.</p>
<div class="bh-frame">{map_section(route_map(result))}</div>
<h2>Charts</h2>
{_img(charts_png(result), "cost per processed return and returns processed per day")}
<h2>Days</h2>
<table id="days"><tr><th>date</th><th>returns collected</th><th>processed (Backhaul)</th>
<th>processed (today)</th><th>backlog at the end (Backhaul)</th><th>backlog at the end (today)</th></tr>
{days}</table>
<h2>Processing centers</h2>
<table id="centers"><tr><th>center</th><th>capacity over the dates</th><th>processed (Backhaul)</th>
<th>processed (today)</th></tr>
{centers}</table>
<p>Returns not processed (Backhaul): {html.escape(json.dumps(dict(mine_kpis.unplaced_reasons)))}.
CO2 uses each vehicle type's grams per km ({html.escape(co2)}). Roads (c) OpenStreetMap contributors (ODbL).</p>
</body></html>
"""


def write_run(result: ScenarioResult, out: Path) -> None:
    """`out/kpis.json` and `out/report.html`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "kpis.json").write_text(json.dumps(result.kpis(), indent=2) + "\n", encoding="utf-8")
    (out / "report.html").write_text(report_html(result), encoding="utf-8")


def comparison_rows(results: Sequence[ScenarioResult]) -> list[dict[str, Any]]:
    """One row per KPI: each scenario's value, and the change from the first (absolute and percent)."""
    rows = []
    for kpi in KPI_ROWS:
        values = [kpi.read(r.optimised.kpis) for r in results]
        row: dict[str, Any] = {"kpi": kpi.label.strip(), "key": kpi.key}
        for r, v in zip(results, values, strict=True):
            row[r.spec.name] = v
        first = values[0]
        for r, v in zip(results[1:], values[1:], strict=True):
            row[f"delta {r.spec.name}"] = v - first
            row[f"delta % {r.spec.name}"] = round(100 * (v - first) / abs(first), 2) if first else None
        rows.append(row)
    return rows


def write_comparison(results: Sequence[ScenarioResult], out: Path, stem: str = "compare") -> None:
    """`stem.json`, `stem.csv` and `stem.png` (the main KPIs side by side) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    rows = comparison_rows(results)
    (out / f"{stem}.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    with (out / f"{stem}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    keys = ("cost_per_processed_return_cents", "pickups_in_slot_pct", "courier_km", "co2_kg", "days_to_inspection_p95")
    charted = [kpi for kpi in KPI_ROWS if kpi.key in keys]
    figure, axes = plt.subplots(1, len(charted), figsize=(3.2 * len(charted), 3.5))
    for axis, kpi in zip(axes, charted, strict=True):
        axis.bar([r.spec.name for r in results], [kpi.read(r.optimised.kpis) for r in results], color="#2c7fb8")
        axis.set_title(kpi.key.replace("_", " "), fontsize=9)
        axis.tick_params(axis="x", labelrotation=30, labelsize=7)
    (out / f"{stem}.png").write_bytes(_png(figure))

"""HTML pages around `map.js`: an offline map with its data inside, and the planner's page of the API.

Both pages carry the renderer and its stylesheet inline and load nothing from elsewhere (no remote
scripts, tiles or fonts), so a saved page opens without a network.
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def _asset(name: str) -> str:
    return (files("optimizer.maps") / name).read_text(encoding="utf-8")


def _script_json(document: dict[str, Any]) -> str:
    """JSON safe inside a `<script>` element (no `</` can close it early)."""
    return json.dumps(document, separators=(",", ":")).replace("</", "<\\/")


def map_section(document: dict[str, Any], element_id: str = "map") -> str:
    """A `<div>` drawn as the map of `document`, with its data and the call that draws it."""
    data_id = f"{element_id}-data"
    return (
        f'<div id="{element_id}" class="bh-host"></div>\n'
        f'<script type="application/json" id="{data_id}">{_script_json(document)}</script>\n'
        f"<script>BackhaulMap.render(document.getElementById({json.dumps(element_id)}), "
        f"JSON.parse(document.getElementById({json.dumps(data_id)}).textContent));</script>"
    )


def head(title: str, extra_style: str = "") -> str:
    """The `<head>` of a page that draws maps: the title, the map stylesheet and the renderer."""
    return (
        f'<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_asset('map.css')}{extra_style}</style>"
        f"<script>{_asset('map.js')}</script>"
    )


def map_html(document: dict[str, Any]) -> str:
    """A whole page showing one map, for `backhaul route --map`."""
    body = map_section(document)
    return f'<!doctype html>\n<html lang="en"><head>{head(document["title"])}</head><body>\n{body}\n</body></html>\n'


def planner_html() -> str:
    """The planner's page: asks for an operator key and a day, then draws `GET /v1/days/{date}/map`."""
    return f"""<!doctype html>
<html lang="en"><head>{head("Backhaul: the day's routes", ".bh-host .bh-map{height:calc(100vh - 60px)}")}</head><body>
<form class="bh-form" id="load">
<label>Operator key <input id="key" type="password" autocomplete="current-password" required></label>
<label>Day <input id="day" type="date" required></label>
<button type="submit">Show routes</button>
</form>
<div class="bh-status" id="status" role="status"></div>
<div id="map" class="bh-host"></div>
<script>{_asset("planner.js")}</script>
</body></html>
"""

"""`/planner`: the planners' page, which draws a day's routes and the centers' load from `/v1/days/{date}/map`.

The page itself holds no data and needs no key: it asks for an operator key and sends it with the
map request, so what it shows is only what that key may read.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from optimizer.maps.page import planner_html

router = APIRouter(tags=["plans"])


@router.get("/planner", operation_id="planner_page", response_class=HTMLResponse, include_in_schema=False)
def planner_page() -> HTMLResponse:
    """The planners' page (HTML, no data inside; everything it loads comes from this server)."""
    return HTMLResponse(planner_html(), headers={"Cache-Control": "no-cache"})

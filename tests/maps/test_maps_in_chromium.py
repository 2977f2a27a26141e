"""The maps in a real browser (Debian's Chromium, driven by Playwright): no console errors, every courier
drawn on screen and listed, the controls work. Each test keeps a screenshot in `test-artifacts/`."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from api.main import create_app
from optimizer.scenario.simulation import ScenarioResult
from tests.api.api_client import OPERATOR, PLATFORM, free_port, return_fields, settings, slot, tomorrow
from tests.paths import ARTIFACTS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
QUIET_START = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must test the maps in a browser: no chromium (.ci/run installs Debian's package)")
        pytest.skip("no chromium on this machine (apt-get install chromium; .ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=[*QUIET_START, "--disable-sync"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page of 1400 x 900 pixels and the console errors and uncaught exceptions it has seen."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
    opened = context.new_page()
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    opened.on("console", console)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened, problems
    context.close()


def _keep_screenshot(page: Page, name: str) -> Path:
    folder = Path(os.environ.get("BACKHAUL_TEST_ARTIFACTS", ARTIFACTS)) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000  # a drawn map, not a blank page
    return path


def _assert_every_courier_shown(page: Page, couriers: list[str]) -> None:
    stage = page.locator(".bh-stage").first.bounding_box()
    assert stage is not None
    for courier in couriers:
        route = page.locator(f'svg .bh-plan[display="inline"] [data-courier="{courier}"] path.bh-route')
        assert route.count() == 1, courier
        box = route.bounding_box()
        assert box is not None, courier
        assert box["width"] + box["height"] > 2, courier
        assert box["x"] < stage["x"] + stage["width"], f"{courier} is drawn off screen"
        assert box["x"] + box["width"] > stage["x"], f"{courier} is drawn off screen"
        assert box["y"] < stage["y"] + stage["height"], f"{courier} is drawn off screen"
        assert box["y"] + box["height"] > stage["y"], f"{courier} is drawn off screen"
        assert page.locator(f'li[data-courier="{courier}"]').is_visible(), courier
    assert page.locator("svg path.bh-road").count() == 2


def test_route_map_opens_offline_shows_every_courier_and_zooms_to_one(
    page: tuple[Page, list[str]], route_map: tuple[Path, list[str]]
) -> None:
    tab, problems = page
    file, couriers = route_map
    tab.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else route.continue_())
    tab.goto(file.as_uri())
    _assert_every_courier_shown(tab, couriers)
    before = tab.locator(f'svg [data-courier="{couriers[0]}"] path.bh-route').bounding_box()
    tab.locator(f'li[data-courier="{couriers[0]}"] button').click()
    after = tab.locator(f'svg [data-courier="{couriers[0]}"] path.bh-route').bounding_box()
    assert before is not None
    assert after is not None
    assert after["width"] * after["height"] > before["width"] * before["height"]  # zoomed in on that route
    tab.locator(f'li[data-courier="{couriers[-1]}"] input').uncheck()
    assert not tab.locator(f'svg [data-courier="{couriers[-1]}"] path.bh-route').is_visible()
    tab.get_by_role("button", name="fit").click()
    _keep_screenshot(tab, "route-map")
    assert problems == []


def test_scenario_report_shows_every_route_of_both_designs(
    page: tuple[Page, list[str]], scenario_report: tuple[Path, ScenarioResult]
) -> None:
    tab, problems = page
    file, result = scenario_report
    tab.goto(file.as_uri())
    tab.locator(".bh-frame").scroll_into_view_if_needed()
    for design in (result.optimised, result.baseline):
        tab.get_by_role("radio", name=design.name).check()
        _assert_every_courier_shown(tab, [f"route {k}" for k in range(1, len(design.routes) + 1)])
    _keep_screenshot(tab, "scenario-report")
    assert problems == []


@contextmanager
def _serving(database_url: str) -> Iterator[str]:
    """The API in this process (uvicorn on a thread) on a free port, until the block ends."""
    app = create_app(settings(database_url, couriers_per_depot=2, vehicle_parcels=5))  # 14 pickups need 3+ vans
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the API did not start"
        assert time.monotonic() < deadline, "the API did not start in time"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_the_planners_page_draws_the_days_routes_with_an_operator_key(
    page: tuple[Page, list[str]], tmp_path: Path
) -> None:
    tab, problems = page
    with _serving(f"sqlite:///{tmp_path / 'backhaul.db'}") as url:
        for k in range(14):
            origin = {"lat": 31.2260 + 0.0007 * k, "lon": 121.4690 + 0.0006 * (k % 5)}
            body: dict[str, Any] = {"slot_id": slot(9 + 2 * (k % 5)), **return_fields(origin=origin)}
            assert httpx.post(f"{url}/v1/pickups", json=body, headers=PLATFORM, timeout=30).status_code == 201
        day = tomorrow().isoformat()
        live = httpx.get(f"{url}/v1/days/{day}/routes", headers=OPERATOR, timeout=30).json()["routes"]
        couriers = [route["courier_id"] for route in live]
        assert len(couriers) >= 2
        tab.goto(f"{url}/planner?date={day}")
        tab.fill("#key", "not-a-key")
        tab.get_by_role("button", name="Show routes").click()
        tab.wait_for_function("document.getElementById('status').textContent.startsWith('401')")
        problems.clear()  # the browser reports the refused request itself
        tab.fill("#key", OPERATOR["X-API-Key"])
        tab.get_by_role("button", name="Show routes").click()
        tab.wait_for_selector("li[data-courier]")
        _assert_every_courier_shown(tab, couriers)
        assert tab.locator("table.bh-centers tr").count() == len(
            httpx.get(f"{url}/v1/days/{day}/map", headers=OPERATOR, timeout=30).json()["centers"]
        )
        _keep_screenshot(tab, "planner-page")
    assert problems == []

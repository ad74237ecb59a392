"""The SolaraViz page served by the real ``solara run simulations/app.py``, without internet.

Trainers start the page in training rooms behind a firewall: every file the browser needs must
come from the local server. Solara's front end normally comes from cdn.jsdelivr.net; the package
``solara-assets`` puts it into the environment (``<prefix>/share/solara/cdn``), where the asset
proxy of ``solara run`` finds it. The test starts the server on a free loopback port in a
temporary folder (home and config folders there too), drives the page in headless Debian Chromium
(Playwright) - render, play, pause, step, move a sidebar slider, reset - and checks that the map
picture changes and that nothing left 127.0.0.1: the browser blocks and records every other host,
and the server log must not mention the CDN (the proxy asks it for every file it lacks).
Every wait is bounded: server start 40 s, browser session 65 s, server stop 10 s.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest


pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "simulations" / "app.py"
START_SECONDS = 40
SESSION_SECONDS = 65
#: Hosts the page may reach; ``data:`` and ``blob:`` URLs have none.
LOCAL_HOSTS = {"127.0.0.1", ""}


@dataclass
class Server:
    url: str
    log: Path
    root: Path
    foreign: list[str] = field(default_factory=list)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(server: subprocess.Popen) -> None:
    """End the server and everything it started (its own process group), bounded."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            pass
        try:
            server.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def solara_server(tmp_path_factory: pytest.TempPathFactory, chromium: dict) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("solara")
    home = base / "home"
    # Solara's one-time "installation check" (hidden iframes to solara.dev on a machine's first
    # `solara run` in development mode; not part of the page) is off under pytest only through
    # PYTEST_CURRENT_TEST. The server runs without that variable, as for a trainer; this marker
    # is what Solara leaves after its check. (`solara run --production` skips the check.)
    (home / ".solara").mkdir(parents=True)
    (home / ".solara" / ".solara_checked").write_text("")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache"), "XDG_DATA_HOME": str(home / ".local/share"),
           "MPLCONFIGDIR": str(base / "matplotlib"), "IPYTHONDIR": str(base / "ipython"),
           "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
           "JUPYTER_CONFIG_DIR": str(base / "config"), "JUPYTER_DATA_DIR": str(base / "data"),
           "PYTHONUNBUFFERED": "1"}
    for name in ("PYTEST_CURRENT_TEST", "SOLARA_HOME", "SOLARA_APP", "MPLBACKEND"):
        env.pop(name, None)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = base / "server.log"
    # The trainers' command, plus loopback host, a free port and no browser of its own.
    command = [sys.executable, "-m", "solara", "run", str(APP), "--host", "127.0.0.1",
               "--port", str(port), "--no-open"]
    with log_path.open("w") as log:
        server = subprocess.Popen(command, env=env, cwd=base, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("solara run did not answer: "
                                   + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.3)
        yield Server(url, log_path, base)
    finally:
        _stop(server)


class Budget:
    """One deadline for the whole browser session; every wait takes from it."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left_ms(self) -> float:
        return max(1.0, (self.end - time.monotonic()) * 1000)

    def until(self, condition: Callable[[], bool], what: str) -> None:
        """Poll ``condition()`` until it holds; fail saying ``what`` when the budget is spent."""
        while not condition():
            if time.monotonic() > self.end:
                raise AssertionError(f"{what} (within {SESSION_SECONDS} s)")
            time.sleep(0.2)


def _readout(page) -> dict[str, str]:
    """The German readout table next to the map, label -> shown value ({} before it exists)."""
    rows = page.locator(".kokosim-readout tr").evaluate_all(
        "rows => rows.map(row => Array.from(row.cells, cell => cell.textContent.trim()))")
    return {cells[0]: cells[1] for cells in rows if len(cells) == 2}


def _count(page, label: str) -> int:
    return int(re.sub(r"\D", "", _readout(page)[label]))


def _trainer_session(page, server: Server, budget: Budget) -> None:
    """Open the page, play, pause, step, move a sidebar slider, reset; the map changes."""
    page.goto(server.url + "/", wait_until="commit", timeout=budget.left_ms())
    picture = page.locator("img.solara-image").first
    # Both appear only once Solara's front end (the former CDN files) has loaded.
    budget.until(picture.is_visible, "the map picture did not appear")
    budget.until(lambda: "Woche" in _readout(page), "the readout did not appear")
    assert _count(page, "Woche") == 0
    start = picture.screenshot()

    page.get_by_role("button", name="▶").click(timeout=budget.left_ms())
    pause = page.get_by_role("button", name="❚❚")
    budget.until(pause.is_visible, "play did not turn into pause")
    budget.until(lambda: _count(page, "Woche") >= 2, "play did not advance the weeks")
    pause.click(timeout=budget.left_ms())
    budget.until(page.get_by_role("button", name="▶").is_visible, "pause did not stop")
    budget.until(lambda: picture.screenshot() != start, "the map did not change while playing")

    week = _count(page, "Woche")
    page.get_by_role("button", name="Step").click(timeout=budget.left_ms())
    # A week already under way when pause was pressed may still arrive: at least one more week.
    budget.until(lambda: _count(page, "Woche") >= week + 1, "Step did not advance the week")

    residents = _count(page, "Bewohner:innen")
    slider = page.get_by_role("slider", name="Breite (Zellen)")
    width = int(slider.get_attribute("aria-valuenow", timeout=budget.left_ms()))
    slider.scroll_into_view_if_needed(timeout=budget.left_ms())
    box = slider.bounding_box(timeout=budget.left_ms())
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y, steps=5)
    page.mouse.up()
    budget.until(lambda: int(slider.get_attribute("aria-valuenow")) > width,
                 "the slider did not move")
    before_reset = picture.screenshot()
    page.get_by_role("button", name="Reset").click(timeout=budget.left_ms())
    # SolaraViz applies the sidebar sliders on Reset: a wider neighbourhood, back at week 0.
    budget.until(lambda: _count(page, "Woche") == 0
                 and _count(page, "Bewohner:innen") > residents,
                 "Reset did not start the wider neighbourhood")
    budget.until(lambda: picture.screenshot() != before_reset, "the map did not change on Reset")
    page.screenshot(path=str(server.root / "solara.png"), full_page=True)


def test_page_works_offline_play_step_slider_reset(solara_server: Server, chromium: dict) -> None:
    from playwright.sync_api import sync_playwright

    def local(url: str) -> bool:
        return (urlsplit(url).hostname or "") in LOCAL_HOSTS

    def only_local(route) -> None:
        if local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def record(url: str) -> None:
        if not local(url):
            solara_server.foreign.append(url)

    budget = Budget(SESSION_SECONDS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium, timeout=20_000)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(10_000)  # single actions; waits use the budget
            context.on("request", lambda request: record(request.url))
            context.route("**/*", only_local)
            page = context.new_page()
            page.on("websocket", lambda websocket: record(websocket.url))
            try:
                _trainer_session(page, solara_server, budget)
            except Exception as error:
                error.add_note("solara server log (end):\n" + solara_server.log_text()[-3000:])
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(solara_server.root / "failure.png"),
                                    full_page=True, timeout=5_000)
                raise
        finally:
            browser.close()
    assert solara_server.foreign == [], "requests left 127.0.0.1"
    assert "cdn.jsdelivr.net" not in solara_server.log_text(), "the server asked the CDN"

"""A trainer's session in a real browser: JupyterLab, headless Debian Chromium, Playwright.

Opens a copy of a simulation notebook (the server never writes into the repository), runs all
cells, presses play, moves a slider and presses the shock button while the model runs, and checks
that the readout and the picture changed. A screenshot is saved in the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "01_neue_unterkunft.ipynb"
TIMEOUT_MS = 90_000
#: JupyterLab user settings: start the notebook's kernel without a "Select Kernel" dialog, and
#: no news pop-up over the page.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}


@dataclass
class Lab:
    url: str
    token: str
    root: Path

    def api(self, method: str, path: str) -> object:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, chromium: dict) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    root.mkdir()
    shutil.copy(ROOT / "simulations" / NOTEBOOK, root / NOTEBOOK)
    settings = base / "settings"
    for plugin, values in SETTINGS.items():
        target = settings / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    token, port = secrets.token_hex(16), _free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
           "JUPYTER_CONFIG_DIR": str(base / "config"), "JUPYTER_DATA_DIR": str(base / "data"),
           "IPYTHONDIR": str(base / "ipython")}
    env.pop("MPLBACKEND", None)  # the notebook keeps its default (inline) backend
    command = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.open_browser=False", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               f"--LabApp.workspaces_dir={base / 'workspaces'}",
               f"--LabApp.user_settings_dir={settings}", "--LabApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = (base / "server.log").open("w")
    server = subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    instance = Lab(f"http://127.0.0.1:{port}", token, base)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                instance.api("GET", "/api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start: "
                                       + (base / "server.log").read_text()[-2000:]) from None
                time.sleep(0.3)
        # A kernel left over from an earlier run broke sessions: start from none.
        for session in instance.api("GET", "/api/sessions"):
            instance.api("DELETE", f"/api/sessions/{session['id']}")
        yield instance
    finally:
        try:
            instance.api("POST", "/api/shutdown")
            server.wait(timeout=15)
        except (urllib.error.URLError, ConnectionError, subprocess.TimeoutExpired):
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.close()


#: True once the open notebook's kernel is connected and idle (``window.jupyterapp`` is exposed).
KERNEL_READY = """() => {
    const kernel = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
    return !!kernel && kernel.status === "idle" && kernel.connectionStatus === "connected";
}"""


def _readout(page) -> str:
    # textContent, not innerText: JupyterLab may skip the layout of cells out of view
    return page.locator(".kokosim-readout").text_content()


def _week(page) -> int:
    return int(re.search(r"Woche\s*(\d+)", _readout(page)).group(1))


def _trainer_session(page, lab: Lab) -> None:
    """What a trainer does: open, run all, play, move a slider, trigger an event, pause."""
    from playwright.sync_api import expect

    page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?token={lab.token}")
    page.wait_for_function(KERNEL_READY)  # "Run All" before the kernel is ready does nothing
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    picture = page.locator("img.kokosim-picture")
    picture.wait_for(state="attached")
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
    picture.scroll_into_view_if_needed()
    expect(page.locator(".kokosim-readout")).to_contain_text("Woche")
    first_src = picture.get_attribute("src")
    first_week = _week(page)

    page.locator(".kokosim-play").click()  # the model plays; the kernel stays free
    expect(page.locator(".kokosim-pause")).to_be_enabled()
    deadline = time.monotonic() + 60
    while _week(page) < first_week + 2 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert _week(page) >= first_week + 2, "play did not advance the weeks"

    handle = page.locator(".kokosim-param-conflict_managers .noUi-handle")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2,
                    steps=5)
    page.mouse.up()
    expect(page.locator(".kokosim-readout")).to_contain_text("Konfliktmanager:innen = ")

    before_shock = picture.screenshot()
    page.locator(".kokosim-shock").click()
    expect(page.locator(".kokosim-readout")).to_contain_text("Extremereignis ausgelöst")
    page.locator(".kokosim-pause").click()
    expect(page.locator(".kokosim-play")).to_be_enabled()

    shock_week = re.search(r"Extremereignisse in Woche\s*(\d+)", _readout(page))
    assert shock_week and int(shock_week.group(1)) >= first_week + 2
    assert picture.get_attribute("src") != first_src
    picture.scroll_into_view_if_needed()
    assert picture.screenshot() != before_shock
    page.screenshot(path=str(lab.root / "dashboard.png"), full_page=True)
    assert (lab.root / "dashboard.png").stat().st_size > 10_000


def test_trainer_plays_moves_a_slider_and_triggers_an_event(lab: Lab, chromium: dict) -> None:
    from playwright.sync_api import sync_playwright

    assert lab.api("GET", "/api/sessions") == []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        try:
            _trainer_session(page, lab)
        except Exception:
            page.screenshot(path=str(lab.root / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()

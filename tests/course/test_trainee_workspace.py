"""The trainee's JupyterLab is German and shows only what a trainee uses; staff get their tools.

One folder per role in ``jupyter/`` holds the Jupyter settings (jupyter/README.md): ``make lab``,
Binder's ``start`` and the hub's trainee role use ``jupyter/trainee``; ``make autor`` and the
hub's staff role use ``jupyter/staff``. The fast tests below check that every consumer points at
those folders and that no copy of a setting lives anywhere else; the server tests start
JupyterLab exactly as ``make -n lab`` / ``make -n autor`` print it (same environment, same
settings folders; a temporary notebook folder, HOME and runtime dirs, a token, a free loopback
port) and look at it in headless Chromium.
"""

from __future__ import annotations

import json
import os
import runpy
import secrets
import shlex
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
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "jupyter"
VENV = Path(sys.prefix)
NOTEBOOK = "01_konflikte_in_der_demokratie.ipynb"
TIMEOUT_MS = 60_000
#: nbgrader's instructor tools: JupyterLab plugins and server extensions a trainee never sees.
INSTRUCTOR_PLUGINS = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list",
                      "@jupyter/nbgrader:create-assignment"}
#: Trainees use the exchange (Assignments tab, under the "Nbgrader" menu) only on the hub.
EXCHANGE_PLUGINS = {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu"}
INSTRUCTOR_SERVER = {"nbgrader.server_extensions.formgrader",
                     "nbgrader.server_extensions.course_list"}
EXCHANGE_SERVER = {"nbgrader.server_extensions.assignment_list"}


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def make_line(target: str) -> list[str]:
    """The JupyterLab command line of ``make TARGET``, as ``make -n`` prints it."""
    if shutil.which("make") is None:
        pytest.skip("make fehlt")
    printed = subprocess.run(["make", "-n", "-s", "--no-print-directory", target], cwd=ROOT,
                             capture_output=True, text=True, check=True, timeout=60).stdout
    lines = [line for line in printed.splitlines() if "bin/jupyter lab " in line]
    assert len(lines) == 1, printed
    return shlex.split(lines[0])


def make_config_path(target: str) -> str:
    """JUPYTER_CONFIG_PATH that ``make TARGET`` sets for JupyterLab."""
    line = make_line(target)
    program = next(i for i, word in enumerate(line) if word.endswith("/bin/jupyter"))
    return dict(word.split("=", 1) for word in line[:program])["JUPYTER_CONFIG_PATH"]


# --- one source: every consumer points at jupyter/<role>, nothing is copied ------------------

def test_make_lab_and_make_autor_use_the_role_folders():
    assert make_config_path("lab") == str(SETTINGS / "trainee")
    assert make_config_path("autor") == str(SETTINGS / "staff")


def test_binder_start_uses_the_trainee_folder():
    env = {key: value for key, value in os.environ.items() if key != "JUPYTER_CONFIG_PATH"}
    shown = subprocess.run(["bash", str(ROOT / "start"), "printenv", "JUPYTER_CONFIG_PATH"],
                           env=env, capture_output=True, text=True, check=True,
                           timeout=30).stdout
    assert shown.strip() == str(SETTINGS / "trainee")
    post_build = (ROOT / "postBuild").read_text(encoding="utf-8")
    assert "labextension" not in post_build and "jpserver_extensions" not in post_build


def _hub_environment(monkeypatch, tmp_path, staff: bool) -> dict[str, str]:
    monkeypatch.setenv("KOKOSIM_HUB_STATE", str(tmp_path / "state"))
    config = Config()
    runpy.run_path(str(ROOT / "hub" / "jupyterhub_config.py"),
                   init_globals={"get_config": lambda: config})
    hook = config.Spawner.pre_spawn_hook
    monkeypatch.setitem(hook.__globals__, "is_staff", lambda name: staff)

    class Spawner:  # what pre_spawn_hook reads; the user has no system account here
        user = type("User", (), {"name": "kokosim-test-nobody"})()
        environment: dict[str, str] = {}

    spawner = Spawner()
    spawner.environment = {}
    hook(spawner)
    return spawner.environment


@pytest.mark.parametrize("role", ["trainee", "staff"])
def test_hub_roles_use_the_same_folders(monkeypatch, tmp_path, role):
    env = _hub_environment(monkeypatch, tmp_path, staff=role == "staff")
    assert env["JUPYTER_CONFIG_PATH"].split(":")[:2] == [
        str(ROOT / "hub" / "singleuser" / role), str(SETTINGS / role)]
    values = (ROOT / "hub" / "values.yaml").read_text(encoding="utf-8")
    assert 'f":/srv/kokosim/jupyter/{role}:' in values
    assert "cp -r /srv/kokosim/src/jupyter /srv/kokosim/jupyter" in (
        ROOT / "hub" / "Dockerfile").read_text(encoding="utf-8")


def test_hub_trainee_folder_only_adds_the_exchange():
    """hub/singleuser/trainee re-enables the Assignments tab and repeats nothing else."""
    hub = ROOT / "hub" / "singleuser" / "trainee"
    assert _json(hub / "labconfig" / "page_config.json") == {
        "disabledExtensions": dict.fromkeys(EXCHANGE_PLUGINS, False)}
    assert _json(hub / "jupyter_server_config.json") == {
        "ServerApp": {"jpserver_extensions": dict.fromkeys(EXCHANGE_SERVER, True)}}
    assert not (ROOT / "hub" / "singleuser" / "staff" / "labconfig").exists()


def test_trainee_folder_hides_the_instructor_tools():
    disabled = _json(SETTINGS / "trainee" / "labconfig" / "page_config.json")["disabledExtensions"]
    assert {name for name, off in disabled.items() if off} >= INSTRUCTOR_PLUGINS | EXCHANGE_PLUGINS
    server = _json(SETTINGS / "trainee" / "jupyter_server_config.json")
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert extensions == dict.fromkeys(INSTRUCTOR_SERVER | EXCHANGE_SERVER, False)
    assert not (SETTINGS / "staff" / "labconfig").exists()
    assert not (SETTINGS / "staff" / "jupyter_server_config.json").exists()


def test_each_setting_has_one_file():
    """No second overrides.json or page_config.json drifts away from jupyter/."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    found = sorted(name for name in files
                   if Path(name).name.startswith(("overrides.json", "page_config.json")))
    assert found == ["hub/singleuser/trainee/labconfig/page_config.json",
                     "jupyter/lab-settings/overrides.json",
                     "jupyter/trainee/labconfig/page_config.json"]


def test_overrides_name_settings_this_jupyterlab_knows():
    """A renamed plugin or setting would be ignored silently by JupyterLab: check the schemas."""
    schemas = VENV / "share" / "jupyter" / "lab" / "schemas"
    overrides = _json(SETTINGS / "lab-settings" / "overrides.json")
    assert overrides["@jupyterlab/translation-extension:plugin"] == {"locale": "de_DE"}
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    for plugin, values in overrides.items():
        package, name = plugin.split(":")
        schema = _json(schemas / package / f"{name}.json")
        for key, value in values.items():
            prop = schema["properties"][key]
            allowed = [choice["const"] for choice in prop.get("oneOf", [])]
            assert not allowed or value in allowed, (plugin, key, value)
    from jupyterlab_server.translation_utils import get_language_packs

    assert "de_DE" in get_language_packs()[0]


# --- JupyterLab as the targets start it ------------------------------------------------------

@dataclass
class Lab:
    url: str
    token: str
    base: Path
    log: Path

    def status(self, path: str) -> int:
        request = urllib.request.Request(f"{self.url}{path}",
                                         headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def get(self, path: str) -> str:
        request = urllib.request.Request(f"{self.url}{path}",
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode("utf-8")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _page_config(lab: Lab) -> dict:
    html = lab.get("/lab")
    start = html.index('<script id="jupyter-config-data" type="application/json">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


@pytest.fixture
def start_lab(tmp_path: Path) -> Iterator:
    """Start JupyterLab as ``make TARGET`` does; ``config_path`` replaces make's folders."""
    servers: list[tuple[subprocess.Popen, Lab]] = []

    def start(target: str, config_path: str | None = None) -> Lab:
        line = make_line(target)
        program = next(i for i, word in enumerate(line) if word.endswith("/bin/jupyter"))
        env_words, command = line[:program], line[program:]
        # make's notebook folder (the checkout) and start file: a copy of one student notebook.
        command = [word for word in command
                   if not word.startswith("--notebook-dir=") and not word.endswith(".ipynb")]
        base = tmp_path / f"{target}-{len(servers)}"
        root = base / "notebooks"
        root.mkdir(parents=True)
        shutil.copy(ROOT / "module1" / NOTEBOOK, root / NOTEBOOK)
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("JUPYTER", "JPY_"))}
        env.update(word.split("=", 1) for word in env_words)
        if config_path is not None:
            env["JUPYTER_CONFIG_PATH"] = config_path
        env.update(HOME=str(base / "home"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
                   JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_DATA_DIR=str(base / "data"),
                   IPYTHONDIR=str(base / "ipython"), PATH=f"{VENV / 'bin'}:{env['PATH']}")
        token, port = secrets.token_hex(16), _free_port()
        command += ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                    "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                    f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True"]
        if os.geteuid() == 0 and "--allow-root" not in command:
            command.append("--allow-root")
        log = base / "server.log"
        with log.open("w") as out:
            server = subprocess.Popen(command, env=env, cwd=root, stdout=out,
                                      stderr=subprocess.STDOUT)
        lab = Lab(f"http://127.0.0.1:{port}", token, base, log)
        servers.append((server, lab))
        deadline = time.monotonic() + 60
        while True:
            try:
                if lab.status("/api/status") == 200:
                    return lab
            except (urllib.error.URLError, ConnectionError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not start: " + log.read_text()[-3000:])
            time.sleep(0.2)

    try:
        yield start
    finally:
        for server, _lab in servers:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_hub_trainee_gets_the_assignments_tab_and_nothing_else(start_lab):
    """The hub's trainee folders layered as the hub layers them: exchange on, grading off."""
    lab = start_lab("lab", f"{ROOT / 'hub' / 'singleuser' / 'trainee'}:{SETTINGS / 'trainee'}")
    disabled = set(_page_config(lab)["disabledExtensions"])
    assert disabled >= INSTRUCTOR_PLUGINS and not disabled & EXCHANGE_PLUGINS
    assert lab.status("/formgrader") == 404
    assert lab.status("/assignments") != 404  # nbgrader's exchange handler answers
    settings = json.loads(lab.get("/lab/api/settings/@jupyterlab/translation-extension:plugin"))
    assert settings["schema"]["properties"]["locale"]["default"] == "de_DE"


#: True once JupyterLab has restored its layout and the notebook's kernel is idle.
NOTEBOOK_READY = """() => {
    const kernel = window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel;
    return !!kernel && kernel.status === "idle" && kernel.connectionStatus === "connected";
}"""


def _browse(lab: Lab, chromium: dict, check) -> None:  # noqa: ANN001
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="de-DE")
        page.set_default_timeout(TIMEOUT_MS)
        try:
            page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?token={lab.token}")
            page.wait_for_function(NOTEBOOK_READY, timeout=TIMEOUT_MS)
            check(page)
        except Exception:
            page.screenshot(path=str(lab.base / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def _german_menu_bar(page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    for label in ("Datei", "Bearbeiten", "Anzeigen", "Ausführen", "Einstellungen", "Hilfe"):
        expect(page.get_by_role("menuitem", name=label, exact=True)).to_be_visible()
    for label in ("File", "Edit", "Help"):
        expect(page.get_by_role("menuitem", name=label, exact=True)).to_have_count(0)


def _trainee_view(page, lab: Lab) -> None:  # noqa: ANN001
    """What a trainee sees in the notebook that is open; raises if anything else is there."""
    from playwright.sync_api import expect

    _german_menu_bar(page)
    # nbgrader's Validate button stays in the notebook toolbar.
    expect(page.locator(".jp-NotebookPanel-toolbar .validate-button")).to_be_visible()
    # No instructor tools: no "Nbgrader" menu, no Formgrader, no "Create Assignment" panel.
    expect(page.locator("#jp-mainmenu-nbgrader")).to_have_count(0)
    expect(page.get_by_role("menuitem", name="Nbgrader")).to_have_count(0)
    expect(page.locator(".nbgrader-CreateAssignmentWidget")).to_have_count(0)
    expect(page.get_by_role("tab", name="Create Assignment")).to_have_count(0)
    commands = page.evaluate("""() => ["nbgrader:open-formgrader",
        "nbgrader:open-create-assignment", "nbgrader:open-course-list",
        "nbgrader:open-assignment-list"].filter(id => window.jupyterapp.commands.hasCommand(id))""")
    assert commands == []
    # Nothing asks anything: no dialog, no toast (the news question would be one), the
    # notification centre is empty, and the news setting says "never".
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    expect(page.locator(".Toastify__toast")).to_have_count(0)
    expect(page.locator(".jp-Notification-Status")).to_have_text("0")
    page.screenshot(path=str(lab.base / "trainee.png"))


@pytest.mark.browser
def test_make_lab_trainee_view(start_lab, chromium):
    lab = start_lab("lab")
    _browse(lab, chromium, lambda page: _trainee_view(page, lab))
    assert lab.status("/formgrader") == 404
    news = json.loads(lab.get("/lab/api/settings/@jupyterlab/apputils-extension:notification"))
    assert news["schema"]["properties"]["fetchNews"]["default"] == "false"
    assert "fetchNews" not in news["settings"]


@pytest.mark.browser
def test_make_autor_shows_the_formgrader(start_lab, chromium):
    lab = start_lab("autor")

    def check(page) -> None:  # noqa: ANN001
        from playwright.sync_api import expect

        _german_menu_bar(page)
        expect(page.locator(".jp-NotebookPanel-toolbar .validate-button")).to_be_visible()
        expect(page.locator(".Toastify__toast")).to_have_count(0)
        expect(page.get_by_role("tab", name="Create Assignment")).to_be_visible()
        page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
        page.get_by_role("menuitem", name="Formgrader", exact=True).click()
        panel = page.get_by_role("tabpanel", name="Formgrader")
        expect(panel.locator("iframe")).to_be_visible()
        formgrader = panel.frame_locator("iframe")
        expect(formgrader.get_by_text("Manage Assignments").first).to_be_visible()
        page.screenshot(path=str(lab.base / "staff.png"))

    _browse(lab, chromium, check)
    assert lab.status("/formgrader") == 200

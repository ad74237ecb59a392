"""The warm kernel starter: fresh, isolated kernels per notebook, and a safe fallback.

Kernels are started exactly as nbgrader starts them (jupyter_client ``KernelManager`` with the
work directory's sandbox kernelspec), so the launcher, the starter and the sandbox are tested
together.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from jupyter_client import KernelManager
from test_certification_e2e import require_sandbox

from kokosim.certification.sandbox import (
    FONT_CACHE,
    KERNEL_NAME,
    SandboxLimits,
    write_kernelspec,
)
from kokosim.certification.starter import SOCKET_ENV, WORKSPACE, Zygote
from kokosim.certification.workdir import Workdir, init_workdir

ROOT = Path(__file__).resolve().parents[2]  # the checkout: the course root

SCRATCH = "/tmp/spur.txt"
NUMBERS = itertools.count()


@pytest.fixture(scope="module")
def starter(tmp_path_factory) -> Iterator[tuple[Workdir, Zygote]]:
    require_sandbox()
    tmp = tmp_path_factory.mktemp("starter")
    students = tmp / "tn.csv"
    students.write_text("id,first_name,last_name,email\ntn1,A,B,a@example.org\n", encoding="utf-8")
    workdir = init_workdir(tmp / "arbeit", students, course_config=ROOT,
                           limits=SandboxLimits(cell_timeout=3, cpu_seconds=30, figures=True))
    zygote = Zygote(workdir.path("runtime", "starter-test"), limits=workdir.limits,
                    workdir=str(workdir.root), course_root=str(workdir.course_root),
                    font_cache=str(workdir.path(FONT_CACHE)))
    assert zygote.start()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(workdir.path("jupyter")))
        mp.setenv("JUPYTER_RUNTIME_DIR", str(zygote.kernels))
        mp.setenv(SOCKET_ENV, str(zygote.socket_path))
        yield workdir, zygote
    zygote.stop()


class Kernel:
    """A kernel started like nbgrader starts it; ``run`` returns the cell's output and error."""

    def __init__(self, zygote: Zygote, cwd: Path) -> None:
        name = f"k{next(NUMBERS)}"
        self.manager = KernelManager(kernel_name=KERNEL_NAME, transport="ipc",
                                     ip=str(zygote.kernels / name),
                                     connection_file=str(zygote.kernels / f"{name}.json"))
        self.manager.start_kernel(cwd=str(cwd))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 30) -> tuple[str, dict]:
        outputs: list[str] = []
        data: dict = {}

        def hook(message: dict) -> None:
            content = message["content"]
            if message["msg_type"] == "stream":
                outputs.append(content["text"])
            elif message["msg_type"] in ("display_data", "execute_result"):
                data.update(content["data"])

        reply = self.client.execute_interactive(code, timeout=timeout, output_hook=hook)
        data["status"] = reply["content"]["status"]
        data["ename"] = reply["content"].get("ename")
        return "".join(outputs), data

    def stop(self, now: bool = False) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=now)


def folder(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    path = tmp_path / name
    path.mkdir()
    for file, text in files.items():
        (path / file).write_text(text, encoding="utf-8")
    return path


def test_each_kernel_is_fresh_and_sees_nothing_of_the_one_before(starter, tmp_path):
    _, zygote = starter
    cwd = folder(tmp_path, "a", {"daten.csv": "x;y\n1;2\n", "aufgabe.ipynb": "geheim"})
    first = Kernel(zygote, cwd)
    out, _ = first.run(
        "import os, random, subprocess, json\n"
        "subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
        f"open({SCRATCH!r}, 'w').write('A')\n"
        "open('ergebnis.txt', 'w').write('A')\n"
        "geheim = 42\n"
        "print(json.dumps({'pid': os.getpid(), 'cwd': os.getcwd(), 'files': sorted(os.listdir()),"
        " 'random': random.random()}))")
    seen_first = json.loads(out)
    first.stop()
    assert seen_first["cwd"] == WORKSPACE
    assert seen_first["files"] == ["daten.csv", "ergebnis.txt"]  # the notebook is not copied

    second = Kernel(zygote, folder(tmp_path, "b", {}))
    out, _ = second.run(
        "import os, random, json\n"
        "procs = [open(f'/proc/{p}/cmdline').read() for p in os.listdir('/proc') if p.isdigit()]\n"
        "print(json.dumps({'pid': os.getpid(), 'files': sorted(os.listdir()),"
        f" 'scratch': os.path.exists({SCRATCH!r}), 'sleep': any('sleep' in c for c in procs),"
        " 'geheim': 'geheim' in globals(), 'random': random.random(),"
        " 'starter': os.path.exists(os.environ.get('KOKOSIM_ZYGOTE', '/nicht-da'))}))")
    seen = json.loads(out)
    second.stop()
    assert seen["pid"] != seen_first["pid"]
    assert seen["files"] == [] and not seen["scratch"]
    assert not seen["sleep"], "a process of the previous kernel survived"
    assert not seen["geheim"]
    assert seen["random"] != seen_first["random"]
    assert not seen["starter"]


def test_figures_behave_as_in_a_fresh_kernel(starter, tmp_path):
    # Interrupts (nbgrader's cell timeout) are covered by the e2e cohort's endless loop.
    _, zygote = starter
    kernel = Kernel(zygote, folder(tmp_path, "c", {}))
    _, data = kernel.run("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()")
    assert "image/png" in data  # matplotlib-inline hooks are set up in the kernel itself
    kernel.stop()


def test_a_crashing_kernel_dies_alone(starter, tmp_path):
    _, zygote = starter
    kernel = Kernel(zygote, folder(tmp_path, "crash", {}))
    kernel.client.execute("import os; os._exit(3)")
    deadline = time.monotonic() + 30
    while kernel.manager.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not kernel.manager.is_alive()
    kernel.stop(now=True)
    assert zygote.alive()  # the starter survived the crash
    after = Kernel(zygote, folder(tmp_path, "d", {}))
    assert after.run("print(6 * 7)")[0].strip() == "42"
    after.stop()


def test_without_figures_kernels_compute_no_pictures(starter, tmp_path):
    workdir, zygote = starter
    spec = workdir.path("jupyter")
    write_kernelspec(spec, limits=replace(workdir.limits, figures=False),
                     workdir=str(workdir.root), course_root=str(workdir.course_root))
    try:
        kernel = Kernel(zygote, folder(tmp_path, "h", {}))
        _, figure = kernel.run("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()")
        _, table = kernel.run("import pandas as pd\npd.DataFrame({'a': [1]})")
        kernel.stop()
    finally:
        write_kernelspec(spec, limits=workdir.limits, workdir=str(workdir.root),
                         course_root=str(workdir.course_root))
    assert "image/png" not in figure and figure["text/plain"].startswith("<Figure")
    assert "text/html" in table  # tables keep their HTML form


def test_cpu_limit_per_cell_stops_the_cell_not_the_kernel(starter, tmp_path):
    _, zygote = starter
    kernel = Kernel(zygote, folder(tmp_path, "i", {}))
    _, burnt = kernel.run("while True: pass", timeout=60)
    out, after = kernel.run("print('weiter')")
    kernel.stop()
    assert burnt["ename"] == "CellCPULimitError"
    assert after["status"] == "ok" and out.strip() == "weiter"


def test_killed_launcher_takes_its_kernel_along(starter, tmp_path):
    _, zygote = starter
    kernel = Kernel(zygote, folder(tmp_path, "e", {}))
    pid = int(kernel.run("import os; print(os.getpid())")[0])
    kernel.stop(now=True)  # SIGKILL to the launcher, as jupyter_client does after a timeout
    probe = Kernel(zygote, folder(tmp_path, "f", {}))
    out, _ = probe.run(f"import os; print(os.path.exists('/proc/{pid}'))")
    probe.stop()
    assert out.strip() == "False"


def test_without_starter_the_launcher_starts_a_sandbox_of_its_own(starter, tmp_path):
    workdir, zygote = starter
    cwd = folder(tmp_path, "g", {"daten.csv": "1"})
    os.kill(zygote.process.pid, signal.SIGKILL)  # type: ignore[union-attr]
    zygote.process.wait()  # type: ignore[union-attr]
    try:
        kernel = Kernel(zygote, cwd)
        out, _ = kernel.run("import os; print(os.getcwd(), os.path.exists(%r))"
                            % str(workdir.path("gradebook.db")))
        kernel.stop()
        assert out.split() == [str(cwd), "False"]  # in the trainee's folder, still sandboxed
    finally:
        assert zygote.start()

"""Autograde a cohort in sandboxed kernels, in parallel, and flag what needs a human.

Trainees are graded by nbgrader's ``Autograde`` in ``jobs`` worker processes
(``python -m kokosim.certification.grading WORKDIR MODULE``, fed trainee ids on stdin) running
side by side; every notebook of every trainee runs in a fresh kernel of its own in the sandbox
(:mod:`kokosim.certification.sandbox`). The workers' gradebook sessions are serialised by a
lock file, so SQLite never sees two writers. The parent process
is the only writer of ``flags.json``.

A flag is never a silent 0: timeouts, kernel deaths (crash, CPU limit), memory overruns and
nbgrader errors are stored per trainee and module and block the pass/fail decision until a
person has looked at the case (re-grade, or grade by hand). Restored test cells (edited or
deleted by the trainee) are stored as notes that do not block.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbgrader import api as nbgrader_api
from traitlets.config import Config

from kokosim.certification.flags import Flag, record_grading
from kokosim.certification.sandbox import (
    FONT_CACHE,
    SandboxLimits,
    bwrap_available,
    socket_folder,
)
from kokosim.certification.warmup import warm_cache
from kokosim.certification.workdir import Workdir, open_workdir
from kokosim.certification.zygote import SOCKET_ENV, Zygote

__all__ = ["GradeResult", "grade_module", "grade_student", "sandbox_mode", "main"]

GradeResult = dict  # {"student": str, "flags": [Flag dicts], "seconds": float, "sandbox": str}


def sandbox_mode(limits: SandboxLimits) -> str:
    """Describe the sandbox in German as used in reports and ``status``.

    Examples
    --------
    >>> sandbox_mode(SandboxLimits(filesystem=False))
    'nur Ressourcengrenzen (Dateisystem-Sandbox aus)'
    """
    if limits.filesystem and bwrap_available():
        return "bubblewrap + Ressourcengrenzen"
    if limits.filesystem:
        return "nur Ressourcengrenzen (bubblewrap fehlt: Dateisystem-Sandbox aus)"
    return "nur Ressourcengrenzen (Dateisystem-Sandbox aus)"


@contextmanager
def _serialised_gradebook(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive file lock while any nbgrader ``Gradebook`` of this process is open."""
    cls = nbgrader_api.Gradebook
    original_init, original_close = cls.__init__, cls.close
    state = {"open": 0}
    handle = open(lock_path, "a+")  # noqa: SIM115 - closed in finally
    guard = threading.Lock()

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with guard:
            if state["open"] == 0:
                fcntl.flock(handle, fcntl.LOCK_EX)
            state["open"] += 1
        self._kokosim_locked = True
        try:
            original_init(self, *args, **kwargs)
        except BaseException:
            release()
            raise

    def release() -> None:
        with guard:
            state["open"] -= 1
            if state["open"] == 0:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def close(self):  # type: ignore[no-untyped-def]
        try:
            original_close(self)
        finally:
            if getattr(self, "_kokosim_locked", False):
                self._kokosim_locked = False
                release()

    cls.__init__, cls.close = init, close  # type: ignore[method-assign]
    try:
        yield
    finally:
        cls.__init__, cls.close = original_init, original_close  # type: ignore[method-assign]
        handle.close()


def _cells_by_id(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    nb = nbformat.read(path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source.strip() for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id")
            and c.metadata["nbgrader"].get("locked")}


def _test_cell_notes(workdir: Workdir, module: str, student: str) -> list[Flag]:
    """Notes for test cells the trainee edited or deleted (nbgrader restores them)."""
    notes: list[Flag] = []
    for released in sorted(workdir.path("release", module).glob("*.ipynb")):
        expected = _cells_by_id(released)
        submitted = _cells_by_id(workdir.path("submitted", student, module, released.name))
        if not workdir.path("submitted", student, module, released.name).is_file():
            continue
        for grade_id, source in expected.items():
            if grade_id not in submitted:
                notes.append(Flag("testzelle_geloescht", f"{released.name}: Zelle {grade_id} "
                                  "fehlte und wurde wiederhergestellt", blocking=False))
            elif submitted[grade_id] != source:
                notes.append(Flag("testzelle_veraendert", f"{released.name}: Zelle {grade_id} "
                                  "war verändert und wurde wiederhergestellt", blocking=False))
    return notes


def _output_flags(workdir: Workdir, module: str, student: str) -> list[Flag]:
    """Flags from the autograded notebooks: cell timeouts and memory errors."""
    found: list[Flag] = []
    for path in sorted(workdir.path("autograded", student, module).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells, start=1):
            where = f"{path.name}, Zelle {index}"
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error":
                    continue
                if output.ename == "CellTimeoutError":
                    found.append(Flag("zeitlimit", f"{where}: Zeitlimit pro Zelle "
                                      f"({workdir.limits.cell_timeout} s) überschritten"))
                elif output.ename == "CellCPULimitError":
                    found.append(Flag("zeitlimit", f"{where}: CPU-Zeit pro Zelle "
                                      f"({workdir.limits.cell_timeout} s) überschritten"))
                elif output.ename == "MemoryError":
                    found.append(Flag("speicher", f"{where}: Speichergrenze "
                                      f"({workdir.limits.memory_mb} MiB) überschritten"))
    return found


def _error_flag(error: str) -> Flag:
    if "DeadKernelError" in error or "Kernel died" in error:
        return Flag("kernel_abbruch", "Kernel beendet (Absturz, CPU-Grenze oder Speicher); "
                    "keine automatische Bewertung")
    last = next((line for line in reversed(error.strip().splitlines()) if line.strip()), "")
    return Flag("fehler", f"nbgrader-Fehler: {last[:200]}")


def grade_student(workdir: Workdir, module: str, student: str,
                  starter: Zygote | None = None) -> GradeResult:
    """Autograde one trainee in this process (used by the worker process).

    The environment makes the sandbox kernelspec visible, puts the kernel's connection file
    and sockets into a private folder (the warm starter's ``kernels/`` when ``starter`` runs,
    else ``runtime/MODULE-ID/kernels``) and keeps every cache of nbgrader inside
    ``runtime/MODULE-ID``, which no kernel sees.
    """
    runtime = workdir.path("runtime", f"{module}-{student}")
    shutil.rmtree(runtime, ignore_errors=True)
    warm = starter is not None and starter.alive()
    kernels = (starter.kernels if warm  # type: ignore[union-attr]
               else socket_folder(runtime / "kernels"))
    for folder in (runtime / "tmp", kernels):
        folder.mkdir(parents=True, exist_ok=True)
    os.environ.pop(SOCKET_ENV, None)
    os.environ.update({"JUPYTER_PATH": str(workdir.path("jupyter")), "TMPDIR": str(runtime / "tmp"),
                       "IPYTHONDIR": str(runtime / "ipython"),
                       "MPLCONFIGDIR": str(workdir.path(FONT_CACHE)),
                       "JUPYTER_RUNTIME_DIR": str(kernels),
                       **(starter.environment() if warm else {})})  # type: ignore[union-attr]
    os.environ.pop("JUPYTER_CONFIG_DIR", None)
    tempfile.tempdir = None  # pick up TMPDIR
    started = time.monotonic()
    extra = Config()
    extra.KernelManager.transport = "ipc"
    # Absolute (kernel and client cwd differ) and in the kernels' folder, not in TMPDIR. The
    # notebooks of a trainee run one after another; the kernel manager removes the old socket
    # files before the next kernel binds its own.
    extra.KernelManager.ip = str(kernels / "kernel")
    extra.KernelManager.connection_file = str(kernels / "kernel.json")
    # All outputs are in once the last cell ran. A graceful shutdown waits up to 2.5 s for
    # kernels that used multiprocessing locks (tqdm does) before it sends SIGTERM (measured).
    extra.Execute.shutdown_kernel = "immediate"
    api = workdir.api(extra)
    with _serialised_gradebook(workdir.path("gradebook.lock")):
        result = api.autograde(module, student, force=True, create=False)
    flags = _test_cell_notes(workdir, module, student)
    if result["success"]:
        flags += _output_flags(workdir, module, student)
    else:
        flags.append(_error_flag((result.get("log") or "") + (result.get("error") or "")))
    shutil.rmtree(runtime, ignore_errors=True)
    if not warm:
        shutil.rmtree(kernels, ignore_errors=True)  # in /tmp when the work dir's path is long
    return {"student": student, "flags": [f.as_dict() for f in flags],
            "seconds": round(time.monotonic() - started, 2),
            "sandbox": sandbox_mode(workdir.limits)}


def _flag_result(workdir: Workdir, student: str, flag: Flag, started: float) -> GradeResult:
    return {"student": student, "flags": [flag.as_dict()],
            "seconds": round(time.monotonic() - started, 2),
            "sandbox": sandbox_mode(workdir.limits)}


class _Worker:
    """A grading process that grades trainees one after another (nbgrader is imported once).

    Trainee ids go to its stdin; one JSON line per trainee comes back. Each trainee's notebooks
    still run in fresh sandboxed kernels. A worker that hangs past ``wall_limit`` or dies is
    killed with its process group, the trainee is flagged and a new worker takes over.
    """

    def __init__(self, workdir: Workdir, module: str, log: Path) -> None:
        self.workdir, self.module, self.log = workdir, module, log
        self.process: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        if self.process is None or self.process.poll() is not None:
            with open(self.log, "a", encoding="utf-8") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "kokosim.certification.grading",
                     str(self.workdir.root), self.module],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                    start_new_session=True)
        return self.process

    def grade(self, student: str, wall_limit: float) -> GradeResult:
        started = time.monotonic()
        process = self._start()
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(student + "\n")
            process.stdin.flush()
        except BrokenPipeError:
            self.stop(graceful=False)
            return _flag_result(self.workdir, student, Flag(
                "fehler", "Bewertungsprozess nicht erreichbar"), started)
        ready, _, _ = select.select([process.stdout], [], [], wall_limit)
        line = process.stdout.readline() if ready else ""
        if not ready:
            self.stop(graceful=False)
            return _flag_result(self.workdir, student, Flag(
                "zeitlimit_gesamt", f"Bewertung nach {wall_limit:.0f} s abgebrochen"), started)
        if not line.startswith("{"):
            self.stop(graceful=False)
            return _flag_result(self.workdir, student, Flag(
                "fehler", f"Bewertungsprozess abgebrochen (Protokoll: {self.log.name})"),
                started)
        return json.loads(line)

    def stop(self, graceful: bool = True) -> None:
        """End the worker and everything it started.

        Gracefully, closing its input lets it stop its kernel starter and remove its folders;
        a worker that does not end within 30 s, or a hung one (``graceful=False``), is killed
        with its process group.
        """
        if self.process is not None:
            with suppress(OSError):
                self.process.stdin and self.process.stdin.close()
            try:
                self.process.wait(timeout=30 if graceful else 0)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            with suppress(OSError):
                self.process.stdout and self.process.stdout.close()
        self.process = None


def _build_font_cache(workdir: Workdir) -> None:
    """Build matplotlib's font list once, for all kernels of this work directory."""
    cache = workdir.path(FONT_CACHE)
    if not any(cache.glob("fontlist*.json")):
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                       env={**os.environ, "MPLCONFIGDIR": str(cache)}, capture_output=True,
                       check=False)


def grade_module(workdir: Workdir, module: str, students: Iterable[str] | None = None, *,
                 jobs: int | None = None,
                 progress: Callable[[GradeResult], None] | None = None) -> list[GradeResult]:
    """Autograde the submitted trainees of ``module`` (or only ``students``) in parallel.

    Parameters
    ----------
    workdir : Workdir
    module : str
    students : iterable of str, optional
        Default: every trainee with a submission of ``module``.
    jobs : int, optional
        Parallel grading processes; default: number of CPU cores.
    progress : callable, optional
        Called with each trainee's result as soon as it is known.

    Returns
    -------
    list of dict
        Per trainee: ``student``, ``flags``, ``seconds``, ``sandbox``.

    Raises
    ------
    ValueError
        If a trainee has no submission of ``module``.
    """
    workdir.ensure_module(module)
    submitted = sorted(p.parent.name for p in workdir.path("submitted").glob(f"*/{module}"))
    wanted = sorted(students) if students is not None else submitted
    missing = sorted(set(wanted) - set(submitted))
    if missing:
        raise ValueError(f"Modul {module}: keine Abgabe von {', '.join(missing)}")
    _build_font_cache(workdir)
    workdir.path("reports").mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    warm_cache(workdir, module, workdir.path("reports", f"vorlauf-{module}-{stamp}.log"), jobs)
    releases = list(workdir.path("release", module).glob("*.ipynb"))
    cells = sum(len(nbformat.read(p, as_version=4).cells) for p in releases)
    wall_limit = 60 + 20 * len(releases) + cells * workdir.limits.cell_timeout
    queue = list(reversed(wanted))
    lock = threading.Lock()
    results: list[GradeResult] = []

    def run(number: int) -> None:
        worker = _Worker(workdir, module,
                         workdir.path("reports", f"bewertung-{module}-{stamp}-{number}.log"))
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    student = queue.pop()
                result = worker.grade(student, wall_limit)
                with lock:
                    record_grading(workdir, module, result)
                    results.append(result)
                    if progress is not None:
                        progress(result)
        finally:
            worker.stop()

    count = max(1, min(jobs or os.cpu_count() or 1, len(wanted)))
    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(run, range(count)))
    return sorted(results, key=lambda r: r["student"])


def main(argv: Sequence[str] | None = None) -> None:
    """Worker process: read trainee ids from stdin, print one JSON result line per trainee.

    Output of nbgrader and of kernels goes to stderr (the log); only results use stdout.
    """
    parser = argparse.ArgumentParser(description="Abgaben bewerten (interner Arbeitsprozess).")
    parser.add_argument("workdir")
    parser.add_argument("module")
    args = parser.parse_args(argv)
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything else printed (nbgrader, kernels) lands in the log
    workdir = open_workdir(args.workdir)
    starter = Zygote(workdir.path("runtime", f"starter-{args.module}-{os.getpid()}"),
                     limits=workdir.limits, workdir=str(workdir.root),
                     course_root=str(workdir.course_root), font_cache=str(workdir.path(FONT_CACHE)))
    use_starter = True
    try:
        for line in sys.stdin:
            if use_starter and not starter.alive():
                use_starter = starter.start()  # without bubblewrap: every kernel from scratch
            result = grade_student(workdir, args.module, line.strip(), starter)
            result["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
            results.write(json.dumps(result, ensure_ascii=False) + "\n")
            results.flush()
    finally:
        starter.stop()
        shutil.rmtree(starter.folder, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover - run as worker process
    main()

"""Autograde a cohort in sandboxed kernels, in parallel, and flag what needs a human.

Every trainee is graded by nbgrader's ``Autograde`` in a process of its own
(``python -m kokosim.certification.grading WORKDIR MODULE ID``) whose kernel runs in the sandbox
(:mod:`kokosim.certification.sandbox`). Up to ``jobs`` processes run at once; their gradebook
sessions are serialised by a lock file, so SQLite never sees two writers. The parent process
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
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbgrader import api as nbgrader_api
from traitlets.config import Config

from kokosim.certification.flags import Flag, record_grading
from kokosim.certification.sandbox import SandboxLimits, bwrap_available
from kokosim.certification.workdir import Workdir, open_workdir

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


def grade_student(workdir: Workdir, module: str, student: str) -> GradeResult:
    """Autograde one trainee in this process (used by the worker process).

    The environment makes the sandbox kernelspec visible, puts the kernel's connection file
    and sockets into a private folder ``runtime/ID`` and keeps every cache inside it.
    """
    runtime = workdir.path("runtime", f"{module}-{student}")
    shutil.rmtree(runtime, ignore_errors=True)
    runtime.mkdir(parents=True)
    os.environ.update({"JUPYTER_PATH": str(workdir.path("jupyter")), "TMPDIR": str(runtime),
                       "IPYTHONDIR": str(runtime / "ipython"),
                       "MPLCONFIGDIR": str(runtime / "matplotlib"),
                       "JUPYTER_RUNTIME_DIR": str(runtime)})
    os.environ.pop("JUPYTER_CONFIG_DIR", None)
    tempfile.tempdir = None  # pick up TMPDIR
    started = time.monotonic()
    extra = Config()
    extra.KernelManager.transport = "ipc"
    extra.KernelManager.ip = str(runtime / "kernel")  # absolute: kernel and client cwd differ
    api = workdir.api(extra)
    with _serialised_gradebook(workdir.path("gradebook.lock")):
        result = api.autograde(module, student, force=True, create=False)
    flags = _test_cell_notes(workdir, module, student)
    if result["success"]:
        flags += _output_flags(workdir, module, student)
    else:
        flags.append(_error_flag((result.get("log") or "") + (result.get("error") or "")))
    shutil.rmtree(runtime, ignore_errors=True)
    return {"student": student, "flags": [f.as_dict() for f in flags],
            "seconds": round(time.monotonic() - started, 2),
            "sandbox": sandbox_mode(workdir.limits)}


def _notebook_count(workdir: Workdir, module: str) -> int:
    return max(1, len(list(workdir.path("release", module).glob("*.ipynb"))))


def _run_worker(workdir: Workdir, module: str, student: str, wall_limit: float) -> GradeResult:
    """Grade one trainee in a fresh process; a hung or dead worker becomes a flag."""
    command = [sys.executable, "-m", "kokosim.certification.grading", str(workdir.root), module,
               student]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=wall_limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        flag = Flag("zeitlimit_gesamt", f"Bewertung nach {wall_limit:.0f} s abgebrochen")
        return {"student": student, "flags": [flag.as_dict()],
                "seconds": round(time.monotonic() - started, 2),
                "sandbox": sandbox_mode(workdir.limits)}
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if process.returncode == 0 and lines:
        return json.loads(lines[-1])
    flag = _error_flag(stderr or stdout or f"Exit-Code {process.returncode}")
    return {"student": student, "flags": [flag.as_dict()],
            "seconds": round(time.monotonic() - started, 2),
            "sandbox": sandbox_mode(workdir.limits)}


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
        Parallel worker processes; default: number of CPU cores.
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
    cells = sum(len(nbformat.read(p, as_version=4).cells)
                for p in workdir.path("release", module).glob("*.ipynb"))
    wall_limit = 60 + 20 * _notebook_count(workdir, module) + cells * workdir.limits.cell_timeout
    lock = threading.Lock()
    results: list[GradeResult] = []

    def one(student: str) -> GradeResult:
        result = _run_worker(workdir, module, student, wall_limit)
        with lock:
            record_grading(workdir, module, result)
            results.append(result)
            if progress is not None:
                progress(result)
        return result

    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        list(pool.map(one, wanted))
    return sorted(results, key=lambda r: r["student"])


def main(argv: Sequence[str] | None = None) -> None:
    """Worker entry point: grade one trainee and print the result as one JSON line."""
    parser = argparse.ArgumentParser(description="Eine Abgabe bewerten (interner Arbeitsprozess).")
    parser.add_argument("workdir")
    parser.add_argument("module")
    parser.add_argument("student")
    args = parser.parse_args(argv)
    result = grade_student(open_workdir(args.workdir), args.module, args.student)
    result["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":  # pragma: no cover - run as worker process
    main()

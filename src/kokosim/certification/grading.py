"""Autograde a cohort: worker processes side by side, and flags for what needs a human.

Step of the grading chain (cli → grading → worker → launcher → starter → sandbox). This module
runs in the ``kokosim-cert grade`` process: it registers the module, builds matplotlib's font
list, fills the run cache from the masters (:mod:`kokosim.certification.warmup`), then hands the
trainees to ``jobs`` worker processes (``python -m kokosim.certification.worker WORKDIR
MODULE``, :mod:`kokosim.certification.worker`, fed trainee ids on stdin) and stores each
returned :class:`~kokosim.certification.records.GradeRecord` in ``flags.json``. The parent
process is the only writer of ``flags.json``.

A flag is never a silent 0: timeouts, kernel deaths (crash, CPU limit), memory overruns and
nbgrader errors are stored per trainee and module and block the pass/fail decision until a
person has looked at the case (re-grade, or grade by hand). Restored test cells (edited or
deleted by the trainee) are stored as notes that do not block. A worker that hangs or dies is
killed here and its trainee flagged.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from kokosim.certification.records import Flag, FlagKind, GradeRecord, record_grading
from kokosim.certification.sandbox import FONT_CACHE, sandbox_mode
from kokosim.certification.warmup import warm_cache
from kokosim.certification.workdir import Workdir

__all__ = ["grade_module"]


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
                    [sys.executable, "-m", "kokosim.certification.worker",
                     str(self.workdir.root), self.module],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                    start_new_session=True)
        return self.process

    def _flagged(self, student: str, flag: Flag, started: float) -> GradeRecord:
        """Kill the worker and record ``flag`` for ``student``."""
        self.stop(graceful=False)
        return GradeRecord(module=self.module, student=student, flags=(flag,),
                           seconds=round(time.monotonic() - started, 2),
                           sandbox=sandbox_mode(self.workdir.limits))

    def grade(self, student: str, wall_limit: float) -> GradeRecord:
        started = time.monotonic()
        process = self._start()
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(student + "\n")
            process.stdin.flush()
        except BrokenPipeError:
            return self._flagged(student, Flag(FlagKind.ERROR,
                                               "Bewertungsprozess nicht erreichbar"), started)
        ready, _, _ = select.select([process.stdout], [], [], wall_limit)
        line = process.stdout.readline() if ready else ""
        if not ready:
            return self._flagged(student, Flag(FlagKind.WALL_TIMEOUT, f"Bewertung nach "
                                               f"{wall_limit:.0f} s abgebrochen"), started)
        if not line.startswith("{"):
            return self._flagged(student, Flag(FlagKind.ERROR, "Bewertungsprozess abgebrochen "
                                               f"(Protokoll: {self.log.name})"), started)
        return GradeRecord.from_json(line)

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
                 progress: Callable[[GradeRecord], None] | None = None) -> list[GradeRecord]:
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
    list of GradeRecord
        One per trainee, sorted by trainee id.

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
    results: list[GradeRecord] = []

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
                    record_grading(workdir, result)
                    results.append(result)
                    if progress is not None:
                        progress(result)
        finally:
            worker.stop()

    count = max(1, min(jobs or os.cpu_count() or 1, len(wanted)))
    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(run, range(count)))
    return sorted(results, key=lambda r: r.student)

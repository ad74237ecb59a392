"""Autograde a cohort: worker processes side by side, and flags for what needs a human.

Step of the grading chain (cli → grading → worker → launcher → starter → sandbox). This module
runs in the ``kokosim-cert grade`` process: it registers the module, builds matplotlib's font
list, fills the run cache from the masters (:mod:`kokosim.certification.warmup`), then hands the
trainees to ``jobs`` worker processes (``python -m kokosim.certification.worker WORKDIR
MODULE``, :mod:`kokosim.certification.worker`, fed trainee ids on stdin) and stores each
returned :class:`~kokosim.certification.records.GradeRecord` in ``flags.json``. The parent
process is the only writer of ``flags.json``.

A flag is never a silent 0: timeouts, kernel deaths (crash, CPU limit), memory, process and
disk overruns and nbgrader errors are stored per trainee and module and block the pass/fail
decision until a person has looked at the case (re-grade, or grade by hand). Restored test
cells, cut outputs and warnings in test cells are stored as notes that do not block. A worker
that hangs or dies is killed here and its trainee flagged; the cohort goes on.

Secure by default: grading does not start when the file-system sandbox cannot run
(:func:`kokosim.certification.sandbox.sandbox_problem`), unless the run is explicitly unsafe
(``unsafe=True``, ``grade --ohne-sandbox-UNSICHER``); then every record says so.

Restartable: one ``grade`` per work directory at a time (``grade.lock``); a run grades only
trainees whose current submission has no record yet (unless asked for all or named), so a run
that was killed part-way and started again grades every trainee exactly once.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from kokosim.certification.records import (
    Flag,
    FlagKind,
    GradeRecord,
    load_records,
    record_grading,
)
from kokosim.certification.sandbox import (
    FONT_CACHE,
    SAFE_MODE,
    UNSAFE_MODE,
    sandbox_problem,
)
from kokosim.certification.warmup import warm_cache
from kokosim.certification.worker import submission_stamp
from kokosim.certification.workdir import Workdir

__all__ = ["SandboxMissing", "grade_module", "pending_students"]


class SandboxMissing(ValueError):
    """Grading refused: the file-system sandbox cannot run here (German message)."""


class _Worker:
    """A grading process that grades trainees one after another (nbgrader is imported once).

    Trainee ids go to its stdin; one JSON line per trainee comes back. Each trainee's notebooks
    still run in fresh sandboxed kernels. A worker that hangs past ``wall_limit`` or dies is
    killed with its process group, the trainee is flagged and a new worker takes over.
    """

    def __init__(self, workdir: Workdir, module: str, log: Path, unsafe: bool = False) -> None:
        self.workdir, self.module, self.log, self.unsafe = workdir, module, log, unsafe
        self.process: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        if self.process is None or self.process.poll() is not None:
            with open(self.log, "a", encoding="utf-8") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "kokosim.certification.worker",
                     str(self.workdir.root), self.module,
                     *(["--ohne-sandbox-UNSICHER"] if self.unsafe else [])],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                    start_new_session=True)
        return self.process

    def _flagged(self, student: str, flag: Flag, started: float) -> GradeRecord:
        """Kill the worker and record ``flag`` for ``student``."""
        self.stop(graceful=False)
        flags = (flag,) if not self.unsafe else (
            Flag(FlagKind.NO_SANDBOX, "UNSICHER bewertet: ohne Dateisystem-Sandbox "
                 "(--ohne-sandbox-UNSICHER)"), flag)
        return GradeRecord(module=self.module, student=student, flags=flags,
                           seconds=round(time.monotonic() - started, 2),
                           sandbox=UNSAFE_MODE if self.unsafe else SAFE_MODE,
                           submission=submission_stamp(self.workdir, self.module, student),
                           sandboxed=not self.unsafe)

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


def pending_students(workdir: Workdir, module: str) -> list[str]:
    """Trainees of ``module`` whose current submission has no complete grading record."""
    records = load_records(workdir).get(module, {})
    submitted = sorted(p.parent.name for p in workdir.path("submitted").glob(f"*/{module}"))
    return [student for student in submitted
            if student not in records or records[student].finished is None
            or records[student].submission is None
            or records[student].submission != submission_stamp(workdir, module, student)]


@contextmanager
def _grading_lock(workdir: Workdir) -> Iterator[None]:
    """One ``grade`` per work directory at a time (released by the system if it is killed)."""
    with open(workdir.path("grade.lock"), "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ValueError("In diesem Arbeitsverzeichnis läuft bereits eine Bewertung "
                             "('kokosim-cert grade'); bitte warten, bis sie fertig ist.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def grade_module(workdir: Workdir, module: str, students: Iterable[str] | None = None, *,
                 jobs: int | None = None,
                 progress: Callable[[GradeRecord], None] | None = None,
                 regrade: bool = False, unsafe: bool = False) -> list[GradeRecord]:
    """Autograde the submitted trainees of ``module`` (or only ``students``) in parallel.

    Parameters
    ----------
    workdir : Workdir
    module : str
    students : iterable of str, optional
        These trainees (graded again even if graded before). Default: every trainee whose
        current submission of ``module`` has not been graded (:func:`pending_students`), or
        every one with a submission when ``regrade`` is set.
    jobs : int, optional
        Parallel grading processes; default: number of CPU cores.
    progress : callable, optional
        Called with each trainee's result as soon as it is known.
    regrade : bool
        Grade every trainee with a submission again.
    unsafe : bool
        Grade without the file-system sandbox (never for real submissions); every record,
        the status, the exports and the certificates say so.

    Returns
    -------
    list of GradeRecord
        One per trainee graded in this run, sorted by trainee id.

    Raises
    ------
    SandboxMissing
        If the sandbox cannot run and ``unsafe`` is not set (nothing is graded).
    ValueError
        If a trainee has no submission of ``module``, or another ``grade`` runs.
    """
    if not unsafe:
        if not workdir.limits.filesystem:
            raise SandboxMissing(
                "Bewertung abgebrochen: dieses Arbeitsverzeichnis wurde ohne Dateisystem-Sandbox "
                "angelegt. Ohne Sandbox nur ausdrücklich: 'kokosim-cert grade ... "
                "--ohne-sandbox-UNSICHER'.")
        problem = sandbox_problem(workdir.limits)
        if problem is not None:
            raise SandboxMissing(problem)
    with _grading_lock(workdir):
        return _grade(workdir, module, students, jobs=jobs, progress=progress, regrade=regrade,
                      unsafe=unsafe)


def _grade(workdir: Workdir, module: str, students: Iterable[str] | None, *, jobs: int | None,
           progress: Callable[[GradeRecord], None] | None, regrade: bool,
           unsafe: bool) -> list[GradeRecord]:
    workdir.ensure_module(module)
    submitted = sorted(p.parent.name for p in workdir.path("submitted").glob(f"*/{module}"))
    if students is not None:
        wanted = sorted(students)
    else:
        wanted = submitted if regrade else pending_students(workdir, module)
    missing = sorted(set(wanted) - set(submitted))
    if missing:
        raise ValueError(f"Modul {module}: keine Abgabe von {', '.join(missing)}")
    if not wanted:
        return []
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
                         workdir.path("reports", f"bewertung-{module}-{stamp}-{number}.log"),
                         unsafe=unsafe)
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

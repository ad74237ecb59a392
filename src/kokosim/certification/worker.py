"""Grading worker process: ``python -m kokosim.certification.worker WORKDIR MODULE``.

Step of the grading chain (cli → grading → worker → launcher → starter → sandbox). The parent
(:mod:`kokosim.certification.grading`) feeds trainee ids on stdin; for each, the worker runs
nbgrader's ``autograde`` (every notebook in a fresh kernel of the sandbox kernelspec, started by
:mod:`kokosim.certification.launcher`, forked from this worker's warm
:class:`~kokosim.certification.starter.Zygote` when bubblewrap is there), turns what went wrong
into flags and prints one :class:`~kokosim.certification.records.GradeRecord` as a JSON line.

The kernels' environment is built here from an allow-list (:func:`kernel_environment`: no
credentials, no database URL, no home of the staff member) and handed to nbgrader explicitly
(:func:`kokosim._nbgrader.kernel_config`); this process's own environment is never changed per
trainee. Gradebook sessions are serialised with the other workers by a lock file
(:func:`kokosim._nbgrader.serialised_gradebook`). The worker dies with the ``grade`` process
(``PR_SET_PDEATHSIG``), so a killed run leaves no worker grading on.

Every limit a submission overran becomes a flag, never a silent 0: cell time and CPU, memory,
processes (fork failed, or the sandbox reached its process limit), disk space, cut outputs,
and warnings in test cells (:mod:`kokosim.certification.kernelwarnings`) as notes.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from kokosim._nbgrader import OUTPUT_CUT_NOTE, kernel_config, serialised_gradebook
from kokosim.certification.kernelwarnings import WARNING_PREFIX
from kokosim.certification.records import Flag, FlagKind, GradeRecord
from kokosim.certification.sandbox import (
    FONT_CACHE,
    LIMIT_NOTES_ENV,
    RUN_CACHE,
    SandboxLimits,
    read_limit_notes,
    reclaim,
    sandbox_mode,
    socket_folder,
    write_kernelspec,
)
from kokosim.certification.starter import Zygote
from kokosim.certification.workdir import Workdir, open_workdir

__all__ = ["grade_student", "kernel_environment", "main", "submission_stamp"]

#: Locale variables a kernel inherits (only with a plain locale name as value).
_LOCALE = re.compile(r"^(LANG|LANGUAGE|LC_[A-Z]+|TZ)$")
_LOCALE_VALUE = re.compile(r"^[A-Za-z0-9_.@:/+-]{0,64}$")
_PR_SET_PDEATHSIG = 1


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
                notes.append(Flag(FlagKind.TEST_CELL_DELETED, f"{released.name}: Zelle "
                                  f"{grade_id} fehlte und wurde wiederhergestellt"))
            elif submitted[grade_id] != source:
                notes.append(Flag(FlagKind.TEST_CELL_EDITED, f"{released.name}: Zelle "
                                  f"{grade_id} war verändert und wurde wiederhergestellt"))
    return notes


def _error_flag_of(output: nbformat.NotebookNode, where: str,
                   limits: SandboxLimits) -> Flag | None:
    """The flag an error output stands for, if it is a limit the sandbox set."""
    text = f"{output.get('ename', '')}: {output.get('evalue', '')}"
    if output.get("ename") == "CellTimeoutError":
        return Flag(FlagKind.CELL_TIMEOUT, f"{where}: Zeitlimit pro Zelle "
                    f"({limits.cell_timeout} s) überschritten")
    if output.get("ename") == "CellCPULimitError":
        return Flag(FlagKind.CELL_TIMEOUT, f"{where}: CPU-Zeit pro Zelle "
                    f"({limits.cell_timeout} s) überschritten")
    if output.get("ename") == "MemoryError":
        return Flag(FlagKind.MEMORY, f"{where}: Speichergrenze ({limits.memory_mb} MiB) "
                    "überschritten")
    if "[Errno 11]" in text or "Resource temporarily unavailable" in text:
        return Flag(FlagKind.PROCESSES, f"{where}: Prozessgrenze ({limits.processes} je Kernel) "
                    "erreicht – neuer Prozess abgelehnt")
    if "[Errno 28]" in text or "[Errno 27]" in text or "No space left" in text:
        return Flag(FlagKind.DISK, f"{where}: Speicherplatz ({limits.disk_mb} MiB je Kernel, "
                    f"{limits.file_mb} MiB je Datei) erschöpft")
    return None


def _output_flags(workdir: Workdir, module: str, student: str,
                  limits: SandboxLimits) -> list[Flag]:
    """Flags from the autograded notebooks: limits overrun, cut outputs, warnings in tests."""
    found: list[Flag] = []
    for path in sorted(workdir.path("autograded", student, module).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells, start=1):
            where = f"{path.name}, Zelle {index}"
            test = bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    flag = _error_flag_of(output, where, limits)
                    if flag is not None:
                        found.append(flag)
                elif output.get("output_type") == "stream" and output.get("name") == "stdout":
                    text = output.get("text", "")
                    if OUTPUT_CUT_NOTE in text:
                        found.append(Flag(FlagKind.OUTPUT_CUT, f"{where}: Ausgabe gekürzt "
                                          f"(mehr als {limits.cell_output_kb} KiB je Zelle "
                                          f"oder {limits.notebook_output_kb} KiB je Notebook)"))
                    if test:
                        found += [Flag(FlagKind.WARNING, f"{where}: Warnung in einer Testzelle, "
                                       f"ohne Punktabzug – {line[len(WARNING_PREFIX):][:200]}")
                                  for line in text.splitlines() if line.startswith(WARNING_PREFIX)]
    unique: list[Flag] = []
    for flag in found:
        if flag not in unique:
            unique.append(flag)
    return unique


def _error_flag(error: str) -> Flag:
    if "DeadKernelError" in error or "Kernel died" in error:
        return Flag(FlagKind.KERNEL_DIED, "Kernel beendet (Absturz, CPU-Grenze oder Speicher); "
                    "keine automatische Bewertung")
    last = next((line for line in reversed(error.strip().splitlines()) if line.strip()), "")
    return Flag(FlagKind.ERROR, f"nbgrader-Fehler: {last[:200]}")


def kernel_environment(workdir: Workdir, runtime: Path, kernels: Path,
                       starter: Zygote | None = None) -> dict[str, str]:
    """The environment of one trainee's grading kernels: an allow-list, nothing inherited.

    PATH (the venv's ``bin/`` and the system's), the locale, a home, temporary and IPython
    folder of the trainee's own below ``runtime``, matplotlib's prebuilt font list, the
    kernelspec folder, the kernel runtime folder, the run cache (read-only), the running
    ``starter``, and the file where launchers note overrun limits. Credentials, database URLs,
    ``PG*`` variables and the staff member's home never reach a kernel. (Inside bubblewrap the
    sandbox sets its own home and temporary folders on top.)
    """
    env = {name: value for name, value in os.environ.items()
           if _LOCALE.match(name) and _LOCALE_VALUE.match(value)}
    env.setdefault("LANG", "C.UTF-8")
    cache = workdir.path(RUN_CACHE)
    if cache.is_dir():
        from kokosim.neighbourhood.runcache import cache_environment

        env.update(cache_environment(cache, readonly=True))
    env.update({"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
                "HOME": str(runtime / "tmp"), "TMPDIR": str(runtime / "tmp"),
                "IPYTHONDIR": str(runtime / "ipython"),
                "MPLCONFIGDIR": str(workdir.path(FONT_CACHE)),
                "JUPYTER_PATH": str(runtime / "jupyter"),
                "JUPYTER_RUNTIME_DIR": str(kernels),
                "PYTHONNOUSERSITE": "1",
                LIMIT_NOTES_ENV: str(runtime / "grenzen.txt"),
                **(starter.environment() if starter is not None else {})})
    return env


def submission_stamp(workdir: Workdir, module: str, student: str) -> str | None:
    """Arrival time of a trainee's current submission (its ``timestamp.txt``), if any."""
    stamp = workdir.path("submitted", student, module, "timestamp.txt")
    return stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else None


def grade_student(workdir: Workdir, module: str, student: str,
                  starter: Zygote | None = None, *, sandboxed: bool = True) -> GradeRecord:
    """Autograde one trainee in this process.

    The kernels' connection files and sockets go to a private folder (the warm starter's
    ``kernels/`` when ``starter`` runs, else ``runtime/MODULE-ID/kernels``); every other
    temporary file stays inside ``runtime/MODULE-ID``, which no kernel sees and which is removed
    afterwards. ``sandboxed=False`` is a run explicitly made without bubblewrap: its record
    says so (:attr:`GradeRecord.sandboxed`, an ``ohne_sandbox`` note).
    """
    limits = workdir.limits if sandboxed else replace(workdir.limits, filesystem=False)
    runtime = workdir.path("runtime", f"{module}-{student}")
    shutil.rmtree(runtime, ignore_errors=True)
    warm = starter if starter is not None and starter.alive() else None
    kernels = warm.kernels if warm is not None else socket_folder(runtime / "kernels")
    for folder in (runtime / "tmp", kernels):
        folder.mkdir(parents=True, exist_ok=True)
    # The kernelspec of this run: the launcher refuses a kernel without bubblewrap unless the
    # run is explicitly unsafe, so it must know which one this is.
    write_kernelspec(runtime / "jupyter", limits=limits, workdir=str(workdir.root),
                     course_root=str(workdir.course_root))
    stamp = submission_stamp(workdir, module, student)
    started = time.monotonic()
    extra = kernel_config(kernel_environment(workdir, runtime, kernels, warm),
                          [runtime / "jupyter" / "kernels"],
                          cell_output=limits.cell_output_kb * 1024,
                          notebook_output=limits.notebook_output_kb * 1024)
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
    with serialised_gradebook(workdir.path("gradebook.lock")):
        result = api.autograde(module, student, force=True, create=False)
    reclaim(workdir.path("autograded", student, module))
    flags = [] if sandboxed else [Flag(FlagKind.NO_SANDBOX, "UNSICHER bewertet: ohne "
                                       "Dateisystem-Sandbox (--ohne-sandbox-UNSICHER)")]
    flags += _test_cell_notes(workdir, module, student)
    if result["success"]:
        flags += _output_flags(workdir, module, student, limits)
    else:
        flags.append(_error_flag((result.get("log") or "") + (result.get("error") or "")))
    flags += [Flag(FlagKind(kind), text) for kind, text in read_limit_notes(runtime / "grenzen.txt")
              if Flag(FlagKind(kind), text) not in flags]
    shutil.rmtree(runtime, ignore_errors=True)
    if warm is None:
        shutil.rmtree(kernels, ignore_errors=True)  # in /tmp when the work dir's path is long
    return GradeRecord(module=module, student=student, flags=tuple(flags),
                       seconds=round(time.monotonic() - started, 2),
                       sandbox=sandbox_mode(limits), submission=stamp, sandboxed=sandboxed)


def main(argv: Sequence[str] | None = None) -> None:
    """Read trainee ids from stdin, print one JSON record line per trainee.

    Output of nbgrader and of kernels goes to stderr (the log); only records use stdout.
    """
    parser = argparse.ArgumentParser(description="Abgaben bewerten (interner Arbeitsprozess).")
    parser.add_argument("workdir")
    parser.add_argument("module")
    parser.add_argument("--ohne-sandbox-UNSICHER", dest="unsafe", action="store_true")
    args = parser.parse_args(argv)
    # Die with the grade process (a killed run must not leave workers grading on). The parent
    # may already be gone by now: then stop at once.
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        sys.exit(1)
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything else printed (nbgrader, kernels) lands in the log
    workdir = open_workdir(args.workdir)
    starter = Zygote(workdir.path("runtime", f"starter-{args.module}-{os.getpid()}"),
                     limits=workdir.limits, workdir=str(workdir.root),
                     course_root=str(workdir.course_root), font_cache=str(workdir.path(FONT_CACHE)))
    use_starter = not args.unsafe
    try:
        for line in sys.stdin:
            if use_starter and not starter.alive():
                use_starter = starter.start()  # if it fails: every kernel from scratch
            record = grade_student(workdir, args.module, line.strip(), starter,
                                   sandboxed=not args.unsafe)
            finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
            results.write(replace(record, finished=finished).to_json() + "\n")
            results.flush()
    finally:
        starter.stop()
        shutil.rmtree(starter.folder, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover - run as worker process
    main()

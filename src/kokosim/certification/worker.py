"""Grading worker process: ``python -m kokosim.certification.worker WORKDIR MODULE``.

Step of the grading chain (cli → grading → worker → launcher → starter → sandbox). The parent
(:mod:`kokosim.certification.grading`) feeds trainee ids on stdin; for each, the worker runs
nbgrader's ``autograde`` (every notebook in a fresh kernel of the sandbox kernelspec, started by
:mod:`kokosim.certification.launcher`, forked from this worker's warm
:class:`~kokosim.certification.starter.Zygote` when bubblewrap is there), turns what went wrong
into flags and prints one :class:`~kokosim.certification.records.GradeRecord` as a JSON line.

The kernels' environment is built here and handed to nbgrader explicitly
(:func:`kokosim._nbgrader.kernel_config`); this process's own environment is never changed per
trainee. Gradebook sessions are serialised with the other workers by a lock file
(:func:`kokosim._nbgrader.serialised_gradebook`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from kokosim._nbgrader import kernel_config, serialised_gradebook
from kokosim.certification.records import Flag, FlagKind, GradeRecord
from kokosim.certification.sandbox import FONT_CACHE, sandbox_mode, socket_folder
from kokosim.certification.starter import SOCKET_ENV, Zygote
from kokosim.certification.workdir import Workdir, open_workdir

__all__ = ["grade_student", "kernel_environment", "main"]


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
                    found.append(Flag(FlagKind.CELL_TIMEOUT, f"{where}: Zeitlimit pro Zelle "
                                      f"({workdir.limits.cell_timeout} s) überschritten"))
                elif output.ename == "CellCPULimitError":
                    found.append(Flag(FlagKind.CELL_TIMEOUT, f"{where}: CPU-Zeit pro Zelle "
                                      f"({workdir.limits.cell_timeout} s) überschritten"))
                elif output.ename == "MemoryError":
                    found.append(Flag(FlagKind.MEMORY, f"{where}: Speichergrenze "
                                      f"({workdir.limits.memory_mb} MiB) überschritten"))
    return found


def _error_flag(error: str) -> Flag:
    if "DeadKernelError" in error or "Kernel died" in error:
        return Flag(FlagKind.KERNEL_DIED, "Kernel beendet (Absturz, CPU-Grenze oder Speicher); "
                    "keine automatische Bewertung")
    last = next((line for line in reversed(error.strip().splitlines()) if line.strip()), "")
    return Flag(FlagKind.ERROR, f"nbgrader-Fehler: {last[:200]}")


def kernel_environment(workdir: Workdir, runtime: Path, kernels: Path,
                       starter: Zygote | None = None) -> dict[str, str]:
    """The environment of one trainee's grading kernels (this process's, adjusted).

    The kernelspec's folder is on ``JUPYTER_PATH``; temporary, IPython and runtime folders are
    the trainee's private ones below ``runtime`` and ``kernels``; matplotlib reads the prebuilt
    font list; the user's Jupyter configuration is left out; a running ``starter`` is named.
    (Inside bubblewrap the sandbox sets its own home and temporary folders on top.)
    """
    env = {name: value for name, value in os.environ.items()
           if name not in (SOCKET_ENV, "JUPYTER_CONFIG_DIR")}
    env.update({"JUPYTER_PATH": str(workdir.path("jupyter")), "TMPDIR": str(runtime / "tmp"),
                "IPYTHONDIR": str(runtime / "ipython"),
                "MPLCONFIGDIR": str(workdir.path(FONT_CACHE)),
                "JUPYTER_RUNTIME_DIR": str(kernels),
                **(starter.environment() if starter is not None else {})})
    return env


def grade_student(workdir: Workdir, module: str, student: str,
                  starter: Zygote | None = None) -> GradeRecord:
    """Autograde one trainee in this process.

    The kernels' connection files and sockets go to a private folder (the warm starter's
    ``kernels/`` when ``starter`` runs, else ``runtime/MODULE-ID/kernels``); every other
    temporary file stays inside ``runtime/MODULE-ID``, which no kernel sees and which is removed
    afterwards.
    """
    runtime = workdir.path("runtime", f"{module}-{student}")
    shutil.rmtree(runtime, ignore_errors=True)
    warm = starter if starter is not None and starter.alive() else None
    kernels = warm.kernels if warm is not None else socket_folder(runtime / "kernels")
    for folder in (runtime / "tmp", kernels):
        folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    extra = kernel_config(kernel_environment(workdir, runtime, kernels, warm),
                          [workdir.path("jupyter", "kernels")])
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
    flags = _test_cell_notes(workdir, module, student)
    if result["success"]:
        flags += _output_flags(workdir, module, student)
    else:
        flags.append(_error_flag((result.get("log") or "") + (result.get("error") or "")))
    shutil.rmtree(runtime, ignore_errors=True)
    if warm is None:
        shutil.rmtree(kernels, ignore_errors=True)  # in /tmp when the work dir's path is long
    return GradeRecord(module=module, student=student, flags=tuple(flags),
                       seconds=round(time.monotonic() - started, 2),
                       sandbox=sandbox_mode(workdir.limits))


def main(argv: Sequence[str] | None = None) -> None:
    """Read trainee ids from stdin, print one JSON record line per trainee.

    Output of nbgrader and of kernels goes to stderr (the log); only records use stdout.
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
            record = grade_student(workdir, args.module, line.strip(), starter)
            finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
            results.write(replace(record, finished=finished).to_json() + "\n")
            results.flush()
    finally:
        starter.stop()
        shutil.rmtree(starter.folder, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover - run as worker process
    main()

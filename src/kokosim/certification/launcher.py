"""The sandbox kernelspec's launcher: ``python -m kokosim.certification.launcher SETTINGS CONN``.

Step of the grading chain (cli → grading → worker → launcher → starter → sandbox). nbgrader's
kernel manager (in a grading worker, :mod:`kokosim.certification.worker`) runs this module as the
kernel command of the kernelspec ``kokosim-sandbox`` written by
:func:`kokosim.certification.sandbox.write_kernelspec`. When the worker runs a warm kernel
starter (:mod:`kokosim.certification.starter`; its socket is named in the kernel's environment),
the kernel is forked there and this launcher waits for it. Otherwise the launcher starts
prlimit + bubblewrap + ipykernel (:func:`kokosim.certification.sandbox.sandbox_command`) as its
child and waits for it (bubblewrap dies with the launcher).

The launcher runs outside the sandbox, with the grader's rights. It

* refuses to start a kernel without bubblewrap unless the kernelspec's settings say the run is
  explicitly unsafe (``filesystem: false``): grading never degrades silently;
* hands the kernel's folders and connection file to the sandbox's unprivileged uid when the
  grader is root (:func:`kokosim.certification.sandbox.hand_over`);
* watches the disk space the kernel uses in its folders on disk (``/tmp`` inside the sandbox is
  a tmpfs of limited size anyway); beyond :attr:`SandboxLimits.disk_mb` it stops the kernel
  and notes why in the worker's notes file (:data:`~kokosim.certification.sandbox.LIMIT_NOTES_ENV`).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence

from kokosim.certification.cellcpu import CELL_CPU_ENV
from kokosim.certification.sandbox import (
    FONT_CACHE,
    LIMIT_NOTES_ENV,
    SandboxLimits,
    bwrap_available,
    disk_usage,
    hand_over,
    kernel_arguments,
    sandbox_command,
    sandbox_uid,
    write_limit_note,
)
from kokosim.certification.starter import SOCKET_ENV, launch

__all__ = ["disk_watch", "main"]

_PR_SET_PDEATHSIG = 1
#: Seconds between two looks at the kernel's disk use.
WATCH_INTERVAL = 0.5


def disk_watch(folders: Sequence[str], limits: SandboxLimits,
               notes: str | None) -> Callable[[], bool]:
    """A check that returns ``True`` (and notes it once) when ``folders`` exceed the disk limit."""
    limit = limits.disk_mb * 1024 * 1024
    start = disk_usage(folders)  # the notebook and the submission's own files do not count

    def over() -> bool:
        if disk_usage(folders) - start <= limit:
            return False
        write_limit_note(notes, "speicherplatz", f"Speicherplatz je Kernel ({limits.disk_mb} MiB)"
                         " überschritten; Kernel gestoppt")
        return True

    return over


def _run(command: list[str], watch: Callable[[], bool]) -> int:
    """Run the sandbox ``command`` as a child; stop it when ``watch`` says so."""
    process = subprocess.Popen(command)
    while True:
        try:
            return process.wait(timeout=WATCH_INTERVAL)
        except subprocess.TimeoutExpired:
            if watch():
                process.kill()
                process.wait()
                return 1


def main(argv: Sequence[str] | None = None) -> None:
    """Start one grading kernel: ``SETTINGS_JSON CONNECTION_FILE [kernel args...]``."""
    # Die with the grading worker (the kernel manager starts kernels in a session of their
    # own); the sandbox below dies with this process (``--die-with-parent``).
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    args = list(sys.argv[1:] if argv is None else argv)
    settings = json.loads(args[0])
    limits = SandboxLimits.from_dict(settings["limits"])
    connection_file = os.path.realpath(args[1])
    runtime = os.path.dirname(connection_file)
    extra = [*kernel_arguments(limits), *args[2:]]
    os.environ[CELL_CPU_ENV] = str(limits.cell_timeout)
    notes = os.environ.pop(LIMIT_NOTES_ENV, None)
    starter = os.environ.pop(SOCKET_ENV, None)
    bwrap = bwrap_available() if limits.filesystem else None
    if limits.filesystem and bwrap is None:
        sys.exit("Kernel nicht gestartet: bubblewrap (bwrap) fehlt, und dieser Lauf ist nicht "
                 "ausdrücklich ohne Sandbox (--ohne-sandbox-UNSICHER) gestartet.")
    cwd = os.getcwd()
    if starter:
        code = launch(starter, connection_file, cwd, extra,
                      watch=disk_watch([runtime], limits, notes), notes=notes)
        if code is not None:
            sys.exit(code)
    uid = sandbox_uid(os.getpid()) if bwrap is not None else None
    hand_over([cwd, runtime, connection_file], uid)
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file, *extra]
    command = sandbox_command(kernel, limits=limits, workdir=settings["workdir"],
                              course_root=settings["course_root"], cwd=cwd,
                              connection_file=connection_file, bwrap=bwrap,
                              font_cache=os.path.join(settings["workdir"], FONT_CACHE), uid=uid)
    sys.exit(_run(command, disk_watch([cwd, runtime], limits, notes)))


if __name__ == "__main__":  # pragma: no cover - exercised through the kernelspec
    main()

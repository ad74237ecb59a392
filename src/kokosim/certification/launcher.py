"""The sandbox kernelspec's launcher: ``python -m kokosim.certification.launcher SETTINGS CONN``.

Step of the grading chain (cli → grading → worker → launcher → starter → sandbox). nbgrader's
kernel manager (in a grading worker, :mod:`kokosim.certification.worker`) runs this module as the
kernel command of the kernelspec ``kokosim-sandbox`` written by
:func:`kokosim.certification.sandbox.write_kernelspec`. When the worker runs a warm kernel
starter (:mod:`kokosim.certification.starter`; its socket is named in the kernel's environment),
the kernel is forked there and this launcher waits for it. Otherwise the launcher replaces
itself (``exec``) with prlimit + bubblewrap + ipykernel
(:func:`kokosim.certification.sandbox.sandbox_command`), so the kernel manager's process handle
is the sandbox.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

from kokosim.certification.cellcpu import CELL_CPU_ENV
from kokosim.certification.sandbox import (
    FONT_CACHE,
    SandboxLimits,
    bwrap_available,
    kernel_arguments,
    sandbox_command,
)
from kokosim.certification.starter import SOCKET_ENV, launch

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Start one grading kernel: ``SETTINGS_JSON CONNECTION_FILE [kernel args...]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    settings = json.loads(args[0])
    limits = SandboxLimits.from_dict(settings["limits"])
    connection_file = os.path.realpath(args[1])
    extra = [*kernel_arguments(limits), *args[2:]]
    os.environ[CELL_CPU_ENV] = str(limits.cell_timeout)
    starter = os.environ.get(SOCKET_ENV)
    if starter:
        code = launch(starter, connection_file, os.getcwd(), extra)
        if code is not None:
            sys.exit(code)
    bwrap = bwrap_available() if limits.filesystem else None
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file, *extra]
    command = sandbox_command(kernel, limits=limits, workdir=settings["workdir"],
                              course_root=settings["course_root"], cwd=os.getcwd(),
                              connection_file=connection_file, bwrap=bwrap,
                              font_cache=os.path.join(settings["workdir"], FONT_CACHE))
    os.execvp(command[0], command)


if __name__ == "__main__":  # pragma: no cover - exercised through the kernelspec
    main()

"""IPython extension of grading kernels: a CPU-time limit for every cell.

The wall-clock limit per cell is nbgrader's (``Execute.timeout``); the kernel as a whole has
``RLIMIT_CPU`` (:class:`~kokosim.certification.sandbox.SandboxLimits`). This extension adds a
limit per cell: before each cell it lowers the soft ``RLIMIT_CPU`` to the CPU time used so far
plus :data:`CELL_CPU_ENV` seconds. A cell that goes beyond (for instance with several threads,
which use more CPU than wall time) receives ``SIGXCPU``; the handler raises
:class:`CellCPULimitError` in the cell, the grader flags it and the notebook goes on with the
next cell. Between cells the soft limit is back at the hard one (the kernel's total, never
raised), so the kernel's own work is never interrupted.

Loaded with ``--InteractiveShellApp.extensions=kokosim.certification.cellcpu``
(:func:`kokosim.certification.sandbox.kernel_arguments`); the seconds come from the kernelspec's
launcher (:mod:`kokosim.certification.launcher`).
"""

from __future__ import annotations

import math
import os
import resource
import signal
from types import FrameType
from typing import Any

__all__ = ["CELL_CPU_ENV", "CellCPULimitError", "load_ipython_extension"]

#: Environment variable with the CPU seconds per cell.
CELL_CPU_ENV = "KOKOSIM_CELL_CPU"


class CellCPULimitError(Exception):
    """Raised in a cell that used more CPU time than allowed per cell."""


def _used_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


_state = {"in_cell": False}


def _on_sigxcpu(signum: int, frame: FrameType | None) -> None:
    if _state["in_cell"]:
        _state["in_cell"] = False  # once per cell
        raise CellCPULimitError(
            f"CPU-Zeit je Zelle ({os.environ.get(CELL_CPU_ENV)} s) überschritten")


def load_ipython_extension(shell: Any) -> None:
    """Register the per-cell limit in ``shell`` (does nothing without :data:`CELL_CPU_ENV`)."""
    seconds = int(os.environ.get(CELL_CPU_ENV, "0") or 0)
    if seconds <= 0:
        return
    signal.signal(signal.SIGXCPU, _on_sigxcpu)

    def before_cell(*_: Any) -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = math.ceil(_used_seconds()) + seconds
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        _state["in_cell"] = True
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))

    def after_cell(*_: Any) -> None:
        _state["in_cell"] = False
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))

    shell.events.register("pre_run_cell", before_cell)
    shell.events.register("post_run_cell", after_cell)

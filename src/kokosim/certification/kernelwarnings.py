"""IPython extension of grading kernels: warnings go to standard output, marked.

nbgrader scores a test cell 0 as soon as anything reaches standard error
(``nbgrader.utils.determine_grade``), and Python prints warnings there: a correct answer whose
code (or a library it calls) emits a ``UserWarning``, ``FutureWarning`` or
``DeprecationWarning`` would lose the cell's points without any visible reason. In grading
kernels every warning is printed to standard output instead, starting with
:data:`WARNING_PREFIX`; the grading worker turns such lines in test cells into a ``warnung``
note (:class:`~kokosim.certification.records.FlagKind`) with the warning's text.

Only warnings are moved. Exceptions (a failing ``assert``) still score 0, and so does anything
else written to standard error (``print(..., file=sys.stderr)``, logging, progress bars), as in
nbgrader. A submission that turns warnings into errors (``warnings.simplefilter("error")``)
gets an exception, which scores 0.

Loaded with ``--InteractiveShellApp.extensions=kokosim.certification.kernelwarnings``
(:func:`kokosim.certification.sandbox.kernel_arguments`).
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any, TextIO

__all__ = ["WARNING_PREFIX", "load_ipython_extension", "show_warning"]

#: Start of every warning line in a grading kernel's output (German; the worker looks for it).
WARNING_PREFIX = "Warnung (ohne Punktabzug): "


def show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: TextIO | None = None, line: str | None = None) -> None:
    """Replacement of :func:`warnings.showwarning`: one marked line on standard output.

    Examples
    --------
    >>> show_warning(UserWarning("Achtung"), UserWarning, "/x/modell.py", 7)
    Warnung (ohne Punktabzug): UserWarning: Achtung (modell.py, Zeile 7)
    """
    text = str(message).strip().replace("\n", " ")
    sys.stdout.write(f"{WARNING_PREFIX}{category.__name__}: {text} "
                     f"({os.path.basename(str(filename))}, Zeile {lineno})\n")


def load_ipython_extension(shell: Any) -> None:
    """Route the kernel's warnings to standard output."""
    warnings.showwarning = show_warning

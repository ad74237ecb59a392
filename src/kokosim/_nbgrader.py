"""Every workaround kokosim needs around nbgrader 0.9, in one place.

nbgrader is used by the course build (student copies) and by certification (grading). Where it
needs help — a tool it finds only on PATH, process-wide state it changes — the fix lives here so
that each caller passes what it needs explicitly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["tool_path", "ensure_tool_path"]


def tool_path(path: str | None = None) -> str:
    """``path`` (default: this process's PATH) with this interpreter's ``bin/`` first.

    nbgrader calls the ``alembic`` executable, which lives beside the interpreter in a venv.

    Examples
    --------
    >>> import sys
    >>> from pathlib import Path
    >>> tool_path("/usr/bin").split(":")[0] == str(Path(sys.executable).parent)
    True
    """
    bin_dir = str(Path(sys.executable).parent)
    current = os.environ.get("PATH", "") if path is None else path
    parts = current.split(os.pathsep) if current else []
    if parts and parts[0] == bin_dir:
        return current
    return os.pathsep.join([bin_dir, *parts])


def ensure_tool_path() -> None:
    """Put this interpreter's ``bin/`` first on this process's PATH (see :func:`tool_path`)."""
    os.environ["PATH"] = tool_path()

"""kokosim: training course and simulation kit for municipal conflict management.

Submodules are imported on first use so that ``import kokosim`` stays fast in notebooks.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = ["compare", "__version__"]

# Public names re-exported lazily: name -> module that defines it.
_LAZY = {"compare": "kokosim.comparison"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kokosim' has no attribute {name!r}")

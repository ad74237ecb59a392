"""Memoise runs of the neighbourhood model: in memory, and optionally in a cache folder.

A run is a pure function of its scenario, seed, number of weeks and parameter overrides (the
model is seeded; the tests check that the same arguments give identical frames in other
processes). Results are therefore kept

* in memory, per process, so that a hidden test recomputing a notebook's runs or a trainee
  re-running a cell does not simulate again;
* in the folder named by the environment variable ``KOKOSIM_RUN_CACHE``, if set, so that
  grading kernels reuse the runs a trusted process made before. With
  ``KOKOSIM_RUN_CACHE_READONLY=1`` the folder is only read (the grading sandbox mounts it
  read-only, so submissions cannot plant results for other trainees).

Keys include a fingerprint of kokosim's own source and of the versions of the libraries the
model uses, so a changed model never meets results of the old one. Files are ``.npz`` archives
of plain arrays (loaded with ``allow_pickle=False``: no code runs on load) written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kokosim._atomic import atomic_open

if TYPE_CHECKING:  # numpy and pandas load lazily: the grading launcher imports this module
    import pandas as pd

__all__ = ["CACHE_ENV", "READONLY_ENV", "cache_environment", "cached_run", "fingerprint", "run_key"]

#: Environment variable naming the cache folder.
CACHE_ENV = "KOKOSIM_RUN_CACHE"
#: Environment variable that makes the cache folder read-only (``1``).
READONLY_ENV = "KOKOSIM_RUN_CACHE_READONLY"
#: Runs kept in memory per process (a 100-week run takes about 20 KiB).
MEMORY_ENTRIES = 1024
#: Libraries whose versions can change a run's numbers.
LIBRARIES = ("mesa", "numpy", "scipy", "networkx", "pandas")

_memory: OrderedDict[str, pd.DataFrame] = OrderedDict()


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """Hash of kokosim's source files and the versions of :data:`LIBRARIES`.

    The certification package is left out: it grades notebooks and never changes a run.

    Examples
    --------
    >>> len(fingerprint())
    64
    """
    import importlib.metadata

    import kokosim

    digest = hashlib.sha256()
    package = Path(kokosim.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts[0] == "certification":
            continue
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    for name in LIBRARIES:
        digest.update(f"{name}={importlib.metadata.version(name)}".encode())
    return digest.hexdigest()


def run_key(scenario: str, seed: int, steps: int, overrides: Mapping[str, Any]) -> str | None:
    """Key of one run, or ``None`` if an override is not a plain number, bool or string.

    Examples
    --------
    >>> run_key("ruhiges_quartier", 1, 10, {"width": 20}) == run_key(
    ...     "ruhiges_quartier", 1, 10, {"width": 20})
    True
    >>> run_key("ruhiges_quartier", 1, 10, {}) == run_key("ruhiges_quartier", 2, 10, {})
    False
    >>> run_key("ruhiges_quartier", 1, 10, {"width": [20]}) is None
    True
    """
    plain = (bool, int, float, str, type(None))
    if not all(type(value) in plain for value in overrides.values()):
        return None  # e.g. numpy scalars or lists: computed, never cached
    text = json.dumps([fingerprint(), scenario, int(seed), int(steps), dict(overrides)],
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def cache_environment(folder: str | Path | None, readonly: bool = False) -> dict[str, str]:
    """Environment variables that point another process's run cache at ``folder``.

    Certification passes them to the trusted process that fills the cache (``readonly=False``)
    and to grading kernels, which may only read it (``readonly=True``). ``None`` switches the
    folder off (memory only).

    Examples
    --------
    >>> cache_environment("/srv/cache", readonly=True)
    {'KOKOSIM_RUN_CACHE': '/srv/cache', 'KOKOSIM_RUN_CACHE_READONLY': '1'}
    >>> cache_environment(None)
    {'KOKOSIM_RUN_CACHE': '', 'KOKOSIM_RUN_CACHE_READONLY': '0'}
    """
    return {CACHE_ENV: "" if folder is None else str(folder),
            READONLY_ENV: "1" if readonly else "0"}


def _folder() -> Path | None:
    value = os.environ.get(CACHE_ENV, "")
    return Path(value) if value else None


def _load(path: Path) -> pd.DataFrame | None:
    import numpy as np
    import pandas as pd

    try:
        with np.load(path, allow_pickle=False) as archive:
            columns = [str(name) for name in archive["__columns__"]]
            return pd.DataFrame({name: archive[f"c{index}"] for index, name in enumerate(columns)})
    except (OSError, KeyError, ValueError):
        return None  # missing or unreadable entry: compute the run instead


def _store(path: Path, frame: pd.DataFrame) -> None:
    import numpy as np

    arrays = {f"c{index}": frame[name].to_numpy(dtype=str if frame[name].dtype == object
                                                 else None)
              for index, name in enumerate(frame.columns)}
    arrays["__columns__"] = np.array([str(name) for name in frame.columns])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(path, "wb", encoding=None) as handle:
            np.savez(handle, **arrays)
    except OSError as error:
        warnings.warn(f"Ergebnis-Cache {path.parent} nicht beschreibbar ({error}); "
                      "der Lauf wird nicht gespeichert", RuntimeWarning, stacklevel=3)


def cached_run(scenario: str, seed: int, steps: int, overrides: Mapping[str, Any],
               compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Return ``compute()`` for this run, from memory or the cache folder when possible.

    The caller gets its own copy, so changing the frame never changes a cached result.

    Examples
    --------
    >>> import pandas as pd
    >>> calls = []
    >>> def compute():
    ...     calls.append(1)
    ...     return pd.DataFrame({"step": [0, 1]})
    >>> first = cached_run("ruhiges_quartier", 99, 1, {"width": 7}, compute)
    >>> first.loc[0, "step"] = 5  # the caller's copy only
    >>> cached_run("ruhiges_quartier", 99, 1, {"width": 7}, compute)["step"].tolist(), len(calls)
    ([0, 1], 1)
    """
    key = run_key(scenario, seed, steps, overrides)
    if key is None:
        return compute()
    frame = _memory.get(key)
    folder = _folder()
    path = folder / key[:2] / f"{key}.npz" if folder is not None else None
    if frame is None and path is not None:
        frame = _load(path)
    if frame is None:
        frame = compute()
        if path is not None and os.environ.get(READONLY_ENV) != "1":
            _store(path, frame)
    _memory[key] = frame
    _memory.move_to_end(key)
    while len(_memory) > MEMORY_ENTRIES:
        _memory.popitem(last=False)
    return frame.copy()

"""Fill the work directory's run cache from a module's master notebooks before grading.

Called by :func:`kokosim.certification.grading.grade_module` before the workers start; the
fillers run as ``python -m kokosim.certification.warmup NOTEBOOK...``.

Most of a course notebook's computing time goes into runs of the neighbourhood model that are
the same for every trainee (given cells and the hidden tests' reference runs). Before a
cohort is graded, the module's **master** notebooks -- trusted course code, never a
submission -- are run once with the cache folder ``cache/laeufe`` writable
(:mod:`kokosim.neighbourhood.runcache`). Grading kernels then read the cache read-only. The result of a
grading run is the same with or without the cache; only the time differs.

Only masters that import one of :data:`CACHE_USERS` are run, the library modules whose
functions reach the memoised ``compare`` and ``run_scenario`` of :mod:`kokosim.neighbourhood`
(also from inside the library, e.g. ``kmsdesign.incidents``: a filter on the calls in a
notebook's own source missed two of module 3's masters, 4.4 s more per trainee, measured). Their
cells run in one IPython shell per process without a kernel (figures are not rendered), in a
scratch folder inside the work directory. A marker per module stores a hash of the masters
and of kokosim's source, so the cache is filled again only when either changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import nbformat

from kokosim._atomic import atomic_write
from kokosim.certification.sandbox import FONT_CACHE, RUN_CACHE
from kokosim.certification.workdir import Workdir
from kokosim.neighbourhood.runcache import cache_environment, fingerprint

__all__ = ["CACHE_USERS", "fills_cache", "warm_cache", "main"]

#: Library packages whose functions run the model through the run cache.
CACHE_USERS = ("kokosim.neighbourhood", "kokosim.kmsdesign")
_USERS = "|".join(name.removeprefix("kokosim.") for name in CACHE_USERS)
_CACHE_USER = re.compile(rf"\bkokosim\.({_USERS})\b"
                         rf"|\bfrom\s+kokosim\s+import\b[^\n]*\b({_USERS})\b")


def fills_cache(path: Path) -> bool:
    """Whether a master notebook imports one of :data:`CACHE_USERS` in a code cell.

    Examples
    --------
    >>> import nbformat, tempfile
    >>> from pathlib import Path
    >>> def master(source):
    ...     path = Path(tempfile.mkdtemp()) / "master.ipynb"
    ...     nbformat.write(nbformat.v4.new_notebook(
    ...         cells=[nbformat.v4.new_code_cell(source)]), path)
    ...     return path
    >>> fills_cache(master("from kokosim.kmsdesign import incidents as vorfaelle"))
    True
    >>> fills_cache(master("from kokosim import answers, neighbourhood"))
    True
    >>> fills_cache(master("from kokosim.classics import Deffuant"))
    False
    """
    cells = nbformat.read(path, as_version=4).cells
    return any(c.cell_type == "code" and _CACHE_USER.search(c.source) for c in cells)


def _marker(workdir: Workdir, module: str) -> tuple[Path, str]:
    digest = hashlib.sha256(fingerprint().encode())
    for path in workdir.course.master_paths(module):
        digest.update(path.read_bytes())
    return workdir.path(RUN_CACHE, f"{module}.fertig"), digest.hexdigest()


def warm_cache(workdir: Workdir, module: str, log: Path, jobs: int | None = None) -> bool:
    """Run ``module``'s masters once so that their model runs are in the cache.

    The masters are shared out over ``jobs`` processes (default: one per core). Output goes
    to ``log``; a master that fails only leaves runs uncached.

    Returns
    -------
    bool
        ``True`` if the masters ran, ``False`` if the cache was already filled for these masters
        and this kokosim version.
    """
    marker, digest = _marker(workdir, module)
    if marker.is_file() and marker.read_text(encoding="utf-8") == digest:
        return False
    marker.parent.mkdir(parents=True, exist_ok=True)
    workdir.path("runtime").mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"vorlauf-{module}-", dir=workdir.path("runtime")))
    env = {**os.environ, **cache_environment(workdir.path(RUN_CACHE), readonly=False),
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(workdir.path(FONT_CACHE)),
           "IPYTHONDIR": str(scratch / "ipython"), "HOME": str(scratch), "TMPDIR": str(scratch)}
    masters = [str(p) for p in workdir.course.master_paths(module) if fills_cache(p)]
    count = min(jobs or os.cpu_count() or 1, len(masters))
    try:
        with open(log, "a", encoding="utf-8") as output:
            runs = [subprocess.Popen([sys.executable, "-m", "kokosim.certification.warmup",
                                      *masters[number::count]],
                                     cwd=scratch, env=env, stdout=output, stderr=output)
                    for number in range(count)]
            for run in runs:
                run.wait()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    atomic_write(marker, digest)
    return True


def main(argv: Sequence[str] | None = None) -> None:
    """Run the code cells of the given notebooks in one IPython shell (the cache filler)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # several fillers run side by side
    shell = InteractiveShell.instance(config=config)
    for path in (sys.argv[1:] if argv is None else argv):
        shell.reset(new_session=False)
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                result = shell.run_cell(cell.source, silent=True)
                if not result.success:
                    print(f"{path}: Zelle ohne Erfolg: {result.error_in_exec!r}", flush=True)
        shell.run_cell("import matplotlib.pyplot as _plt; _plt.close('all')", silent=True)


if __name__ == "__main__":  # pragma: no cover - run as a subprocess
    main()

"""Which masters fill the run cache before a module is graded (``certification.warmup``)."""

from __future__ import annotations

import re
from pathlib import Path

import kokosim
from kokosim.certification.warmup import CACHE_USERS, fills_cache
from kokosim.courseconfig import load_course

ROOT = Path(__file__).resolve().parents[2]  # the checkout: the course root
#: A call of a memoised model run (or of the cache itself) in library code.
CACHED_CALL = re.compile(r"\b(run_scenario|compare|cached_run)\(")


def test_every_library_module_that_runs_the_model_through_the_cache_is_a_cache_user():
    package = Path(kokosim.__file__).parent
    callers = {".".join(("kokosim", *path.relative_to(package).with_suffix("").parts))
               for path in package.rglob("*.py")
               if "certification" not in path.parts and CACHED_CALL.search(path.read_text())}
    assert "kokosim.kmsdesign" in callers
    assert not [name for name in callers if not name.startswith(CACHE_USERS)]


def test_masters_that_reach_the_model_only_through_the_library_are_warmed():
    course = load_course(ROOT)
    warmed = {path.name for unit in course.modules for path in course.master_paths(unit.id)
              if fills_cache(path)}
    # Module 3's cost notebook calls run_scenario only through kmsdesign.incidents (this was
    # missed once: 4.4 s more per trainee).
    assert "04_kosten_wirkung_ratsvorlage.ipynb" in warmed
    assert "03_fruehwarnindikatoren.ipynb" in warmed
    assert "01_konflikte_in_der_demokratie.ipynb" not in warmed

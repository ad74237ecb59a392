"""End to end with the course's real module 1: masters from ``course/source``, student copies
from ``module1/``, the repository's ``course/kurs.toml`` and nbgrader configuration.

Three trainees: the master solutions (hidden tests removed; the last notebook left out), the
untouched student copy of the first notebook (the other notebooks missing), and a submission
that searches the whole disk for master notebooks and gradebooks. The repository itself is the
course root the sandbox must hide.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import nbformat
import pytest
import samples
from test_certification_e2e import read_csv, require_sandbox, snapshot

from kokosim.certification.cli import main
from kokosim.certification.feedback import find_leaks, hidden_lines
from kokosim.courseconfig import load_course, notebook_points

ROOT = Path(__file__).resolve().parents[2]  # the checkout: the course root
COURSE = load_course(ROOT / "course" / "kurs.toml")
MODULE = COURSE.module("module1")
REPO = COURSE.release_dir
# The master solutions of all but the last (slowest: simulations) notebook keep the suite fast.
MUSTER = COURSE.master_paths("module1")[:-1]


def _zip(notebooks: dict[str, nbformat.NotebookNode]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, nb in notebooks.items():
            archive.writestr(f"Abgabe/modul1/{name}", nbformat.writes(nb))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_sandbox()
    tmp = tmp_path_factory.mktemp("modul1")
    watched = {name: REPO / name for name in ("course/source/module1", "module1")}
    before = {name: snapshot(path) for name, path in watched.items()}
    top_before = sorted(p.name for p in REPO.iterdir())
    masters = {p.name: nbformat.read(p, 4) for p in COURSE.master_paths("module1")}
    copies = {p.name: nbformat.read(p, 4) for p in COURSE.student_paths("module1")}
    inbox = tmp / "eingang"
    inbox.mkdir()
    (inbox / "muster.zip").write_bytes(_zip(
        {path.name: samples.submission(copies[path.name], "correct", masters[path.name])
         for path in MUSTER}))
    nbformat.write(copies[MODULE.notebooks[0]], inbox / "leer.ipynb")
    nbformat.write(samples.submission(copies[MODULE.notebooks[0]], "search"),
                   inbox / "sucher.ipynb")
    students = tmp / "students.csv"
    students.write_text("id,first_name,last_name,email\nmuster,Aylin,Öztürk,a@example.org\n"
                        "leer,Jonas,Weiß,j@example.org\nsucher,Mia,Kraft,m@example.org\n",
                        encoding="utf-8")
    work = tmp / "arbeit"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(tmp / "home"))
        mp.setenv("TMPDIR", str(tmp / "systmp"))
        for folder in ("home", "systmp"):
            (tmp / folder).mkdir()
        assert main(["init", str(work), "--students", str(students), "--kurs", str(ROOT),
                     "--zeitlimit", "30"]) == 0
        assert main(["intake", str(work), "module1", str(inbox)]) == 0
        assert main(["grade", str(work), "module1", "--jobs", "2"]) == 0
        assert main(["feedback", str(work), "module1"]) == 0
        assert main(["export", str(work), "--out", str(tmp / "noten.csv")]) == 0
    yield {"tmp": tmp, "work": work, "rows": read_csv(tmp / "noten.csv"), "masters": masters,
           "before": before, "after": {name: snapshot(path) for name, path in watched.items()},
           "top": (top_before, sorted(p.name for p in REPO.iterdir()))}


def test_master_solutions_get_all_autograded_points(graded):
    rows = graded["rows"]
    assert float(rows["muster"]["score"]) == sum(notebook_points(p).auto for p in MUSTER) > 0
    assert rows["muster"]["manual_open"] == "ja" and rows["muster"]["flags"] == ""
    assert float(rows["leer"]["score"]) == 0 and rows["leer"]["passed"] == "nein"
    assert float(rows["leer"]["max_score"]) == MODULE.max_points


def test_sandbox_hides_the_repository(graded):
    nb = nbformat.read(graded["work"] / "autograded/sucher/module1" / MODULE.notebooks[0], 4)
    line = next(out["text"] for cell in nb.cells for out in cell.get("outputs", [])
                if out.get("name") == "stdout" and samples.SEARCH_REPORT in out["text"])
    _, seen, found = line.strip().split(" ", 2)
    assert int(seen) > 0  # it saw the notebooks that installed packages ship
    found = json.loads(found)
    assert all("site-packages" in path for path in found), found  # never a master


def test_feedback_has_no_hidden_tests_of_the_masters(graded):
    secret = hidden_lines(c.source for nb in graded["masters"].values() for c in nb.cells)
    assert secret
    pages = list(graded["work"].glob("feedback/*/module1/*.html"))
    assert len(pages) == len(MUSTER) + 2
    for page in pages:
        assert not find_leaks(page.read_text(encoding="utf-8"), secret), page


def test_nothing_written_into_the_repository(graded):
    assert graded["after"] == graded["before"]
    assert graded["top"][0] == graded["top"][1]
    assert not any((graded["tmp"] / "home").iterdir())
    assert not any((graded["tmp"] / "systmp").iterdir())

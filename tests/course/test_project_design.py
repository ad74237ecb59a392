"""Issue 14: the transfer project (Praxisprojekt) as configured, authored and handed out.

The project is one graded unit of ``course/kurs.toml`` (``kind = "projekt"``): graded by hand only,
its first notebook holds the title cell the certificate reads
(:mod:`kokosim.certification.projecttitle`), every manually graded cell carries its rubric in the
master and none in the student copy. The pipeline side is tested end to end in
``tests/certification/test_certification_project.py``; the pseudonymised submission in
``tests/test_praxisprojekt.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from kokosim.certification.projecttitle import TITLE_CELL, ProjectTitleError, read_title
from kokosim.courseconfig import load_course

REPO_ROOT = Path(__file__).resolve().parents[2]
COURSE = load_course(REPO_ROOT)
PROJECT = COURSE.project
RUBRIC = re.compile(r"Bewertungsraster \(nur im Master sichtbar; (\d+) Punkte\)")


def test_course_has_the_project_and_the_certificate_needs_it():
    assert PROJECT is not None and PROJECT.id == "praxisprojekt"
    assert PROJECT.max_auto_points == 0 and PROJECT.max_manual_points > 0
    assert COURSE.complete and len(COURSE.modules) == COURSE.required_modules + 1
    full = {m.id: (m.max_auto_points, m.max_manual_points) for m in COURSE.modules}
    assert COURSE.certificate_earned(full)
    without = {key: value for key, value in full.items() if key != PROJECT.id}
    assert not COURSE.certificate_earned(without)
    failed = dict(full, **{PROJECT.id: (0, PROJECT.pass_points - 1)})
    assert not COURSE.certificate_earned(failed)


def test_first_notebook_has_the_title_cell_the_certificate_reads():
    master = nbformat.read(COURSE.master_paths(PROJECT.id)[0], as_version=4)
    student = nbformat.read(COURSE.student_paths(PROJECT.id)[0], as_version=4)
    (cell,) = [c for c in master.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == TITLE_CELL]
    assert cell.metadata["nbgrader"]["solution"] and not cell.metadata["nbgrader"]["grade"]
    assert read_title(master) == "Konfliktmanagement im Quartier Musterstadt-Nord"
    with pytest.raises(ProjectTitleError, match="kein Projekttitel eingetragen"):
        read_title(student, "Kopie")
    (copy,) = [c for c in student.cells if c.get("id") == cell.id]
    typed = copy.source.replace('projekt_titel = ""', 'projekt_titel = "Quartier Am Bahnhof"')
    student.cells[student.cells.index(copy)].source = typed
    assert read_title(student) == "Quartier Am Bahnhof"


@pytest.mark.parametrize("name", PROJECT.notebooks if PROJECT else [])
def test_every_graded_cell_has_a_rubric_with_its_points(name):
    master = nbformat.read(COURSE.source_dir / PROJECT.id / name, as_version=4)
    graded = [c for c in master.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded
    for cell in graded:
        meta = cell.metadata["nbgrader"]
        assert meta["solution"], f"{name}, {meta['grade_id']}: no autograded tests in the project"
        rubric = RUBRIC.search(cell.source)
        assert rubric, f"{name}, {meta['grade_id']}: Bewertungsraster fehlt"
        assert float(rubric.group(1)) == float(meta["points"]), meta["grade_id"]
    student = (COURSE.release_dir / PROJECT.id / name).read_text(encoding="utf-8")
    assert "Bewertungsraster" not in student and "BEGIN SOLUTION" not in student


def test_project_folder_is_handed_out_beside_the_modules():
    hub = (REPO_ROOT / "hub" / "Dockerfile").read_text(encoding="utf-8")
    assert "/srv/kokosim/src/praxisprojekt" in hub
    ignored = (REPO_ROOT / ".gitignore").read_text(encoding="utf-8")
    assert "praxisprojekt/pseudonymschluessel_NICHT_ABGEBEN.csv" in ignored

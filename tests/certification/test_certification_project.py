"""Issue 14 end to end: the transfer project (Praxisprojekt) is collected, graded by hand and
named on the certificate.

The tiny synthetic course (``samples``: module1 plus the project, whose first notebook holds the
title cell ``projekt_titel``) runs through intake, grading, manual grading as in formgrader,
export, status and certificates. One trainee enters a title, one leaves it blank, one gets too
few project points. Needs bubblewrap like ``test_certification_e2e``.
"""

from __future__ import annotations

import csv

import nbformat
import pytest
import samples
from test_certification_e2e import require_sandbox

from kokosim.certification.cli import main
from kokosim.certification.verification import load_registry
from kokosim.certification.workdir import open_workdir

TITLE = "Konfliktmanagement im Quartier Am Bahnhof"
#: Trainee → (project title typed in, project points given by hand).
TRAINEES = {"mittitel": (TITLE, 4), "ohnetitel": ("", 4), "zuwenig": (TITLE, 2)}


def project_submission(student: nbformat.NotebookNode, title: str) -> nbformat.NotebookNode:
    """The released project copy with ``title`` typed over the placeholder and a report."""
    nb = nbformat.reads(nbformat.writes(student), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "projekt_titel":
            cell.source = cell.source.replace('projekt_titel = ""', f"projekt_titel = {title!r}")
        elif grade_id == "projektbericht":
            cell.source = "Unser Quartier hat eine Anlaufstelle, aber keine Verfahrensstandards."
    return nb


@pytest.fixture(scope="module")
def certified(tmp_path_factory):
    require_sandbox()
    tmp = tmp_path_factory.mktemp("praxisprojekt")
    kurs = samples.write_course(tmp / "repo", project=True)
    students = tmp / "tn.csv"
    students.write_text("id,first_name,last_name,email\n" + "".join(
        f"{s},Vorname-{s},Nachname-{s},{s}@example.org\n" for s in TRAINEES), encoding="utf-8")
    assert main(["init", str(tmp / "arbeit"), "--students", str(students), "--kurs",
                 str(kurs)]) == 0
    workdir = open_workdir(tmp / "arbeit")
    for unit in ("module1", "praxisprojekt"):
        workdir.ensure_module(unit)
    module_copy = nbformat.read(workdir.path("release", "module1", "aufgaben.ipynb"), 4)
    master = nbformat.read(workdir.source_dir / "module1" / "aufgaben.ipynb", 4)
    project_copy = nbformat.read(workdir.path("release", "praxisprojekt", "projekt.ipynb"), 4)
    for unit, make in (("module1", lambda _: samples.submission(module_copy, "correct", master)),
                       ("praxisprojekt", lambda t: project_submission(project_copy, t))):
        inbox = tmp / f"eingang-{unit}"
        inbox.mkdir()
        for trainee, (title, _) in TRAINEES.items():
            nbformat.write(make(title), inbox / f"{trainee}.ipynb")
        assert main(["intake", str(workdir.root), unit, str(inbox)]) == 0
        assert main(["grade", str(workdir.root), unit, "--jobs", "2"]) == 0
    with workdir.gradebook() as gb:  # what formgrader does on saving a score
        for trainee, (_, points) in TRAINEES.items():
            for cell, notebook, unit, score in (("reflexion", "aufgaben", "module1", 2),
                                                ("projektbericht", "projekt", "praxisprojekt",
                                                 points)):
                grade = gb.find_grade(cell, notebook, unit, trainee)
                grade.manual_score, grade.needs_manual_grade = score, False
        gb.db.commit()
    out = tmp / "zertifikate"
    assert main(["certificates", str(workdir.root), "--out", str(out), "--datum",
                 "2026-11-30"]) == 0
    assert main(["export", str(workdir.root), "--out", str(tmp / "noten.csv")]) == 0
    yield {"tmp": tmp, "workdir": workdir, "out": out}


def test_certificate_names_the_project_and_its_code_covers_the_title(certified, capsys):
    out, workdir = certified["out"], certified["workdir"]
    assert sorted(p.name for p in out.glob("*.pdf")) == ["zertifikat-mittitel.pdf"]
    (code, entry), = load_registry(workdir).items()
    assert entry["payload"]["project_title"] == TITLE
    assert [m[0] for m in entry["payload"]["modules"]] == ["module1", "praxisprojekt"]
    capsys.readouterr()
    assert main(["verify", str(workdir.root), str(out / "zertifikat-mittitel.pdf")]) == 0
    assert f"Praxisprojekt: „{TITLE}“" in capsys.readouterr().out
    assert main(["verify", str(workdir.root), code]) == 0
    assert f"Praxisprojekt: „{TITLE}“" in capsys.readouterr().out


def test_blank_title_holds_the_certificate_back_and_says_where(certified):
    with open(certified["out"] / "kohorte.csv", encoding="utf-8") as handle:
        table = {row["Kennung"]: row for row in csv.DictReader(handle)}
    assert table["ohnetitel"]["praxisprojekt bestanden"] == "ja"
    assert table["ohnetitel"]["Zertifikat"] == "nein"
    note = table["ohnetitel"]["Hinweise"]
    assert "Projekttitel:" in note and "projekt.ipynb, Zelle „projekt_titel“: kein Projekttitel " \
        "eingetragen" in note
    assert table["zuwenig"]["praxisprojekt bestanden"] == "nein"
    assert table["zuwenig"]["Zertifikat"] == "nein" and "Projekttitel" not in \
        table["zuwenig"]["Hinweise"]


def test_cli_names_the_trainee_whose_certificate_waits_for_a_title(certified, capsys, tmp_path):
    capsys.readouterr()
    assert main(["certificates", str(certified["workdir"].root), "--out", str(tmp_path),
                 "--datum", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert "1 Zertifikat(e)" in out
    assert "Zertifikat für ohnetitel zurückgestellt" in out and "kein Projekttitel" in out


def test_project_is_exported_and_listed_like_a_module(certified, capsys):
    with open(certified["tmp"] / "noten.csv", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["module"] == "praxisprojekt"]
    assert {row["student_id"]: row["passed"] for row in rows} == {
        "mittitel": "ja", "ohnetitel": "ja", "zuwenig": "nein"}
    assert {row["student_id"]: row["manual_score"] for row in rows}["mittitel"] == "4"
    capsys.readouterr()
    assert main(["status", str(certified["workdir"].root)]) == 0
    assert "praxisprojekt" in capsys.readouterr().out

"""Issue 13 end to end: autograded points alone never pass a module.

Two trainees of the tiny synthetic course (``samples``: 5 autograded points, 2 for the
reflection, pass mark 4, at least 1 point from the reflection) hand in the master solution and
get all autograded points. Their reflections are graded by hand as in formgrader: 0 points
(not passed: in the export, the status, the learning-platform exports, no certificate) and
exactly the minimum of 1 point (passed, certificate). Needs bubblewrap like
``test_certification_e2e``.
"""

from __future__ import annotations

import csv

import pytest
from test_certification_e2e import read_csv, require_sandbox
from test_certification_hostile import make_workdir
from test_certification_trust_e2e import write_moodle_worksheet

from kokosim.certification.cli import main
from kokosim.certification.export import collect_results

NOTE = "Mindestpunktzahl der von Hand bewerteten Aufgaben nicht erreicht (0 von 1)"
TRAINEES = ("nurauto", "minimum")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require_sandbox()
    tmp = tmp_path_factory.mktemp("mindestpunkte")
    workdir = make_workdir(tmp, {trainee: "correct" for trainee in TRAINEES})
    assert main(["grade", str(workdir.root), "module1", "--jobs", "1"]) == 0
    before = {r.student_id: r for r in collect_results(workdir)}
    with workdir.gradebook() as gb:  # what formgrader does on saving a score
        for trainee, points in (("nurauto", 0), ("minimum", 1)):
            grade = gb.find_grade("reflexion", "aufgaben", "module1", trainee)
            grade.manual_score, grade.needs_manual_grade = points, False
        # A score typed by hand over an autograded test stays autograded.
        test = gb.find_grade("test_sichtbar", "aufgaben", "module1", "nurauto")
        test.manual_score = 2
        gb.db.commit()
    assert main(["export", str(workdir.root), "--out", str(tmp / "noten.csv")]) == 0
    assert main(["certificates", str(workdir.root), "--out", str(tmp / "z"),
                 "--datum", "2026-11-21"]) == 0
    yield {"tmp": tmp, "workdir": workdir, "before": before, "rows": read_csv(tmp / "noten.csv")}


def test_before_manual_grading_nothing_is_decided(graded):
    for trainee in TRAINEES:
        row = graded["before"][trainee]
        assert row.score == 5 and row.manual_open and row.decision.value == "open", trainee


def test_export_fails_autograded_points_alone_and_says_why(graded):
    rows = graded["rows"]
    nurauto, minimum = rows["nurauto"], rows["minimum"]
    assert float(nurauto["score"]) == 5 >= graded["workdir"].course.modules[0].pass_points
    assert nurauto["manual_score"] == "0" and nurauto["passed"] == "nein"
    assert nurauto["notes"] == NOTE and nurauto["flags"] == ""
    assert float(minimum["score"]) == 6 and minimum["manual_score"] == "1"
    assert minimum["passed"] == "ja" and minimum["notes"] == ""


def test_status_names_the_missing_minimum(graded, capsys):
    capsys.readouterr()
    assert main(["status", str(graded["workdir"].root)]) == 0
    out = capsys.readouterr().out
    assert "bestanden: 1; nicht bestanden: 1; offen: 0" in out
    assert f"nicht bestanden nurauto: {NOTE}" in out
    assert "minimum:" not in out


def test_certificate_only_with_the_minimum(graded):
    out = graded["tmp"] / "z"
    assert sorted(p.name for p in out.glob("*.pdf")) == ["zertifikat-minimum.pdf"]
    with open(out / "kohorte.csv", encoding="utf-8") as handle:
        table = {row["Kennung"]: row for row in csv.DictReader(handle)}
    assert table["nurauto"]["Zertifikat"] == "nein" and table["nurauto"]["module1 bestanden"] \
        == "nein"
    assert table["nurauto"]["Hinweise"] == f"module1: {NOTE}"
    assert table["minimum"]["Zertifikat"] == "ja" and table["minimum"]["Hinweise"] == ""


def test_learning_platforms_get_the_same_decision(graded):
    tmp, root = graded["tmp"], str(graded["workdir"].root)
    status = tmp / "status.csv"
    status.write_text("update;usr_id;login;lastname;firstname;status;mark;notice;comment;"
                      "plagiarism;plag_comment\n" + "".join(
                          f"0;{500 + n};{t};Nachname-{t};Vorname-{t};notgraded;;;;;\n"
                          for n, t in enumerate(TRAINEES)), encoding="utf-8")
    assert main(["export", root, "--format", "ilias", "--modul", "module1", "--vorlage",
                 str(status), "--out", str(tmp / "ilias")]) == 0
    with open(tmp / "ilias" / "status.csv", encoding="utf-8", newline="") as handle:
        ilias = {row["login"]: row for row in csv.DictReader(handle)}
    assert ilias["nurauto"]["status"] == "failed" and ilias["minimum"]["status"] == "passed"
    assert NOTE in ilias["nurauto"]["comment"] and "Mindestpunktzahl" not in \
        ilias["minimum"]["comment"]
    sheet = write_moodle_worksheet(tmp / "bewertung.csv", list(TRAINEES), "7.00")
    assert main(["export", root, "--format", "moodle-bewertung", "--modul", "module1",
                 "--vorlage", str(sheet), "--out", str(tmp / "moodle.csv")]) == 0
    with open(tmp / "moodle.csv", encoding="utf-8", newline="") as handle:
        moodle = {row["Email address"].split("@")[0]: row for row in csv.DictReader(handle)}
    assert "nicht bestanden" in moodle["nurauto"]["Feedback comments"]
    assert moodle["nurauto"]["Feedback comments"].endswith(f"{NOTE}.")
    assert "– bestanden" in moodle["minimum"]["Feedback comments"]

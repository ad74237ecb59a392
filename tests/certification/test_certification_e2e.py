"""End to end: a fake cohort goes through init, intake, grade, feedback, export, certificates.

The course is a tiny synthetic course (``samples`` beside this file) in ``tmp_path`` so that
every file outside the work directory can be snapshotted exactly. The sandbox (bubblewrap) must
be installed (``make test`` installs it): ``kokosim-cert grade`` refuses to grade without it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest
import samples

from kokosim.certification.cli import main
from kokosim.certification.feedback import find_leaks, hidden_lines
from kokosim.certification.sandbox import bwrap_available
from kokosim.certification.workdir import open_workdir

GRADED = ["correct", "blank", "wrong", "loop", "crash", "memory", "search", "edited",
          "deleted", "late", "second"]
REJECTED = ["traversal", "absolute", "symlink", "bomb", "broken"]
DEADLINE = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def require_sandbox() -> None:
    """Fail loudly (not skip) when bubblewrap is missing: grading refuses to run without it."""
    if not bwrap_available():
        pytest.fail("bubblewrap (bwrap) fehlt: 'apt-get install -y bubblewrap' oder 'make staff'")


def snapshot(root: Path) -> dict[str, str]:
    """Relative path -> sha256 (or 'dir'/'link') of everything below ``root``."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            found[key] = "link:" + os.readlink(path)
        elif path.is_dir():
            found[key] = "dir"
        else:
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def write_ipynb(path: Path, nb: nbformat.NotebookNode, when: datetime) -> None:
    nbformat.write(nb, path)
    os.utime(path, (when.timestamp(), when.timestamp()))


def write_zip(path: Path, entries: dict[str, bytes], when: datetime,
              symlink: str | None = None) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    os.utime(path, (when.timestamp(), when.timestamp()))


def read_csv(path: Path, module: str = "module1") -> dict[str, dict[str, str]]:
    """Rows of an exported grades CSV for one module, by trainee id."""
    with open(path, encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)
                if row["module"] == module}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Run the whole pipeline once; the tests below check its results."""
    require_sandbox()
    tmp = tmp_path_factory.mktemp("kohorte")
    repo, home, systmp = tmp / "repo", tmp / "home", tmp / "systmp"
    for folder in (home, systmp):
        folder.mkdir()
    kurs = samples.write_course(repo)
    students = tmp / "students.csv"
    ids = GRADED + REJECTED
    students.write_text("id,first_name,last_name,email\n" + "".join(
        f"{s},Vorname-{s},Nachname-{s},{s}@example.org\n" for s in ids), encoding="utf-8")
    work = tmp / "arbeit"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("TMPDIR", str(systmp))
        before = {name: snapshot(path) for name, path in
                  (("repo", repo), ("home", home), ("tmp", systmp))}
        assert main(["init", str(work), "--students", str(students), "--kurs", str(kurs),
                     "--zeitlimit", "6", "--cpu", "40", "--speicher", "2048"]) == 0
        workdir = open_workdir(work)
        workdir.ensure_module("module1")  # the release copy is the trainees' starting point
        student = nbformat.read(workdir.path("release", "module1", "aufgaben.ipynb"), 4)
        master = nbformat.read(workdir.source_dir / "module1" / "aufgaben.ipynb", 4)

        def text(kind: str) -> bytes:
            return nbformat.writes(samples.submission(student, kind, master)).encode()

        on_time, late = DEADLINE - timedelta(days=1), DEADLINE + timedelta(hours=5)
        inbox = tmp / "eingang"
        inbox.mkdir()
        write_zip(inbox / "correct.zip", {"abgabe/tief/unten/aufgaben.ipynb": text("correct"),
                                          "__MACOSX/._aufgaben.ipynb": b"x"}, on_time)
        kinds = {"blank": "blank", "wrong": "wrong", "loop": "loop", "crash": "crash",
                 "memory": "memory", "search": "search", "edited": "edited_test",
                 "deleted": "deleted_test", "second": "blank"}
        for trainee, kind in kinds.items():
            write_ipynb(inbox / f"{trainee}.ipynb",
                        samples.submission(student, kind, master), on_time)
        write_ipynb(inbox / "late.ipynb", samples.submission(student, "correct", master), late)
        write_zip(inbox / "traversal.zip", {"../../entkommen.ipynb": text("correct")}, on_time)
        write_zip(inbox / "absolute.zip", {"/tmp/absolut.ipynb": text("correct")}, on_time)
        write_zip(inbox / "symlink.zip", {"aufgaben.ipynb": text("correct")}, on_time,
                  symlink="link.ipynb")
        write_zip(inbox / "bomb.zip", {"aufgaben.ipynb": b" " * (8 * 2**20)}, on_time)
        (inbox / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
        write_ipynb(inbox / "stranger.ipynb", samples.submission(student, "correct", master),
                    on_time)
        inbox_before = snapshot(inbox)

        results = {}
        assert main(["intake", str(work), "module1", str(inbox), "--frist",
                     DEADLINE.isoformat(), "--max-mb", "5"]) == 0
        assert main(["grade", str(work), "module1", "--jobs", "2"]) == 0
        results["first"] = read_csv_export(work, tmp / "noten-1.csv")
        first_grades = gradebook_scores(work)
        # Second intake: "second" now hands in a correct notebook; only they are re-graded.
        inbox2 = tmp / "eingang2"
        inbox2.mkdir()
        write_ipynb(inbox2 / "second.ipynb", samples.submission(student, "correct", master),
                    on_time + timedelta(hours=1))
        assert main(["intake", str(work), "module1", str(inbox2)]) == 0
        assert main(["grade", str(work), "module1", "--student", "second"]) == 0
        # Manual grading as in formgrader: full points for the reflection of two trainees.
        with workdir.gradebook() as gb:
            for trainee in ("correct", "late"):
                grade = gb.find_grade("reflexion", "aufgaben", "module1", trainee)
                grade.manual_score = 2
                grade.needs_manual_grade = False  # what formgrader does on saving a score
            gb.db.commit()
        assert main(["feedback", str(work), "module1"]) == 0
        assert main(["export", str(work), "--out", str(tmp / "noten.csv")]) == 0
        assert main(["certificates", str(work), "--out", str(tmp / "zertifikate"),
                     "--datum", "2026-11-21"]) == 0
        assert main(["status", str(work)]) == 0
        after = {name: snapshot(path) for name, path in
                 (("repo", repo), ("home", home), ("tmp", systmp))}
    yield {"tmp": tmp, "work": work, "workdir": workdir, "inbox": inbox,
           "inbox_before": inbox_before, "before": before, "after": after,
           "first": results["first"], "final": read_csv(tmp / "noten.csv"),
           "first_grades": first_grades, "final_grades": gradebook_scores(work),
           "repo": repo}


def read_csv_export(work: Path, out: Path) -> dict[str, dict[str, str]]:
    assert main(["export", str(work), "--out", str(out)]) == 0
    return read_csv(out)


def gradebook_scores(work: Path) -> dict[str, tuple]:
    """Per trainee: (score, every grade's auto/manual score) straight from the gradebook."""
    with open_workdir(work).gradebook() as gb:
        return {s.student.id: (s.score, tuple(sorted((g.name, g.auto_score, g.manual_score)
                                                     for n in s.notebooks for g in n.grades)))
                for s in gb.find_assignment("module1").submissions}


def test_scores_and_flags_per_trainee(cohort):
    rows = cohort["first"]
    expect_score = {"correct": 5, "blank": 0, "wrong": 0, "search": 0, "edited": 0,
                    "deleted": 0, "late": 5, "second": 0}
    for trainee, score in expect_score.items():
        assert float(rows[trainee]["score"]) == score, trainee
        assert rows[trainee]["max_score"] == "7"
    expect_flag = {"loop": "zeitlimit", "crash": "kernel_abbruch", "memory": "speicher",
                   "edited": "testzelle_veraendert", "deleted": "testzelle_geloescht"}
    for trainee, flag in expect_flag.items():
        assert flag in rows[trainee]["flags"], trainee
    for trainee in ("loop", "crash", "memory"):  # a flag, never a silent 0
        assert rows[trainee]["passed"] == "offen", trainee
    for trainee in ("correct", "blank", "wrong", "search", "late"):
        assert rows[trainee]["flags"] == "", trainee
    for trainee in ("blank", "wrong", "search"):  # unanswered reflection: nothing to grade
        assert rows[trainee]["passed"] == "nein" and rows[trainee]["manual_open"] == "nein"
    assert rows["correct"]["passed"] == "offen" and rows["correct"]["manual_open"] == "ja"
    assert rows["late"]["late"].startswith("ja (5.0 h)") and rows["correct"]["late"] == "nein"
    for trainee in REJECTED:
        assert rows[trainee]["status"] == "nicht abgegeben" and rows[trainee]["score"] == ""


def test_deleted_test_cell_is_restored_and_graded(cohort):
    with cohort["workdir"].gradebook() as gb:
        grade = gb.find_grade("test_verborgen", "aufgaben", "module1", "deleted")
        assert grade.auto_score == 0 and not grade.needs_manual_grade


def test_intake_rejects_without_writing(cohort):
    work, tmp = cohort["work"], cohort["tmp"]
    report = "\n".join(p.read_text(encoding="utf-8")
                       for p in sorted(work.joinpath("reports").glob("eingang-*.txt")))
    reasons = {"traversal": "Pfad-Traversal", "absolute": "absoluten Pfad",
               "symlink": "symbolischer Link", "bomb": "entpackt zu groß",
               "broken": "kein gültiges JSON", "stranger": "unbekannte Kennung"}
    for trainee, reason in reasons.items():
        line = next(x for x in report.splitlines() if x.split()[1].startswith(trainee + "."))
        assert line.startswith("ABGELEHNT") and reason in line, line
        assert not work.joinpath("submitted", trainee).exists()
    assert "VERSPÄTET um 5.0 h" in next(x for x in report.splitlines() if "late.ipynb" in x)
    assert snapshot(cohort["inbox"]) == cohort["inbox_before"]
    assert not list(tmp.rglob("entkommen.ipynb")) and not Path("/tmp/absolut.ipynb").exists()
    assert work.joinpath("submitted", "correct", "module1", "aufgaben.ipynb").is_file()


def test_second_intake_keeps_first_and_leaves_others_unchanged(cohort):
    archived = list(cohort["work"].glob("archive/second/module1/*/aufgaben.ipynb"))
    assert len(archived) == 1
    first = nbformat.read(archived[0], 4)
    assert "raise NotImplementedError" in first.cells[1].source  # the blank first version
    assert float(cohort["final"]["second"]["score"]) == 5
    before, after = cohort["first_grades"], cohort["final_grades"]
    changed = {s for s in before if before[s] != after[s]}
    assert changed == {"second", "correct", "late"}  # regraded + two manual grades
    assert after["correct"][0] == 7 and after["late"][0] == 7


def test_gradebook_intact(cohort):
    db = cohort["work"] / "gradebook.db"
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert len(cohort["final_grades"]) == len(GRADED)


def test_nothing_written_outside_the_work_directory(cohort):
    assert cohort["after"] == cohort["before"]
    expected = {"repo", "home", "systmp", "students.csv", "arbeit", "eingang", "eingang2",
                "noten-1.csv", "noten.csv", "zertifikate"}
    assert {p.name for p in cohort["tmp"].iterdir()} == expected


def test_sandbox_hides_masters_gradebook_and_other_trainees(cohort):
    nb = nbformat.read(cohort["work"] / "autograded/search/module1/aufgaben.ipynb", 4)
    line = next(out["text"] for cell in nb.cells for out in cell.get("outputs", [])
                if out.get("name") == "stdout" and samples.SEARCH_REPORT in out["text"])
    _, seen, found = line.strip().split(" ", 2)
    found = json.loads(found)
    assert int(seen) > 0  # the search worked: it saw notebooks of installed packages
    assert all("site-packages" in path for path in found), found  # never a master


def test_feedback_contains_no_hidden_tests(cohort):
    pages = list(cohort["work"].glob("feedback/*/module1/*.html"))
    assert {p.parts[-3] for p in pages} == set(GRADED) - {"crash"}
    master = nbformat.read(cohort["workdir"].source_dir / "module1" / "aufgaben.ipynb", 4)
    secret = hidden_lines(c.source for c in master.cells)
    assert len(secret) == 2
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert samples.HIDDEN_MARKER not in text and not find_leaks(text, secret), page
        if page.parts[-3] != "search":  # that trainee's own code mentions the delimiter
            assert "HIDDEN TESTS" not in text, page
    wrong = (cohort["work"] / "feedback/wrong/module1/aufgaben.html").read_text(encoding="utf-8")
    assert "AssertionError" in wrong and ">eskalationsstufe<" in wrong  # visible test shown
    assert "verborgener Test" in wrong


def test_certificates_and_overview(cohort):
    out = cohort["tmp"] / "zertifikate"
    assert sorted(p.name for p in out.glob("*.pdf")) == ["zertifikat-correct.pdf",
                                                          "zertifikat-late.pdf"]
    assert out.joinpath("zertifikat-correct.pdf").read_bytes().startswith(b"%PDF-")
    with open(out / "kohorte.csv", encoding="utf-8") as handle:
        table = {row["Kennung"]: row for row in csv.DictReader(handle)}
    assert table["correct"]["Zertifikat"] == "ja" and table["loop"]["Zertifikat"] == "nein"
    assert "zeitlimit" in table["loop"]["Hinweise"]
    page = (out / "kohorte.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "Vorname-correct" in page
    assert cohort["final"]["correct"]["passed"] == "ja"

"""End to end: real-world files and tampered notebooks are graded fairly; every export parses in
the platform's documented format; certificates verify (issue 15).

One cohort of the tiny synthetic course (``samples``) goes through init, intake, grade, manual
grading, feedback, all exports, certificates and ``verify``. Needs bubblewrap like
``test_certification_e2e``.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import openpyxl
import pytest
import samples
from test_certification_e2e import require_sandbox, write_ipynb, write_zip

from kokosim.certification.certificates import Certificate, certificate_pdf
from kokosim.certification.cli import main
from kokosim.certification.lms import ILIAS_TITLES
from kokosim.certification.sandbox import bwrap_available
from kokosim.certification.verification import load_registry
from kokosim.certification.workdir import open_workdir

WHEN = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
TRAINEES = ["kopie", "bom", "umbenannt", "doppelt", "manipuliert", "direkt", "schema"]
MARKER = "SANDBOXKERNEL"
#: Printed by the tampered notebooks' solution cell: was the sandbox kernel's cell-CPU
#: extension loaded, and can the kernel see the master notebooks?
PROBE = f"""
import os, sys
print("{MARKER}", "kokosim.certification.cellcpu" in sys.modules, os.path.exists(MASTERS))
"""


def tamper(nb: nbformat.NotebookNode, *, flags: bool = True) -> nbformat.NotebookNode:
    """Raise points, flip flags, unlock cells, change kernelspec (and schema_version)."""
    nb = copy.deepcopy(nb)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Trick", "language": "python"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            meta["points"] = 50
        meta["locked"] = False
        if flags and meta.get("grade_id") == "test_verborgen":
            meta["grade"] = False  # hidden test "not graded"
        if flags and meta.get("grade_id") == "test_sichtbar":
            meta["solution"] = True  # visible test turned into a "manual answer"
        if flags:
            meta["schema_version"] = 1
    return nb


def outputs(work: Path, trainee: str) -> str:
    nb = nbformat.read(work / "autograded" / trainee / "module1" / "aufgaben.ipynb", 4)
    return "".join(out.get("text", "") for cell in nb.cells for out in cell.get("outputs", []))


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    require_sandbox()
    tmp = tmp_path_factory.mktemp("vertrauen")
    kurs = samples.write_course(tmp / "repo")
    students = tmp / "students.csv"
    students.write_text("id,first_name,last_name,email\n" + "".join(
        f"{s},Vorname-{s},Nachname-{s},{s}@example.org\n" for s in TRAINEES), encoding="utf-8")
    work = tmp / "arbeit"
    assert main(["init", str(work), "--students", str(students), "--kurs", str(kurs),
                 "--zeitlimit", "10"]) == 0
    workdir = open_workdir(work)
    workdir.ensure_module("module1")
    release = nbformat.read(workdir.path("release", "module1", "aufgaben.ipynb"), 4)
    master = nbformat.read(workdir.source_dir / "module1" / "aufgaben.ipynb", 4)
    correct = samples.submission(release, "correct", master)
    probe = copy.deepcopy(correct)
    solution = next(c for c in probe.cells if c.metadata["nbgrader"].get("grade_id") == "loesung")
    solution.source += PROBE.replace("MASTERS", repr(str(workdir.source_dir)))
    text = nbformat.writes(correct).encode()
    inbox = tmp / "eingang"
    inbox.mkdir()
    write_zip(inbox / "kopie.zip", {"Downloads/aufgaben (1).ipynb": text}, WHEN)
    windows = b"\xef\xbb\xbf" + nbformat.writes(correct).replace("\n", "\r\n").encode()
    (inbox / "bom (1).ipynb").write_bytes(windows)
    empty = nbformat.writes(nbformat.v4.new_notebook()).encode()
    write_zip(inbox / "umbenannt.zip", {"abgabe/meine_loesung.ipynb": text,
                                        "abgabe/notizen.ipynb": empty,
                                        "abgabe/kaputt.ipynb": b'{"cells": ['}, WHEN)
    blank = nbformat.writes(samples.submission(release, "blank")).encode()
    write_zip(inbox / "doppelt.zip", {"aufgaben.ipynb": text, "alt/aufgaben (1).ipynb": blank},
              WHEN)
    write_ipynb(inbox / "manipuliert.ipynb", tamper(probe), WHEN)
    assert main(["intake", str(work), "module1", str(inbox)]) == 0
    # Bypassing intake (as a hand copy into submitted/ would): nbgrader's own guarantees.
    for trainee, nb in (("direkt", tamper(probe, flags=False)), ("schema", tamper(probe))):
        folder = work / "submitted" / trainee / "module1"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "aufgaben.ipynb")
        (folder / "timestamp.txt").write_text(WHEN.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    assert main(["grade", str(work), "module1", "--jobs", "2"]) == 0
    with workdir.gradebook() as gb:
        for trainee in set(TRAINEES) - {"schema"}:
            grade = gb.find_grade("reflexion", "aufgaben", "module1", trainee)
            grade.manual_score = 2
            grade.needs_manual_grade = False
        gb.db.commit()
    main(["feedback", str(work), "module1"])
    assert main(["export", str(work), "--out", str(tmp / "noten.csv")]) == 0
    report = "\n".join(p.read_text(encoding="utf-8")
                       for p in sorted(work.glob("reports/eingang-*.txt")))
    with open(tmp / "noten.csv", encoding="utf-8") as handle:
        grades = {row["student_id"]: row for row in csv.DictReader(handle)}
    yield {"tmp": tmp, "work": work, "workdir": workdir, "report": report, "grades": grades,
           "kurs": kurs}


def line_of(report: str, name: str) -> str:
    return next(line for line in report.splitlines()
                if line[len("ANGENOMMEN "):].startswith(name))


def test_real_files_are_matched_and_graded(cohort):
    report, grades = cohort["report"], cohort["grades"]
    assert "Downloads/aufgaben (1).ipynb → aufgaben.ipynb (5 von 5 Aufgabenzellen)" in \
        line_of(report, "kopie.zip")
    bom = line_of(report, "bom")  # inbox file "bom (1).ipynb": a browser copy of ID.ipynb
    assert bom.startswith("ANGENOMMEN") and "UTF-8-BOM entfernt" in bom and "Windows" in bom
    renamed = line_of(report, "umbenannt.zip")
    assert renamed.startswith("ANGENOMMEN") and "meine_loesung.ipynb → aufgaben.ipynb" in renamed
    assert "notizen.ipynb: passt zu keinem Notebook" in renamed
    assert "kaputt.ipynb: kein gültiges JSON" in renamed
    assert "alt/aufgaben (1).ipynb: nicht verwendet" in line_of(report, "doppelt.zip")
    for trainee in ("kopie", "bom", "umbenannt", "doppelt"):
        assert float(grades[trainee]["score"]) == 7, trainee  # 5 autograded + 2 by hand
        assert grades[trainee]["flags"] == "" and grades[trainee]["passed"] == "ja", trainee


def test_tampered_metadata_never_changes_a_score(cohort):
    work, grades = cohort["work"], cohort["grades"]
    assert "nbgrader-Metadaten aus der Vorlage wiederhergestellt" in \
        line_of(cohort["report"], "manipuliert.ipynb")
    stored = nbformat.read(work / "submitted/manipuliert/module1/aufgaben.ipynb", 4)
    assert stored.metadata.kernelspec["display_name"] != "Trick"
    assert all(c.metadata["nbgrader"].get("points", 0) < 50 for c in stored.cells)
    for trainee in ("manipuliert", "direkt"):
        assert float(grades[trainee]["score"]) == 7, trainee  # not 100+
        assert grades[trainee]["max_score"] == "7" and grades[trainee]["passed"] == "ja", trainee
        with cohort["workdir"].gradebook() as gb:
            sub = gb.find_submission("module1", trainee)
            assert sub.max_score == 7 and sub.score == 7
        line = next(x for x in outputs(work, trainee).splitlines() if x.startswith(MARKER))
        _, extension, masters = line.split()
        assert extension == "True", trainee  # ran in the sandbox kernel, not "python3"
        if bwrap_available():
            assert masters == "False", trainee
    assert grades["manipuliert"]["flags"] == ""  # intake restored the metadata: no notes
    # Without intake, a changed schema_version stops nbgrader: flagged, never a higher score.
    schema = grades["schema"]
    assert schema["passed"] == "offen" and "fehler" in schema["flags"]
    assert schema["score"] in ("", "0")


def test_moodle_gradebook_csv(cohort):
    out = cohort["tmp"] / "moodle.csv"
    assert main(["export", str(cohort["work"]), "--format", "moodle", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["E-Mail-Adresse", "ID-Nummer", "Vorname", "Nachname", "Übungsmodul 1"]
    body = {row[1]: row for row in rows[1:]}
    assert set(body) == set(TRAINEES) - {"schema"}  # open modules give no row
    assert body["kopie"] == ["kopie@example.org", "kopie", "Vorname-kopie", "Nachname-kopie", "7"]
    for row in rows[1:]:  # Moodle's unformat_float: a plain number, decimal point
        assert float(row[4]) >= 0 and "," not in row[4]


MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                 "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                 "Feedback comments"]


def write_moodle_worksheet(path: Path, people: list[str], maximum: str) -> Path:
    """A Moodle offline grading worksheet as downloaded (English), one row per person."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(MOODLE_HEADER)
        for number, person in enumerate(people):
            writer.writerow([f"Participant {4711 + number}", f"Vorname-{person} Nachname-{person}",
                             f"{person}@example.org", "Submitted for grading", "", maximum, "Yes",
                             "Monday, 1 June 2026, 12:00 PM", "-", ""])
    return path


def test_moodle_worksheet_filled_in_moodles_format(cohort):
    tmp = cohort["tmp"]
    template = write_moodle_worksheet(tmp / "bewertungstabelle.csv", ["kopie", "schema", "fremd"],
                                      "14.00")
    out = tmp / "bewertung-fertig.csv"
    assert main(["export", str(cohort["work"]), "--format", "moodle-bewertung", "--modul",
                 "module1", "--vorlage", str(template), "--out", str(out)]) == 0
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    # What Moodle's importer needs: the same header, id/grade/modified columns by name.
    assert rows[0] == MOODLE_HEADER
    by_id = {row[0]: dict(zip(MOODLE_HEADER, row)) for row in rows[1:]}
    kopie = by_id["Participant 4711"]
    assert kopie["Grade"] == "14"  # 7 of 7 points, converted to the assignment's maximum 14
    assert kopie["Feedback comments"].startswith("Übungsmodul 1: 7 von 7 Punkten – bestanden")
    assert kopie["Last modified (grade)"] == "-" and kopie["Status"] == "Submitted for grading"
    assert by_id["Participant 4712"]["Grade"] == ""  # open: left for Moodle to keep
    assert by_id["Participant 4713"]["Grade"] == ""  # not one of ours


def test_ilias_status_file_and_multi_feedback(cohort):
    tmp, work = cohort["tmp"], cohort["work"]
    template = tmp / "status.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "members"
    sheet.append(list(ILIAS_TITLES))
    for number, person in enumerate(TRAINEES):
        sheet.append([0, 500 + number, person, f"Nachname-{person}", f"Vorname-{person}",
                      "notgraded", "", "", "", "", ""])
    book.save(template)
    out = tmp / "ilias"
    assert main(["export", str(work), "--format", "ilias", "--modul", "module1", "--vorlage",
                 str(template), "--out", str(out)]) == 0
    written = openpyxl.load_workbook(out / "status.xlsx")
    rows = list(written.active.iter_rows(values_only=True))
    assert written.active.title == "members" and list(rows[0]) == list(ILIAS_TITLES)
    by_login = {row[2]: dict(zip(ILIAS_TITLES, row)) for row in rows[1:]}
    assert by_login["kopie"]["update"] == 1 and by_login["kopie"]["status"] == "passed"
    assert by_login["kopie"]["mark"] == "7" and isinstance(by_login["kopie"]["usr_id"], int)
    assert "bestanden" in by_login["kopie"]["comment"]
    assert by_login["schema"]["update"] == 0 and by_login["schema"]["status"] == "notgraded"
    with zipfile.ZipFile(out / "multi_feedback_module1.zip") as archive:
        names = archive.namelist()
        pages = [n for n in names if n.endswith(".html")]
        assert pages and all(n.startswith("multi_feedback") for n in names)
        for name in pages:  # ILIAS: user id = last "_" part of the member folder
            folder = name.split("/")[1]
            usr_id = int(folder.rsplit("_", 1)[1])
            assert by_login[folder.split("_")[2]]["usr_id"] == usr_id
            assert samples.HIDDEN_MARKER.encode() not in archive.read(name)
    # The same as CSV with semicolons (spreadsheet export): CSV back, ILIAS's column order.
    csv_template = tmp / "status.csv"
    csv_template.write_text(";".join(ILIAS_TITLES) + "\n0;501;bom;Nachname-bom;Vorname-bom;"
                            "notgraded;;;;;\n", encoding="utf-8")
    out_csv = tmp / "ilias-csv"
    assert main(["export", str(work), "--format", "ilias", "--modul", "module1", "--vorlage",
                 str(csv_template), "--out", str(out_csv)]) == 0
    with open(out_csv / "status.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(ILIAS_TITLES) and rows[1][:3] == ["1", "501", "bom"]


def test_certificates_verify_and_reject_forgeries(cohort, capsys):
    tmp, work = cohort["tmp"], cohort["work"]
    out = tmp / "zertifikate"
    assert main(["certificates", str(work), "--out", str(out), "--datum", "2026-11-21"]) == 0
    registry = load_registry(open_workdir(work))
    assert len(registry) == 6  # all but "schema"
    key = (work / "zertifikate-schluessel").read_text()
    assert oct((work / "zertifikate-schluessel").stat().st_mode & 0o777) == "0o600"
    pdf = (out / "zertifikat-kopie.pdf").read_bytes()
    code = next(c for c, e in registry.items() if e["payload"]["student_id"] == "kopie")
    assert f"kokosim-pruefcode:{code}".encode() in pdf and key.strip().encode() not in pdf
    capsys.readouterr()
    assert main(["verify", str(work), code.lower().replace("-", " ")]) == 0
    said = capsys.readouterr().out
    assert said.startswith("ECHT") and "Vorname-kopie Nachname-kopie" in said and "7 von 7" in said
    assert main(["verify", str(work), str(out / "zertifikat-kopie.pdf")]) == 0
    # Issued again with the same date: same codes, byte-identical files.
    assert main(["certificates", str(work), "--out", str(out), "--datum", "2026-11-21"]) == 0
    assert (out / "zertifikat-kopie.pdf").read_bytes() == pdf
    assert load_registry(open_workdir(work)).keys() == registry.keys()
    # A forger copies the code onto a certificate with another name: the hash gives it away.
    course = open_workdir(work).course
    modules = tuple((m.id, m.title, 7.0, 7.0, m.hours) for m in course.modules)
    fake = certificate_pdf(course, Certificate("kopie", "Erika Mustermann", modules),
                           datetime(2026, 11, 21).date(), code)
    (tmp / "faelschung.pdf").write_bytes(fake)
    flipped = bytearray(pdf)
    flipped[len(flipped) // 2] ^= 0x01
    (tmp / "verändert.pdf").write_bytes(bytes(flipped))
    capsys.readouterr()
    for name in ("faelschung.pdf", "verändert.pdf"):
        assert main(["verify", str(work), str(tmp / name)]) == 2
        said = capsys.readouterr().out
        assert said.startswith("NICHT ECHT") and "verändert" in said, said
    assert main(["verify", str(work), "ABCD-EFGH-2345-WXYZ"]) == 2
    assert "nie ausgestellt" in capsys.readouterr().out
    # A registry entry changed by hand (points raised) no longer matches its code.
    path = work / "zertifikate.json"
    saved = path.read_text(encoding="utf-8")
    data = json.loads(saved)
    data["codes"][code]["payload"]["modules"][0][2] = 99
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        assert main(["verify", str(work), code]) == 2
        assert "Register verändert" in capsys.readouterr().out
    finally:
        path.write_text(saved, encoding="utf-8")

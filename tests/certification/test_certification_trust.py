"""Fast checks for issue 15: intake matching, restored metadata, LMS exports, verification codes,
German errors of the new commands. The graded cohort is in test_certification_trust_e2e.py."""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from pathlib import Path

import nbformat
import pytest
import samples
from test_certification_units import two_notebook_release

from kokosim.certification.cli import main
from kokosim.certification.intake import inbox_student, match_submission, restore_metadata
from kokosim.certification.lms import fill_moodle_worksheet, read_ilias_status, Trainee
from kokosim.certification.records import Decision, ModuleResult, ModuleState
from kokosim.certification.verification import load_key, normalize_code
from kokosim.courseconfig import Module

MODULE = Module("module1", "Übungsmodul 1", ("aufgaben.ipynb",), 4, 5, 2, 4, 1)


def zipped(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_equal_candidates_are_ambiguous_and_block_only_their_notebook(tmp_path):
    notebooks = two_notebook_release(tmp_path)
    one = (tmp_path / "m" / "teil1.ipynb").read_bytes()
    two = (tmp_path / "m" / "teil2.ipynb").read_bytes()
    upload = zipped(tmp_path / "tn1.zip", {"a/kopie.ipynb": one, "b/nochmal.ipynb": one,
                                           "teil2 (1).ipynb": two})
    files, notes = match_submission(upload, notebooks)
    assert list(files) == ["teil2.ipynb"]
    assert sum("mehrdeutig" in note for note in notes) == 2
    assert any(note.startswith("teil2 (1).ipynb → teil2.ipynb") for note in notes)
    only = zipped(tmp_path / "tn2.zip", {"a/kopie.ipynb": one, "b/nochmal.ipynb": one})
    with pytest.raises(ValueError, match="kein Notebook verwendbar: .*mehrdeutig"):
        match_submission(only, notebooks)


def test_exact_name_wins_and_file_name_is_the_fallback(tmp_path):
    notebooks = two_notebook_release(tmp_path)
    one = (tmp_path / "m" / "teil1.ipynb").read_bytes()
    plain = nbformat.writes(nbformat.v4.new_notebook()).encode()
    upload = zipped(tmp_path / "tn1.zip", {"teil1 (1).ipynb": one, "x/teil1.ipynb": one,
                                           "Kopie von teil2.ipynb": plain})
    files, notes = match_submission(upload, notebooks)
    assert sorted(files) == ["teil1.ipynb", "teil2.ipynb"]
    assert "teil1 (1).ipynb: nicht verwendet: x/teil1.ipynb passt besser zu teil1.ipynb" in notes
    assert any("über den Dateinamen zugeordnet" in note for note in notes)


def test_copy_suffixes_of_inbox_files_and_duplicates(tmp_path):
    assert [inbox_student(n) for n in ("tn-1 (2).zip", "tn-1 - Kopie.ipynb", "tn_1.zip")] == \
        ["tn-1", "tn-1", "tn_1"]


def test_restore_metadata_resets_every_grading_field(tmp_path):
    template = nbformat.read(samples.write_master(tmp_path), 4)
    nb = copy.deepcopy(template)
    nb.metadata["kernelspec"] = {"name": "fremd", "display_name": "x"}
    nb.cells[2].metadata["nbgrader"].update(points=99, grade=False, locked=False,
                                            schema_version=1, solution=True)
    nb.cells.append(nbformat.v4.new_code_cell("1"))
    nb.cells[-1].metadata["nbgrader"] = {"grade": True, "points": 10, "grade_id": "eigene"}
    notes = restore_metadata(nb, template)
    assert nb.cells[2].metadata["nbgrader"] == template.cells[2].metadata["nbgrader"]
    assert "nbgrader" not in nb.cells[-1].metadata and nb.metadata.kernelspec == \
        template.metadata.kernelspec
    text = "; ".join(notes)
    for word in ("Punkte", "Sperre", "schema_version", "Bewertungsmarke", "Lösungsmarke",
                 "Kernel-Angabe", "eigene"):
        assert word in text, word
    assert restore_metadata(copy.deepcopy(template), template) == []


def result(student: str, score: float | None, decision: Decision) -> ModuleResult:
    return ModuleResult(student, "A", student, "module1", ModuleState.GRADED, score, 7.0,
                        decision, manual_score=None if score is None else 2.0,
                        min_manual_score=1.0)


def test_moodle_worksheet_in_german_keeps_everything_else():
    header = ["ID", "Vollständiger Name", "E-Mail-Adresse", "Status", "Bewertung",
              "Bestwertung", "Bewertung kann geändert werden", "Zuletzt geändert (Abgabe)",
              "Zuletzt geändert (Bewertung)", "Feedback als Kommentar"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerow(["Teilnehmer/in 12", "A tn1", "TN1@example.org", "Abgegeben", "", "7,00",
                     "Ja", "1. Juni 2026", "-", ""])
    writer.writerow(["Teilnehmer/in 13", "A tn2", "tn2@example.org", "", "", "7,00", "Ja",
                     "", "-", "alt"])
    trainees = {s: Trainee(s, "A", s, f"{s}@example.org") for s in ("tn1", "tn2")}
    text, notes = fill_moodle_worksheet(buffer.getvalue().encode("utf-8-sig"), MODULE,
                                        [result("tn1", 6.5, Decision.PASSED),
                                         result("tn2", None, Decision.OPEN)], trainees)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == header
    assert rows[1][4] == "6.5" and rows[1][9].startswith("Übungsmodul 1: 6,5 von 7 Punkten")
    assert rows[2][4] == "" and rows[2][9] == "alt"
    assert notes[0] == "1 Bewertung(en) eingetragen"


def test_wrong_templates_name_file_and_line(tmp_path):
    with pytest.raises(ValueError, match=r"vorlage.csv, Zeile 1: Spalte 'Grade / Bewertung'"):
        fill_moodle_worksheet(b"Identifier,Email address,Last modified (grade)\n", MODULE, [],
                              {}, where="vorlage.csv")
    with pytest.raises(ValueError, match="keine UTF-8-Datei"):
        fill_moodle_worksheet("ID;Bewertung".encode("utf-16"), MODULE, [], {})
    bad = tmp_path / "status.csv"
    bad.write_text("update,usr_id,login\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"status.csv, Zeile 1: Spalte\(n\) lastname"):
        read_ilias_status(bad)
    broken = tmp_path / "status.xlsx"
    broken.write_bytes(b"PK\x03\x04kaputt")
    with pytest.raises(ValueError, match="keine lesbare Excel-Datei"):
        read_ilias_status(broken)


def test_codes_are_normalized_and_the_key_is_private(tmp_path):
    assert normalize_code("abcd efgh 2345 wxyz") == "ABCD-EFGH-2345-WXYZ"
    with pytest.raises(ValueError, match="kein Prüfcode"):
        normalize_code("ABCD-EFGH")

    class Work:
        def path(self, *parts):
            return tmp_path.joinpath(*parts)

    with pytest.raises(ValueError, match="Schlüsseldatei .* fehlt"):
        load_key(Work())
    key = load_key(Work(), create=True)
    assert len(key) == 32 and load_key(Work(), create=True) == key
    assert (tmp_path / "zertifikate-schluessel").stat().st_mode & 0o077 == 0


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fehler")
    kurs = samples.write_course(tmp / "repo")
    students = tmp / "students.csv"
    students.write_text("id,first_name,last_name,email\ntn1,A,B,a@example.org\n",
                        encoding="utf-8")
    assert main(["init", str(tmp / "arbeit"), "--students", str(students), "--kurs",
                 str(kurs)]) == 0
    return tmp


@pytest.mark.parametrize("args, message", [
    (["--format", "ilias", "--out", "x"], "--format ilias braucht --modul"),
    (["--format", "ilias", "--modul", "module9", "--out", "x", "--vorlage", "s.xlsx"],
     "--modul 'module9' steht nicht"),
    (["--format", "moodle-bewertung", "--modul", "module1", "--out", "x"], "braucht --vorlage"),
    (["--format", "moodle-bewertung", "--modul", "module1", "--out", "x", "--vorlage",
      "fehlt.csv"], "--vorlage fehlt.csv gibt es nicht"),
    (["--format", "ilias", "--modul", "module1", "--out", "x", "--vorlage", "status.ods"],
     "muss .xlsx oder .csv sein"),
    (["--format", "moodle", "--out", "nirgends/noten.csv"], "Ordner nirgends gibt es nicht"),
    (["--format", "moodle", "--moodle-schluessel", "name", "--out", "m.csv"],
     "--moodle-schluessel 'name' ist unbekannt"),
    (["--modul", "module1", "--out", "n.csv"], "--modul und --vorlage gelten nur"),
])
def test_export_errors_are_german_and_keep_old_files(workdir, capsys, monkeypatch, args, message):
    monkeypatch.chdir(workdir)
    (workdir / "status.ods").write_bytes(b"x")
    for name in ("x", "m.csv", "n.csv"):
        (workdir / name).write_text("alt", encoding="utf-8")
    assert main(["export", str(workdir / "arbeit"), *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Fehler: ") and message in err and "Traceback" not in err, err
    assert all((workdir / n).read_text(encoding="utf-8") == "alt" for n in ("x", "m.csv", "n.csv"))


def test_verify_errors_are_german(workdir, capsys):
    work = str(workdir / "arbeit")
    assert main(["verify", work, "12"]) == 1
    assert "'12' ist kein Prüfcode" in capsys.readouterr().err
    assert main(["verify", work, "ABCD-EFGH-2345-WXYZ"]) == 1  # nothing issued yet: no key
    assert "Schlüsseldatei" in capsys.readouterr().err
    (workdir / "nicht.pdf").write_text("hallo", encoding="utf-8")
    assert main(["verify", work, str(workdir / "nicht.pdf")]) == 1
    assert "keine PDF-Datei" in capsys.readouterr().err
    assert main(["verify", work, str(workdir / "weg.pdf")]) == 1
    assert "gibt es nicht" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", work, "--format", "excel", "--out", "x"])
    assert "'excel' ist kein Exportformat" in capsys.readouterr().err

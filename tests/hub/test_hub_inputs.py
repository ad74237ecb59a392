"""Bad input to the hub commands (release, collect, init --db-url): German errors, nothing lost.

No servers and no root needed: a tiny course, a local exchange folder written by nbgrader's own
submit (as the current user), and PostgreSQL URLs that cannot work.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "certification"))
import samples  # noqa: E402

from kokosim.certification.cli import main  # noqa: E402


@pytest.fixture
def course_files(tmp_path):
    repo = tmp_path / "repo"
    kurs = samples.write_course(repo)
    (kurs.parent / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "uebung"\n', encoding="utf-8")
    students = tmp_path / "tn.csv"
    students.write_text("id,first_name,last_name,email\ntn1,Aylin,Öztürk,a@x.org\n"
                        "tn2,Jonas,Weber,j@x.org\n", encoding="utf-8")
    return {"tmp": tmp_path, "kurs": kurs, "students": students}


@pytest.fixture
def course(course_files):
    tmp_path, kurs, students = (course_files[k] for k in ("tmp", "kurs", "students"))
    work = tmp_path / "work"
    assert main(["init", str(work), "--students", str(students), "--kurs", str(kurs),
                 "--ohne-sandbox"]) == 0
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)
    return {"tmp": tmp_path, "kurs": kurs, "students": students, "work": work,
            "exchange": exchange}


def submit(exchange: Path, home: Path, student: str, nb: nbformat.NotebookNode | None = None):
    """``nbgrader fetch_assignment`` + ``submit`` as the current user, in ``home``."""
    home.mkdir(exist_ok=True)
    flags = ["--course", "uebung", f"--Exchange.root={exchange}",
             f"--Exchange.cache={home / 'nbgrader_cache'}",  # not in the real home
             "--Exchange.path_includes_course=False", f"--CourseDirectory.student_id={student}"]
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    if not (home / "module1").exists():
        subprocess.run([nbgrader, "fetch_assignment", "module1", *flags], cwd=home, check=True,
                       capture_output=True, timeout=120)
    if nb is not None:
        nbformat.write(nb, home / "module1" / "aufgaben.ipynb")
    subprocess.run([nbgrader, "submit", "module1", *flags], cwd=home, check=True,
                   capture_output=True, timeout=120)


def test_release_and_collect_refuse_bad_input(course, capsys):
    work, exchange = str(course["work"]), str(course["exchange"])
    assert main(["release", work, "module9", "--austausch", exchange]) == 1
    assert "Modul 'module9' steht nicht in" in capsys.readouterr().err
    missing = str(course["tmp"] / "kein-austausch")
    assert main(["release", work, "module1", "--austausch", missing]) == 1
    assert f"Austauschordner {missing} fehlt" in capsys.readouterr().err
    assert main(["collect", work, "module1", "--austausch", exchange]) == 1
    assert "inbound" in capsys.readouterr().err  # nothing released yet
    assert main(["release", work, "module1", "--austausch", exchange, "--rueckmeldungen"]) == 1
    assert "noch keine Rückmeldungen" in capsys.readouterr().err
    assert not os.path.exists(course["work"] / "submitted")


def test_collect_uses_intake_checks_and_keeps_the_exchange(course, capsys):
    work, exchange = str(course["work"]), str(course["exchange"])
    assert main(["release", work, "module1", "--austausch", exchange]) == 0
    copy = nbformat.read(course["exchange"] / "uebung" / "outbound" / "module1" /
                         "aufgaben.ipynb", 4)
    submit(course["exchange"], course["tmp"] / "tn1", "tn1",
           samples.submission(copy, "wrong"))
    submit(course["exchange"], course["tmp"] / "fremd", "fremd")  # not in the trainee list
    inbound = course["exchange"] / "uebung" / "inbound"
    broken = next(p for p in inbound.iterdir() if p.name.startswith("tn1+"))
    # A second, later submission of tn2 whose notebook is no notebook: intake's check refuses it.
    submit(course["exchange"], course["tmp"] / "tn2", "tn2")
    tn2 = next(p for p in inbound.iterdir() if p.name.startswith("tn2+"))
    (tn2 / "aufgaben.ipynb").write_text("{kein json", encoding="utf-8")
    before = sorted(p.name for p in inbound.rglob("*"))
    capsys.readouterr()
    # As the same user for everybody, the owner check must be off (it is on by default).
    assert main(["collect", work, "module1", "--austausch", exchange]) == 0
    out = capsys.readouterr().out
    assert "gehört" in out and "1 angenommen" not in out  # owner check: all files are ours
    assert main(["collect", work, "module1", "--austausch", exchange,
                 "--ohne-eigentuemerpruefung", "--frist", "2000-01-01T00:00"]) == 0
    out = capsys.readouterr().out
    assert f"ANGENOMMEN {broken.name}" in out and "VERSPÄTET" in out
    line = next(text for text in out.splitlines() if tn2.name in text)
    assert line.startswith("ABGELEHNT") and "aufgaben.ipynb: kein gültiges JSON" in line
    assert "unbekannte Kennung 'fremd'" in out
    assert "1 angenommen, 2 abgelehnt" in out
    assert (course["work"] / "submitted" / "tn1" / "module1" / "submission_secret.txt").is_file()
    assert not (course["work"] / "submitted" / "tn2").exists()
    assert sorted(p.name for p in inbound.rglob("*")) == before  # exchange untouched
    assert list((course["work"] / "reports").glob("abholung-module1-*.txt"))


@pytest.mark.parametrize("url, message", [
    ("postgresql://bewertung:geheim@127.0.0.1/kokosim", "enthält ein Passwort"),
    ("mysql://bewertung@127.0.0.1/kokosim", "nur PostgreSQL"),
    ("postgresql://bewertung@127.0.0.1:1/kokosim", "Server nicht erreichbar"),
    ("postgresql://bewertung@127.0.0.1:1", "nennt keine Datenbank"),
    ("kein url", "keine Datenbank-URL"),
])
def test_init_with_a_bad_database_url_leaves_nothing(course_files, capsys, url, message):
    course = course_files
    target = course["tmp"] / "neu"
    assert main(["init", str(target), "--students", str(course["students"]), "--kurs",
                 str(course["kurs"]), "--db-url", url]) == 1
    err = capsys.readouterr().err
    assert message in err and "geheim" not in err
    assert not target.exists()


def test_password_only_from_a_private_file(course_files, capsys, monkeypatch):
    course = course_files
    target = course["tmp"] / "neu"
    passfile = course["tmp"] / "pgpass"
    passfile.write_text("127.0.0.1:1:kokosim:bewertung:geheim\n")
    passfile.chmod(0o644)
    args = ["init", str(target), "--students", str(course["students"]), "--kurs",
            str(course["kurs"]), "--db-url", "postgresql://bewertung@127.0.0.1:1/kokosim"]
    assert main([*args, "--db-passwortdatei", str(passfile)]) == 1
    assert "chmod 600" in capsys.readouterr().err
    monkeypatch.setenv("PGPASSWORD", "geheim")
    assert main(args) == 1
    assert "PGPASSWORD ist gesetzt" in capsys.readouterr().err
    assert not target.exists()

"""Fast checks of the certification pieces: sandbox, intake, feedback scrubbing, certificate rule,
command-line errors. The cohort runs are in test_certification_e2e.py / _module1.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
import zipfile
from pathlib import Path

import nbformat
import pytest
import samples
from test_certification_e2e import require_sandbox

import kokosim

from kokosim.certification.certificates import Certificate, certificate_pdf, earned_certificates
from kokosim.certification.cli import main
from kokosim.certification.feedback import HideHiddenTests
from kokosim.certification.intake import grade_ids, read_submission
from kokosim.certification.records import Decision, ModuleResult, ModuleState
from kokosim.certification.sandbox import (
    SandboxLimits,
    bwrap_available,
    hand_over,
    sandbox_command,
    sandbox_uid,
)
from kokosim.courseconfig import load_course

ROOT = Path(__file__).resolve().parents[2]  # the checkout: the course root
KURS = ROOT / "course" / "kurs.toml"

PROBE = """
import json, os, socket, sys
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2); net = True
except OSError:
    net = False
open("schreibtest.txt", "w").write("x")
python = [os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, SRC)]
files = []
for top in ["/tmp", CHECKOUT]:
    for root, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.realpath(os.path.join(root, d)) not in python]
        files += [os.path.join(root, n) for n in names]
print(json.dumps({"course": os.path.exists(COURSE), "work": os.path.exists(WORK),
                  "net": net, "nb": len(open("abgabe.ipynb").read()), "files": sorted(files),
                  "pid1": open("/proc/1/comm").read()}))
"""


def run_sandboxed(tmp_path: Path, code: str, limits: SandboxLimits, bwrap: str | None,
                  course_root: Path = ROOT):
    work, cwd, runtime = tmp_path / "arbeit", tmp_path / "arbeit/autograded/tn1/m1", \
        tmp_path / "arbeit/runtime/tn1"
    for folder in (cwd, runtime):
        folder.mkdir(parents=True, exist_ok=True)
    (cwd / "abgabe.ipynb").write_text("### BEGIN HIDDEN TESTS geheim", encoding="utf-8")
    uid = sandbox_uid(os.getpid()) if bwrap else None
    hand_over([cwd, runtime], uid)
    command = sandbox_command([sys.executable, "-c", code], limits=limits, workdir=str(work),
                              course_root=str(course_root), cwd=str(cwd),
                              connection_file=str(runtime / "kernel.json"), bwrap=bwrap, uid=uid)
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_bubblewrap_hides_course_and_work_dir_and_cuts_the_network(tmp_path):
    """Wherever the checkout lives (also below /tmp, as for ``make test`` in a fresh clone):
    no course file, no git history and nothing of the work directory is visible; the only
    files below /tmp are the kernel's own folders (and the Python installation, if there)."""
    require_sandbox()
    checkout = tmp_path / "klon"  # a second checkout below /tmp, used as the course root
    (checkout / "course" / "source").mkdir(parents=True)
    (checkout / "course" / "source" / "m.ipynb").write_text("BEGIN HIDDEN TESTS", "utf-8")
    (checkout / "course" / "kurs.toml").write_text("[course]\n", "utf-8")
    (checkout / ".git").mkdir()
    (checkout / ".git" / "config").write_text("[core]\n", "utf-8")
    src = Path(kokosim.__file__).resolve().parent.parent
    code = (PROBE.replace("COURSE", repr(str(KURS.parent / "source")))
            .replace("WORK", repr(str(tmp_path / "arbeit" / "submitted")))
            .replace("CHECKOUT", repr(str(checkout))).replace("SRC", repr(str(src))))
    (tmp_path / "arbeit" / "submitted").mkdir(parents=True)
    for course_root in (ROOT, checkout):
        done = run_sandboxed(tmp_path, code, SandboxLimits(), bwrap_available(), course_root)
        assert done.returncode == 0, done.stderr
        seen = json.loads(done.stdout)
        assert (seen["course"], seen["work"], seen["net"], seen["nb"]) == (False, False, False, 0)
        own = (str(tmp_path / "arbeit/autograded/tn1/m1"), str(tmp_path / "arbeit/runtime/tn1"),
               "/tmp/.matplotlib")
        strangers = [f for f in seen["files"] if not f.startswith(own)]
        assert strangers == [], strangers
        assert not any("/course/" in f or "/.git/" in f for f in seen["files"])
        assert seen["pid1"].strip() != "systemd"
        assert (tmp_path / "arbeit/autograded/tn1/m1/schreibtest.txt").is_file()


@pytest.mark.parametrize("filesystem", [True, False])
def test_memory_limit_applies_with_and_without_bubblewrap(tmp_path, filesystem):
    require_sandbox()
    code = "bytearray(1024 ** 3)"
    bwrap = bwrap_available() if filesystem else None
    done = run_sandboxed(tmp_path, code, SandboxLimits(memory_mb=256), bwrap)
    assert done.returncode != 0 and "MemoryError" in done.stderr


def two_notebook_release(tmp_path: Path) -> dict[str, frozenset[str]]:
    first = nbformat.read(samples.write_master(tmp_path, "m", "teil1"), 4)
    second = nbformat.read(samples.write_master(tmp_path, "m", "teil2"), 4)
    for cell in second.cells:
        cell.metadata["nbgrader"]["grade_id"] += "_2"
    nbformat.write(second, tmp_path / "m" / "teil2.ipynb")
    return {"teil1.ipynb": grade_ids(nbformat.writes(first)),
            "teil2.ipynb": grade_ids(nbformat.writes(second))}


def test_single_notebook_is_matched_by_its_cells(tmp_path):
    notebooks = two_notebook_release(tmp_path)
    upload = tmp_path / "tn1.ipynb"
    upload.write_bytes((tmp_path / "m" / "teil2.ipynb").read_bytes())
    assert list(read_submission(upload, notebooks)) == ["teil2.ipynb"]
    upload.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
    with pytest.raises(ValueError, match="passt zu keinem Notebook"):
        read_submission(upload, notebooks)


@pytest.mark.parametrize("entries, reason", [
    ({"..\\..\\x.ipynb": b"{}"}, "Pfad-Traversal"),
    ({"C:/x.ipynb": b"{}"}, "absoluten Pfad"),
    ({"a/teil1.ipynb": b"{}", "b/teil1.ipynb": b"{}"}, "kein Notebook verwendbar"),
    ({"fremd.ipynb": nbformat.writes(nbformat.v4.new_notebook()).encode()},
     "passt zu keinem Notebook"),
    ({"liesmich.txt": b"hallo"}, "keine Notebooks"),
    ({"teil1.ipynb": b'{"cells": 3}'}, "kein gültiges Notebook"),
    ({"teil1.ipynb": "{}".encode("utf-16")}, "UTF-8"),
])
def test_zip_rejections(tmp_path, entries, reason):
    notebooks = two_notebook_release(tmp_path)
    archive = tmp_path / "tn1.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for name, data in entries.items():
            handle.writestr(name, data)
    with pytest.raises(ValueError, match=reason):
        read_submission(archive, notebooks)


def test_other_file_types_and_broken_zips_are_rejected(tmp_path):
    for name, data, reason in (("tn1.pdf", b"%PDF", "nur .zip oder .ipynb"),
                               ("tn1.zip", b"kein zip", "kein gültiges ZIP")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError, match=reason):
            read_submission(tmp_path / name, {"a.ipynb": frozenset()})


def test_feedback_scrubs_hidden_tests_outputs_and_survives_stray_delimiters(tmp_path):
    nb = nbformat.read(samples.write_master(tmp_path), 4)
    hidden = next(c for c in nb.cells if "BEGIN HIDDEN" in c.source)
    visible = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "test_sichtbar")
    student = next(c for c in nb.cells if c.metadata["nbgrader"].get("solution")
                   and c.cell_type == "code")
    secret = next(line for line in hidden.source.splitlines()
                  if line.startswith("assert") and samples.HIDDEN_MARKER in line)
    hidden.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=f"{samples.HIDDEN_MARKER}=1"),
        nbformat.v4.new_output("error", ename="AssertionError", evalue="erwartet 9",
                               traceback=[f"\x1b[31m----> 4\x1b[39m {secret}"])]
    visible.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="sichtbar",
                                              traceback=["lang", "und ausführlich"])]
    student.source = "print('### BEGIN HIDDEN TESTS')"  # a trainee's stray delimiter
    student.outputs = [nbformat.v4.new_output("stream", name="stdout", text=secret)]
    cleaned, _ = HideHiddenTests().preprocess(nb, {})
    text = nbformat.writes(cleaned)
    assert samples.HIDDEN_MARKER not in text
    assert hidden.outputs[0]["ename"] == "AssertionError" and len(hidden.outputs) == 1
    assert visible.outputs[0]["traceback"] == ["AssertionError: sichtbar"]
    assert student.outputs == [] and "BEGIN HIDDEN TESTS" in student.source


def result(student: str, module: str, decision: Decision) -> ModuleResult:
    return ModuleResult(student, "Vorname", student.title(), module, ModuleState.GRADED, 6.0,
                        7.0, decision, manual_score=2.0, min_manual_score=1.0)


def test_certificate_needs_all_five_decided_passes(tmp_path):
    modules = tuple(f"module{i}" for i in range(1, 6))
    course = load_course(samples.write_course(tmp_path / "fuenf", modules))
    rows = [result("alle", m, Decision.PASSED) for m in modules]
    rows += [result("fast", m, Decision.PASSED) for m in modules[:4]] + [
        result("fast", "module5", Decision.OPEN)]
    rows += [result("fehlt", m, Decision.PASSED) for m in modules[:4]]
    certificates = earned_certificates(course, rows)
    assert [c.student_id for c in certificates] == ["alle"]
    assert certificates[0].hours == sum(m.hours for m in course.modules)
    partial = load_course(samples.write_course(tmp_path / "vier", modules[:4], 5))
    assert earned_certificates(partial, [result("alle", m, Decision.PASSED)
                                         for m in modules[:4]]) == []
    name = "Şule Ğündüz-Łęcka"  # beyond Latin-1: needs the Unicode font
    pdf = certificate_pdf(course, Certificate("x", name, certificates[0].modules),
                          date(2026, 11, 21))
    assert pdf.startswith(b"%PDF-") and b"DejaVu" in pdf


def test_cli_refuses_bad_input_with_german_messages(tmp_path, capsys):
    students = tmp_path / "students.csv"
    students.write_text("id,first_name,last_name,email\ntn1,A,B,a@x\ntn1,C,D,c@x\n",
                        encoding="utf-8")
    assert main(["init", str(tmp_path / "w"), "--students", str(students),
                 "--kurs", str(ROOT)]) == 1
    assert "Zeile 3, Feld id: Kennung 'tn1' kommt doppelt vor" in capsys.readouterr().err
    inside = ROOT / "zertifizierung-test"
    assert main(["init", str(inside), "--students", str(students), "--kurs", str(ROOT)]) == 1
    assert "liegt im Kurs-Repository" in capsys.readouterr().err and not inside.exists()
    assert main(["status", str(tmp_path)]) == 1
    assert "kein kokosim-cert-Arbeitsverzeichnis" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["intake", str(tmp_path), "module1", str(tmp_path), "--frist", "morgen"])
    assert "ist kein Zeitpunkt" in capsys.readouterr().err

"""Issue 15, grading side: every grade can be trusted.

* secure by default: without bubblewrap ``grade`` refuses (German message) and grades nothing;
  an explicitly unsafe run says so in every record, the status, the export and the certificates;
* nothing of the grader reaches a submission (environment, network of the grading machine);
* bounded everything: fork bomb, output flood, disk filler each end in a flag, never in a
  silent 0 or a stopped cohort, and leave no process behind;
* fair scores: a warning in a test cell costs no points, a failing assertion still does;
* a ``grade`` killed part-way and started again grades every trainee exactly once, with the
  same gradebook as a clean run.

The hostile submissions are in ``samples`` (beside this file).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
import samples
from test_certification_e2e import gradebook_scores, require_sandbox

from kokosim.certification.certificates import earned_certificates
from kokosim.certification.cli import main
from kokosim.certification.export import collect_results
from kokosim.certification.records import FlagKind, load_records
from kokosim.certification.sandbox import SandboxLimits, bwrap_available
from kokosim.certification.workdir import Workdir, init_workdir, open_workdir

SECRET = "geheim-4711-kokosim"
DB_PASSWORD = "pw-0815-notenbuch"


def make_workdir(tmp: Path, kinds: dict[str, str], limits: SandboxLimits | None = None,
                 port: int = 9, name: str = "arbeit") -> Workdir:
    """A work directory with one submission of ``kind`` per trainee (intake done, not graded)."""
    repo = tmp / "repo"
    kurs = repo / "course" / "kurs.toml"
    if not kurs.is_file():
        samples.write_course(repo)
    students = tmp / f"{name}-tn.csv"
    students.write_text("id,first_name,last_name,email\n" + "".join(
        f"{s},Vorname-{s},Nachname-{s},{s}@example.org\n" for s in kinds), encoding="utf-8")
    workdir = init_workdir(tmp / name, students, course_config=kurs,
                           limits=limits or SandboxLimits(cell_timeout=8, cpu_seconds=60))
    workdir.ensure_module("module1")
    student = nbformat.read(workdir.path("release", "module1", "aufgaben.ipynb"), 4)
    master = nbformat.read(workdir.source_dir / "module1" / "aufgaben.ipynb", 4)
    inbox = tmp / f"{name}-eingang"
    inbox.mkdir()
    for trainee, kind in kinds.items():
        nbformat.write(samples.submission(student, kind, master, port=port),
                       inbox / f"{trainee}.ipynb")
    assert main(["intake", str(workdir.root), "module1", str(inbox)]) == 0
    return workdir


def leftovers(marker: str) -> list[str]:
    """Command lines of live processes that mention ``marker`` (a work directory's path)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
                state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if marker.encode() in cmdline and state != "Z":
                found.append(cmdline.decode(errors="replace"))
    return found


def notebook_text(workdir: Workdir, student: str) -> str:
    return workdir.path("autograded", student, "module1", "aufgaben.ipynb").read_text("utf-8")


def stdout_of(workdir: Workdir, student: str) -> str:
    nb = nbformat.read(workdir.path("autograded", student, "module1", "aufgaben.ipynb"), 4)
    return "".join(out.get("text", "") for cell in nb.cells for out in cell.get("outputs", [])
                   if out.get("name") == "stdout")


class Listener:
    """A TCP server on 127.0.0.1 of the grading machine that counts connections."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self.server.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.server.close()


HOSTILE = {"correct": "correct", "warning": "warning", "wrong": "wrong", "environ": "environ",
           "network": "network", "forkbomb": "forkbomb", "flood": "flood",
           "diskfill": "diskfill"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Grade one cohort of hostile submissions once, with secrets in the grader's environment."""
    require_sandbox()
    if not bwrap_available():
        pytest.fail("diese Tests prüfen die Sandbox: bubblewrap fehlt")
    tmp = tmp_path_factory.mktemp("feindlich")
    listener = Listener()
    limits = SandboxLimits(cell_timeout=8, cpu_seconds=60, disk_mb=32, processes=48)
    workdir = make_workdir(tmp, HOSTILE, limits, port=listener.port)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KOKOSIM_TEST_GEHEIMNIS", SECRET)
        mp.setenv("DATABASE_URL", f"postgresql://bewertung:{DB_PASSWORD}@db/kokosim")
        started = time.monotonic()
        assert main(["grade", str(workdir.root), "module1", "--jobs", "2"]) == 0
        seconds = time.monotonic() - started
    left = leftovers(str(workdir.root))
    listener.close()
    assert main(["feedback", str(workdir.root), "module1"]) in (0, 1)
    out = tmp / "noten.csv"
    assert main(["export", str(workdir.root), "--out", str(out)]) == 0
    with open(out, encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    yield {"workdir": workdir, "records": load_records(workdir)["module1"], "rows": rows,
           "left": left, "listener": listener, "seconds": seconds}


def kinds_of(record) -> set[str]:
    return {flag.kind.value for flag in record.flags}


def test_every_trainee_is_graded_and_nothing_is_left_running(hostile):
    assert set(hostile["records"]) == set(HOSTILE)  # the cohort went on past every attack
    assert hostile["left"] == []


def test_kernels_get_no_secret_of_the_grader(hostile):
    workdir = hostile["workdir"]
    text = notebook_text(workdir, "environ")
    assert samples.ENVIRON_REPORT in text  # the submission did print its environment
    assert SECRET not in text and DB_PASSWORD not in text
    line = next(x for x in stdout_of(workdir, "environ").splitlines()
                if x.startswith(samples.ENVIRON_REPORT))
    env = json.loads(line.split(" ", 1)[1])
    assert "DATABASE_URL" not in env and "KOKOSIM_TEST_GEHEIMNIS" not in env
    assert env["HOME"] == "/tmp" and not any(name.startswith("PG") for name in env)
    assert float(hostile["rows"]["environ"]["score"]) == 5


def test_submissions_cannot_reach_the_grading_machine(hostile):
    out = stdout_of(hostile["workdir"], "network")
    assert f"{samples.NETWORK_REPORT} gesperrt" in out and "verbunden" not in out
    assert hostile["listener"].accepted == 0


def test_fork_bomb_is_stopped_and_flagged(hostile):
    record = hostile["records"]["forkbomb"]
    assert FlagKind.PROCESSES.value in kinds_of(record), record.flags
    assert record.flagged  # blocking: a person looks at it
    assert hostile["rows"]["forkbomb"]["passed"] == "offen"


def test_output_flood_is_cut_with_a_note_and_feedback_stays_small(hostile):
    workdir = hostile["workdir"]
    record = hostile["records"]["flood"]
    assert FlagKind.OUTPUT_CUT.value in kinds_of(record), record.flags
    assert "[Ausgabe gekürzt:" in notebook_text(workdir, "flood")
    limit = workdir.limits.cell_output_kb * 1024
    assert workdir.path("autograded", "flood", "module1", "aufgaben.ipynb").stat().st_size \
        < limit + 200_000
    feedback = workdir.path("feedback", "flood", "module1", "aufgaben.html")
    assert feedback.stat().st_size < limit + 600_000
    assert float(hostile["rows"]["flood"]["score"]) == 5  # the answer itself is right


def test_disk_filler_is_stopped_and_flagged(hostile):
    record = hostile["records"]["diskfill"]
    assert FlagKind.DISK.value in kinds_of(record), record.flags
    assert hostile["rows"]["diskfill"]["passed"] == "offen"
    # /tmp of the sandbox is a tmpfs of 32 MiB: the filler got at most that far there.
    out = stdout_of(hostile["workdir"], "diskfill") if hostile["workdir"].path(
        "autograded", "diskfill", "module1", "aufgaben.ipynb").is_file() else ""
    for line in out.splitlines():
        parts = line.split()
        if line.startswith(samples.DISK_REPORT) and len(parts) > 2 and parts[1] == "tmp":
            assert int(parts[2]) <= 32
    assert not list(hostile["workdir"].path("runtime").rglob("fuell-*.bin"))


def test_warning_in_a_test_cell_costs_no_points_but_a_failing_assert_does(hostile):
    rows, records = hostile["rows"], hostile["records"]
    assert float(rows["warning"]["score"]) == 5  # nbgrader alone: 3 (stderr in a test cell)
    notes = [f for f in records["warning"].flags if f.kind is FlagKind.WARNING]
    assert notes and not records["warning"].flagged
    assert "UserWarning: Punkte werden auf ganze Zehner gerundet" in notes[0].text
    assert float(rows["wrong"]["score"]) == 0
    assert float(rows["correct"]["score"]) == 5 and rows["correct"]["flags"] == ""
    with hostile["workdir"].gradebook() as gb:
        grade = gb.find_grade("test_sichtbar", "aufgaben", "module1", "warning")
        assert grade.auto_score == 2


def test_grade_refuses_without_bubblewrap(tmp_path, monkeypatch, capsys):
    workdir = make_workdir(tmp_path, {"tn1": "correct"})
    bin_only = tmp_path / "bin"
    bin_only.mkdir()
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{bin_only}")
    assert bwrap_available() is None
    assert main(["grade", str(workdir.root), "module1"]) == 1
    err = capsys.readouterr().err
    assert "bubblewrap (bwrap) ist nicht installiert" in err
    assert "apt-get install bubblewrap" in err and "make staff" in err
    assert "--ohne-sandbox-UNSICHER" in err
    assert not workdir.path("flags.json").exists()
    assert not workdir.path("autograded").exists()


def test_an_unsafe_run_says_so_everywhere(tmp_path, capsys):
    workdir = make_workdir(tmp_path, {"tn1": "correct"})
    assert main(["grade", str(workdir.root), "module1", "--ohne-sandbox-UNSICHER"]) == 0
    assert "OHNE Dateisystem-Sandbox" in capsys.readouterr().err
    record = load_records(workdir)["module1"]["tn1"]
    assert not record.sandboxed and record.sandbox.startswith("UNSICHER")
    assert FlagKind.NO_SANDBOX in {flag.kind for flag in record.flags}
    with workdir.gradebook() as gb:  # the reflection graded by hand, as in formgrader
        grade = gb.find_grade("reflexion", "aufgaben", "module1", "tn1")
        grade.manual_score, grade.needs_manual_grade = 2, False
        gb.db.commit()
    assert main(["status", str(workdir.root)]) == 0
    assert "UNSICHER" in capsys.readouterr().out
    assert main(["export", str(workdir.root), "--out", str(tmp_path / "n.csv")]) == 0
    text = (tmp_path / "n.csv").read_text(encoding="utf-8")
    assert "ohne_sandbox" in text
    certificates = earned_certificates(workdir.course, collect_results(workdir))
    assert [c.unsafe for c in certificates] == [True]
    assert main(["certificates", str(workdir.root), "--out", str(tmp_path / "z")]) == 0
    assert "ohne_sandbox" in (tmp_path / "z" / "kohorte.csv").read_text(encoding="utf-8")


def test_a_killed_grade_resumes_and_grades_every_trainee_exactly_once(tmp_path):
    require_sandbox()
    cohort = {"a": "correct", "b": "wrong", "c": "blank", "d": "warning", "e": "correct",
              "f": "wrong"}
    clean = make_workdir(tmp_path, cohort, name="sauber")
    assert main(["grade", str(clean.root), "module1", "--jobs", "1"]) == 0
    killed = make_workdir(tmp_path, cohort, name="abgebrochen")
    process = subprocess.Popen(
        [sys.executable, "-m", "kokosim.certification.cli", "grade", str(killed.root),
         "module1", "--jobs", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while len(load_records(killed).get("module1", {})) < 2:
        assert process.poll() is None and time.monotonic() < deadline, "grade ended too early"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = load_records(killed)["module1"]
    assert 2 <= len(before) < len(cohort)
    deadline = time.monotonic() + 15  # workers and sandboxes die with the grade process
    while leftovers(str(killed.root)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert leftovers(str(killed.root)) == []

    assert main(["grade", str(open_workdir(killed.root).root), "module1", "--jobs", "1"]) == 0
    after = load_records(killed)["module1"]
    assert set(after) == set(cohort)
    for student, record in before.items():  # graded before the kill: not graded again
        assert after[student] == record
    assert main(["grade", str(killed.root), "module1"]) == 0  # nothing left to do
    assert load_records(killed)["module1"] == after

    def by_student(work: Path) -> dict:
        return {s: grades for s, (_, grades) in gradebook_scores(work).items()}

    assert by_student(killed.root) == by_student(clean.root)
    assert {s: float(score) for s, (score, _) in gradebook_scores(killed.root).items()} == \
        {"a": 5, "b": 0, "c": 0, "d": 5, "e": 5, "f": 0}

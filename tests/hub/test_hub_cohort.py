"""A cohort on a real JupyterHub: release, fetch, submit, collect, grade into PostgreSQL.

Real servers, all on 127.0.0.1 (see ``hubservers``): PostgreSQL from Debian's package (run as
``nobody``), JupyterHub 6 with hub/jupyterhub_config.py, configurable-http-proxy from npm, PAM
login of system users (two trainees, one staff member), LocalProcessSpawner. The trainees work
only through their own single-user servers' REST APIs (nbgrader's Assignments extension and
Jupyter's contents API), so every file in the exchange is written by that trainee's account.

Needs root (system users, spawning as other users); skipped otherwise.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from hubservers import (ROOT, as_user, chp_command, is_root, jupyterhub, listening_addresses,
                        pg_bin, postgres_server, system_users, user_python)

pytestmark = [pytest.mark.hub]

TN1, TN2, STAFF = "kkhub-tn1", "kkhub-tn2", "kkhub-staff"
STAFF_GROUP, TRAINEE_GROUP = "kkhub-pruefung", "kkhub-kurs"
PASSWORD = "Kurs-" + os.urandom(6).hex()
MODULE = "module1"
CERT = [str(Path(sys.executable).parent / "kokosim-cert")]


def _missing() -> str | None:
    if not is_root():
        return "braucht root (Systembenutzer anlegen, Server als diese Benutzer starten)"
    if pg_bin() is None:
        return "PostgreSQL fehlt (apt-get install postgresql; make test installiert es)"
    if chp_command() is None:
        return "configurable-http-proxy fehlt (make hub-tools)"
    try:
        import jupyterhub  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError as error:
        return f"{error.name} fehlt (pip install -e '.[test]')"
    return None


def cert(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([*CERT, *args], capture_output=True, text=True, cwd=ROOT,
                            timeout=600, env={k: v for k, v in os.environ.items()
                                              if k != "PGPASSWORD"})
    if check and result.returncode != 0:
        raise AssertionError(f"kokosim-cert {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
    return result


USER_PYTHON = [sys.executable]  # replaced by an interpreter every user can run


def run_as(user: str, code: str) -> subprocess.CompletedProcess:
    """Run Python ``code`` as ``user`` (exit code 0 = allowed)."""
    return subprocess.run(as_user(user, [USER_PYTHON[0], "-c", code]), capture_output=True,
                          text=True, timeout=60, cwd="/")


def fill_in(student_nb: dict, master: nbformat.NotebookNode) -> dict:
    """The trainee's answers: the master's solution cells, matched by nbgrader cell id."""
    solutions = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in master.cells
                 if cell.metadata.get("nbgrader", {}).get("solution")}
    for cell in student_nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell["source"] = solutions[grade_id]
    return student_nb


@pytest.fixture(scope="module")
def cohort():
    """Run the whole path once; the tests below check what it produced."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="kokosim-hub-"))
    base.chmod(0o755)
    facts: dict = {"base": base}
    try:
        with postgres_server() as pg, system_users(
                base / "home", [TN1, TN2], [STAFF], staff_group=STAFF_GROUP,
                trainee_group=TRAINEE_GROUP, password=PASSWORD):
            exchange = base / "exchange"
            exchange.mkdir(mode=0o755)
            exchange.chmod(0o1777)
            kurs = base / "kurs"
            shutil.copytree(ROOT / MODULE, kurs / MODULE)  # trainees' read-only course copy
            students = base / "tn.csv"
            with open(students, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["id", "first_name", "last_name", "email"])
                writer.writerow([TN1, "Aylin", "Öztürk", "a@example.org"])
                writer.writerow([TN2, "Jonas", "Weber", "j@example.org"])
            work = base / "work"
            facts["init"] = cert("init", str(work), "--students", str(students), "--kurs",
                                 str(ROOT), "--db-url", pg.url, "--db-passwortdatei",
                                 str(pg.passfile))
            facts["release"] = cert("release", str(work), MODULE, "--austausch", str(exchange))
            env = {"KOKOSIM_EXCHANGE": str(exchange), "KOKOSIM_KURS": str(kurs),
                   "KOKOSIM_STAFF_GROUP": STAFF_GROUP, "KOKOSIM_TRAINEE_GROUP": TRAINEE_GROUP,
                   "KOKOSIM_WORKDIR": str(work), "KOKOSIM_CHP": chp_command(),
                   "KOKOSIM_USER_PYTHON": str(user_python(base / "userpy"))}
            USER_PYTHON[0] = env["KOKOSIM_USER_PYTHON"]
            state = base / "hubstate"
            with jupyterhub(state, env) as hub:
                sessions = {user: hub.session(user, PASSWORD) for user in (TN1, TN2, STAFF)}
                for session in sessions.values():
                    session.start_server()
                facts["listening"] = listening_addresses(hub.process.pid)
                masters = {name: nbformat.read(ROOT / "course" / "source" / MODULE / name, 4)
                           for name in sorted(os.listdir(ROOT / "course" / "source" / MODULE))
                           if name.endswith(".ipynb")}
                for user in (TN1, TN2):
                    session = sessions[user]
                    query = "course_id=kokosim"
                    status, body = session.request("GET", f"/user/{user}/assignments?{query}")
                    facts[f"list-{user}"] = (status, json.loads(body))
                    status, body = session.request(
                        "POST", f"/user/{user}/assignments/fetch?{query}&assignment_id={MODULE}")
                    facts[f"fetch-{user}"] = (status, body)
                    if user == TN1:  # TN1 answers everything; TN2 submits the empty copies
                        for name, master in masters.items():
                            path = f"/user/{user}/api/contents/{MODULE}/{name}"
                            status, body = session.request("GET", path + "?content=1")
                            assert status == 200, (status, body[:300])
                            model = json.loads(body)
                            content = fill_in(model["content"], master)
                            status, body = session.request(
                                "PUT", path, {"type": "notebook", "format": "json",
                                              "content": content})
                            assert status in (200, 201), (status, body[:300])
                    first = f"{MODULE}/{sorted(masters)[0]}"
                    status, body = session.request(
                        "POST", f"/user/{user}/assignments/validate?path={first}")
                    facts[f"validate-{user}"] = (status, json.loads(body))
                    status, body = session.request(
                        "POST", f"/user/{user}/assignments/submit?{query}&assignment_id={MODULE}")
                    facts[f"submit-{user}"] = (status, json.loads(body))
                inbound = exchange / "kokosim" / "inbound"
                tn1_folder = next(p for p in inbound.iterdir() if p.name.startswith(TN1 + "+"))
                facts["tn1_folder"] = tn1_folder
                # Access checks, each as the other trainee's own account.
                facts["tn2-list-inbound"] = run_as(TN2, f"import os; os.listdir({str(inbound)!r})")
                facts["tn2-read-home"] = run_as(
                    TN2, f"open({str(base / 'home' / TN1 / MODULE / sorted(masters)[0])!r}).read()")
                facts["tn2-read-work"] = run_as(
                    TN2, f"import os; os.listdir({str(work / 'submitted')!r})")
                facts["tn2-write-kurs"] = run_as(
                    TN2, f"open({str(kurs / MODULE / 'x.txt')!r}, 'w')")
                facts["tn2-formgrader"] = sessions[TN2].request("GET", f"/user/{TN2}/formgrader")
                facts["tn2-other-server"] = sessions[TN2].request("GET", f"/user/{TN1}/api/contents")
                facts["staff-formgrader"] = sessions[STAFF].request(
                    "GET", f"/user/{STAFF}/formgrader")
                # A submission in TN1's name, made by TN2 (it is newer than TN1's own).
                forged = run_as(TN2, "import os; p = os.path.join("
                                f"{str(inbound)!r}, '{TN1}+{MODULE}+2099-01-01 00:00:00.000000 UTC"
                                "+forged'); os.mkdir(p); open(os.path.join(p, "
                                f"{sorted(masters)[0]!r}), 'w').write('{{}}')")
                facts["forged"] = forged
                facts["collect"] = cert("collect", str(work), MODULE, "--austausch",
                                        str(exchange), "--frist", "2099-12-31T23:59")
                facts["collect-again"] = cert("collect", str(work), MODULE, "--austausch",
                                              str(exchange))
                facts["grade"] = cert("grade", str(work), MODULE, "--jobs", "2")
                facts["feedback"] = cert("feedback", str(work), MODULE, check=False)
                facts["release-feedback"] = cert("release", str(work), MODULE, "--austausch",
                                                 str(exchange), "--rueckmeldungen", check=False)
                status, body = sessions[TN1].request(
                    "POST", f"/user/{TN1}/assignments/fetch_feedback?course_id=kokosim"
                    f"&assignment_id={MODULE}")
                facts["fetch-feedback"] = (status, body)
                facts["tn1-feedback"] = sorted(
                    p.name for p in (base / "home" / TN1 / MODULE / "feedback").glob("*/*.html"))
                facts["export"] = cert("export", str(work), "--out", str(base / "noten.csv"))
                facts["grades"] = list(csv.DictReader(open(base / "noten.csv", encoding="utf-8")))
                facts["certificates"] = cert("certificates", str(work), "--out",
                                             str(base / "zertifikate"))
                facts["status"] = cert("status", str(work))
                facts["pg_submissions"] = pg.psql(
                    "SELECT student_id, count(*) FROM submitted_assignment "
                    "GROUP BY student_id ORDER BY 1", "kokosim")
                facts["settings"] = (work / "kokosim-cert.json").read_text()
                facts["hub_log"] = hub.log.read_text(errors="replace")
                for session in sessions.values():
                    session.stop_server()
        yield facts
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_release_fetch_submit_through_the_exchange(cohort):
    assert "veröffentlicht" in cohort["release"].stdout
    for user in (TN1, TN2):
        status, listing = cohort[f"list-{user}"]
        assert status == 200 and listing["success"], listing
        assert [a["assignment_id"] for a in listing["value"]] == [MODULE]
        assert cohort[f"fetch-{user}"][0] == 200
        status, submitted = cohort[f"submit-{user}"]
        assert status == 200 and submitted["success"], submitted
    assert cohort[f"validate-{TN1}"][1]["success"]
    assert cohort["tn1_folder"].stat().st_uid != 0  # written by the trainee's own account


def test_collect_takes_each_newest_own_submission_once(cohort):
    out = cohort["collect"].stdout
    assert out.count("ANGENOMMEN") == 2, out
    assert f"gehört {TN2}, nicht {TN1}" in out, out  # the forged folder is refused
    assert "2 angenommen, 1 abgelehnt" in out
    assert "bereits abgeholt (unverändert)" in cohort["collect-again"].stdout
    assert cohort["pg_submissions"].split() == [f"{TN1}|1", f"{TN2}|1"]


def test_grades_from_postgresql_export_and_certificates(cohort):
    assert "2 bewertet" in cohort["grade"].stdout, cohort["grade"].stdout
    rows = {row["student_id"]: row for row in cohort["grades"] if row.get("module") == MODULE} \
        or {row.get("student_id") or row.get("id"): row for row in cohort["grades"]}
    assert set(rows) >= {TN1, TN2}, cohort["grades"]
    assert "Zertifikat" in cohort["certificates"].stdout
    assert "postgresql+psycopg://" in cohort["settings"]
    assert cohort["settings"].count("passfile=") == 1 and "password" not in cohort["settings"]
    assert "passfile" not in cohort["init"].stdout or "%2F" in cohort["init"].stdout


def test_feedback_reaches_only_its_trainee(cohort):
    assert cohort["release-feedback"].returncode == 0, cohort["release-feedback"].stderr
    assert cohort["fetch-feedback"][0] == 200
    assert cohort["tn1-feedback"], "Rückmeldung nicht bei der Teilnehmerin angekommen"


def test_trainees_cannot_see_others_or_grade(cohort):
    assert cohort["tn2-list-inbound"].returncode != 0
    assert "PermissionError" in cohort["tn2-list-inbound"].stderr
    assert "PermissionError" in cohort["tn2-read-home"].stderr
    assert "PermissionError" in cohort["tn2-read-work"].stderr
    assert "PermissionError" in cohort["tn2-write-kurs"].stderr
    assert cohort["tn2-formgrader"][0] in (403, 404)
    assert cohort["tn2-other-server"][0] in (302, 403, 404)
    assert cohort["staff-formgrader"][0] == 200


def test_nothing_listens_beyond_loopback(cohort):
    # the hub's API, the proxy and its API, three users' servers
    assert len(cohort["listening"]) >= 6, cohort["listening"]
    assert {a.rsplit(":", 1)[0] for a in cohort["listening"]} <= {"127.0.0.1", "::1"}

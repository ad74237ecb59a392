"""Scale of the hub path: 200 trainees through the exchange, gradebook in PostgreSQL vs SQLite.

Run with ``make bench`` (or ``pytest -m bench -s tests/benchmarks/test_bench_hub.py``); prints
the figures. Measured:

* 200 submissions of module 1 through nbgrader's exchange (its own ``submit``; all as this user,
  so ``collect`` runs without the owner check), then ``kokosim-cert collect``: wall time, and no
  lost or doubled submission (each trainee exactly once in ``submitted/`` and the gradebook);
* gradebook writes: nbgrader registers each collected submission (``add_submission``: one row per
  notebook, cell and grade) – the part of grading that depends on the database – for 200
  trainees into SQLite and into a real PostgreSQL server on 127.0.0.1;
* memory of a user's kernel running the heaviest notebook of the course (peak RSS, ``VmHWM``),
  plus an idle Jupyter server's RSS: what each user server needs on the hub.

Autograding itself is not repeated here (its time does not depend on the database; see
test_bench_certification.py for grading figures).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hub"))
from hubservers import ROOT, free_port, pg_bin, postgres_server, wait_for  # noqa: E402

from kokosim.certification.exchange import collect, release  # noqa: E402
from kokosim.certification.workdir import init_workdir  # noqa: E402

pytestmark = pytest.mark.bench
TRAINEES = int(os.environ.get("KOKOSIM_BENCH_TRAINEES", "200"))
MODULE = "module1"


def _cohort(tmp: Path, db_url: str | None, passfile: Path | None):
    students = tmp / "tn.csv"
    with open(students, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "first_name", "last_name", "email"])
        for i in range(TRAINEES):
            writer.writerow([f"tn{i:03d}", "Vorname", f"Name{i}", f"tn{i}@example.org"])
    return init_workdir(tmp / "work", students, course_config=ROOT, db_url=db_url,
                        db_passfile=passfile)


def _submit_all(exchange: Path, homes: Path) -> float:
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    started = time.perf_counter()
    for i in range(TRAINEES):
        home = homes / f"tn{i:03d}"
        home.mkdir(parents=True)
        flags = ["--course", "kokosim", f"--Exchange.root={exchange}",
                 f"--Exchange.cache={homes / 'nbgrader_cache'}",  # not in the real home
                 "--Exchange.path_includes_course=False",
                 f"--CourseDirectory.student_id=tn{i:03d}", "--quiet"]
        if i == 0:
            subprocess.run([nbgrader, "fetch_assignment", MODULE, *flags], cwd=home, check=True,
                           capture_output=True, timeout=120)
            template = home / MODULE
        else:  # the same fetched copies; nbgrader's fetch is not what is measured
            subprocess.run(["cp", "-r", str(template), str(home / MODULE)], check=True)
        subprocess.run([nbgrader, "submit", MODULE, *flags], cwd=home, check=True,
                       capture_output=True, timeout=120)
    return time.perf_counter() - started


def _run(tmp: Path, db_url: str | None, passfile: Path | None) -> dict[str, float]:
    exchange = tmp / "exchange"
    exchange.mkdir(parents=True)
    exchange.chmod(0o1777)
    work = _cohort(tmp, db_url, passfile)
    release(work, MODULE, exchange)
    figures = {"submit_s": _submit_all(exchange, tmp / "homes")}
    started = time.perf_counter()
    lines = collect(work, MODULE, exchange, check_owner=False)
    figures["collect_s"] = time.perf_counter() - started
    accepted = [line.student for line in lines if line.accepted]
    assert len(accepted) == len(set(accepted)) == TRAINEES, [str(x) for x in lines][:5]
    assert len(list(work.path("submitted").glob(f"*/{MODULE}"))) == TRAINEES
    started = time.perf_counter()
    with work.gradebook() as gb:
        for student in accepted:
            gb.add_submission(MODULE, student)
    figures["gradebook_write_s"] = time.perf_counter() - started
    with work.gradebook() as gb:
        assert len(gb.find_assignment(MODULE).submissions) == TRAINEES
    return figures


def test_200_trainees_sqlite_vs_postgresql(tmp_path):
    if pg_bin() is None:
        pytest.skip("PostgreSQL fehlt")
    results = {"SQLite": _run(tmp_path / "sqlite", None, None)}
    with postgres_server() as pg:
        results["PostgreSQL"] = _run(tmp_path / "pg", pg.url, pg.passfile)
    print(f"\n{TRAINEES} Teilnehmende, {MODULE} über den Austauschordner:")
    for name, figures in results.items():
        print(f"  {name:10s} submit {figures['submit_s']:.1f} s, collect "
              f"{figures['collect_s']:.1f} s, Notenbuch schreiben "
              f"{figures['gradebook_write_s']:.1f} s "
              f"({1000 * figures['gradebook_write_s'] / TRAINEES:.0f} ms je Abgabe)")


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def test_memory_per_user_server(tmp_path):
    from nbclient import NotebookClient

    peaks = {}
    for master in sorted((ROOT / "course" / "source").glob("module*/*.ipynb")):
        nb = nbformat.read(master, 4)
        client = NotebookClient(nb, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": str(master.parent)}})
        with client.setup_kernel():
            pid = client.km.provisioner.process.pid
            try:
                for index, cell in enumerate(nb.cells):
                    client.execute_cell(cell, index)
            except Exception:  # noqa: BLE001  (a failing master cell still shows its memory)
                pass
            peaks[master.relative_to(ROOT / "course" / "source")] = _rss_kib(pid, "VmHWM")
    heaviest = max(peaks, key=peaks.get)
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
                               "--ip=127.0.0.1", f"--port={port}", "--allow-root",
                               "--IdentityProvider.token=bench", f"--notebook-dir={tmp_path}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import urllib.request
        wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/api?token=bench",
                                                timeout=5).status == 200, "jupyter lab", 60)
        server_kib = _rss_kib(server.pid, "VmRSS")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\nSchwerstes Notebook: {heaviest}: Kernel-Spitze {peaks[heaviest] / 1024:.0f} MiB; "
          f"JupyterLab-Server im Leerlauf {server_kib / 1024:.0f} MiB; "
          f"zusammen ≈ {(peaks[heaviest] + server_kib) / 1024:.0f} MiB je Person")
    for name, kib in sorted(peaks.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {name}: {kib / 1024:.0f} MiB")

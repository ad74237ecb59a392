"""Benchmark of the certification pipeline (``make bench``; never asserts on timings).

Uses the real module 1 (four notebooks). Modules 2-5 are not all complete yet, so the course used
here has five copies of module 1 (``module1`` ... ``module5``) -- the figures are "module 1
notebooks x 5". Measured:

1. seconds per notebook, sandbox on (prlimit + bubblewrap) vs off (prlimit only), one worker,
   and the sandbox's own cost: kernel start + ``import matplotlib.pyplot``, best of 5 each;
2. a 20-trainee cohort of one module with two workers (2 cores), and the projection to 20
   trainees x 5 modules (set ``KOKOSIM_BENCH_FULL=1`` to grade all five modules instead,
   ``KOKOSIM_BENCH_COHORT=4`` for a quick look with fewer trainees).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager

from kokosim.certification import samples
from kokosim.certification.grading import grade_module
from kokosim.certification.intake import intake
from kokosim.certification.sandbox import KERNEL_NAME, SandboxLimits, bwrap_available
from kokosim.certification.workdir import init_workdir
from kokosim.courseconfig import load_course

COHORT = int(os.environ.get("KOKOSIM_BENCH_COHORT", "20"))  # smaller for a quick look
MODULES = 5


def five_module_course(repo: Path) -> Path:
    """module1 ... module5, each a copy of the real module 1."""
    course = load_course()
    module = course.module("module1")
    (repo / "course").mkdir(parents=True)
    shutil.copy(course.path.parent / "nbgrader_config.py", repo / "course")
    text = (f"[course]\ntitle = {json.dumps(course.title)}\nissuer = {json.dumps(course.issuer)}"
            f"\n\n[certificate]\nrule = \"all_modules_passed\"\nrequired_modules = {MODULES}\n")
    for number in range(1, MODULES + 1):
        shutil.copytree(course.source_dir / "module1", repo / "course/source" / f"module{number}")
        text += (f"\n[[modules]]\nid = \"module{number}\"\ntitle = {json.dumps(module.title)}\n"
                 f"notebooks = {json.dumps(list(module.notebooks))}\nhours = {module.hours}\n"
                 f"max_auto_points = {module.max_auto_points}\n"
                 f"max_manual_points = {module.max_manual_points}\n"
                 f"pass_points = {module.pass_points}\n")
    (repo / "course/kurs.toml").write_text(text, encoding="utf-8")
    return repo / "course/kurs.toml"


def cohort(tmp: Path, kurs: Path, trainees: int, filesystem: bool, modules: int):
    students = tmp / f"students-{filesystem}.csv"
    ids = [f"tn{i:02d}" for i in range(trainees)]
    students.write_text("id,first_name,last_name,email\n" + "".join(
        f"{s},V,N,{s}@example.org\n" for s in ids), encoding="utf-8")
    work = init_workdir(tmp / f"arbeit-{filesystem}-{trainees}", students, course_config=kurs,
                        limits=SandboxLimits(filesystem=filesystem))
    course = load_course(kurs)
    seconds = cpu = 0.0
    for module in [m.id for m in course.modules][:modules]:
        inbox = tmp / f"eingang-{filesystem}-{trainees}-{module}"
        inbox.mkdir()
        masters = {p.name: nbformat.read(p, 4) for p in course.master_paths(module)}
        for student in ids:
            for name, master in masters.items():
                folder = inbox / student
                folder.mkdir(exist_ok=True)
                nbformat.write(samples.submission(master, "correct", master), folder / name)
            shutil.make_archive(str(inbox / student), "zip", inbox / student)
            shutil.rmtree(inbox / student)
        intake(work, module, inbox)
        started, cpu_started = time.perf_counter(), _children_cpu()
        results = grade_module(work, module, jobs=None if trainees > 2 else 1)
        seconds += time.perf_counter() - started
        cpu += _children_cpu() - cpu_started
        assert all(not r["flags"] for r in results), results
    return seconds, cpu, len(masters) * trainees * modules


def kernel_roundtrip(workdir: Path, runtime: Path) -> float:
    """Seconds to start the work directory's grading kernel, import pyplot and stop it."""
    shutil.rmtree(runtime, ignore_errors=True)
    runtime.mkdir(parents=True)
    os.environ["JUPYTER_PATH"] = str(workdir / "jupyter")
    manager = KernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=str(runtime / "k"),
                            connection_file=str(runtime / "k.json"))
    started = time.perf_counter()
    manager.start_kernel(cwd=str(runtime))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=120)
    client.execute_interactive("import matplotlib.pyplot", timeout=120)
    client.stop_channels()
    manager.shutdown_kernel(now=True)
    return time.perf_counter() - started


def _children_cpu() -> float:
    """CPU seconds of finished child processes (grading workers and, through them, kernels)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.bench
def test_bench_certification(tmp_path):
    if not bwrap_available():
        pytest.fail("bubblewrap fehlt: der Benchmark misst die Sandbox")
    kurs = five_module_course(tmp_path / "repo")
    off, off_cpu, notebooks = cohort(tmp_path, kurs, 2, False, 1)
    on, _, _ = cohort(tmp_path, kurs, 2, True, 1)
    print(f"\nJe Notebook (1 Prozess, {notebooks} Notebooks, Last {os.getloadavg()[0]:.1f}): "
          f"ohne Sandbox {off / notebooks:.2f} s, mit Sandbox {on / notebooks:.2f} s Wandzeit "
          f"(Verhältnis {on / off:.2f}); CPU ohne Sandbox {off_cpu / notebooks:.2f} s")
    starts: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(5):  # interleaved, so that other load hits both alike
        for filesystem in (False, True):
            starts[filesystem].append(kernel_roundtrip(
                tmp_path / f"arbeit-{filesystem}-2", tmp_path / f"kernel-{filesystem}"))
    best = {key: min(values) for key, values in starts.items()}
    extra = best[True] - best[False]
    print(f"Kernelstart + import matplotlib.pyplot (bestes von 5): ohne Sandbox "
          f"{best[False]:.2f} s, mit bubblewrap {best[True]:.2f} s, Zuschlag {extra:+.2f} s")
    modules = MODULES if os.environ.get("KOKOSIM_BENCH_FULL") == "1" else 1
    seconds, _, runs = cohort(tmp_path, kurs, COHORT, True, modules)
    cores = os.cpu_count() or 1
    print(f"Kohorte {COHORT} Teilnehmende x {modules} Modul(e) (je {runs // COHORT // modules} "
          f"Notebooks, {cores} Kerne, Sandbox an, Last {os.getloadavg()[0]:.1f}): "
          f"{seconds:.0f} s Wandzeit = {seconds / runs:.2f} s je Notebook")
    label = "gemessen" if modules == MODULES and COHORT == 20 else "hochgerechnet"
    total = 20 * runs // COHORT * MODULES // modules
    idle = total * (off_cpu / notebooks + max(extra, 0.0)) / cores
    print(f"20 Teilnehmende x 5 Module (Modul 1 x 5 = {total} Notebooks, {label}): "
          f"{seconds * 20 / COHORT * MODULES / modules / 60:.1f} min bei dieser Last; auf {cores} "
          f"freien Kernen "
          f"(CPU je Notebook + Sandbox-Zuschlag, / Kerne) {idle / 60:.1f} min")

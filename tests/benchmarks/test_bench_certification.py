"""Benchmark of the certification pipeline (``make bench``; never asserts on timings).

Uses the real course: five modules, 25 notebooks (the project is graded by hand), every trainee handing in the masters'
solutions (all notebooks run to the end, as for a good cohort). Measured, each a ratio to a
baseline run in the same process:

1. the sandbox's own cost: kernel start + ``import matplotlib.pyplot`` with and without
   bubblewrap, best of 5;
2. 2 trainees x 5 modules graded the old way (every kernel started from scratch, figures
   rendered, no cache folder; runs are still memoised within a kernel) against the default (warm kernel starter, run cache, figures off);
3. the default on a cohort of 20 trainees x 5 modules (500 notebooks) on all cores, wall time
   from the first ``grade`` to the last, including filling the run cache
   (``KOKOSIM_BENCH_COHORT=4`` for a quick look with fewer trainees).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager

from kokosim.certification import grading
from kokosim.certification.grading import grade_module
from kokosim.certification.intake import intake
from kokosim.certification.sandbox import KERNEL_NAME, SandboxLimits, bwrap_available
from kokosim.certification.workdir import init_workdir
from kokosim.courseconfig import load_course

# The submission fixtures live beside the certification tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "certification"))
import samples  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]  # the checkout: the course root
COHORT = int(os.environ.get("KOKOSIM_BENCH_COHORT", "20"))  # smaller for a quick look
OLD_WAY = SandboxLimits(warm_kernels=False, figures=True)


class Clock:
    """Wall time, busy CPU time of the whole machine and the share the host "stole".

    CPU time is read from ``/proc/stat`` (user + nice + system + irq + softirq of all cores),
    because sandboxed kernels are not all waited for by this process. Run the benchmark on an
    otherwise idle machine. On a virtual machine the host may take CPU time (steal); wall
    times then grow while CPU times do not, so both are reported.
    """

    def __init__(self) -> None:
        self.wall, self.ticks = time.perf_counter(), self._ticks()

    @staticmethod
    def _ticks() -> list[int]:
        with open("/proc/stat", encoding="ascii") as stat:
            return [int(value) for value in stat.readline().split()[1:]]

    def read(self) -> tuple[float, float, float]:
        """Wall seconds, busy CPU seconds and the stolen share since the clock started."""
        ticks = [now - then for now, then in zip(self._ticks(), self.ticks)]
        per_second = os.sysconf("SC_CLK_TCK")
        busy = (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]) / per_second
        return time.perf_counter() - self.wall, busy, ticks[7] / max(sum(ticks), 1)


def cohort(tmp: Path, name: str, trainees: int, limits: SandboxLimits,
           project: bool = False) -> tuple[float, float, float, int]:
    """Grade ``trainees`` correct submissions of every module (and of the project if asked).

    Returns wall seconds, busy CPU seconds of the machine (graders, kernels, cache filling),
    the host's stolen CPU share and the number of notebooks.
    """
    students = tmp / f"{name}.csv"
    ids = [f"tn{i:02d}" for i in range(trainees)]
    students.write_text("id,first_name,last_name,email\n" + "".join(
        f"{s},V,N,{s}@example.org\n" for s in ids), encoding="utf-8")
    work = init_workdir(tmp / f"arbeit-{name}", students, course_config=ROOT, limits=limits)
    course = load_course(ROOT)
    seconds = cpu = stolen = 0.0
    notebooks = 0
    for module in [m.id for m in course.modules if project or not m.is_project]:
        inbox = tmp / f"eingang-{name}-{module}"
        inbox.mkdir()
        masters = {p.name: nbformat.read(p, 4) for p in course.master_paths(module)}
        for student in ids:
            folder = inbox / student
            folder.mkdir()
            for file, master in masters.items():
                nbformat.write(samples.submission(master, "correct", master), folder / file)
            shutil.make_archive(str(folder), "zip", folder)
            shutil.rmtree(folder)
        intake(work, module, inbox)
        clock = Clock()
        results = grade_module(work, module)
        wall, used, share = clock.read()
        seconds, cpu, stolen = seconds + wall, cpu + used, stolen + share * wall
        notebooks += len(masters) * trainees
        assert all(not r.flags for r in results), results
    return seconds, cpu, stolen / seconds, notebooks


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


@pytest.mark.bench
def test_bench_certification(tmp_path, monkeypatch):
    if not bwrap_available():
        pytest.fail("bubblewrap fehlt: der Benchmark misst die Sandbox")
    students = tmp_path / "zwei.csv"
    students.write_text("id,first_name,last_name,email\nx,V,N,x@example.org\n", encoding="utf-8")
    starts: dict[bool, list[float]] = {False: [], True: []}
    for filesystem in (False, True):
        init_workdir(tmp_path / f"kernel-{filesystem}", students, course_config=ROOT,
                     limits=SandboxLimits(filesystem=filesystem))
    for _ in range(5):  # interleaved, so that other load hits both alike
        for filesystem in (False, True):
            starts[filesystem].append(kernel_roundtrip(
                tmp_path / f"kernel-{filesystem}", tmp_path / f"laufzeit-{filesystem}"))
    best = {key: min(values) for key, values in starts.items()}
    print(f"\nKernelstart + import matplotlib.pyplot (bestes von 5): ohne bubblewrap "
          f"{best[False]:.2f} s, mit bubblewrap {best[True]:.2f} s, "
          f"Zuschlag {best[True] - best[False]:+.2f} s")

    with monkeypatch.context() as patch:  # the old way had no run cache to fill
        patch.setattr(grading, "warm_cache", lambda *args, **kwargs: False)
        old, old_cpu, old_stolen, count = cohort(tmp_path, "alt", 2, OLD_WAY)
    new, new_cpu, new_stolen, _ = cohort(tmp_path, "neu", 2, SandboxLimits())
    cores = os.cpu_count() or 1
    print(f"2 Teilnehmende x 5 Module ({count} Notebooks, {cores} Kerne): bisher (jeder Kernel "
          f"neu, Abbildungen, kein Cache) {old:.0f} s Wandzeit, {old_cpu / count:.2f} s CPU je "
          f"Notebook (Host-Anteil {old_stolen:.0%}); jetzt {new:.0f} s, {new_cpu / count:.2f} s "
          f"CPU je Notebook (Host-Anteil {new_stolen:.0%}); CPU-Faktor {old_cpu / new_cpu:.1f}")

    seconds, cpu, stolen, notebooks = cohort(tmp_path, "kohorte", COHORT, SandboxLimits())
    print(f"{COHORT} Teilnehmende x 5 Module ({notebooks} Notebooks, {cores} Kerne, Sandbox an): "
          f"{seconds:.0f} s = {seconds / 60:.1f} min Wandzeit mit Füllen des Ergebnis-Caches "
          f"(Host-Anteil der CPU-Zeit {stolen:.0%}); CPU {cpu:.0f} s = {cpu / notebooks:.2f} s "
          f"je Notebook, d. h. {cpu / cores / 60:.1f} min auf {cores} freien Kernen")

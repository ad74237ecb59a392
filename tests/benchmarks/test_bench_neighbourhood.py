"""Speed and memory of the neighbourhood model (`make bench`): figures are printed, never asserted.

1. Agent-steps per second of `Neighbourhood` against Mesa's own Epstein civil-violence example
   (`mesa.examples.advanced.epstein_civil_violence`) at the same agent count, in the same run.
2. Wall time of `compare` for 6 scenarios x 20 seeds x 200 weeks with 2,500 residents, 2 processes.
3. Construction time, step time and memory at 100,000 residents.

CPU time (`process_time`) is printed beside wall time: on a shared machine it is the fairer
basis for the ratio.
"""

from __future__ import annotations

import os
import resource
import time
import tracemalloc
from collections.abc import Callable

import pytest

from kokosim.neighbourhood import SCENARIOS, Neighbourhood, compare

pytestmark = pytest.mark.bench

#: 2,500 residents: the size of the compare benchmark and of a workshop quarter.
QUARTER = {"width": 50, "height": 50, "density": 1.0}
#: 100,000 residents with a KMS in proportion (2 conflict managers and 4 mediators per 2,500).
CITY = {"width": 400, "height": 250, "density": 1.0, "conflict_managers": 80, "mediators": 160}


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def steps(model, count: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(count):
            model.step()
    return run


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def test_agent_steps_per_second_against_mesa_epstein() -> None:
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    epstein = EpsteinCivilViolence(width=57, height=57, seed=0)
    agents = len(epstein.agents)
    epstein_steps = 3
    e_wall, e_cpu = timed(steps(epstein, epstein_steps))

    side = 57
    model = Neighbourhood("neue_unterkunft", seed=0, width=side, height=side,
                          density=agents / side**2)
    ours_steps = 100
    n_wall, n_cpu = timed(steps(model, ours_steps))
    residents = model.n_residents
    e_rate_wall, e_rate_cpu = agents * epstein_steps / e_wall, agents * epstein_steps / e_cpu
    n_rate_wall, n_rate_cpu = residents * ours_steps / n_wall, residents * ours_steps / n_cpu
    print(f"\n[neighbourhood] agent-steps/s at {agents} Epstein agents vs {residents} residents "
          f"({load()}):")
    print(f"  Mesa Epstein example: {e_rate_wall:,.0f} (wall)  {e_rate_cpu:,.0f} (CPU)")
    print(f"  Neighbourhood:        {n_rate_wall:,.0f} (wall)  {n_rate_cpu:,.0f} (CPU)")
    print(f"  ratio:                {n_rate_wall / e_rate_wall:,.0f}x (wall)  "
          f"{n_rate_cpu / e_rate_cpu:,.0f}x (CPU)")
    assert abs(residents - agents) <= 1


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_compare_six_scenarios_twenty_seeds() -> None:
    before = children_cpu()
    wall, cpu = timed(lambda: compare(list(SCENARIOS), seeds=20, steps=200, processes=2,
                                      progress=False, **QUARTER))
    workers = children_cpu() - before
    print(f"\n[neighbourhood] compare 6 scenarios x 20 seeds x 200 weeks, 2,500 residents, "
          f"2 processes: {wall:.1f} s wall (target <= 30 s; {load()}); CPU of the two workers "
          f"{workers:.1f} s, i.e. {(workers + cpu) / 2:.1f} s on two otherwise idle cores")
    assert len(SCENARIOS) == 6


def test_hundred_thousand_residents() -> None:
    tracemalloc.start()
    model = Neighbourhood("neue_unterkunft", seed=0, **CITY)
    model.step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    build_wall, _ = timed(lambda: Neighbourhood("neue_unterkunft", seed=1, **CITY))
    weeks = 30
    durations = []
    for _ in range(weeks):
        wall, _ = timed(model.step)
        durations.append(wall)
    print(f"\n[neighbourhood] {model.n_residents:,} residents ({load()}): construction "
          f"{build_wall:.1f} s; step mean {sum(durations) / weeks:.3f} s, max "
          f"{max(durations):.3f} s over {weeks} weeks (target < 1 s); peak traced memory "
          f"{peak / 2**20:.0f} MiB; {model.current['n_disputes']} open disputes")
    assert model.n_residents == 100_000

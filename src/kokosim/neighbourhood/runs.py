"""Runs of the neighbourhood model: one scenario with one seed, or many scenarios over many seeds.

:func:`run_scenario` returns one run's frame; :func:`compare` runs every scenario with every seed
in parallel and returns one tidy table (one row per scenario, seed and week), the input of
:mod:`kokosim.neighbourhood.plots`. Runs are memoised (:mod:`kokosim.neighbourhood.runcache`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from kokosim._validate import check_integer
from kokosim.neighbourhood.model import Neighbourhood
from kokosim.neighbourhood.runcache import cached_run
from kokosim.neighbourhood.scenarios import scenario_values

__all__ = ["compare", "run_scenario"]


def run_scenario(scenario: str, seed: int, steps: int, **overrides: Any) -> pd.DataFrame:
    """Run one scenario for ``steps`` weeks; return its frame with scenario, seed and step.

    Runs are deterministic, so they are memoised (:mod:`kokosim.neighbourhood.runcache`): the same
    arguments in the same process, or with a cache folder in ``KOKOSIM_RUN_CACHE``, return the
    stored frame instead of simulating again.

    Examples
    --------
    >>> frame = run_scenario("ruhiges_quartier", seed=1, steps=3, width=10, height=10)
    >>> frame[["scenario", "seed", "step"]].tail(1).to_dict("records")
    [{'scenario': 'ruhiges_quartier', 'seed': 1, 'step': 3}]
    """
    def simulate() -> pd.DataFrame:
        model = Neighbourhood(scenario, seed=seed, **overrides)
        for _ in range(steps):
            model.step()
        frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        frame.insert(0, "step", np.arange(len(frame)))
        frame.insert(0, "seed", seed)
        frame.insert(0, "scenario", scenario)
        return frame

    return cached_run(scenario, seed, steps, overrides, simulate)


def _run_task(task: tuple[str, int, int, dict[str, Any]]) -> pd.DataFrame:
    scenario, seed, steps, overrides = task
    return run_scenario(scenario, seed, steps, **overrides)


def compare(scenarios: Sequence[str], seeds: int | Iterable[int], steps: int,
            processes: int | None = None, *, progress: bool = True,
            **overrides: Any) -> pd.DataFrame:
    """Run every scenario with every seed and return one tidy table.

    Parameters
    ----------
    scenarios : sequence of str
        Scenario names (:data:`kokosim.neighbourhood.SCENARIOS`).
    seeds : int or iterable of int
        Seeds, or a number ``n`` for the seeds ``0 .. n-1``.
    steps : int
        Weeks per run.
    processes : int, optional
        Worker processes (start method ``spawn``); default: all cores. ``1`` runs in this
        process.
    progress : bool, default True
        Show a tqdm progress bar.
    **overrides
        Parameters applied to every scenario.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``seed``, ``step`` and the observables of
        :data:`kokosim.neighbourhood.OBSERVABLES`; sorted by scenario (in the given order), seed
        and step. The result depends only on the arguments, not on ``processes``.

    Raises
    ------
    ValueError
        For an unknown scenario or parameter, or a bad value.

    Examples
    --------
    >>> frame = compare(["ruhiges_quartier", "neue_unterkunft"], seeds=2, steps=2,
    ...                 processes=1, progress=False, width=10, height=10)
    >>> frame.shape[0], list(frame.columns[:4])
    (12, ['scenario', 'seed', 'step', 'n_disputes'])
    """
    names = list(scenarios)
    if not names:
        raise ValueError("scenarios=[] is empty: expected at least one scenario name")
    for name in names:  # fail here, not in a worker process
        scenario_values(name, **overrides)
    seed_list = list(range(check_integer("seeds", seeds, 1))) if isinstance(seeds, int) \
        else [check_integer("seed", seed, 0) for seed in seeds]
    if not seed_list:
        raise ValueError("seeds is empty: expected a number >= 1 or a list of seeds")
    check_integer("steps", steps, 0)
    tasks = [(name, seed, steps, overrides) for name in names for seed in seed_list]
    workers = os.cpu_count() or 1 if processes is None else check_integer("processes", processes, 1)
    workers = min(workers, len(tasks))
    bar = tqdm(total=len(tasks), desc="Simulationsläufe", unit="Lauf", disable=not progress)
    frames = []
    with bar:
        if workers == 1:
            for task in tasks:
                frames.append(_run_task(task))
                bar.update()
        else:
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                for frame in pool.imap_unordered(_run_task, tasks):
                    frames.append(frame)
                    bar.update()
    result = pd.concat(frames, ignore_index=True)
    order = {name: index for index, name in enumerate(names)}
    result = result.sort_values(["scenario", "seed", "step"],
                                key=lambda column: column.map(order) if column.name == "scenario"
                                else column, kind="stable")
    return result.reset_index(drop=True)

"""Runs of the neighbourhood model: one scenario with one seed, or many scenarios over many seeds.

:func:`run_scenario` returns one run's frame; :func:`compare` runs every scenario with every seed
in parallel and returns one tidy table (one row per scenario, seed and week), the input of
:mod:`kokosim.neighbourhood.plots`. Runs are memoised (:mod:`kokosim.neighbourhood.runcache`).
:func:`parallel_map` spreads runs over local processes or any
:class:`concurrent.futures.Executor` — a ``dask.distributed`` cluster via
``Client(...).get_executor()`` runs them on many machines.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from kokosim._validate import check_integer
from kokosim.neighbourhood.model import Neighbourhood
from kokosim.neighbourhood.runcache import cached_run
from kokosim.neighbourhood.scenarios import scenario_values

__all__ = ["compare", "run_scenario", "parallel_map"]

_Task = TypeVar("_Task")
_Result = TypeVar("_Result")


def parallel_map(function: Callable[[_Task], _Result], tasks: Sequence[_Task], *,
                 processes: int | None = None, executor: Executor | None = None,
                 progress: bool = True, desc: str = "Simulationsläufe") -> list[_Result]:
    """``[function(task) for task in tasks]``, spread over processes or an executor.

    Parameters
    ----------
    function : callable
        A module-level function (it is sent to other processes by reference).
    tasks : sequence
        Its arguments, one per call.
    processes : int, optional
        Local worker processes (start method ``spawn``) when no ``executor`` is given; default:
        all cores. ``1`` runs in this process.
    executor : concurrent.futures.Executor, optional
        Runs the calls instead of local processes, e.g. ``Client(...).get_executor()`` of a
        ``dask.distributed`` cluster. It is used, not shut down.
    progress : bool, default True
        Show a tqdm progress bar (German label ``desc``).

    Returns
    -------
    list
        The results in the order of ``tasks``, wherever they were computed.

    Examples
    --------
    >>> parallel_map(abs, [-2, 3, -1], processes=1, progress=False)
    [2, 3, 1]
    """
    if executor is None:
        workers = os.cpu_count() or 1 if processes is None \
            else check_integer("processes", processes, 1)
        workers = min(workers, len(tasks))
    results: list[Any] = [None] * len(tasks)
    with tqdm(total=len(tasks), desc=desc, unit="Lauf", disable=not progress) as bar:
        if executor is None and workers <= 1:
            for index, task in enumerate(tasks):
                results[index] = function(task)
                bar.update()
            return results
        pool = executor or ProcessPoolExecutor(workers,
                                               mp_context=multiprocessing.get_context("spawn"))
        try:
            futures = {pool.submit(function, task): index for index, task in enumerate(tasks)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update()
        finally:
            if executor is None:
                pool.shutdown(cancel_futures=True)
    return results


def run_scenario(scenario: str | None, seed: int, steps: int, *,
                 changes: Mapping[int, Mapping[str, Any]] | None = None,
                 **overrides: Any) -> pd.DataFrame:
    """Run one scenario for ``steps`` weeks; return its frame with scenario, seed and step.

    Runs are deterministic, so they are memoised (:mod:`kokosim.neighbourhood.runcache`): the same
    arguments in the same process, or with a cache folder in ``KOKOSIM_RUN_CACHE``, return the
    stored frame instead of simulating again.

    Parameters
    ----------
    scenario : str or None
        Scenario key (:data:`~kokosim.neighbourhood.SCENARIOS`), ``None`` for the defaults.
    seed, steps : int
        Seed of the run and number of weeks.
    changes : mapping of int to mapping, optional
        Parameters to change during the run: ``{week: {parameter: value}}`` applies
        :meth:`Neighbourhood.set_parameter` just before that week's step (week 1 is the first
        step), e.g. a correction campaign from week 2 to week 5. Only ``live`` parameters.
    **overrides
        Parameters of the model at the start.

    Examples
    --------
    >>> frame = run_scenario("ruhiges_quartier", seed=1, steps=3, width=10, height=10)
    >>> frame[["scenario", "seed", "step"]].tail(1).to_dict("records")
    [{'scenario': 'ruhiges_quartier', 'seed': 1, 'step': 3}]
    >>> later = run_scenario("ruhiges_quartier", seed=1, steps=3, width=10, height=10,
    ...                      changes={2: {"communication": 0.9}})
    >>> len(later) == len(frame)
    True
    >>> run_scenario("ruhiges_quartier", seed=1, steps=3, changes={9: {"communication": 0.9}})
    Traceback (most recent call last):
    ...
    ValueError: changes: week 9 is not between 1 and steps=3
    """
    schedule = {int(week): dict(values) for week, values in (changes or {}).items()}
    for week in schedule:
        if not 1 <= week <= steps:
            raise ValueError(f"changes: week {week} is not between 1 and steps={steps}")

    def simulate() -> pd.DataFrame:
        model = Neighbourhood(scenario, seed=seed, **overrides)
        for week in range(1, steps + 1):
            for name, value in schedule.get(week, {}).items():
                model.set_parameter(name, value)
            model.step()
        frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        frame.insert(0, "step", np.arange(len(frame)))
        frame.insert(0, "seed", seed)
        frame.insert(0, "scenario", scenario)
        return frame

    # The schedule is part of the run's identity: a plain string in the cache key.
    key = dict(overrides, **({"changes": json.dumps(sorted(schedule.items()), sort_keys=True)}
                             if schedule else {}))
    return cached_run(scenario, seed, steps, key, simulate)


def _run_task(task: tuple[str, int, int, dict[str, Any]]) -> pd.DataFrame:
    scenario, seed, steps, overrides = task
    return run_scenario(scenario, seed, steps, **overrides)


def compare(scenarios: Sequence[str], seeds: int | Iterable[int], steps: int,
            processes: int | None = None, *, executor: Executor | None = None,
            progress: bool = True, **overrides: Any) -> pd.DataFrame:
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
    executor : concurrent.futures.Executor, optional
        Runs the simulations instead of local processes, e.g. a ``dask.distributed`` cluster's
        ``Client(...).get_executor()`` (see :func:`parallel_map`).
    progress : bool, default True
        Show a tqdm progress bar.
    **overrides
        Parameters applied to every scenario.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``seed``, ``step`` and the observables of
        :data:`kokosim.neighbourhood.OBSERVABLES`; sorted by scenario (in the given order), seed
        and step. The result depends only on the arguments, not on ``processes`` or
        ``executor``.

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
    frames = parallel_map(_run_task, tasks, processes=processes, executor=executor,
                          progress=progress)
    result = pd.concat(frames, ignore_index=True)
    order = {name: index for index, name in enumerate(names)}
    result = result.sort_values(["scenario", "seed", "step"],
                                key=lambda column: column.map(order) if column.name == "scenario"
                                else column, kind="stable")
    return result.reset_index(drop=True)

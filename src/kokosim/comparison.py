"""Compare scenarios of the neighbourhood model over many seeds, in parallel, and plot them.

:func:`compare` returns a tidy table (one row per scenario, seed and week); :func:`plot_observable`
and :func:`plot_overview` draw the mean and a 95 % confidence band per scenario with German labels.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Sequence
from typing import Any

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from kokosim.neighbourhood.runcache import cached_run
from kokosim._validate import check_integer
from kokosim.neighbourhood.model import OBSERVABLES, Neighbourhood
from kokosim.neighbourhood.parameters import validate_all
from kokosim.scenarios import SCENARIOS, get_scenario
from kokosim.style import OKABE_ITO

if TYPE_CHECKING:  # matplotlib is imported only when plotting: spawned workers start faster
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["compare", "run_scenario", "plot_observable", "plot_overview", "OVERVIEW"]

#: Observables of :func:`plot_overview`, the early-warning indicators of module 2.
OVERVIEW: tuple[str, ...] = ("mean_stage", "incidents", "detected_share", "mean_threat",
                             "trust", "polarisation")


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
        Scenario names (:data:`kokosim.scenarios.SCENARIOS`).
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
    for name in names:
        get_scenario(name)
    seed_list = list(range(check_integer("seeds", seeds, 1))) if isinstance(seeds, int) \
        else [check_integer("seed", seed, 0) for seed in seeds]
    if not seed_list:
        raise ValueError("seeds is empty: expected a number >= 1 or a list of seeds")
    check_integer("steps", steps, 0)
    validate_all(overrides)
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


def _title(scenario: str) -> str:
    return SCENARIOS[scenario].title if scenario in SCENARIOS else scenario


def plot_observable(frame: pd.DataFrame, observable: str, ax: Axes | None = None,
                    z: float = 1.96) -> Axes:
    """Mean and confidence band (mean ± ``z`` standard errors) of one observable per scenario.

    Parameters
    ----------
    frame : pandas.DataFrame
        Result of :func:`compare`.
    observable : str
        A column of :data:`kokosim.neighbourhood.OBSERVABLES`.
    ax : matplotlib.axes.Axes, optional
    z : float, default 1.96
        Width of the band in standard errors of the mean (1.96: 95 % band).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> frame = compare(["neue_unterkunft"], seeds=2, steps=3, processes=1, progress=False,
    ...                 width=10, height=10)
    >>> import matplotlib.pyplot as plt
    >>> plot_observable(frame, "trust").get_ylabel()
    'Vertrauen in die Stadt (0–1)'
    >>> plt.close("all")
    """
    if observable not in OBSERVABLES:
        raise ValueError(f"observable={observable!r} is unknown; choose one of: "
                         f"{', '.join(OBSERVABLES)}")
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=(7, 4)).add_subplot()
    for index, (scenario, part) in enumerate(frame.groupby("scenario", sort=False)):
        stats = part.groupby("step")[observable].agg(["mean", "sem"])
        spread = z * stats["sem"].fillna(0)
        colour = OKABE_ITO[index % len(OKABE_ITO)]
        ax.plot(stats.index, stats["mean"], color=colour, label=_title(scenario))
        ax.fill_between(stats.index, stats["mean"] - spread, stats["mean"] + spread,
                        color=colour, alpha=0.25, linewidth=0)
    ax.set_xlabel("Woche")
    ax.set_ylabel(OBSERVABLES[observable])
    ax.set_title(f"{OBSERVABLES[observable]}: Mittelwert und 95-%-Band")
    ax.legend(title="Szenario", fontsize="small")
    return ax


def plot_overview(frame: pd.DataFrame, observables: Sequence[str] = OVERVIEW) -> Figure:
    """A grid of :func:`plot_observable` panels (two columns) for several observables.

    Examples
    --------
    >>> frame = compare(["neue_unterkunft"], seeds=1, steps=2, processes=1, progress=False,
    ...                 width=10, height=10)
    >>> import matplotlib.pyplot as plt
    >>> len(plot_overview(frame, ["trust", "incidents"]).axes)
    2
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    rows = (len(observables) + 1) // 2
    figure, axes = plt.subplots(rows, 2, figsize=(12, 3.6 * rows), squeeze=False)
    for ax, observable in zip(axes.flat, observables):
        plot_observable(frame, observable, ax=ax)
        ax.set_title(OBSERVABLES[observable])
    for ax in axes.flat[1:len(observables)]:
        ax.get_legend().remove()  # one legend (in the first panel) serves all panels
    for ax in axes.flat[len(observables):]:
        figure.delaxes(ax)
    figure.suptitle("Szenarienvergleich: Mittelwert und 95-%-Band über die Läufe")
    figure.tight_layout()
    return figure

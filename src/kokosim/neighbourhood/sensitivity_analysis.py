"""Global sensitivity analysis of the neighbourhood model with SALib.

Which levers matter most, and how sure is the answer? :func:`sensitivity` screens the behavioural
parameters of the registry over their documented ranges with Morris' elementary effects, or
computes Sobol indices for a few chosen parameters; :func:`plot_sensitivity` draws the result
with German labels. Runs go through :func:`~kokosim.neighbourhood.runs.parallel_map`: local
processes by default, any :class:`concurrent.futures.Executor` (a ``dask.distributed`` cluster)
on request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from kokosim._validate import check_integer
from kokosim.neighbourhood.model import OBSERVABLES
from kokosim.neighbourhood.parameters import PARAMETERS, Parameter, validate_all
from kokosim.neighbourhood.runs import parallel_map, run_scenario
from kokosim.neighbourhood.scenarios import scenario_values
from kokosim.style import BLUE, GREY

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["sensitivity", "plot_sensitivity", "SCREENED", "output_value"]

#: Parameters varied by default: every parameter but the grid's size, its occupancy and the week
#: of the event. They set up the experiment (how many residents, when) rather than describe how
#: the Stadtteil behaves, and counts such as incidents simply grow with the number of residents.
SCREENED: tuple[str, ...] = tuple(name for name in PARAMETERS
                                  if name not in ("width", "height", "density", "shock_step"))
_METHODS = ("morris", "sobol")
#: Morris grid levels (SALib's default).
_LEVELS = 4


def output_value(frame: pd.DataFrame, output: str) -> float:
    """One number per run: weekly counts are summed over the run, states averaged.

    Examples
    --------
    >>> frame = pd.DataFrame({"incidents": [0, 2, 1], "trust": [0.5, 0.4, 0.6]})
    >>> output_value(frame, "incidents"), round(output_value(frame, "trust"), 2)
    (3.0, 0.5)
    """
    label = OBSERVABLES[output]
    weekly = "Woche)" in label or "in dieser Woche" in label
    column = frame[output]
    return float(column.sum() if weekly else column.mean())


def _value(record: Parameter, unit: float) -> Any:
    """A point of [0, 1] mapped onto a parameter's documented range."""
    if record.type == "bool":
        return bool(unit >= 0.5)
    if record.type == "choice":
        return record.choices[min(int(unit * len(record.choices)), len(record.choices) - 1)]
    value = record.min + unit * (record.max - record.min)
    return int(round(value)) if record.type == "int" else float(value)


def _evaluate(task: tuple[str | None, dict[str, Any], int, tuple[int, ...], str]) -> float:
    """Mean output over the seeds for one parameter set (runs memoised like every run)."""
    scenario, overrides, steps, seeds, output = task
    return float(np.mean([output_value(run_scenario(scenario, seed, steps, **overrides), output)
                          for seed in seeds]))


def sensitivity(scenario: str | None = "neue_unterkunft", output: str = "incidents", *,
                method: str = "morris", parameters: Sequence[str] = SCREENED,
                fixed: Mapping[str, Any] | None = None, steps: int = 52,
                seeds: Sequence[int] = (0, 1), trajectories: int = 10, samples: int = 64,
                random_seed: int = 0, processes: int | None = None,
                executor: Executor | None = None, progress: bool = True) -> pd.DataFrame:
    """Global sensitivity of one model output to the parameters (SALib).

    Every varied parameter spans its documented range in the registry (booleans and choices are
    mapped onto their values); the others keep the scenario's value or ``fixed``. Each sample is
    simulated with every seed in ``seeds`` and the output averaged.

    Parameters
    ----------
    scenario : str or None
        Scenario whose values the fixed parameters take.
    output : str
        A column of :data:`~kokosim.neighbourhood.OBSERVABLES`; weekly counts are summed over
        the run, states averaged (:func:`output_value`).
    method : {"morris", "sobol"}
        ``"morris"``: elementary effects, cheap screening of many parameters
        (``trajectories * (len(parameters) + 1)`` samples). ``"sobol"``: first-order and total
        indices of a few parameters (``samples * (len(parameters) + 2)`` samples).
    parameters : sequence of str
        Parameters to vary; default :data:`SCREENED` (all but grid size, occupancy and event
        week).
    fixed : mapping, optional
        Values of the other parameters that replace the scenario's (e.g. a smaller grid).
    steps : int
        Weeks per run.
    seeds : sequence of int
        Model seeds per sample.
    trajectories, samples : int
        Morris trajectories; Sobol base sample size (a power of 2).
    random_seed : int
        Seed of SALib's sampling and bootstrap: the same arguments give the same table.
    processes, executor, progress
        As for :func:`~kokosim.neighbourhood.runs.parallel_map`.

    Returns
    -------
    pandas.DataFrame
        One row per parameter with ``parameter``, ``label`` (German), ``output`` and, for
        Morris, ``mu_star``, ``mu_star_conf``, ``sigma``; for Sobol ``S1``, ``S1_conf``,
        ``ST``, ``ST_conf``; sorted by influence (``mu_star`` or ``ST``), most influential first.

    Raises
    ------
    ValueError
        For an unknown method, output or parameter, a bad fixed value or count.

    Examples
    --------
    >>> table = sensitivity("ruhiges_quartier", "staff_hours", parameters=["mediator_cost",
    ...                     "conflict_managers"], fixed={"width": 10, "height": 10}, steps=8,
    ...                     seeds=(0,), trajectories=3, processes=1, progress=False)
    >>> table["parameter"].tolist()
    ['conflict_managers', 'mediator_cost']
    >>> float(table.set_index("parameter").loc["mediator_cost", "mu_star"])  # fees, not hours
    0.0
    """
    if method not in _METHODS:
        raise ValueError(f"method={method!r} is unknown; choose one of: {', '.join(_METHODS)}")
    if output not in OBSERVABLES:
        raise ValueError(f"output={output!r} is unknown; choose a column of OBSERVABLES: "
                         f"{', '.join(OBSERVABLES)}")
    names = list(parameters)
    unknown = [name for name in names if name not in PARAMETERS]
    if unknown or not names:
        raise ValueError(f"parameters={names!r}: expected names from PARAMETERS "
                         f"({', '.join(PARAMETERS)})")
    fixed_values = validate_all(dict(fixed or {}))
    scenario_values(scenario, **fixed_values)  # unknown scenario or bad value: fail here
    seed_list = tuple(check_integer("seed", seed, 0) for seed in seeds)
    if not seed_list:
        raise ValueError("seeds is empty: expected at least one seed")
    check_integer("steps", steps, 1)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    if method == "morris":
        units = morris_sample.sample(problem, check_integer("trajectories", trajectories, 2),
                                     num_levels=_LEVELS, seed=random_seed)
    else:
        units = sobol_sample.sample(problem, check_integer("samples", samples, 2),
                                    calc_second_order=False, seed=random_seed)
    tasks = [(scenario, {**fixed_values, **{name: _value(PARAMETERS[name], unit)
                                            for name, unit in zip(names, row, strict=True)}},
              steps, seed_list, output) for row in units]
    outputs = np.array(parallel_map(_evaluate, tasks, processes=processes, executor=executor,
                                    progress=progress, desc="Sensitivitätsanalyse"))
    if method == "morris":
        result = morris_analysis.analyze(problem, units, outputs, num_levels=_LEVELS,
                                         seed=random_seed)
        columns, key = ("mu_star", "mu_star_conf", "sigma"), "mu_star"
    else:
        result = sobol_analysis.analyze(problem, outputs, calc_second_order=False,
                                        seed=random_seed)
        columns, key = ("S1", "S1_conf", "ST", "ST_conf"), "ST"
    table = pd.DataFrame({"parameter": names,
                          "label": [PARAMETERS[name].label for name in names],
                          "output": output,
                          **{column: np.asarray(result[column], dtype=float)
                             for column in columns}})
    return table.sort_values([key, "parameter"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)


def plot_sensitivity(table: pd.DataFrame, top: int | None = 15) -> Figure:
    """Bar chart of a :func:`sensitivity` table with German labels and 95 % intervals.

    Examples
    --------
    >>> table = pd.DataFrame({"parameter": ["a", "b"], "label": ["Lärm", "Geld"],
    ...                       "output": "incidents", "mu_star": [2.0, 0.5],
    ...                       "mu_star_conf": [0.4, 0.1], "sigma": [1.0, 0.2]})
    >>> figure = plot_sensitivity(table)
    >>> figure.axes[0].get_xlabel()
    'Mittlerer Einfluss μ* (Elementareffekte nach Morris)'
    """
    from matplotlib.figure import Figure

    rows = table if top is None else table.head(top)
    rows = rows.iloc[::-1]  # most influential on top
    figure = Figure(figsize=(8, 0.35 * len(rows) + 1.5), layout="constrained")
    ax = figure.add_subplot()
    positions = np.arange(len(rows))
    if "mu_star" in rows:
        ax.barh(positions, rows["mu_star"], xerr=rows["mu_star_conf"], color=BLUE,
                ecolor=GREY, capsize=3)
        ax.set_xlabel("Mittlerer Einfluss μ* (Elementareffekte nach Morris)")
    else:
        ax.barh(positions + 0.2, rows["ST"], height=0.4, xerr=rows["ST_conf"], color=BLUE,
                ecolor=GREY, capsize=3, label="Gesamteffekt (mit Wechselwirkungen)")
        ax.barh(positions - 0.2, rows["S1"], height=0.4, xerr=rows["S1_conf"], color=GREY,
                ecolor=BLUE, capsize=3, label="Haupteffekt allein")
        ax.set_xlabel("Anteil an der Streuung des Ergebnisses (Sobol-Indizes)")
        ax.legend(loc="lower right")
    ax.set_yticks(positions, rows["label"])
    output = str(table["output"].iloc[0])
    ax.set_title(f"Was bewegt „{OBSERVABLES[output]}“? (Balken: 95-%-Intervall)")
    return figure

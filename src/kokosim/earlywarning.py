"""Early warning on model runs: the conflict traffic light, lead times, alarms and thresholds.

The computations behind course module 2 ("Konfliktanalyse & Früherkennung", notebooks 2.3 and
2.4), so that the notebooks show results and the trainees judge them. Every function takes the
table of model runs that :func:`kokosim.neighbourhood.compare` returns (one row per scenario,
seed and week, with the columns ``scenario``, ``seed``, ``step`` and the observables) and
leaves it unchanged. A *run* is one pair of scenario and seed. Result tables have German
column names because trainees read them.

The course's conventions, all of them settings of this course (a Kommune agrees on its own):

* **Konfliktampel** (:func:`traffic_light`): a week is ``"rot"`` from Glasl stage 6 on or with
  at least one incident, ``"gelb"`` at stage 4 or 5, else ``"grün"``; the ``weeks`` after a red
  week are ``"blau"`` (Nachkrise, :func:`with_aftercrisis`).
* **Escalation** of a run (:func:`escalation_weeks`): the first week in which a dispute reaches
  ``stage`` (default 6, Drohstrategien). Incidents do not count here: many of them are attacks
  without a preceding neighbour dispute, a matter for the police, not for early warning of
  conflicts.
* **Alarm** of an indicator: the first week in which it reaches a threshold (``>=``). It counts
  as timely when it comes at least ``lead`` weeks before the escalation.
* **Outcome** of a run (:func:`outcome`): ``"Treffer"`` (escalation, timely alarm),
  ``"Verpasst"`` (escalation, no timely alarm), ``"Fehlalarm"`` (no escalation, an alarm) or
  ``"Ruhig"`` (neither).

Examples
--------
>>> import pandas as pd
>>> runs = pd.DataFrame({
...     "scenario": ["a"] * 4 + ["b"] * 4, "seed": 0, "step": [0, 1, 2, 3] * 2,
...     "max_stage": [2, 4, 5, 6, 1, 2, 2, 3], "incidents": [0, 0, 0, 0, 0, 1, 0, 0],
...     "n_disputes": [1, 3, 4, 4, 1, 2, 3, 3]})
>>> phases(runs, weeks=1).tolist()
['grün', 'gelb', 'gelb', 'rot', 'grün', 'rot', 'blau', 'grün']
>>> escalation_weeks(runs).to_dict()
{('a', 0): 3}
>>> threshold_table(runs, "n_disputes", [2, 4, 5], lead=1)
          Treffer  Verpasst  Fehlalarme  Ruhig  Trefferquote  Fehlalarmquote
Schwelle
2               1         0           1      0           1.0             1.0
4               1         0           0      1           1.0             0.0
5               0         1           0      1           0.0             0.0
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "COLOURS",
    "OUTCOMES",
    "traffic_light",
    "with_aftercrisis",
    "split_runs",
    "phases",
    "escalation_weeks",
    "escalation_summary",
    "normal_limits",
    "lead_times",
    "warning_table",
    "outcome",
    "outcome_counts",
    "threshold_table",
    "choose_threshold",
    "cost_table",
    "compare_indicators",
]

#: Phases of the conflict traffic light and their colours (Okabe-Ito, safe for colour blindness).
COLOURS: dict[str, str] = {"grün": "#009E73", "gelb": "#F0E442", "rot": "#D55E00",
                           "blau": "#0072B2"}
#: Outcome of a run (:func:`outcome`) -> column of the count tables.
OUTCOMES: dict[str, str] = {"Treffer": "Treffer", "Verpasst": "Verpasst",
                            "Fehlalarm": "Fehlalarme", "Ruhig": "Ruhig"}
_RUN = ["scenario", "seed"]


def _whole(name: str, value: Any, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name}={value!r} is not a whole number >= {low}")
    return int(value)


def traffic_light(max_stage: int, incidents: int) -> str:
    """Colour of one week on the conflict traffic light: ``"grün"``, ``"gelb"`` or ``"rot"``.

    Parameters
    ----------
    max_stage : int
        Highest Glasl stage of the week, 0 (no dispute) to 9.
    incidents : int
        Number of incidents in the week.

    Returns
    -------
    str
        ``"rot"`` from stage 6 or with an incident, ``"gelb"`` at stage 4 or 5, else ``"grün"``.

    Examples
    --------
    >>> traffic_light(3, 0), traffic_light(5, 0), traffic_light(6, 0), traffic_light(2, 1)
    ('grün', 'gelb', 'rot', 'rot')
    """
    stage = _whole("max_stage", max_stage)
    if stage > 9:
        raise ValueError(f"max_stage={max_stage!r} is out of range: expected 0..9")
    if stage >= 6 or _whole("incidents", incidents) > 0:
        return "rot"
    return "gelb" if stage >= 4 else "grün"


def with_aftercrisis(colours: Iterable[str], weeks: int = 8) -> list[str]:
    """Weekly colours with the ``weeks`` weeks after each red week marked ``"blau"`` (Nachkrise).

    A red week stays red and starts the period anew; the input is not changed.

    Examples
    --------
    >>> with_aftercrisis(["grün", "rot", "gelb", "grün", "grün"], weeks=2)
    ['grün', 'rot', 'blau', 'blau', 'grün']
    >>> with_aftercrisis(["rot", "gelb", "rot", "grün"], weeks=1)
    ['rot', 'blau', 'rot', 'blau']
    """
    weeks = _whole("weeks", weeks)
    result = []
    since_red: int | None = None
    for colour in colours:
        if colour == "rot":
            since_red = 0
            result.append(colour)
            continue
        if since_red is not None:
            since_red += 1
        result.append("blau" if since_red is not None and since_red <= weeks else colour)
    return result


def split_runs(runs: pd.DataFrame) -> dict[tuple[Any, Any], pd.DataFrame]:
    """Each run on its own: ``(scenario, seed)`` -> its rows, sorted by week.

    Runs come in the order of their first row.

    Examples
    --------
    >>> runs = pd.DataFrame({"scenario": ["a", "a", "b"], "seed": [0, 0, 1],
    ...                      "step": [1, 0, 0], "x": [5, 3, 1]})
    >>> [run["x"].tolist() for run in split_runs(runs).values()]
    [[3, 5], [1]]
    >>> split_runs(runs)[("b", 1)]["x"].tolist()
    [1]
    """
    return {key: run.sort_values("step", kind="stable")
            for key, run in runs.groupby(_RUN, sort=False)}


def phases(runs: pd.DataFrame, weeks: int = 8) -> pd.Series:
    """Phase of every week on the conflict traffic light, Nachkrise included, run by run.

    Returns
    -------
    Series
        Aligned with ``runs`` (same index), named ``"Phase"``.
    """
    result = pd.Series(index=runs.index, dtype=object, name="Phase")
    for run in split_runs(runs).values():
        colours = [traffic_light(int(stage), int(count))
                   for stage, count in zip(run["max_stage"], run["incidents"])]
        result.loc[run.index] = with_aftercrisis(colours, weeks)
    return result


def escalation_weeks(runs: pd.DataFrame, stage: int = 6) -> pd.Series:
    """First week of each run in which a dispute reaches ``stage``; runs without are left out.

    Returns
    -------
    Series
        Indexed by ``(scenario, seed)``, named ``"Eskalationswoche"``.
    """
    reached = runs[runs["max_stage"] >= stage]
    weeks = reached.groupby(_RUN, sort=False)["step"].min()
    return weeks.astype(int).rename("Eskalationswoche")


def escalation_summary(runs: pd.DataFrame, stage: int = 6) -> pd.DataFrame:
    """Per scenario: how many runs there are and how many of them escalate (reach ``stage``).

    Returns
    -------
    DataFrame
        Indexed by scenario (``Szenario``, order of appearance), columns ``Läufe`` and
        ``eskalierende Läufe``.

    Examples
    --------
    >>> runs = pd.DataFrame({"scenario": ["a", "a", "a", "b"], "seed": [0, 0, 1, 0],
    ...                      "step": [0, 1, 0, 0], "max_stage": [3, 6, 2, 1]})
    >>> escalation_summary(runs)
              Läufe  eskalierende Läufe
    Szenario
    a             2                   1
    b             1                   0
    """
    peak = runs.groupby(_RUN, sort=False)["max_stage"].max()
    by_scenario = (peak >= stage).groupby(level=0, sort=False)
    return pd.DataFrame({"Läufe": by_scenario.size(),
                         "eskalierende Läufe": by_scenario.sum().astype(int)}).rename_axis(
                             "Szenario")


def _escalated(runs: pd.DataFrame, escalation: pd.Series) -> np.ndarray:
    return pd.MultiIndex.from_frame(runs[_RUN]).isin(escalation.index)


def normal_limits(runs: pd.DataFrame, indicators: Sequence[str], escalation: pd.Series,
                  share: float = 0.9) -> pd.Series:
    """Upper end of the normal range of each indicator, from the runs without escalation.

    The value that the indicator does not exceed in ``share`` of all weeks of the runs that do
    not escalate (the ``share`` quantile); reaching it counts as an alarm.

    Parameters
    ----------
    runs : DataFrame
    indicators : sequence of str
        Columns of ``runs``.
    escalation : Series
        Escalation week per run (:func:`escalation_weeks`).
    share : float, default 0.9
    """
    if not 0 < share < 1:
        raise ValueError(f"share={share!r} is out of range: expected 0 < share < 1")
    calm = runs.loc[~_escalated(runs, escalation), list(indicators)]
    return calm.quantile(share).rename("Obergrenze")


def lead_times(runs: pd.DataFrame, escalation: pd.Series, indicator: str,
               limit: float) -> pd.Series:
    """Weeks from the first alarm (indicator ``>= limit``) to the escalation, per escalating run.

    ``NaN`` where the indicator did not reach ``limit`` before the escalation.

    Returns
    -------
    Series
        Indexed like ``escalation``.
    """
    per_run = split_runs(runs)
    values = []
    for key, week in escalation.items():
        run = per_run[key]
        alarms = run.loc[(run["step"] < week) & (run[indicator] >= limit), "step"]
        values.append(week - alarms.min() if len(alarms) else math.nan)
    return pd.Series(values, index=escalation.index, dtype=float, name=indicator)


def warning_table(runs: pd.DataFrame, indicators: Mapping[str, str], stage: int = 6,
                  share: float = 0.9) -> pd.DataFrame:
    """How early and how reliably each indicator warns of an escalation: one German table.

    Parameters
    ----------
    runs : DataFrame
    indicators : mapping
        Column of ``runs`` -> German name shown in the table.
    stage : int, default 6
        Escalation stage (:func:`escalation_weeks`).
    share : float, default 0.9
        Normal range (:func:`normal_limits`).

    Returns
    -------
    DataFrame
        Indexed by the German names (``Indikator``): ``Obergrenze normal`` (the alarm
        threshold), ``Läufe mit Vorwarnung`` (escalating runs in which the indicator reached it
        before the escalation), ``Typischer Vorlauf (Wochen)`` (median lead time of those
        runs) and ``Alarm ohne Eskalation`` (runs without escalation in which it reached it in
        some week). ``attrs`` holds the numbers of runs with and without escalation.
    """
    escalation = escalation_weeks(runs, stage)
    limits = normal_limits(runs, list(indicators), escalation, share)
    calm = runs[~_escalated(runs, escalation)]
    rows = []
    for column in indicators:
        leads = lead_times(runs, escalation, column, limits[column])
        alarmed = calm[calm[column] >= limits[column]].groupby(_RUN, sort=False).ngroups
        rows.append([limits[column], int(leads.notna().sum()), leads.median(), alarmed])
    table = pd.DataFrame(rows, columns=["Obergrenze normal", "Läufe mit Vorwarnung",
                                        "Typischer Vorlauf (Wochen)", "Alarm ohne Eskalation"],
                         index=pd.Index(list(indicators.values()), name="Indikator"))
    table.attrs = {"eskalierende Läufe": len(escalation),
                   "Läufe ohne Eskalation": calm.groupby(_RUN, sort=False).ngroups}
    return table


def outcome(alarm_week: float | None, escalation_week: float | None, lead: int = 2) -> str:
    """Outcome of one run: ``"Treffer"``, ``"Verpasst"``, ``"Fehlalarm"`` or ``"Ruhig"``.

    Parameters
    ----------
    alarm_week : int or None
        First week with an alarm, ``None`` (or NaN) without alarm.
    escalation_week : int or None
        First week of the escalation, ``None`` (or NaN) when the run does not escalate.
    lead : int, default 2
        An alarm is timely when it comes at least this many weeks before the escalation.

    Examples
    --------
    >>> outcome(10, 15), outcome(14, 15), outcome(None, 20), outcome(30, None), outcome(None, None)
    ('Treffer', 'Verpasst', 'Verpasst', 'Fehlalarm', 'Ruhig')
    >>> outcome(13, 15), outcome(13, 15, lead=3)
    ('Treffer', 'Verpasst')
    """
    lead = _whole("lead", lead)
    alarm = alarm_week is not None and not (isinstance(alarm_week, float)
                                            and math.isnan(alarm_week))
    escalates = escalation_week is not None and not (isinstance(escalation_week, float)
                                                     and math.isnan(escalation_week))
    if escalates:
        return "Treffer" if alarm and alarm_week <= escalation_week - lead else "Verpasst"
    return "Fehlalarm" if alarm else "Ruhig"


def _first_weeks(runs: pd.DataFrame, indicator: str,
                 stage: int) -> list[tuple[np.ndarray, np.ndarray, Any]]:
    """Per run: its weeks, the indicator's values and the escalation week (or None)."""
    found = []
    for run in split_runs(runs).values():
        steps = run["step"].to_numpy()
        reached = steps[run["max_stage"].to_numpy() >= stage]
        found.append((steps, run[indicator].to_numpy(), reached.min() if reached.size else None))
    return found


def _counts(per_run: list, threshold: float, lead: int) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES.values(), 0)
    for steps, values, escalation in per_run:
        alarms = steps[values >= threshold]
        counts[OUTCOMES[outcome(alarms.min() if alarms.size else None, escalation, lead)]] += 1
    return counts


def outcome_counts(runs: pd.DataFrame, indicator: str, threshold: float, *, lead: int = 2,
                   stage: int = 6) -> dict[str, int]:
    """Number of runs per outcome for one indicator and threshold.

    Returns
    -------
    dict
        Keys ``"Treffer"``, ``"Verpasst"``, ``"Fehlalarme"`` and ``"Ruhig"``.
    """
    return _counts(_first_weeks(runs, indicator, stage), threshold, lead)


def threshold_table(runs: pd.DataFrame, indicator: str, thresholds: Iterable[float], *,
                    lead: int = 2, stage: int = 6) -> pd.DataFrame:
    """Outcomes of many thresholds of one indicator, with hit and false-alarm rates.

    Returns
    -------
    DataFrame
        Indexed by threshold (``Schwelle``, in the given order): ``Treffer``, ``Verpasst``,
        ``Fehlalarme``, ``Ruhig``, ``Trefferquote`` (share of escalating runs with a timely
        alarm) and ``Fehlalarmquote`` (share of runs without escalation with an alarm); a rate
        is NaN when there are no such runs.
    """
    per_run = _first_weeks(runs, indicator, stage)
    thresholds = list(thresholds)
    table = pd.DataFrame([_counts(per_run, t, lead) for t in thresholds],
                         index=pd.Index(thresholds, name="Schwelle"))
    with np.errstate(invalid="ignore", divide="ignore"):
        table["Trefferquote"] = table["Treffer"] / (table["Treffer"] + table["Verpasst"])
        table["Fehlalarmquote"] = table["Fehlalarme"] / (table["Fehlalarme"] + table["Ruhig"])
    return table


def choose_threshold(table: pd.DataFrame, max_false_alarms: int) -> Any:
    """The threshold with the fewest missed escalations among those within the false-alarm budget.

    Ties go to fewer false alarms, then to the smaller threshold; ``None`` when no threshold
    keeps the budget.

    Examples
    --------
    >>> table = pd.DataFrame({"Verpasst": [0, 1, 3], "Fehlalarme": [9, 4, 1]},
    ...                      index=pd.Index([1, 2, 3], name="Schwelle"))
    >>> choose_threshold(table, 5), choose_threshold(table, 0)
    (2, None)
    """
    allowed = table[table["Fehlalarme"] <= max_false_alarms]
    if allowed.empty:
        return None
    return min(allowed.index, key=lambda t: (allowed.loc[t, "Verpasst"],
                                             allowed.loc[t, "Fehlalarme"], t))


def cost_table(table: pd.DataFrame, weight: float) -> pd.DataFrame:
    """Costs of each threshold: ``weight`` × missed escalations + false alarms.

    ``weight`` says how many false alarms one missed escalation is worth. The result has the
    columns ``Verpasst``, ``Fehlalarme``, ``Kosten`` and ``günstigste`` (``True`` for the
    cheapest threshold; on a tie the smaller one).

    Examples
    --------
    >>> table = pd.DataFrame({"Verpasst": [0, 2, 5], "Fehlalarme": [15, 9, 2]},
    ...                      index=pd.Index([1, 2, 3], name="Schwelle"))
    >>> cost_table(table, 4)
              Verpasst  Fehlalarme  Kosten  günstigste
    Schwelle
    1                0          15      15        True
    2                2           9      17       False
    3                5           2      22       False
    """
    if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or weight < 0:
        raise ValueError(f"weight={weight!r} is not a number >= 0")
    costs = table[["Verpasst", "Fehlalarme"]].copy()
    costs["Kosten"] = weight * costs["Verpasst"] + costs["Fehlalarme"]
    cheapest = min(costs.index, key=lambda t: (costs.loc[t, "Kosten"], t))
    costs["günstigste"] = costs.index == cheapest
    return costs


def compare_indicators(runs: pd.DataFrame, candidates: Mapping[str, tuple[str, Iterable[float]]],
                       max_false_alarms: int, *, lead: int = 2, stage: int = 6) -> pd.DataFrame:
    """The best threshold of each indicator within a false-alarm budget (:func:`choose_threshold`).

    Parameters
    ----------
    candidates : mapping
        Column of ``runs`` -> (German name, thresholds to try).

    Returns
    -------
    DataFrame
        Indexed by the German names (``Indikator``): ``Schwelle`` (``None`` when no threshold
        keeps the budget), ``Treffer``, ``Verpasst`` and ``Fehlalarme`` at that threshold.

    Examples
    --------
    >>> runs = pd.DataFrame({"scenario": ["a"] * 3 + ["b"] * 3, "seed": 0, "step": [0, 1, 2] * 2,
    ...                      "max_stage": [3, 5, 6, 2, 2, 2], "x": [1, 4, 4, 2, 3, 1]})
    >>> compare_indicators(runs, {"x": ("Beispiel", [2, 4, 5])}, max_false_alarms=0, lead=1)
              Schwelle  Treffer  Verpasst  Fehlalarme
    Indikator
    Beispiel         4        1         0           0
    """
    columns = ("Treffer", "Verpasst", "Fehlalarme")
    chosen, counts = [], []
    for column, (_, thresholds) in candidates.items():
        table = threshold_table(runs, column, thresholds, lead=lead, stage=stage)
        best = choose_threshold(table, max_false_alarms)
        chosen.append(None if best is None else best.item() if hasattr(best, "item") else best)
        counts.append([pd.NA if best is None else int(table.loc[best, k]) for k in columns])
    index = pd.Index([name for name, _ in candidates.values()], name="Indikator")
    table = pd.DataFrame(counts, columns=list(columns), index=index).astype("Int64")
    table.insert(0, "Schwelle", pd.Series(chosen, index=index, dtype=object))
    return table

"""Designing a municipal KMS in the neighbourhood model: the provided helpers of module 3.

Notebooks 3.3 ("Ein KMS für Musterstadt im Modell testen") and 3.4 ("Kosten und Wirkung: eine
Vorlage für den Rat") treat a KMS as a *design*: a mapping of the model's "Konfliktmanagement"
parameters that differ from their defaults. Both notebooks count the incidents a design leaves
after two years in a scenario, over a few seeds (:func:`incidents`), read a rough 95 % band of the
mean (:func:`mean_band`), price a design with the course's open cost model (:func:`cost`) and offer
the same simulator widget (:func:`kms_simulator`) whose answer line a trainee copies into an
answer cell; :func:`model_values` turns such an answer back into model parameters (and checks its
form with a German hint).

The settings are the course's: a 40 × 40 neighbourhood (:data:`GRID`), two years
(:data:`WEEKS`) and the seeds 0 to 4 (:data:`SEEDS`). Runs are memoised by
:func:`kokosim.neighbourhood.run_scenario`, so a table and the simulator reuse each other's runs.
The model is imported only through :mod:`kokosim.neighbourhood`; labels shown to trainees are
German.

Examples
--------
>>> model_values({"stellen": 1, "pool": 2, "netz": "0,3", "meldeverzug": 2, "schwelle": 4,
...               "verfahrenswahl": "stufengerecht", "begegnung": 0, "praeventionsplan": "nein"})
{'conflict_managers': 1, 'mediators': 2, 'early_warning_coverage': 0.3, 'reporting_delay': 2,
 'detection_threshold': 4, 'intervention_rule': 'ladder', 'contact_programme': 0.0,
 'prevention_plan': False}
>>> cost(NO_KMS), cost({"conflict_managers": 1, "mediators": 2})
(0.0, 151.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from kokosim import answers
from kokosim.neighbourhood import PARAMETERS, SCENARIOS, run_scenario, validate_all

__all__ = [
    "GRID",
    "WEEKS",
    "SEEDS",
    "NO_KMS",
    "KMS_PARAMETERS",
    "CONTROLS",
    "COST_RATES",
    "incidents",
    "mean_band",
    "cost",
    "model_values",
    "answer_line",
    "kms_simulator",
]

#: Size of the neighbourhood in all runs of module 3 (40 × 40 flats, smaller than the default).
GRID: dict[str, int] = {"width": 40, "height": 40}
#: Weeks per run: two years, long enough for a KMS to show its effect.
WEEKS: int = 104
#: Seeds of every comparison: five runs, the same for all trainees.
SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)

#: "kein KMS": no staff, no mediators, no reporting points, slow and late detection, one
#: procedure for every case.
NO_KMS: dict[str, Any] = {"conflict_managers": 0, "mediators": 0, "early_warning_coverage": 0.0,
                          "reporting_delay": 4, "detection_threshold": 4,
                          "intervention_rule": "uniform"}

#: Names of the model parameters of the group "Konfliktmanagement" (the design space).
KMS_PARAMETERS: tuple[str, ...] = tuple(p.name for p in PARAMETERS.values()
                                        if p.group == "Konfliktmanagement")

#: Answer key -> (model parameter, German label, slider ``(from, to, step)`` or the choices).
CONTROLS: dict[str, tuple[Any, ...]] = {
    "stellen": ("conflict_managers", "Stellen für Konfliktmanager:innen", 0, 6, 1),
    "pool": ("mediators", "Mediator:innen-Pool", 0, 16, 1),
    "netz": ("early_warning_coverage", "Früherkennung, Netz der Anlaufstellen", 0.0, 0.6, 0.05),
    "meldeverzug": ("reporting_delay", "Meldeverzug in Wochen", 0, 8, 1),
    "schwelle": ("detection_threshold", "Erkennungsschwelle, Glasl-Stufe", 1, 6, 1),
    "verfahrenswahl": ("intervention_rule", "Wahl der Intervention",
                       ("stufengerecht", "einheitlich")),
    "begegnung": ("contact_programme", "Dialog- und Begegnungsangebote", 0.0, 0.1, 0.01),
    "praeventionsplan": ("prevention_plan", "Präventionsplan Integration", ("ja", "nein")),
}
_RULES = {"stufengerecht": "ladder", "einheitlich": "uniform"}

#: The course's cost model in thousand euros per year (didactic assumptions, notebook 3.4).
COST_RATES: dict[str, float] = {"stelle": 80, "fallplatz": 10, "mediator": 5,
                                "frueherkennung_je_0_1": 10, "meldeweg_je_woche": 8,
                                "erkennung_je_stufe": 10, "verfahrenswahl": 10,
                                "dialog_je_0_01": 15, "praeventionsplan": 20}


def incidents(design: Mapping[str, Any], scenario: str, seeds: Iterable[int] = SEEDS, *,
              weeks: int = WEEKS, grid: Mapping[str, int] = GRID) -> pd.Series:
    """Incidents in total after ``weeks`` weeks of ``scenario`` with ``design``, one per seed.

    Parameters
    ----------
    design : mapping
        Model parameters that differ from the defaults (e.g. :data:`NO_KMS`).
    scenario : str
        A scenario of :data:`kokosim.neighbourhood.SCENARIOS`.
    seeds : iterable of int, default :data:`SEEDS`
        One run per seed.
    weeks : int, default :data:`WEEKS`
        Length of each run.
    grid : mapping, default :data:`GRID`
        ``width`` and ``height`` of the neighbourhood.

    Returns
    -------
    pandas.Series
        Named "Vorfälle", indexed by "Startwert".

    Examples
    --------
    >>> counts = incidents(NO_KMS, "ruhiges_quartier", seeds=[0, 1], weeks=2,
    ...                    grid={"width": 10, "height": 10})
    >>> counts.name, counts.index.name, counts.index.tolist()
    ('Vorfälle', 'Startwert', [0, 1])
    """
    return pd.Series({seed: run_scenario(scenario, seed, weeks, **grid, **design)
                      ["incidents_total"].iloc[-1] for seed in seeds},
                     name="Vorfälle").rename_axis("Startwert")


def mean_band(values: pd.Series) -> tuple[float, float]:
    """95 % band of the mean (low, high): mean ∓ 1.96 × standard deviation / √count.

    Parameters
    ----------
    values : pandas.Series
        One number per run (sample standard deviation, ``ddof=1``).

    Returns
    -------
    tuple of float
        The lower and upper end of the band.

    Examples
    --------
    >>> low, high = mean_band(pd.Series([2.0, 4.0, 9.0, 5.0]))
    >>> round(low, 3), round(high, 3)
    (2.115, 7.885)
    """
    width = 1.96 * values.std() / np.sqrt(len(values))
    return float(values.mean() - width), float(values.mean() + width)


def cost(design: Mapping[str, Any], rates: Mapping[str, float] = COST_RATES) -> float:
    """Yearly cost of a design in thousand euros after the course's cost model.

    Parameters that ``design`` leaves out cost what their default costs; :data:`NO_KMS` costs 0.

    Parameters
    ----------
    design : mapping
        Model parameters that differ from the defaults (validated).
    rates : mapping, default :data:`COST_RATES`
        The rates, e.g. ``{**COST_RATES, "stelle": 100}`` for dearer staff.

    Returns
    -------
    float
        Thousand euros per year, rounded to one decimal.

    Raises
    ------
    ValueError
        For an unknown parameter or a value outside its range.

    Examples
    --------
    Entwurf A of notebook 3.4 and the same design with dearer staff:

    >>> cost({"conflict_managers": 1, "mediators": 2, "early_warning_coverage": 0.5,
    ...       "reporting_delay": 1, "detection_threshold": 4})
    174.0
    >>> dearer = {**COST_RATES, "stelle": 100}
    >>> cost({"conflict_managers": 2}, dearer) - cost({"conflict_managers": 2})
    40.0
    """
    p = {name: PARAMETERS[name].default for name in KMS_PARAMETERS} | validate_all(design)
    total = (rates["stelle"] * p["conflict_managers"]
             + rates["fallplatz"] * p["conflict_managers"] * max(0, p["case_capacity"] - 4)
             + rates["mediator"] * p["mediators"]
             + rates["frueherkennung_je_0_1"] * p["early_warning_coverage"] / 0.1
             + rates["meldeweg_je_woche"] * max(0, 4 - p["reporting_delay"])
             + rates["erkennung_je_stufe"] * max(0, 4 - p["detection_threshold"])
             + rates["verfahrenswahl"] * (p["intervention_rule"] == "ladder")
             + rates["dialog_je_0_01"] * p["contact_programme"] / 0.01
             + rates["praeventionsplan"] * p["prevention_plan"])
    return round(float(total), 1)


def _number(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return float(value)
    return float(str(value).strip().replace(",", "."))


def _require(condition: bool, hint: str) -> None:
    """Raise the German ``hint`` as an AssertionError (the failure of a test cell)."""
    if not condition:
        raise AssertionError(hint)


def model_values(selection: Mapping[str, Any], task: str = "Entwurf") -> dict[str, Any]:
    """A trainee's answer with the keys of :data:`CONTROLS` as parameters of the model.

    Keys and words are compared after :func:`kokosim.answers.normalise` ("Pool", "pool");
    numbers may be text with a decimal comma.

    Parameters
    ----------
    selection : mapping
        Every key of :data:`CONTROLS` with a value: numbers, "stufengerecht"/"einheitlich",
        "ja"/"nein".
    task : str, default "Entwurf"
        Named in the hint.

    Returns
    -------
    dict
        Model parameter -> value, in the order of ``selection``.

    Raises
    ------
    AssertionError
        With a German hint naming ``task`` when a key is missing or a value has the wrong form
        or lies outside the parameter's range.

    Examples
    --------
    >>> werte = dict.fromkeys(CONTROLS, 1) | {"netz": 0.1, "verfahrenswahl": "einheitlich",
    ...                                        "begegnung": 0.0, "praeventionsplan": "ja"}
    >>> model_values(werte)["intervention_rule"], model_values(werte)["prevention_plan"]
    ('uniform', True)
    >>> model_values(werte | {"schwelle": 2.5}, task="Aufgabe 6")
    Traceback (most recent call last):
    ...
    AssertionError: Aufgabe 6: Bei "schwelle" bitte eine ganze Zahl eintragen, nicht 2.5.
    """
    answers.mapping(selection, keys=list(CONTROLS), task=task)
    canonical = {answers.normalise(key): key for key in CONTROLS}
    values: dict[str, Any] = {}
    for key, value in selection.items():
        name = canonical[answers.normalise(key)]
        parameter = CONTROLS[name][0]
        text = answers.normalise(value)
        if name == "verfahrenswahl":
            _require(text in _RULES,
                     f'{task}: Bei "verfahrenswahl" bitte "stufengerecht" oder "einheitlich" '
                     f"eintragen, nicht {value!r}.")
            values[parameter] = _RULES[text]
        elif name == "praeventionsplan":
            _require(text in ("ja", "nein", "true", "false"),
                     f'{task}: Bei "praeventionsplan" bitte "ja" oder "nein" eintragen, '
                     f"nicht {value!r}.")
            values[parameter] = text in ("ja", "true")
        else:
            record = PARAMETERS[parameter]
            try:
                number = _number(value)
            except ValueError:
                raise AssertionError(f'{task}: Bei "{name}" bitte eine Zahl eintragen, '
                                     f"nicht {value!r}.") from None
            if record.type == "int":
                _require(number.is_integer(), f'{task}: Bei "{name}" bitte eine ganze Zahl '
                                              f"eintragen, nicht {value!r}.")
                number = int(number)
            _require(record.min <= number <= record.max,
                     f'{task}: "{name}" muss zwischen {record.min:g} und {record.max:g} liegen, '
                     f"nicht {value!r}.")
            values[parameter] = number
    return values


def answer_line(selection: Mapping[str, Any]) -> str:
    """The selection as a Python dict literal to copy into an answer cell (numbers rounded).

    Examples
    --------
    >>> answer_line({"stellen": 2, "netz": 0.15000000000000002, "praeventionsplan": "ja"})
    '{"stellen": 2, "netz": 0.15, "praeventionsplan": "ja"}'
    """
    parts = []
    for key, value in selection.items():
        if isinstance(value, str):
            parts.append(f'"{key}": "{value}"')
        else:
            parts.append(f'"{key}": {round(value, 2)!r}')
    return "{" + ", ".join(parts) + "}"


def kms_simulator(scenarios: Iterable[str], start: Mapping[str, Any], *, name: str = "entwurf",
                  budget: float | None = None,
                  rates: Mapping[str, float] = COST_RATES) -> None:
    """Display the KMS simulator: sliders, a button that tests the design, and its result.

    One slider or dropdown per key of :data:`CONTROLS`; the button "Im Modell testen" runs the
    design and :data:`NO_KMS` in each scenario (:func:`incidents`) and shows a German table
    (means, band, share of "ohne KMS"), the cost against ``budget`` if one is given, and the line
    ``name = {...}`` to copy into the answer cell. The result for ``start`` is shown at once.

    Parameters
    ----------
    scenarios : iterable of str
        Scenarios to test in, in the order of the table's rows.
    start : mapping
        Initial value of every key of :data:`CONTROLS`.
    name : str, default "entwurf"
        Variable name in the answer line.
    budget : float, optional
        Thousand euros per year; with it, the cost after :func:`cost` is shown and judged.
    rates : mapping, default :data:`COST_RATES`
        Cost rates used with ``budget``.
    """
    import ipywidgets as widgets
    from IPython.display import display

    scenarios = list(scenarios)
    controls: dict[str, Any] = {}
    for key, (_, title, *span) in CONTROLS.items():
        common = dict(description=f"{title} („{key}“)", style={"description_width": "330px"},
                      layout=widgets.Layout(width="680px"))
        if isinstance(span[0], tuple):
            controls[key] = widgets.Dropdown(options=list(span[0]), value=start[key], **common)
        elif isinstance(span[2], int):
            controls[key] = widgets.IntSlider(value=start[key], min=span[0], max=span[1],
                                              step=span[2], continuous_update=False, **common)
        else:
            controls[key] = widgets.FloatSlider(value=start[key], min=span[0], max=span[1],
                                                step=span[2], readout_format=".2f",
                                                continuous_update=False, **common)
    button = widgets.Button(description="Im Modell testen", button_style="primary",
                            layout=widgets.Layout(width="200px"))
    output = widgets.Output()

    def test(_: Any = None) -> None:
        selection = {key: (round(c.value, 2) if isinstance(c.value, float) else c.value)
                     for key, c in controls.items()}
        values = model_values(selection)
        output.clear_output(wait=True)
        with output:
            if budget is not None:
                amount = cost(values, rates)
                verdict = "im Budget" if amount <= budget else "ÜBER dem Budget"
                print(f"Kosten nach dem Kostenmodell: {amount:g} T€ pro Jahr "
                      f"({verdict} von {budget} T€)")
            rows = []
            for scenario in scenarios:
                without = incidents(NO_KMS, scenario)
                with_design = incidents(values, scenario)
                low, high = mean_band(with_design)
                rows.append({"Szenario": SCENARIOS[scenario].title,
                             "ohne KMS: Vorfälle (Mittel)": round(without.mean(), 1),
                             "Ihr Entwurf: Vorfälle (Mittel)": round(with_design.mean(), 1),
                             "Ihr Entwurf: Band": f"{low:.1f} bis {high:.1f}",
                             "Anteil an „ohne KMS“":
                                 f"{100 * with_design.mean() / without.mean():.0f} %"})
            display(pd.DataFrame(rows).set_index("Szenario"))
            print("Zum Eintragen in die Antwortzelle (kopieren):")
            print(f"{name} = {answer_line(selection)}")

    button.on_click(test)
    display(widgets.VBox([*controls.values(), button, output]))
    test()

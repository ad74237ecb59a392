"""Stadtteil-Konfliktmodell as a browser page (SolaraViz): ``solara run simulations/app.py``.

``simulations/app.py`` is only the entry point that ``solara run`` needs; the page is built here,
beside the model and its agents, as in Mesa's examples.

For trainers who prefer a web page to a notebook. The sidebar sliders come from the parameter
registry (German labels) and start at the values of one scenario; choose it with the environment
variable ``KOKOSIM_SZENARIO`` (default ``neue_unterkunft``), e.g.
``KOKOSIM_SZENARIO=geruechtewelle solara run simulations/app.py``. As everywhere in SolaraViz, the
sidebar sliders act on "Reset". The picture is the dashboard's
(:class:`kokosim.dashboard.LiveFigure`: map and time series, updated in place); the button
"Extremereignis auslösen" works while the model runs.
"""

from __future__ import annotations

import os
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from kokosim.dashboard import LiveFigure, readout_html
from kokosim.neighbourhood.model import Neighbourhood
from kokosim.neighbourhood.parameters import PARAMETERS, Parameter
from kokosim.neighbourhood.scenarios import scenario_values

__all__ = ["SCENARIO", "AppModel", "model_params", "model", "page"]

#: Scenario whose values the sliders start with.
SCENARIO = os.environ.get("KOKOSIM_SZENARIO", "neue_unterkunft")

_INPUTS = {"int": "SliderInt", "float": "SliderFloat", "bool": "Checkbox", "choice": "Select"}


def _input(record: Parameter, value: Any) -> dict[str, Any]:
    """SolaraViz input description of one registry parameter."""
    spec: dict[str, Any] = {"type": _INPUTS[record.type], "value": value,
                            "label": f"{record.label} ({record.unit})" if record.unit != "–"
                            else record.label}
    if record.type in ("int", "float"):
        spec.update(min=record.min, max=record.max, step=record.step)
    if record.type == "choice":
        spec["values"] = list(record.choices)
    return spec


def model_params(scenario: str = SCENARIO) -> dict[str, Any]:
    """Inputs for every registry parameter, starting at the scenario's values.

    Examples
    --------
    >>> params = model_params("praeventionsplan")
    >>> params["prevention_plan"]["type"], params["prevention_plan"]["value"]
    ('Checkbox', True)
    >>> params["scenario"], params["seed"]["label"]
    ('praeventionsplan', 'Startwert')
    """
    values = scenario_values(scenario)
    return {"scenario": scenario,
            "seed": {"type": "SliderInt", "value": 0, "label": "Startwert", "min": 0,
                     "max": 999, "step": 1},
            **{name: _input(record, values[name]) for name, record in PARAMETERS.items()}}


class AppModel(Neighbourhood):
    """The neighbourhood model with its keyword parameters named ``kwargs``.

    Mesa 3.3's SolaraViz accepts extra keyword parameters only under that name (it reports
    "Missing required model parameter: overrides" otherwise); nothing else differs.
    """

    def __init__(self, scenario: str | None = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(scenario, seed=seed, **kwargs)


def _redraw() -> None:
    update_counter.set(update_counter.value + 1)


def Bild(model: Neighbourhood) -> solara.Element:
    """Map and time series of the model (one figure per model, updated in place)."""
    picture = solara.use_memo(lambda: LiveFigure(model), dependencies=[model])
    return solara.Image(picture.render(), width="100%")


def Kennzahlen(model: Neighbourhood) -> solara.Element:
    """The dashboard's German readout, with a button for an extreme event."""
    with solara.Column() as column:
        solara.Button("Extremereignis auslösen", color="error",
                      on_click=lambda: (model.trigger_shock(), _redraw()))
        solara.HTML(tag="div", unsafe_innerHTML=readout_html(model, []))
    return column


model = AppModel(SCENARIO, seed=0)
page = SolaraViz(model, components=[(Bild, 0), (Kennzahlen, 0)],
                 model_params=model_params(), name="Stadtteil-Konfliktmodell")

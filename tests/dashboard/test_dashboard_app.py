"""The SolaraViz app (`solara run simulations/app.py`), built and rendered without a server."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from types import ModuleType

import ipyvuetify as v
import ipywidgets as w
import pytest
import solara
from mesa.visualization.solara_viz import _check_model_params, split_model_params

from kokosim.neighbourhood import PARAMETERS, Neighbourhood

APP = Path(__file__).resolve().parents[2] / "simulations" / "app.py"


@pytest.fixture(scope="module")
def app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kokosim_solara_app", APP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inputs_come_from_the_registry_and_rebuild_the_model(app):
    params = app.model_params("geruechtewelle")
    _check_model_params(app.AppModel.__init__, params)  # what SolaraViz checks on start
    inputs, fixed = split_model_params(params)
    assert fixed == {"scenario": "geruechtewelle"}
    assert set(inputs) == {"seed", *PARAMETERS}
    for name, record in PARAMETERS.items():
        assert inputs[name]["label"].startswith(record.label)
        if record.type in ("int", "float"):
            assert (inputs[name]["min"], inputs[name]["max"]) == (record.min, record.max)
    assert inputs["online_degree"]["value"] == 8  # the scenario's value, not the default
    # "Reset" in SolaraViz builds the model from exactly these values
    values = {**fixed, **{name: spec["value"] for name, spec in inputs.items()}}
    rebuilt = app.AppModel(**values)
    assert isinstance(rebuilt, Neighbourhood)
    assert rebuilt.online_degree == 8 and rebuilt.scenario == "geruechtewelle"


def test_page_renders_picture_and_shock_button_works(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a hook warning inside Mesa's SolaraViz
        _box, context = solara.render(app.page, handle_error=False)
    picture = context.find(w.Image)
    picture.assert_single()
    before = picture.widget.value
    assert before[:4] == b"\x89PNG"
    button = context.find(v.Btn, children=["Extremereignis auslösen"])
    button.assert_single()
    button.widget.click()
    assert app.model.shocks == [0]
    assert context.find(w.Image).widget.value != before
    context.close()

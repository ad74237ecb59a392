"""What every classic model promises: reproducible from its seed, clear errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import networkx as nx
import pandas as pd
import pytest

from kokosim.classics import CivilViolence, Deffuant, Granovetter, Schelling, normal_thresholds

# Small, quick configurations of each model that still involve randomness.
SMALL = {
    "Granovetter": lambda seed: Granovetter(normal_thresholds(60, 10, 8, seed=seed), seed=seed),
    "Schelling": lambda seed: Schelling(width=15, height=15, density=0.8, homophily=0.5, seed=seed),
    "Deffuant": lambda seed: Deffuant(n_agents=100, d=0.3, seed=seed),
    "CivilViolence": lambda seed: CivilViolence(width=15, height=15, vision=3, seed=seed),
}

RUN_SNIPPET = """
import json, sys
sys.path.insert(0, {tests!r})
from test_classics_contract import frame_of
print(json.dumps(frame_of({name!r}, {seed})))
"""


def frame_of(name: str, seed: int, steps: int = 8) -> dict:
    """DataCollector frame after ``steps`` steps, as JSON-ready data."""
    model = SMALL[name](seed)
    for _ in range(steps):
        model.step()
    return model.datacollector.get_model_vars_dataframe().to_dict(orient="list")


@pytest.mark.parametrize("name", SMALL)
def test_same_seed_same_frames_also_in_another_process(name):
    here = frame_of(name, seed=11)
    assert frame_of(name, seed=11) == here
    code = RUN_SNIPPET.format(tests=str(__import__("pathlib").Path(__file__).parent), name=name,
                              seed=11)
    other = json.loads(subprocess.run([sys.executable, "-c", code], check=True,
                                      capture_output=True, text=True).stdout)
    pd.testing.assert_frame_equal(pd.DataFrame(other), pd.DataFrame(here), check_dtype=False)


@pytest.mark.parametrize("name", ["Schelling", "Deffuant", "CivilViolence"])
def test_different_seeds_differ(name):
    assert frame_of(name, seed=1) != frame_of(name, seed=2)


INVALID = [
    (Granovetter, {"thresholds": []}, "thresholds"),
    (Granovetter, {"thresholds": [0, -1]}, "thresholds[1]"),
    (Granovetter, {"thresholds": [0, "x"]}, "thresholds[1]"),
    (Schelling, {"width": 2}, "width"),
    (Schelling, {"height": 10.5}, "height"),
    (Schelling, {"density": 1.0}, "density"),
    (Schelling, {"density": 0}, "density"),
    (Schelling, {"minority_share": 1.2}, "minority_share"),
    (Schelling, {"homophily": -0.1}, "homophily"),
    (Schelling, {"radius": 0}, "radius"),
    (Schelling, {"width": 10, "height": 10, "radius": 5}, "radius"),
    (Deffuant, {"n_agents": 1}, "n_agents"),
    (Deffuant, {"d": 0}, "d"),
    (Deffuant, {"d": 1.5}, "d"),
    (Deffuant, {"mu": 0.6}, "mu"),
    (Deffuant, {"mu": float("nan")}, "mu"),
    (Deffuant, {"n_agents": 5, "network": nx.path_graph(4)}, "network"),
    (Deffuant, {"n_agents": 3, "network": nx.empty_graph(3)}, "network"),
    (CivilViolence, {"citizen_density": 1.1}, "citizen_density"),
    (CivilViolence, {"cop_density": 0.4}, "cop_density"),
    (CivilViolence, {"legitimacy": -0.2}, "legitimacy"),
    (CivilViolence, {"vision": 0}, "vision"),
    (CivilViolence, {"vision": 30}, "vision"),
    (CivilViolence, {"max_jail_term": -1}, "max_jail_term"),
    (CivilViolence, {"threshold": -0.5}, "threshold"),
    (CivilViolence, {"k": "hoch"}, "k"),
]


@pytest.mark.parametrize(("model", "kwargs", "parameter"), INVALID,
                         ids=[f"{m.__name__}-{p}" for m, _, p in INVALID])
def test_invalid_parameter_names_itself(model, kwargs, parameter):
    with pytest.raises(ValueError) as error:
        model(**kwargs)
    message = str(error.value)
    assert message.startswith(parameter)
    if parameter in kwargs and not isinstance(kwargs[parameter], nx.Graph):
        assert repr(kwargs[parameter])[:6] in message
    assert "expected" in message


def test_run_model_rejects_negative_step_limit():
    with pytest.raises(ValueError, match="max_steps=-1"):
        Granovetter().run_model(max_steps=-1)


def test_run_model_stops_at_step_limit_when_never_settled():
    model = CivilViolence(width=15, height=15, vision=3, seed=1)
    model.run_model(max_steps=7)
    assert model.steps == 7 and model.running

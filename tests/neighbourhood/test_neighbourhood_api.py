"""The live-run API of the neighbourhood model that the dashboard relies on."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from kokosim.neighbourhood import (LAYERS, OBSERVABLES, SUMMARY_LABELS, ConflictManager, Dispute,
                                   Neighbourhood)

SMALL = {"width": 20, "height": 20}
REQUIRED = {"mean_stage", "max_stage", "incidents", "detected_share", "detection_delay",
            "interventions_started", "interventions_succeeded", "polarisation", "trust",
            "mean_threat", "n_disputes", *(f"disputes_stage_{k}" for k in range(1, 10))}


def run(steps: int, scenario: str = "neue_unterkunft", seed: int = 1, **overrides) -> Neighbourhood:
    model = Neighbourhood(scenario, seed=seed, **{**SMALL, **overrides})
    for _ in range(steps):
        model.step()
    return model


def test_steps_counter_running_and_frame() -> None:
    model = run(12)
    assert model.steps == 12 and model.running
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 13  # the initial state plus one row per week
    assert REQUIRED <= set(frame.columns) == set(OBSERVABLES)


def test_observables_have_german_labels() -> None:
    assert REQUIRED <= set(OBSERVABLES)
    assert OBSERVABLES["incidents"] == "Vorfälle in dieser Woche"
    assert "Verhärtung" in OBSERVABLES["disputes_stage_1"]
    assert all(label and label[0].isupper() for label in SUMMARY_LABELS.values())


def test_stage_columns_add_up_to_open_disputes() -> None:
    frame = run(40, dispute_rate=0.05).datacollector.get_model_vars_dataframe()
    per_stage = frame[[f"disputes_stage_{k}" for k in range(1, 10)]].sum(axis=1)
    assert (per_stage == frame["n_disputes"]).all() and frame["n_disputes"].max() > 0
    assert ((frame["max_stage"] >= frame["mean_stage"]) & (frame["mean_stage"] >= 0)).all()


def test_summary_has_current_figures() -> None:
    model = run(5)
    summary = model.summary()
    assert summary["week"] == 5 and summary["n_residents"] == model.n_residents
    assert set(summary) == set(SUMMARY_LABELS)
    assert summary["trust"] == pytest.approx(model.trust.mean())


@pytest.mark.parametrize("layer", list(LAYERS))
def test_state_map_layers(layer: str) -> None:
    model = run(10, density=0.6)
    grid = model.state_map(layer)
    assert grid.shape == (20, 20) and grid.dtype == float
    assert np.isnan(grid).sum() == 400 - model.n_residents
    assert np.nanmin(grid) >= 0


def test_state_map_default_is_tension_and_stage_layer_shows_disputes() -> None:
    model = run(30, dispute_rate=0.05)
    np.testing.assert_allclose(model.state_map(), model.state_map("spannung"))
    stages = model.state_map("stufe")
    disputes = list(model.agents_by_type[Dispute])
    assert np.nanmax(stages) == max(d.stage for d in disputes)
    assert int((stages > 0).sum()) == sum(d.members.size for d in disputes)


def test_state_map_unknown_layer() -> None:
    with pytest.raises(ValueError, match="layer='farbe' is unknown; choose one of: spannung"):
        Neighbourhood(**SMALL).state_map("farbe")


def test_local_shock_hits_only_the_area() -> None:
    model = Neighbourhood(seed=2, shock_radius=3, **SMALL)
    before = model.state_map("bedrohung")
    model.trigger_shock(0.8, where=(5, 5))
    change = model.state_map("bedrohung") - before
    rows, cols = np.indices(change.shape)
    inside = np.hypot(rows - 5, cols - 5) <= 3
    assert np.nanmin(change[inside]) > 0.5
    assert np.nanmax(np.abs(change[~inside])) == 0
    assert model.shocks == [0]


def test_citywide_shock_and_scheduled_shock() -> None:
    model = Neighbourhood(seed=2, **SMALL)
    before = model.threat.copy()
    model.trigger_shock()
    assert (model.threat > before).all()
    scheduled = run(6, scenario=None, shock_step=4, shock_size=0.7)
    assert scheduled.shocks == [4]
    threat = scheduled.datacollector.get_model_vars_dataframe()["mean_threat"]
    assert threat[4] > threat[3] + 0.3


def test_shock_rejects_bad_size_and_place() -> None:
    model = Neighbourhood(**SMALL)
    with pytest.raises(ValueError, match="shock_size=2"):
        model.trigger_shock(2)
    with pytest.raises(ValueError, match=r"where=\(3, 20\) is outside the grid"):
        model.trigger_shock(where=(3, 20))


def test_set_parameter_changes_managers_and_hands_back_cases() -> None:
    model = run(40, dispute_rate=0.05, conflict_managers=3, case_capacity=2)
    open_cases = [case for m in model.agents_by_type[ConflictManager] for case in m.cases]
    assert open_cases, "the managers should have cases after 40 weeks"
    model.set_parameter("conflict_managers", 0)
    assert len(model.agents_by_type[ConflictManager]) == 0
    assert all(case.manager is None and case.intervention is None for case in open_cases)
    assert set(open_cases) <= set(model.kms.waiting)  # handed back to the waiting list
    assert model.kms.mediators_busy == 0
    model.set_parameter("conflict_managers", 2)
    model.step()
    assert sum(len(m.cases) for m in model.agents_by_type[ConflictManager]) > 0


def frame_of(seed: int, steps: int = 30) -> pd.DataFrame:
    return run(steps, scenario="geruechtewelle", seed=seed).datacollector.get_model_vars_dataframe()


def test_same_seed_gives_identical_frames_and_other_seeds_differ() -> None:
    pd.testing.assert_frame_equal(frame_of(5), frame_of(5))
    assert not frame_of(5).equals(frame_of(6))


def test_same_seed_gives_identical_frames_in_another_process() -> None:
    code = ("from kokosim.neighbourhood import Neighbourhood\n"
            "m = Neighbourhood('geruechtewelle', seed=5, width=20, height=20)\n"
            "for _ in range(30): m.step()\n"
            "print(m.datacollector.get_model_vars_dataframe().to_json())\n")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    here = frame_of(5).to_json()
    assert output.strip() == here

"""The live dashboard in this process: widgets from the registry, live steering, picture, play."""

from __future__ import annotations

import asyncio

import ipywidgets as w
import numpy as np
import pytest

from kokosim.dashboard import Dashboard, LiveFigure
from kokosim.neighbourhood import LAYERS, PARAMETERS, SCENARIOS, Neighbourhood

SMALL = dict(width=20, height=20)


@pytest.fixture
def board() -> Dashboard:
    return Dashboard("neue_unterkunft", seed=4, **SMALL)


def test_every_registry_parameter_has_a_matching_widget(board):
    assert list(board.parameter_widgets) == list(PARAMETERS)
    kinds = {"int": w.IntSlider, "float": w.FloatSlider, "bool": w.Checkbox, "choice": w.Dropdown}
    for name, record in PARAMETERS.items():
        widget = board.parameter_widgets[name]
        assert isinstance(widget, kinds[record.type]), name
        assert widget.description.startswith(record.label)
        assert record.help in widget.tooltip
        assert widget.value == getattr(board.model, name)
        assert f"kokosim-param-{name}" in widget._dom_classes
        if record.type in ("int", "float"):
            assert (widget.min, widget.max) == (record.min, record.max)
            assert widget.continuous_update is False
        if record.type == "choice":
            assert [value for _, value in widget.options] == list(record.choices)


def test_live_parameter_changes_the_running_model_at_once(board):
    board.step(3)
    board.parameter_widgets["early_warning_coverage"].value = 0.9
    board.parameter_widgets["prevention_plan"].value = True
    assert board.model.early_warning_coverage == 0.9 and board.model.prevention_plan is True
    assert board.model.steps == 3
    assert board.log[-2:] == ["Woche 3: Früherkennung (Anlaufstellen) = 0,90",
                              "Woche 3: Präventionsplan Integration = ja"]
    assert "Präventionsplan Integration = ja" in board.readout.value


def test_structural_parameter_waits_for_reset(board):
    board.step(2)
    board.parameter_widgets["width"].value = 25
    assert board.model.width == 20 and board.model.steps == 2
    assert board.log[-1].endswith("(wirkt nach »Zurücksetzen«)")
    board.buttons["reset"].click()
    assert board.model.width == 25 and board.model.steps == 0
    assert board.model.state_map().shape == (20, 25)


def test_shock_button_works_mid_run_and_changes_readout_and_picture(board):
    board.step(5)
    before_picture, before_text = board.image.value, board.readout.value
    threat = board.model.threat.mean()
    board.buttons["shock"].click()
    assert board.model.shocks == [5]
    assert board.model.threat.mean() > threat
    assert board.image.value != before_picture
    assert board.readout.value != before_text
    assert "Extremereignis ausgelöst" in board.readout.value
    assert "<td>Extremereignisse in Woche</td><td><b>5</b></td>" in board.readout.value


def test_scenario_menu_loads_the_scenario_and_restarts(board):
    board.step(2)
    board.scenario_menu.value = "ausgebautes_kms"
    wanted = SCENARIOS["ausgebautes_kms"].overrides
    assert all(board.parameter_widgets[name].value == value for name, value in wanted.items())
    assert board.model.steps == 0 and board.model.scenario == "ausgebautes_kms"
    assert board.model.conflict_managers == 4
    assert "Ausgebautes Konfliktmanagement" in board.header.value
    # the scenario's values replace the small grid set at the start
    assert board.model.width == PARAMETERS["width"].default


def test_same_seed_and_settings_give_the_same_pictures():
    first, second = (Dashboard("geruechtewelle", seed=7, **SMALL) for _ in range(2))
    for board in (first, second):
        board.step(4)
    assert first.image.value == second.image.value
    other = Dashboard("geruechtewelle", seed=8, **SMALL)
    other.step(4)
    assert other.image.value != first.image.value


def test_layer_menu_switches_the_map(board):
    board.step(3)
    before = board.image.value
    for layer in ("haltung", "kontakt", "stufe"):
        board.layer_menu.value = layer
        assert board.picture.layer == layer
        assert board.picture.map_axes.get_title() == LAYERS[layer]
    assert board.image.value != before
    with pytest.raises(ValueError, match="layer='karte' is unknown"):
        board.picture.layer = "karte"


def test_presenter_mode_enlarges_picture_and_fonts(board):
    normal = board.picture.figure.dpi, board.readout.value
    board.presenter_toggle.value = True
    assert board.picture.figure.dpi > normal[0]
    assert "font-size:165%" in board.readout.value and "font-size:100%" in normal[1]
    assert board.buttons["play"].style.font_size == "20px"
    board.presenter_toggle.value = False
    assert board.picture.figure.dpi == normal[0]


def test_picture_is_updated_in_place_and_redrawn_fully_only_when_needed():
    model = Neighbourhood("neue_unterkunft", seed=1, **SMALL)
    picture = LiveFigure(model)
    image, line = picture.image, picture.lines["mean_stage"]
    picture.render()
    for _ in range(10):
        model.step()
        picture.render()
    assert picture.image is image and picture.lines["mean_stage"] is line
    assert picture.full_redraws == 1
    np.testing.assert_array_equal(picture.image.get_array().filled(np.nan),
                                  model.state_map("spannung"))
    assert line.get_xdata()[-1] == 10
    model.trigger_shock()
    picture.render()
    assert picture.full_redraws == 2  # the event marker is new background
    for _ in range(45):  # beyond the first year: the time axis doubles once
        model.step()
    picture.render()
    assert picture.series_axes[0].get_xlim()[1] == 104
    counts = picture.series_axes[1]
    assert counts.get_ylim()[1] >= max(model.datacollector.model_vars["n_disputes"])
    # background redrawn for: start, marker, then once for the longer axes
    assert picture.full_redraws == 3


def test_play_runs_without_blocking_and_reacts_to_buttons(board):
    async def until(condition, seconds: float = 60.0) -> None:
        """Yield to the play task until ``condition()`` holds (the deadline only guards hangs)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not condition() and loop.time() < deadline:
            await asyncio.sleep(0.05)

    async def session() -> tuple[int, int, list[int], bool]:
        board.speed.value = 20
        board.buttons["play"].click()
        assert board.playing and board.buttons["play"].disabled
        await until(lambda: board.model.steps >= 2)
        during = board.model.steps
        board.parameter_widgets["conflict_managers"].value = 6
        board.buttons["shock"].click()
        await until(lambda: board.model.steps > board.model.shocks[0])
        board.buttons["pause"].click()
        await until(lambda: board._task is None)
        stopped = board.model.steps
        await asyncio.sleep(0.3)
        return during, stopped, list(board.model.shocks), board.model.steps == stopped

    during, stopped, shocks, stayed = asyncio.run(session())
    assert during >= 2 and stopped > during
    assert len(shocks) == 1 and during <= shocks[0] < stopped
    assert board.model.conflict_managers == 6
    assert stayed and not board.playing and board.buttons["pause"].disabled


def test_play_outside_an_event_loop_raises(board):
    with pytest.raises(RuntimeError):
        board.play()
    assert not board.playing


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match="width=2 is out of range"):
        Dashboard(width=2)
    with pytest.raises(ValueError, match="unknown parameter 'managers'"):
        Dashboard(managers=3)
    with pytest.raises(ValueError, match="layer='x' is unknown"):
        Dashboard(layer="x", **SMALL)

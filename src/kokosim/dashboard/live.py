"""The live dashboard for workshops: run the neighbourhood model on a projector and steer it.

Play runs as an asyncio task on the kernel's event loop: between two weeks the kernel handles
incoming widget messages, so every button and slider works while the model runs.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any

import ipywidgets as w

from kokosim.dashboard.controls import CHOICE_LABELS, parameter_panel, readout_html
from kokosim.dashboard.figure import LiveFigure, checked_layer
from kokosim.neighbourhood.model import LAYERS, Neighbourhood
from kokosim.neighbourhood.parameters import PARAMETERS
from kokosim.neighbourhood.scenarios import (SCENARIOS, get_scenario, scenario_title,
                                             scenario_values)
from kokosim.style import german_number

__all__ = ["Dashboard", "MIN_PAUSE"]

#: Shortest pause between two weeks while playing (s): time for the kernel to handle clicks.
MIN_PAUSE = 0.02
#: Fonts of the normal and the presenter mode.
_FONT = {False: "100%", True: "165%"}
_BUTTON_FONT = {False: "", True: "20px"}


class Dashboard:
    """Live dashboard of the neighbourhood model (ipywidgets and matplotlib).

    Buttons for play, pause, one step and reset; a speed slider; a scenario menu and a seed; a
    slider, checkbox or menu for every model parameter (German labels from the registry); a
    button that triggers an extreme event at once, also while the model runs; a live map and
    time series; a German text readout with a log of events; a presenter mode with large fonts.

    Parameters
    ----------
    scenario : str, default "neue_unterkunft"
        Scenario to start with (:data:`kokosim.neighbourhood.SCENARIOS`).
    seed : int, default 0
        Seed of the run; the same seed and settings give the same run.
    layer : str, default "spannung"
        Map layer (:data:`kokosim.neighbourhood.LAYERS`).
    speed : int, default 5
        Weeks per second while playing (1–20).
    presenter : bool, default False
        Start in presenter mode.
    **overrides
        Parameter values that replace the scenario's (e.g. ``width=100, height=100``).

    Attributes
    ----------
    model : Neighbourhood
        The running model (a new one after every reset).
    parameter_widgets : dict
        Parameter name -> widget. Setting a widget's value is what a trainer's slider does:
        live parameters change the running model at once, the others act after a reset.
    buttons : dict
        ``play``, ``pause``, ``step``, ``reset``, ``shock`` -> ``ipywidgets.Button``.
    image : ipywidgets.Image
        The picture (PNG), replaced every frame.
    readout : ipywidgets.HTML
        Current figures and the log.
    log : list of str
        What happened and what the trainer changed, by week.
    widget : ipywidgets.VBox
        The whole dashboard; the dashboard object displays as this widget.

    Examples
    --------
    >>> board = Dashboard("neue_unterkunft", seed=1, width=20, height=20)
    >>> board.buttons["step"].click()
    >>> board.model.steps
    1
    >>> board.parameter_widgets["conflict_managers"].value = 5
    >>> board.model.conflict_managers, board.log[-1]
    (5, 'Woche 1: Konfliktmanager:innen = 5')
    >>> board.buttons["shock"].click()
    >>> board.model.shocks
    [1]
    >>> Dashboard("unbekannt")
    Traceback (most recent call last):
    ...
    ValueError: Unbekanntes Szenario 'unbekannt'. Verfügbar: ruhiges_quartier, neue_unterkunft, \
geruechtewelle, extremereignis, praeventionsplan, ausgebautes_kms
    """

    def __init__(self, scenario: str = "neue_unterkunft", seed: int = 0, *,
                 layer: str = "spannung", speed: int = 5, presenter: bool = False,
                 **overrides: Any) -> None:
        values = scenario_values(scenario, **overrides)
        checked_layer(layer)
        self.log: list[str] = []
        self._quiet = False
        self._task: asyncio.Task[None] | None = None
        self._playing = False
        self._build_widgets(scenario, seed, values, layer, speed, presenter)
        self.model = self._new_model()
        self.picture = LiveFigure(self.model, layer=layer, presenter=presenter)
        self._note(f"Start: {scenario_title(scenario)}, Startwert {seed}")
        self._style(presenter)
        self._buttons_for_play()
        self.render()

    # --- widgets --------------------------------------------------------------------------------
    def _build_widgets(self, scenario: str, seed: int, values: dict[str, Any], layer: str,
                       speed: int, presenter: bool) -> None:
        self.scenario_menu = w.Dropdown(
            options=[(entry.title, name) for name, entry in SCENARIOS.items()], value=scenario,
            description="Szenario", layout=w.Layout(width="340px"))
        self.seed_box = w.BoundedIntText(value=seed, min=0, max=2**31 - 1,
                                         description="Startwert",
                                         tooltip="Gleicher Startwert, gleiche Einstellungen: "
                                                 "gleicher Verlauf.",
                                         layout=w.Layout(width="180px"))
        self.header = w.HTML()
        self.buttons = {
            "play": w.Button(description="Abspielen", icon="play", button_style="success"),
            "pause": w.Button(description="Anhalten", icon="pause"),
            "step": w.Button(description="Eine Woche", icon="step-forward"),
            "reset": w.Button(description="Zurücksetzen", icon="undo", button_style="warning",
                              tooltip="Neuer Lauf mit Szenario, Startwert und allen Reglern"),
            "shock": w.Button(description="Extremereignis auslösen", icon="bolt",
                              button_style="danger",
                              tooltip="Jetzt ein Extremereignis (Stärke und Reichweite: Regler "
                                      "in der Gruppe Extremereignis)",
                              layout=w.Layout(width="auto")),
        }
        for key, button in self.buttons.items():
            button.add_class(f"kokosim-{key}")
        self.buttons["play"].on_click(lambda _: self.play())
        self.buttons["pause"].on_click(lambda _: self.pause())
        self.buttons["step"].on_click(lambda _: self._guarded(self.step))
        self.buttons["reset"].on_click(lambda _: self._guarded(self.reset))
        self.buttons["shock"].on_click(lambda _: self._guarded(self.shock))
        self.speed = w.IntSlider(value=speed, min=1, max=20, description="Wochen/s",
                                 continuous_update=False, layout=w.Layout(width="260px"))
        self.speed.add_class("kokosim-speed")
        self.layer_menu = w.Dropdown(options=[(title, key) for key, title in LAYERS.items()],
                                     value=layer, description="Karte",
                                     layout=w.Layout(width="420px"))
        self.presenter_toggle = w.ToggleButton(value=presenter, description="Präsentationsmodus",
                                               icon="desktop", layout=w.Layout(width="auto"))
        self.panel, self.parameter_widgets = parameter_panel(values)
        self.image = w.Image(format="png", layout=w.Layout(width="100%", height="auto",
                                                          object_fit="contain"))
        self.image.add_class("kokosim-picture")
        self.readout = w.HTML()
        self.messages = w.Output()
        self.readout_box = w.Box([self.readout], layout=w.Layout(width="38%"))
        self.widget = w.VBox([
            self.header,
            w.HBox([self.scenario_menu, self.seed_box, self.buttons["reset"],
                    self.presenter_toggle], layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.buttons["play"], self.buttons["pause"], self.buttons["step"],
                    self.speed, self.buttons["shock"]], layout=w.Layout(flex_flow="row wrap")),
            self.image,
            w.HBox([self.readout_box, w.VBox([self.layer_menu, self.panel],
                                             layout=w.Layout(width="62%"))]),
            self.messages,
        ])
        self.widget.add_class("kokosim-dashboard")
        for name, widget in self.parameter_widgets.items():
            widget.observe(lambda change, name=name: self._guarded(
                lambda: self._parameter_changed(name, change["new"])), names="value")
        self.scenario_menu.observe(lambda change: self._guarded(self._scenario_changed),
                                   names="value")
        self.layer_menu.observe(lambda change: self._guarded(self._layer_changed), names="value")
        self.presenter_toggle.observe(lambda change: self._guarded(self._presenter_changed),
                                      names="value")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _guarded(self, action: Any) -> None:
        """Run a widget callback; in a notebook its errors appear below the dashboard."""
        with self.messages:
            action()

    def _style(self, presenter: bool) -> None:
        for button in self.buttons.values():
            button.style.font_size = _BUTTON_FONT[presenter]
        scenario = get_scenario(self.scenario_menu.value)
        size = _FONT[presenter]
        self.header.value = (f"<div style='font-size:{size}'><b>{html.escape(scenario.title)}"
                             f"</b>: {html.escape(scenario.description)}</div>")

    # --- actions --------------------------------------------------------------------------------
    @property
    def values(self) -> dict[str, Any]:
        """The value of every parameter as the widgets show it."""
        return {name: widget.value for name, widget in self.parameter_widgets.items()}

    @property
    def playing(self) -> bool:
        """``True`` while the model runs by itself."""
        return self._playing

    def _new_model(self) -> Neighbourhood:
        return Neighbourhood(self.scenario_menu.value, seed=self.seed_box.value, **self.values)

    def _note(self, text: str) -> None:
        self.log.append(f"Woche {self.model.steps}: {text}")

    def render(self) -> None:
        """Redraw the picture and the readout."""
        self.image.value = self.picture.render()
        self.readout.value = readout_html(self.model, self.log, _FONT[self.picture.presenter])

    def step(self, weeks: int = 1) -> None:
        """Advance the model by ``weeks`` weeks, then redraw."""
        for _ in range(weeks):
            self.model.step()
        self.render()

    def reset(self) -> None:
        """Stop and start a new run from the scenario, the seed and all sliders."""
        self.pause()
        self.model = self._new_model()
        self.picture.attach(self.model)
        self.log.clear()
        self._note(f"neu gestartet: {scenario_title(self.scenario_menu.value)}, "
                   f"Startwert {self.seed_box.value}")
        self.render()

    def shock(self) -> None:
        """An extreme event now (strength and reach from the sliders), then redraw."""
        self.model.trigger_shock()
        self._note(f"Extremereignis ausgelöst (Stärke {german_number(self.model.shock_size)})")
        self.render()

    def play(self) -> None:
        """Run week after week on the kernel's event loop until :meth:`pause`.

        Raises
        ------
        RuntimeError
            Outside a running event loop (in a notebook there always is one).
        """
        if self._playing:
            return
        loop = asyncio.get_running_loop()
        self._playing = True
        self._task = loop.create_task(self._run())
        self._buttons_for_play()

    def pause(self) -> None:
        """Stop playing after the current week."""
        self._playing = False
        self._buttons_for_play()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._playing and self.model.running:
                started = loop.time()
                try:
                    self.step()
                except Exception:
                    self._playing = False
                    with self.messages:
                        raise
                await asyncio.sleep(max(MIN_PAUSE, 1 / self.speed.value - (loop.time() - started)))
        finally:
            self._playing = False
            self._task = None
            self._buttons_for_play()

    def _buttons_for_play(self) -> None:
        self.buttons["play"].disabled = self._playing
        self.buttons["pause"].disabled = not self._playing
        self.buttons["step"].disabled = self._playing

    # --- reactions to widgets -------------------------------------------------------------------
    def _parameter_changed(self, name: str, value: Any) -> None:
        if self._quiet:
            return
        record = PARAMETERS[name]
        shown = CHOICE_LABELS.get(value, value) if record.type == "choice" else (
            ("ja" if value else "nein") if record.type == "bool" else german_number(value))
        if record.live:
            self.model.set_parameter(name, value)
            self._note(f"{record.label} = {shown}")
        else:
            self._note(f"{record.label} = {shown} (wirkt nach »Zurücksetzen«)")
        self.render()

    def _scenario_changed(self) -> None:
        """Load the scenario's values into every widget and start a new run."""
        self._quiet = True
        try:
            for name, value in scenario_values(self.scenario_menu.value).items():
                self.parameter_widgets[name].value = value
        finally:
            self._quiet = False
        self._style(self.picture.presenter)
        self.reset()

    def _layer_changed(self) -> None:
        self.picture.layer = self.layer_menu.value
        self.render()

    def _presenter_changed(self) -> None:
        self.picture.presenter = self.presenter_toggle.value
        self._style(self.presenter_toggle.value)
        self.render()

"""Widgets built from the parameter registry, and the German text readout of a model.

Every slider, checkbox and menu for a model parameter comes from its record in
:data:`kokosim.neighbourhood.PARAMETERS` (label, help text, unit, range, step); no
parameter is listed by hand here.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as w

from kokosim.escalation import LADDER
from kokosim.neighbourhood.model import SUMMARY_LABELS, Neighbourhood
from kokosim.neighbourhood.parameters import GROUPS, PARAMETERS, Parameter
from kokosim.style import german_number

__all__ = ["parameter_widget", "parameter_panel", "readout_html",
           "READOUT", "CHOICE_LABELS", "LATER"]

#: German labels of choice values (intervention rule and the ladder's interventions).
CHOICE_LABELS: dict[str, str] = {
    "ladder": "stufengerecht (Interventionsleiter)",
    "uniform": "immer die Standardintervention",
    **{rung.key: rung.name for rung in LADDER},
}

#: Mark of parameters that only act after a reset (they shape the Stadtteil when it is built).
LATER = " *"
_LATER_NOTE = "* wirkt erst nach »Zurücksetzen« (legt den Aufbau des Stadtteils fest)"

#: Figures of the text readout, in order (keys of :meth:`Neighbourhood.summary`).
READOUT: tuple[str, ...] = (
    "week", "n_residents", "n_disputes", "mean_stage", "max_stage", "incidents",
    "incidents_total", "detected_share", "detection_delay", "open_cases", "waiting_cases",
    "interventions_started_total", "interventions_succeeded_total", "mean_threat", "trust",
    "polarisation", "rumour_share",
)


def _decimals(step: float) -> int:
    """Decimals needed to show multiples of ``step``.

    Examples
    --------
    >>> _decimals(0.05), _decimals(0.0005), _decimals(1)
    (2, 4, 0)
    """
    return max(0, -math.floor(math.log10(step) + 1e-9))


def parameter_widget(record: Parameter, value: Any, width: str = "220px") -> w.ValueWidget:
    """The input widget of one parameter, labelled and explained from its registry record.

    Numbers get sliders that report only when released (``continuous_update=False``),
    booleans a checkbox, choices a menu. Parameters that cannot change during a run are marked
    with :data:`LATER`. Every widget carries the CSS class ``kokosim-param-<name>``.

    Parameters
    ----------
    record : Parameter
        The parameter's registry record.
    value : int, float, bool or str
        Start value (checked against the record).
    width : str, default "220px"
        Width of the label.

    Examples
    --------
    >>> slider = parameter_widget(PARAMETERS["conflict_managers"], 3)
    >>> type(slider).__name__, slider.description, slider.value
    ('IntSlider', 'Konfliktmanager:innen', 3)
    >>> slider.max == PARAMETERS["conflict_managers"].max, slider.continuous_update
    (True, False)
    >>> parameter_widget(PARAMETERS["width"], 50).description
    'Breite *'
    >>> parameter_widget(PARAMETERS["intervention_rule"], "ladder").options[0]
    ('stufengerecht (Interventionsleiter)', 'ladder')
    >>> parameter_widget(PARAMETERS["density"], 2.0)
    Traceback (most recent call last):
    ...
    ValueError: density=2.0 is out of range: expected 0.05 <= density <= 1
    """
    value = record.validate(value)
    label = record.label + ("" if record.live else LATER)
    unit = "" if record.unit == "–" else f" Einheit: {record.unit}."
    common: dict[str, Any] = dict(description=label, tooltip=f"{record.help}{unit}",
                                  style={"description_width": width},
                                  layout=w.Layout(width="98%"))
    if record.type == "bool":
        widget: w.ValueWidget = w.Checkbox(value=value, indent=False, **common)
    elif record.type == "choice":
        options = [(CHOICE_LABELS.get(choice, choice), choice) for choice in record.choices]
        widget = w.Dropdown(options=options, value=value, **common)
    elif record.type == "int":
        widget = w.IntSlider(value=value, min=int(record.min), max=int(record.max),
                             step=int(record.step), continuous_update=False, **common)
    else:
        widget = w.FloatSlider(value=value, min=record.min, max=record.max, step=record.step,
                               readout_format=f".{_decimals(record.step)}f",
                               continuous_update=False, **common)
    widget.add_class(f"kokosim-param-{record.name}")
    return widget


def parameter_panel(values: dict[str, Any]) -> tuple[w.Accordion, dict[str, w.ValueWidget]]:
    """All parameters as widgets, one accordion section per group; the KMS group is open.

    Parameters
    ----------
    values : dict
        Start value of every parameter in the registry.

    Returns
    -------
    accordion : ipywidgets.Accordion
    widgets : dict
        Parameter name -> widget.

    Examples
    --------
    >>> from kokosim.neighbourhood.parameters import defaults
    >>> panel, widgets = parameter_panel(defaults())
    >>> panel.titles[panel.selected_index], len(widgets) == len(PARAMETERS)
    ('Konfliktmanagement', True)
    """
    widgets = {name: parameter_widget(record, values[name])
               for name, record in PARAMETERS.items()}
    sections = []
    for group in GROUPS:
        members = [name for name, record in PARAMETERS.items() if record.group == group]
        children: list[w.Widget] = [widgets[name] for name in members]
        if not all(PARAMETERS[name].live for name in members):
            children.append(w.HTML(f"<small><i>{_LATER_NOTE}</i></small>"))
        sections.append(w.VBox(children))
    panel = w.Accordion(children=sections, titles=GROUPS,
                        selected_index=GROUPS.index("Konfliktmanagement"))
    return panel, widgets


def readout_html(model: Neighbourhood, log: list[str], font_size: str = "100%") -> str:
    """The current figures of the model and the latest events as an HTML table (German).

    Parameters
    ----------
    model : Neighbourhood
    log : list of str
        Events and changes, newest last; the last six are shown, newest first.
    font_size : str, default "100%"
        CSS font size (larger in presenter mode).

    Examples
    --------
    >>> model = Neighbourhood(width=10, height=10, seed=1)
    >>> text = readout_html(model, ["Woche 0: Start"])
    >>> "<td>Woche</td><td><b>0</b></td>" in text, "Woche 0: Start" in text
    (True, True)
    """
    summary = model.summary()
    rows = [(SUMMARY_LABELS[key], german_number(summary[key], percent=key.endswith("_share")))
            for key in READOUT]
    shocks = ", ".join(str(week) for week in model.shocks) or "keine"
    rows.append(("Extremereignisse in Woche", shocks))
    table = "".join(f"<tr><td>{html.escape(label)}</td><td><b>{html.escape(text)}</b></td></tr>"
                    for label, text in rows)
    events = "".join(f"<li>{html.escape(entry)}</li>" for entry in reversed(log[-6:]))
    return (f"<div class='kokosim-readout' style='font-size:{font_size};line-height:1.3'>"
            f"<table>{table}</table><b>Protokoll</b><ul style='margin-top:0'>{events}</ul>"
            f"</div>")

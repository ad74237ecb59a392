"""The parameter registry of the neighbourhood model: one record per parameter.

Everything the dashboard, the CLI, the scenarios and the ODD protocol say about a parameter comes
from :data:`PARAMETERS`: German label and help text for widgets, unit, default, range, step and
group. :func:`validate` checks a value against its record; :func:`parameter_table` writes the
Markdown table of the ODD protocol, and a test keeps that table identical to the registry.

One time step is one week.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kokosim._atomic import atomic_write
from kokosim._validate import check_integer, check_number
from kokosim.escalation import LADDER

__all__ = [
    "Parameter",
    "PARAMETERS",
    "GROUPS",
    "defaults",
    "validate",
    "validate_all",
    "parameter_table",
    "TABLE_START",
    "TABLE_END",
    "write_parameter_table",
]

#: Markers around the generated parameter table in the ODD protocol.
TABLE_START = ("<!-- Parametertabelle: erzeugt von write_parameter_table(), "
               "nicht von Hand ändern -->")
TABLE_END = "<!-- Ende der Parametertabelle -->"

#: Parameter groups, in the order widgets and the ODD show them.
GROUPS: tuple[str, ...] = ("Stadtteil", "Konflikte", "Gerüchte", "Extremereignis",
                           "Konfliktmanagement")


@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    Attributes
    ----------
    name : str
        Keyword of :class:`~kokosim.neighbourhood.Neighbourhood`.
    label : str
        Short German label for widgets.
    unit : str
        German unit (``"–"`` for dimensionless numbers).
    default : int, float, bool or str
        Value used when neither the scenario nor the caller sets one.
    min, max : float or None
        Allowed range (inclusive); ``None`` for booleans and choices.
    step : float or None
        Slider step; ``None`` for booleans and choices.
    type : str
        ``"int"``, ``"float"``, ``"bool"`` or ``"choice"``.
    help : str
        German explanation for tooltips and the ODD protocol.
    group : str
        One of :data:`GROUPS`.
    choices : tuple of str, optional
        Allowed values of a ``"choice"`` parameter.
    live : bool
        ``True`` if the parameter may change during a run (:meth:`Neighbourhood.set_parameter`).
    """

    name: str
    label: str
    unit: str
    default: Any
    min: float | None
    max: float | None
    step: float | None
    type: str
    help: str
    group: str
    choices: tuple[str, ...] | None = None
    live: bool = False

    def validate(self, value: object) -> Any:
        """Return ``value`` (as int/float/bool/str) if allowed, else raise ``ValueError``.

        Examples
        --------
        >>> PARAMETERS["density"].validate(0.5)
        0.5
        >>> PARAMETERS["density"].validate(1.5)
        Traceback (most recent call last):
        ...
        ValueError: density=1.5 is out of range: expected 0.05 <= density <= 1
        >>> PARAMETERS["intervention_rule"].validate("zufall")
        Traceback (most recent call last):
        ...
        ValueError: intervention_rule='zufall' is not allowed: choose one of 'ladder', 'uniform'
        """
        if self.type == "int":
            return check_integer(self.name, value, int(self.min), int(self.max))
        if self.type == "float":
            return check_number(self.name, value, self.min, self.max)
        if self.type == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{self.name}={value!r} is not a boolean: expected True or False")
            return value
        if value not in self.choices:
            allowed = ", ".join(repr(choice) for choice in self.choices)
            raise ValueError(f"{self.name}={value!r} is not allowed: choose one of {allowed}")
        return value

    @property
    def range_text(self) -> str:
        """The allowed values as text for the ODD table.

        Examples
        --------
        >>> PARAMETERS["reporting_delay"].range_text
        '0 – 52'
        >>> PARAMETERS["prevention_plan"].range_text
        'ja / nein'
        """
        if self.type == "bool":
            return "ja / nein"
        if self.type == "choice":
            return ", ".join(f"`{choice}`" for choice in self.choices)
        return f"{self.min:g} – {self.max:g}"


def _p(name: str, label: str, unit: str, default: Any, low: float | None, high: float | None,
       step: float | None, help_: str, group: str, *, choices: tuple[str, ...] | None = None,
       live: bool = False) -> Parameter:
    if choices is not None:
        kind = "choice"
    elif isinstance(default, bool):
        kind = "bool"
    elif isinstance(default, int):
        kind = "int"
    else:
        kind = "float"
    return Parameter(name, label, unit, default, low, high, step, kind, help_, group, choices, live)


_RECORDS = (
    # --- Stadtteil ------------------------------------------------------------------------------
    _p("width", "Breite", "Zellen", 50, 5, 1000, 1,
       "Breite des Stadtteil-Rasters; jede Zelle ist eine Wohnung.", "Stadtteil"),
    _p("height", "Höhe", "Zellen", 50, 5, 1000, 1,
       "Höhe des Stadtteil-Rasters.", "Stadtteil"),
    _p("density", "Belegung", "Anteil", 0.8, 0.05, 1.0, 0.05,
       "Anteil der bewohnten Zellen; Bewohnerzahl = Breite × Höhe × Belegung.", "Stadtteil"),
    _p("newcomer_share", "Anteil Neuzugezogene", "Anteil", 0.15, 0.0, 0.9, 0.05,
       "Anteil der neu zugezogenen Menschen (z. B. Geflüchtete) an der Bewohnerschaft.",
       "Stadtteil"),
    _p("newcomers_clustered", "In Gemeinschaftsunterkunft", "Anteil", 0.0, 0.0, 1.0, 0.05,
       "Anteil der Neuzugezogenen, die dicht beieinander in einer Gemeinschaftsunterkunft wohnen "
       "(die übrigen wohnen verstreut).", "Stadtteil"),
    _p("attitude_mean", "Haltung zur anderen Gruppe", "0–1", 0.65, 0.0, 1.0, 0.05,
       "Mittlere Haltung gegenüber der jeweils anderen Gruppe zu Beginn (0 = ablehnend, "
       "1 = offen).", "Stadtteil"),
    _p("attitude_spread", "Streuung der Haltung", "0–1", 0.3, 0.0, 0.5, 0.05,
       "Haltungen sind zu Beginn gleichverteilt im Bereich Mittelwert ± Streuung.", "Stadtteil"),
    _p("threat_mean", "Grundgefühl Bedrohung", "0–1", 0.15, 0.0, 1.0, 0.05,
       "Wahrgenommene Bedrohung im Ruhezustand (Epsteins 'hardship'); dahin kehrt sie zurück.",
       "Stadtteil"),
    _p("trust_mean", "Vertrauen in die Stadt", "0–1", 0.6, 0.0, 1.0, 0.05,
       "Vertrauen in die Stadtverwaltung zu Beginn (Epsteins Legitimität L).", "Stadtteil"),
    _p("confidence_bound", "Offenheit für andere Meinungen", "0–1", 0.15, 0.01, 1.0, 0.01,
       "Begegnungen verändern Haltungen nur, wenn sie sich um weniger als diesen Wert "
       "unterscheiden (Deffuant: d).", "Stadtteil"),
    _p("convergence", "Annäherung je Begegnung", "0–0,5", 0.2, 0.0, 0.5, 0.05,
       "Anteil des Haltungsunterschieds, um den sich zwei Menschen bei einer Begegnung "
       "annähern (Deffuant: μ).", "Stadtteil"),
    _p("contact_effect", "Wirkung positiver Kontakte", "0–1", 0.02, 0.0, 0.2, 0.005,
       "Um diesen Anteil des Abstands zu 1 wird die Haltung nach einer positiven Begegnung mit "
       "der anderen Gruppe offener (Kontakthypothese, Allport).", "Stadtteil", live=True),
    _p("mobilisation_threshold", "Mobilisierungsschwelle", "Kontakte", 3.0, 0.0, 10.0, 0.5,
       "Mittlere Zahl beteiligter Kontakte, ab der sich jemand einem Konfliktlager anschließt "
       "(Granovetter; Poisson-verteilt).", "Stadtteil"),
    _p("online_degree", "Online-Kontakte", "Kontakte je Person", 4, 0, 40, 2,
       "Mittlere Zahl der Kontakte im Online-Netzwerk (Barabási-Albert, mit Knotenpunkten).",
       "Stadtteil"),
    # --- Konflikte ------------------------------------------------------------------------------
    _p("dispute_rate", "Streitanlässe", "je Person und Woche", 0.01, 0.0, 0.1, 0.001,
       "Wahrscheinlichkeit, dass jemand bei voller Spannung einen Streit mit einer Nachbarin "
       "oder einem Nachbarn beginnt (Lärm, öffentlicher Raum, Ressourcen); 0 = keine Anlässe.",
       "Konflikte", live=True),
    _p("escalation_rate", "Eskalationsneigung", "je Woche", 0.15, 0.0, 1.0, 0.01,
       "Grundwahrscheinlichkeit, dass ein Streit eine Glasl-Stufe höher steigt.",
       "Konflikte", live=True),
    _p("deescalation_rate", "Selbstberuhigung", "je Woche", 0.15, 0.0, 1.0, 0.01,
       "Grundwahrscheinlichkeit, dass ein Streit ohne Hilfe eine Stufe sinkt (von Stufe 1 aus "
       "endet er).", "Konflikte", live=True),
    _p("incident_rate", "Vorfälle ab Stufe 7", "je Streit und Woche", 0.3, 0.0, 2.0, 0.05,
       "Mittlere Zahl der Vorfälle (Angriffe, Sachbeschädigungen) je Woche eines Streits auf "
       "Stufe 7, auf Stufe 8 und 9 entsprechend mehr.", "Konflikte", live=True),
    _p("hostility_rate", "Übergriffe aus Feindseligkeit", "je Person und Woche", 0.02, 0.0,
       0.2, 0.005, "Wahrscheinlichkeit je Woche, dass eine Person mit feindseligem Bild der "
       "anderen Gruppe bei voller Spannung jemanden aus ihr in der Nachbarschaft angreift – "
       "ohne vorherigen Nachbarschaftsstreit (wächst mit dem Quadrat der Spannung, höher bei "
       "Menschen, die gerade ein Gerücht weitergeben).", "Konflikte", live=True),
    _p("police_response", "Eingreifen von Polizei und Justiz", "je Woche", 0.3, 0.0, 1.0, 0.05,
       "Wahrscheinlichkeit je Woche, dass Polizei und Justiz die Gewalt eines Streits ab Stufe 7 "
       "stoppen (Strafverfahren); der Streit fällt auf Stufe 6 zurück. Gewalt ist kein Fall für "
       "die Interventionsleiter.", "Konflikte", live=True),
    # --- Gerüchte -------------------------------------------------------------------------------
    _p("rumour_rate", "Neue Gerüchte", "je Person und Woche", 0.0005, 0.0, 0.01, 0.0005,
       "Wahrscheinlichkeit, dass jemand ein Gerücht über die andere Gruppe in Umlauf bringt.",
       "Gerüchte", live=True),
    _p("rumour_spread", "Weitergabe in der Nachbarschaft", "je Kontakt und Woche", 0.1, 0.0,
       1.0, 0.01, "Wahrscheinlichkeit, dass ein Gerücht an eine Nachbarin oder einen Nachbarn "
       "weitergegeben wird.", "Gerüchte", live=True),
    _p("online_spread", "Weitergabe online", "je Kontakt und Woche", 0.2, 0.0, 1.0, 0.01,
       "Wahrscheinlichkeit, dass ein Gerücht an einen Online-Kontakt weitergegeben wird.",
       "Gerüchte", live=True),
    _p("rumour_impact", "Wirkung eines Gerüchts", "0–1", 0.08, 0.0, 0.5, 0.01,
       "Um so viel steigt die Bedrohung (und sinkt die Haltung), wenn jemand ein Gerücht hört – "
       "gedämpft durch Vertrauen in die Kommunikation der Stadt.", "Gerüchte", live=True),
    _p("communication", "Vertrauenswürdige Kommunikation", "0–1", 0.3, 0.0, 1.0, 0.05,
       "Stärke der Information durch die Stadt: dämpft die Wirkung von Gerüchten bei allen, "
       "die der Stadt vertrauen, und lässt Gerüchte schneller verstummen.", "Gerüchte",
       live=True),
    # --- Extremereignis -------------------------------------------------------------------------
    _p("shock_step", "Extremereignis in Woche", "Woche", 0, 0, 10000, 1,
       "Woche, in der ein Extremereignis eintritt (z. B. eine Gewalttat, die bundesweit "
       "Schlagzeilen macht); 0 = keines.", "Extremereignis"),
    _p("shock_size", "Stärke des Ereignisses", "0–1", 0.5, 0.0, 1.0, 0.05,
       "Anteil des Abstands zu 1, um den die Bedrohung der Betroffenen springt.",
       "Extremereignis", live=True),
    _p("shock_radius", "Reichweite des Ereignisses", "Zellen", 0, 0, 1000, 1,
       "Radius um den Ereignisort; 0 = die ganze Stadt ist betroffen.", "Extremereignis",
       live=True),
    # --- Konfliktmanagement ---------------------------------------------------------------------
    _p("conflict_managers", "Konfliktmanager:innen", "Personen", 2, 0, 200, 1,
       "Zahl der Konfliktmanager:innen der Kommune; ohne sie wird kein Fall bearbeitet.",
       "Konfliktmanagement", live=True),
    _p("case_capacity", "Fälle je Konfliktmanager:in", "Fälle", 4, 1, 50, 1,
       "Wie viele Fälle eine Konfliktmanager:in gleichzeitig bearbeiten kann.",
       "Konfliktmanagement", live=True),
    _p("mediators", "Mediator:innen-Pool", "Personen", 4, 0, 400, 1,
       "Externe Fachleute für Prozessbegleitung, sozio-therapeutische Begleitung und Mediation; "
       "jede:r begleitet einen Fall.", "Konfliktmanagement", live=True),
    _p("early_warning_coverage", "Früherkennung (Anlaufstellen)", "je Woche", 0.25, 0.0, 1.0,
       0.05, "Wahrscheinlichkeit je Woche, dass ein Streit ab der Erkennungsschwelle an einer "
       "Anlaufstelle gemeldet wird (Dichte des Netzes von Anlaufstellen).",
       "Konfliktmanagement", live=True),
    _p("reporting_delay", "Meldeverzug", "Wochen", 2, 0, 52, 1,
       "Wochen zwischen Meldung und Eingang beim Konfliktmanagement.", "Konfliktmanagement",
       live=True),
    _p("detection_threshold", "Erkennungsschwelle", "Glasl-Stufe", 3, 1, 9, 1,
       "Ab dieser Eskalationsstufe fällt ein Streit an den Anlaufstellen auf (ab Stufe 7 wird "
       "jeder Streit durch seine Vorfälle bekannt).", "Konfliktmanagement", live=True),
    _p("intervention_rule", "Wahl der Intervention", "–", "ladder", None, None, None,
       "'ladder': stufengerecht nach der Interventionsleiter (Glasl); 'uniform': immer die "
       "Standardintervention, gleich auf welcher Stufe.", "Konfliktmanagement",
       choices=("ladder", "uniform"), live=True),
    _p("standard_intervention", "Standardintervention", "–", "moderation", None, None, None,
       "Die Intervention, die bei der Regel 'uniform' für jeden Fall gewählt wird.",
       "Konfliktmanagement", choices=tuple(rung.key for rung in LADDER), live=True),
    _p("intervention_effect", "Wirksamkeit vereinbarter Verfahren", "je Woche", 0.2, 0.0,
       1.0, 0.05, "Wahrscheinlichkeit je Woche, dass ein Verfahren, dem die Parteien zugestimmt "
       "haben und das den Streit ganz erfasst, ihn beilegt; weniger, wenn es für die Stufe zu "
       "schwach ist oder nur die beiden Parteien, nicht die Lager erreicht.",
       "Konfliktmanagement", live=True),
    _p("mediator_cost", "Honorar Mediator:innen", "Euro je Fall und Woche", 400.0, 0.0,
       5000.0, 50.0, "Annahme für die Kostenrechnung: Honorar einer externen Fachkraft je "
       "begleitetem Fall und Woche. Bitte durch die örtlichen Sätze ersetzen.",
       "Konfliktmanagement", live=True),
    _p("contact_programme", "Dialog- und Begegnungsangebote", "Anteil je Woche", 0.0, 0.0, 0.2,
       0.01, "Anteil der Bewohnerschaft, der je Woche an einer organisierten Begegnung mit der "
       "anderen Gruppe teilnimmt (wirkt wie ein positiver Kontakt).", "Konfliktmanagement",
       live=True),
    _p("prevention_plan", "Präventionsplan Integration", "–", False, None, None, None,
       "Ein vorbereitetes Krisennetzwerk: nach einem Extremereignis informiert die Stadt sofort "
       "vertrauenswürdig, Anlaufstellen melden dichter und die Lage beruhigt sich schneller.",
       "Konfliktmanagement", live=True),
)

#: The registry: parameter name -> :class:`Parameter`, in display order.
PARAMETERS: dict[str, Parameter] = {record.name: record for record in _RECORDS}


def defaults() -> dict[str, Any]:
    """Default value of every parameter.

    Examples
    --------
    >>> defaults()["conflict_managers"]
    2
    """
    return {name: record.default for name, record in PARAMETERS.items()}


def validate(name: str, value: object) -> Any:
    """Validate one parameter by name; unknown names raise ``ValueError`` listing the valid ones.

    Examples
    --------
    >>> validate("reporting_delay", 4)
    4
    >>> validate("managers", 4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown parameter 'managers'; valid parameters: width, height, ...
    """
    if name not in PARAMETERS:
        raise ValueError(f"unknown parameter {name!r}; valid parameters: {', '.join(PARAMETERS)}")
    return PARAMETERS[name].validate(value)


def validate_all(values: Mapping[str, object]) -> dict[str, Any]:
    """Validate a mapping of parameter values; return the checked values.

    Examples
    --------
    >>> validate_all({"width": 20, "prevention_plan": True})
    {'width': 20, 'prevention_plan': True}
    """
    return {name: validate(name, value) for name, value in values.items()}


def parameter_table() -> str:
    """The Markdown parameter table of the ODD protocol, generated from the registry.

    Examples
    --------
    >>> print(parameter_table().splitlines()[0])
    | Gruppe | Parameter | Bezeichnung | Einheit | Standard | Bereich | live | Bedeutung |
    """
    lines = ["| Gruppe | Parameter | Bezeichnung | Einheit | Standard | Bereich | live "
             "| Bedeutung |", "|---|---|---|---|---|---|---|---|"]
    for group in GROUPS:
        for record in PARAMETERS.values():
            if record.group != group:
                continue
            default = (("ja" if record.default else "nein") if record.type == "bool"
                       else f"`{record.default}`" if record.type == "choice"
                       else f"{record.default:g}")
            lines.append(f"| {group} | `{record.name}` | {record.label} | {record.unit} | "
                         f"{default} | {record.range_text} | {'ja' if record.live else 'nein'} | "
                         f"{record.help} |")
    return "\n".join(lines)


def write_parameter_table(path: str | os.PathLike[str]) -> None:
    """Replace the parameter table between :data:`TABLE_START` and :data:`TABLE_END` in a
    Markdown file (the ODD protocol) by :func:`parameter_table`; the write is atomic.

    Raises
    ------
    ValueError
        If the file does not contain both markers, in this order.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> odd = pathlib.Path(tempfile.mkdtemp()) / "odd.md"
    >>> _ = odd.write_text(f"# ODD\\n{TABLE_START}\\nalt\\n{TABLE_END}\\n", encoding="utf-8")
    >>> write_parameter_table(odd)
    >>> "| `width` |" in odd.read_text(encoding="utf-8")
    True
    """
    target = Path(path)
    text = target.read_text(encoding="utf-8")
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"{target}: markers {TABLE_START!r} and {TABLE_END!r} not found in order")
    updated = (text[:start + len(TABLE_START)] + "\n" + parameter_table() + "\n"
               + text[end:])
    atomic_write(target, updated)

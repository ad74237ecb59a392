"""Named scenarios (presets) of the neighbourhood model, with German names and descriptions.

A scenario is a set of parameter values that replaces the defaults of
:data:`~kokosim.neighbourhood.parameters.PARAMETERS`; keyword arguments replace the scenario's
values in turn. :func:`scenario_values` does this merge for every user (the model, runs, the
command line, the dashboard and the SolaraViz page), and :func:`get_scenario` is the one place
that checks a scenario's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kokosim.neighbourhood.parameters import defaults, validate_all

__all__ = ["Scenario", "SCENARIOS", "get_scenario", "scenario_values", "scenario_title"]


@dataclass(frozen=True)
class Scenario:
    """A named preset.

    Attributes
    ----------
    name : str
        Identifier (``"neue_unterkunft"``).
    title : str
        German title for menus and plot legends.
    description : str
        German description for trainers (two or three sentences).
    overrides : dict
        Parameter values that differ from the defaults.
    """

    name: str
    title: str
    description: str
    overrides: dict[str, Any] = field(default_factory=dict)


_NEW_SHELTER = {
    "newcomer_share": 0.2,
    "newcomers_clustered": 0.8,
    "attitude_mean": 0.5,
    "threat_mean": 0.25,
    "trust_mean": 0.5,
    "dispute_rate": 0.01,
}
_EVENT = {**_NEW_SHELTER, "shock_step": 30, "shock_size": 0.6}

_ALL = (
    Scenario(
        "ruhiges_quartier", "Ruhiges Quartier",
        "Ein gewachsener Stadtteil mit wenigen Neuzugezogenen, die verstreut wohnen. Es gibt "
        "Alltagsstreit um Lärm und Parkplätze, aber viel Vertrauen in die Stadt; die meisten "
        "Konflikte legen sich von selbst.",
        {"newcomer_share": 0.1, "attitude_mean": 0.7, "threat_mean": 0.1, "trust_mean": 0.7,
         "dispute_rate": 0.005, "rumour_rate": 0.0002}),
    Scenario(
        "neue_unterkunft", "Neue Gemeinschaftsunterkunft",
        "In einem Block des Stadtteils ist eine Gemeinschaftsunterkunft eröffnet worden. Am Rand "
        "der Unterkunft treffen Alteingesessene und Neuzugezogene aufeinander; die Haltungen sind "
        "gemischt, das Vertrauen in die Stadt ist mittelmäßig. Ohne Konfliktmanagement eskalieren "
        "einzelne Nachbarschaftsstreite bis zu Vorfällen.",
        dict(_NEW_SHELTER)),
    Scenario(
        "geruechtewelle", "Gerüchtewelle",
        "Wie bei der neuen Unterkunft, dazu kursieren online viele Gerüchte über die "
        "Neuzugezogenen und verbreiten sich über ein dichtes Online-Netz schnell. Die Bedrohung "
        "steigt, obwohl nichts geschehen ist; vertrauenswürdige Kommunikation der Stadt dämpft.",
        {**_NEW_SHELTER, "rumour_rate": 0.003, "online_degree": 8, "online_spread": 0.35,
         "rumour_impact": 0.12}),
    Scenario(
        "extremereignis", "Extremereignis",
        "Wie bei der neuen Unterkunft; in Woche 30 geschieht ein Extremereignis (etwa eine "
        "Gewalttat, über die bundesweit berichtet wird). Die Bedrohung springt in der ganzen "
        "Stadt, Gerüchte entstehen, das Vertrauen sinkt. Es gibt keinen Präventionsplan.",
        dict(_EVENT)),
    Scenario(
        "praeventionsplan", "Extremereignis mit Präventionsplan",
        "Dasselbe Extremereignis, aber die Kommune hat einen Präventionsplan Integration: ein "
        "Krisennetzwerk informiert sofort vertrauenswürdig, die Anlaufstellen melden dichter und "
        "die Lage beruhigt sich schneller.",
        {**_EVENT, "prevention_plan": True}),
    Scenario(
        "ausgebautes_kms", "Ausgebautes Konfliktmanagement",
        "Die neue Unterkunft in einer Kommune mit ausgebautem Konfliktmanagement: mehr "
        "Konfliktmanager:innen, ein dichtes Netz von Anlaufstellen mit kurzem Meldeweg, ein "
        "größerer Mediator:innen-Pool und Begegnungsangebote für beide Gruppen.",
        {**_NEW_SHELTER, "conflict_managers": 4, "mediators": 8, "early_warning_coverage": 0.6,
         "reporting_delay": 1, "contact_programme": 0.02}),
)

#: All scenarios by name, in menu order.
SCENARIOS: dict[str, Scenario] = {scenario.name: scenario for scenario in _ALL}


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; an unknown name raises ``ValueError`` listing the names.

    This is the only function that checks a scenario name.

    Examples
    --------
    >>> get_scenario("extremereignis").overrides["shock_step"]
    30
    >>> get_scenario("chaos")
    Traceback (most recent call last):
    ...
    ValueError: Unbekanntes Szenario 'chaos'. Verfügbar: ruhiges_quartier, neue_unterkunft, \
geruechtewelle, extremereignis, praeventionsplan, ausgebautes_kms
    """
    if name not in SCENARIOS:
        raise ValueError(f"Unbekanntes Szenario {name!r}. Verfügbar: {', '.join(SCENARIOS)}")
    return SCENARIOS[name]


def scenario_values(scenario: str | None = None, /, **overrides: Any) -> dict[str, Any]:
    """Every parameter's value for a run: the defaults, then the scenario's, then ``overrides``.

    Parameters
    ----------
    scenario : str or None
        Name of a scenario; ``None`` keeps the defaults.
    **overrides
        Parameter values that replace the scenario's.

    Returns
    -------
    dict
        Parameter name -> validated value, for every parameter of the registry.

    Raises
    ------
    ValueError
        For an unknown scenario (German message listing the names), an unknown parameter or a
        value outside its range (naming the parameter, its value and the range).

    Examples
    --------
    >>> values = scenario_values("praeventionsplan", conflict_managers=7)
    >>> values["prevention_plan"], values["shock_step"], values["conflict_managers"]
    (True, 30, 7)
    >>> scenario_values()["shock_step"]
    0
    >>> scenario_values("ruhiges_quartier", reporting_delay=60)
    Traceback (most recent call last):
    ...
    ValueError: reporting_delay=60 is out of range: expected 0 <= reporting_delay <= 52
    """
    preset = {} if scenario is None else get_scenario(scenario).overrides
    return validate_all({**defaults(), **preset, **overrides})


def scenario_title(name: str) -> str:
    """German title of a scenario for menus, legends and messages; other labels stay as given.

    Examples
    --------
    >>> scenario_title("geruechtewelle"), scenario_title("Entwurf A")
    ('Gerüchtewelle', 'Entwurf A')
    """
    return SCENARIOS[name].title if name in SCENARIOS else name

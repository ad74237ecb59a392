"""The Präventionsplan Integration as a structured artefact, and a completeness check.

``shared/domain.md``: each Kommune of KoKo I developed a "Präventionsplan Integration" to stay able
to talk in unforeseeable extreme events. What such a plan must contain is not published; the
checklist here is the course's own derivation (module 5) from the crisis-communication phases in
``domain.md`` (potenziell, latent, akut, Nachkrise) and the KMS building blocks: **roles** with
deputies, a **crisis network** across sectors, a **communication chain** that reaches everyone,
and **triggers** that say when which phase begins and what then happens. :func:`crisis_phase` is
the course's crisis traffic light: it turns the neighbourhood model's indicators into a phase.

A plan is written as TOML (or JSON, or a Python dict) with four tables::

    kommune = "Musterstadt"
    stand = "2026-11-01"

    [[rollen]]
    rolle = "koordination"          # one of ROLES
    funktion = "Leitung Integrationsbüro"
    vertretung = "Stellv. Leitung Integrationsbüro"
    erreichbarkeit = "24/7 Rufbereitschaft"

    [[netzwerk]]
    name = "Polizeiinspektion Nord"
    sektor = "Polizei/Ordnung"
    kontakt = "Lagezentrum"

    [[kette]]                       # who informs whom, how, within how many hours
    von = "koordination"
    an = "Polizeiinspektion Nord"
    kanal = "Telefon"
    frist_stunden = 1

    [[ausloeser]]
    phase = "latent"                # one of PHASES
    indikator = "Gerüchte über die Unterkunft in sozialen Medien"
    massnahme = "Faktencheck veröffentlichen, Netzwerk informieren"
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from kokosim._atomic import atomic_write

__all__ = [
    "ROLES",
    "PHASES",
    "REQUIRED_SECTORS",
    "PreventionPlan",
    "Finding",
    "PlanCheck",
    "load_plan",
    "save_plan",
    "example_plan",
    "check_plan",
    "CRISIS_LIGHT",
    "crisis_phase",
    "crisis_phases",
]

#: Roles a plan must fill (key -> German name).
ROLES: dict[str, str] = {
    "koordination": "Krisenkoordination",
    "kommunikation": "Krisenkommunikation (Presse und soziale Medien)",
    "verwaltungsspitze": "Verwaltungsspitze (Entscheidung)",
    "netzwerkpflege": "Pflege des Krisennetzwerks",
}

#: Crisis phases of the federal crisis-communication guide (domain.md), with their colour.
PHASES: dict[str, str] = {"potenziell": "grün", "latent": "gelb", "akut": "rot",
                          "nachkrise": "blau"}

#: Thresholds of the course's crisis traffic light (module 5.1, a setting of the course, not of
#: the federal guide): acute from this threat; after-crisis for so many weeks after the last
#: acute week; latent from this threat or this share of residents passing on a rumour.
CRISIS_LIGHT: dict[str, float] = {"acute_threat": 0.5, "after_crisis_weeks": 12,
                                  "latent_threat": 0.35, "latent_rumours": 0.08}

#: Sectors the crisis network must reach (domain.md's actor sectors most needed in a crisis).
REQUIRED_SECTORS: tuple[str, ...] = (
    "Verwaltung", "Polizei/Ordnung", "Zivilgesellschaft", "Migrantenselbstorganisation",
    "Religionsgemeinschaft", "Medien",
)

#: Longest acceptable time for the chain to reach everyone after the alarm, in hours.
MAX_CHAIN_HOURS = 4.0

_TABLES = {
    "rollen": ("rolle", "funktion", "vertretung", "erreichbarkeit"),
    "netzwerk": ("name", "sektor", "kontakt"),
    "kette": ("von", "an", "kanal", "frist_stunden"),
    "ausloeser": ("phase", "indikator", "massnahme"),
}


@dataclass
class PreventionPlan:
    """A Präventionsplan Integration: four lists of records (see the module docstring).

    Attributes
    ----------
    kommune, stand : str
        Name of the Kommune and date of the plan's last revision.
    rollen, netzwerk, kette, ausloeser : list of dict
        The records of the four tables, as written in the file.
    source : str
        Where the plan came from (file name or ``"<dict>"``), used in messages.
    """

    kommune: str = ""
    stand: str = ""
    rollen: list[dict[str, Any]] = field(default_factory=list)
    netzwerk: list[dict[str, Any]] = field(default_factory=list)
    kette: list[dict[str, Any]] = field(default_factory=list)
    ausloeser: list[dict[str, Any]] = field(default_factory=list)
    source: str = "<dict>"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> PreventionPlan:
        """Build a plan from parsed TOML/JSON; structural errors name the source and key.

        Examples
        --------
        >>> PreventionPlan.from_dict({"kommune": "Musterstadt", "rollen": {"rolle": "x"}})
        Traceback (most recent call last):
        ...
        ValueError: <dict>: 'rollen' muss eine Liste von Tabellen sein ([[rollen]]), nicht dict
        """
        unknown = sorted(set(data) - {"kommune", "stand", *_TABLES})
        if unknown:
            raise ValueError(f"{source}: unbekannte(r) Schlüssel {', '.join(map(repr, unknown))}; "
                             f"erlaubt: kommune, stand, {', '.join(_TABLES)}")
        tables: dict[str, list[dict[str, Any]]] = {}
        for name in _TABLES:
            records = data.get(name, [])
            if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
                raise ValueError(f"{source}: {name!r} muss eine Liste von Tabellen sein "
                                 f"([[{name}]]), nicht {type(records).__name__}")
            tables[name] = [dict(record) for record in records]
        return cls(kommune=str(data.get("kommune", "")), stand=str(data.get("stand", "")),
                   source=source, **tables)

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain data, the inverse of :meth:`from_dict`.

        Examples
        --------
        >>> plan = example_plan()
        >>> PreventionPlan.from_dict(plan.to_dict(), source=plan.source) == plan
        True
        """
        return {"kommune": self.kommune, "stand": self.stand,
                **{name: [dict(record) for record in getattr(self, name)] for name in _TABLES}}

    def chain_graph(self) -> nx.DiGraph:
        """The communication chain as a directed graph weighted by ``frist_stunden``."""
        graph = nx.DiGraph()
        for link in self.kette:
            hours = link.get("frist_stunden")
            graph.add_edge(str(link.get("von", "")), str(link.get("an", "")),
                           hours=hours if isinstance(hours, int | float) else float("inf"))
        return graph


def load_plan(path: str | Path) -> PreventionPlan:
    """Read a plan from a ``.toml`` or ``.json`` file.

    Raises
    ------
    ValueError
        In German, naming the file (and line for TOML syntax errors) when it cannot be read as
        a plan.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path.name}: keine gültige {path.suffix.lstrip('.').upper()}-Datei: "
                         f"{error}") from error
    if not isinstance(data, Mapping):
        raise ValueError(f"{path.name}: oberste Ebene muss eine Tabelle von Schlüsseln sein")
    return PreventionPlan.from_dict(data, source=path.name)


def save_plan(plan: PreventionPlan, path: str | Path) -> Path:
    """Write ``plan`` as UTF-8 JSON, atomically: a failed write leaves an earlier file intact.

    :func:`load_plan` reads the file back. (JSON, because Python can read TOML but not write it.)

    Parameters
    ----------
    plan : PreventionPlan
    path : str or Path
        Target file; must end in ``.json``.

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "plan.json"
    >>> load_plan(save_plan(example_plan(), target)).kommune
    'Musterstadt'
    """
    path = Path(path)
    if path.suffix.lower() != ".json":
        raise ValueError(f"{path.name}: Pläne werden als .json gespeichert, nicht als "
                         f"{path.suffix or 'Datei ohne Endung'}")
    atomic_write(path, json.dumps(plan.to_dict(), ensure_ascii=False, indent=2) + "\n")
    return path


def example_plan() -> PreventionPlan:
    """The fictional, complete plan of Musterstadt shipped with kokosim (module 5).

    Examples
    --------
    >>> plan = example_plan()
    >>> plan.kommune, check_plan(plan).complete
    ('Musterstadt', True)
    """
    text = resources.files("kokosim").joinpath("data/praeventionsplan_musterstadt.toml")
    return PreventionPlan.from_dict(tomllib.loads(text.read_text(encoding="utf-8")),
                                    source="praeventionsplan_musterstadt.toml")


@dataclass(frozen=True)
class Finding:
    """One gap in a plan.

    Attributes
    ----------
    part : str
        ``"rollen"``, ``"netzwerk"``, ``"kette"``, ``"ausloeser"`` or ``"plan"``.
    where : str
        Which record (e.g. ``"kette[2]"``) or ``""`` for the part as a whole.
    message : str
        German description of the gap.
    """

    part: str
    where: str
    message: str

    def __str__(self) -> str:
        location = f"{self.part}" + (f" ({self.where})" if self.where else "")
        return f"{location}: {self.message}"


@dataclass(frozen=True)
class PlanCheck:
    """Result of :func:`check_plan`.

    Attributes
    ----------
    findings : tuple of Finding
        Every gap found; empty when the plan is complete.
    chain_hours : float
        Hours until the communication chain has reached everyone (``inf`` if it never does).
    """

    findings: tuple[Finding, ...]
    chain_hours: float

    @property
    def complete(self) -> bool:
        """No gaps."""
        return not self.findings

    def parts_missing(self) -> set[str]:
        """Parts with at least one finding."""
        return {finding.part for finding in self.findings}

    def __str__(self) -> str:
        if self.complete:
            return (f"Der Präventionsplan ist vollständig. Die Meldekette erreicht alle in "
                    f"{self.chain_hours:g} Stunden.")
        lines = [f"Der Präventionsplan hat {len(self.findings)} Lücke(n):"]
        lines += [f"- {finding}" for finding in self.findings]
        return "\n".join(lines)


def _missing_fields(plan: PreventionPlan) -> list[Finding]:
    findings = []
    for part, required in _TABLES.items():
        for index, record in enumerate(getattr(plan, part)):
            for key in required:
                value = record.get(key)
                if value is None or (isinstance(value, str) and not value.strip()):
                    findings.append(Finding(part, f"{part}[{index}]", f"Feld '{key}' fehlt oder ist leer."))
    return findings


def _check_roles(plan: PreventionPlan) -> list[Finding]:
    filled = {str(record.get("rolle", "")) for record in plan.rollen}
    findings = [Finding("rollen", "", f"Rolle '{key}' ({name}) ist nicht besetzt.")
                for key, name in ROLES.items() if key not in filled]
    for index, record in enumerate(plan.rollen):
        if record.get("rolle") not in ROLES:
            findings.append(Finding("rollen", f"rollen[{index}]",
                                    f"Unbekannte Rolle {record.get('rolle')!r}; erlaubt: "
                                    f"{', '.join(ROLES)}."))
        elif record.get("vertretung") and record.get("vertretung") == record.get("funktion"):
            findings.append(Finding("rollen", f"rollen[{index}]",
                                    "Vertretung und Funktion sind dieselbe Stelle."))
    return findings


def _check_network(plan: PreventionPlan) -> list[Finding]:
    sectors = {str(member.get("sektor", "")) for member in plan.netzwerk}
    return [Finding("netzwerk", "", f"Kein Netzwerkpartner aus dem Sektor '{sector}'.")
            for sector in REQUIRED_SECTORS if sector not in sectors]


def _check_chain(plan: PreventionPlan) -> tuple[list[Finding], float]:
    graph = plan.chain_graph()
    known = set(ROLES) | {str(member.get("name", "")) for member in plan.netzwerk}
    findings = [Finding("kette", f"kette[{index}]", f"'{name}' ist weder Rolle noch Netzwerkpartner.")
                for index, link in enumerate(plan.kette)
                for name in (str(link.get("von", "")), str(link.get("an", "")))
                if name and name not in known]
    for index, link in enumerate(plan.kette):
        hours = link.get("frist_stunden")
        if hours is not None and (not isinstance(hours, int | float) or isinstance(hours, bool)
                                  or hours < 0):
            findings.append(Finding("kette", f"kette[{index}]",
                                    f"'frist_stunden' = {hours!r} ist keine Zahl ≥ 0."))
    if "koordination" not in graph:
        findings.append(Finding("kette", "", "Die Meldekette beginnt nicht bei der Krisenkoordination."))
        return findings, float("inf")
    hours_to = nx.single_source_dijkstra_path_length(graph, "koordination", weight="hours")
    targets = (set(ROLES) - {"koordination"}) | {str(m.get("name", "")) for m in plan.netzwerk}
    unreached = sorted(target for target in targets if target not in hours_to)
    if unreached:
        findings.append(Finding("kette", "", "Die Meldekette erreicht nicht: " + ", ".join(unreached) + "."))
        return findings, float("inf")
    chain_hours = max((hours_to[target] for target in targets), default=0.0)
    if chain_hours > MAX_CHAIN_HOURS:
        findings.append(Finding("kette", "", f"Die Meldekette braucht {chain_hours:g} Stunden, "
                                             f"mehr als {MAX_CHAIN_HOURS:g}."))
    return findings, float(chain_hours)


def _check_triggers(plan: PreventionPlan) -> list[Finding]:
    phases = [str(trigger.get("phase", "")) for trigger in plan.ausloeser]
    findings = [Finding("ausloeser", f"ausloeser[{index}]",
                        f"Unbekannte Phase {phase!r}; erlaubt: {', '.join(PHASES)}.")
                for index, phase in enumerate(phases) if phase and phase not in PHASES]
    findings += [Finding("ausloeser", "", f"Kein Auslöser für die Phase '{phase}' ({PHASES[phase]}).")
                 for phase in ("latent", "akut", "nachkrise") if phase not in phases]
    return findings


def check_plan(plan: PreventionPlan | Mapping[str, Any]) -> PlanCheck:
    """Check a Präventionsplan for completeness.

    Checks: every record has its fields; every role in :data:`ROLES` is filled, with a deputy
    other than the role holder; the network reaches every sector in :data:`REQUIRED_SECTORS`;
    the communication chain names only roles and network partners, starts at the coordination,
    reaches every role and partner (a graph search) within :data:`MAX_CHAIN_HOURS`; there are
    triggers for the phases latent, akut and Nachkrise.

    Parameters
    ----------
    plan : PreventionPlan or dict

    Returns
    -------
    PlanCheck

    Examples
    --------
    >>> result = check_plan({"kommune": "Musterstadt"})
    >>> result.complete, sorted(result.parts_missing())
    (False, ['ausloeser', 'kette', 'netzwerk', 'rollen'])
    >>> print(check_plan(example_plan()))
    Der Präventionsplan ist vollständig. Die Meldekette erreicht alle in 3 Stunden.
    """
    if not isinstance(plan, PreventionPlan):
        plan = PreventionPlan.from_dict(plan)
    findings = []
    if not plan.kommune.strip():
        findings.append(Finding("plan", "", "Der Name der Kommune fehlt."))
    findings += _missing_fields(plan) + _check_roles(plan) + _check_network(plan)
    chain_findings, chain_hours = _check_chain(plan)
    findings += chain_findings + _check_triggers(plan)
    return PlanCheck(findings=tuple(findings), chain_hours=chain_hours)


def crisis_phase(threat: float, rumours: float, incidents: int,
                 weeks_since_acute: int | None) -> str:
    """The phase of one week by the course's crisis traffic light (first matching rule wins).

    1. ``"akut"``: at least one incident this week, or threat >= 0.5;
    2. ``"nachkrise"``: the last acute week lies at most 12 weeks back;
    3. ``"latent"``: threat >= 0.35, or at least 8 % of residents pass on a rumour;
    4. ``"potenziell"`` otherwise.

    Parameters
    ----------
    threat : float
        Mean perceived threat, 0–1 (the model's ``mean_threat``).
    rumours : float
        Share of residents passing on a rumour, 0–1 (``rumour_share``).
    incidents : int
        Incidents this week (``incidents``).
    weeks_since_acute : int or None
        Weeks since the last acute week (1 = last week was acute); ``None`` if there was none.

    Returns
    -------
    str
        A key of :data:`PHASES`.

    Examples
    --------
    >>> crisis_phase(0.2, 0.01, 0, None), crisis_phase(0.2, 0.01, 2, None)
    ('potenziell', 'akut')
    >>> crisis_phase(0.45, 0.10, 0, 3), crisis_phase(0.45, 0.10, 0, 13)
    ('nachkrise', 'latent')
    """
    if incidents >= 1 or threat >= CRISIS_LIGHT["acute_threat"]:
        return "akut"
    if weeks_since_acute is not None and weeks_since_acute <= CRISIS_LIGHT["after_crisis_weeks"]:
        return "nachkrise"
    if threat >= CRISIS_LIGHT["latent_threat"] or rumours >= CRISIS_LIGHT["latent_rumours"]:
        return "latent"
    return "potenziell"


def crisis_phases(run: Any, rule: Any = None) -> Any:
    """The phase of every week of a model run (from week 1), counting weeks since "akut".

    Parameters
    ----------
    run : pandas.DataFrame
        One run of the neighbourhood model (columns ``step``, ``mean_threat``,
        ``rumour_share``, ``incidents``), as :func:`kokosim.neighbourhood.run_scenario` returns.
    rule : callable, optional
        ``rule(threat, rumours, incidents, weeks_since_acute) -> phase``; defaults to
        :func:`crisis_phase`.

    Returns
    -------
    pandas.Series
        The phase key per week, indexed by week, named ``"Phase"``.

    Examples
    --------
    >>> import pandas as pd
    >>> run = pd.DataFrame({"step": [0, 1, 2, 3, 4], "mean_threat": [0.2, 0.2, 0.7, 0.3, 0.3],
    ...                     "rumour_share": [0.0, 0.1, 0.2, 0.0, 0.0],
    ...                     "incidents": [0, 0, 1, 0, 0]})
    >>> crisis_phases(run).tolist()
    ['latent', 'akut', 'nachkrise', 'nachkrise']
    """
    import pandas as pd

    rule = crisis_phase if rule is None else rule
    weeks = run[run["step"] >= 1].sort_values("step")
    phases, since = [], None
    for row in weeks.itertuples():
        phase = rule(row.mean_threat, row.rumour_share, row.incidents, since)
        phases.append(phase)
        since = 1 if phase == "akut" else (None if since is None else since + 1)
    return pd.Series(phases, index=weeks["step"].to_numpy(), name="Phase")

"""Glasl's nine escalation stages, the intervention ladder and a diagnosis checklist.

The stage names, levels and the overlapping ranges of the intervention ladder follow
``shared/domain.md`` (Glasl's model as commonly presented). The indicator checklist is a
teaching aid for module 1: each observable indicator points to the stage at which that kind of
behaviour typically first appears.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "Stage",
    "STAGES",
    "LEVELS",
    "stage",
    "Intervention",
    "LADDER",
    "intervention",
    "recommend_interventions",
    "ladder_fit",
    "Indicator",
    "INDICATORS",
    "Diagnosis",
    "diagnose",
]

#: The three levels of Glasl's model, in escalation order.
LEVELS: tuple[str, ...] = ("win-win", "win-lose", "lose-lose")


@dataclass(frozen=True)
class Stage:
    """One of Glasl's nine escalation stages.

    Attributes
    ----------
    number : int
        1 (least escalated) to 9.
    name : str
        German name of the stage.
    level : str
        ``"win-win"``, ``"win-lose"`` or ``"lose-lose"``.
    description : str
        One-line German description of what is observed at this stage.
    """

    number: int
    name: str
    level: str
    description: str


STAGES: tuple[Stage, ...] = (
    Stage(1, "Verhärtung", "win-win",
          "Standpunkte verhärten sich, es gibt Spannungen, doch beide Seiten glauben an eine "
          "Lösung im Gespräch."),
    Stage(2, "Debatte und Polemik", "win-win",
          "Schwarz-Weiß-Denken, verbale Schlagabtausche, man will im Streit recht behalten."),
    Stage(3, "Taten statt Worte", "win-win",
          "Reden hilft nicht mehr, es werden Fakten geschaffen; das Einfühlungsvermögen schwindet."),
    Stage(4, "Images und Koalitionen", "win-lose",
          "Feindbilder und Gerüchte verfestigen sich, beide Seiten werben Anhänger an."),
    Stage(5, "Gesichtsverlust", "win-lose",
          "Öffentliche, direkte Angriffe sollen die Gegenseite bloßstellen und ihr Gesicht "
          "nehmen."),
    Stage(6, "Drohstrategien", "win-lose",
          "Drohungen und Gegendrohungen, Ultimaten und Sanktionen bestimmen das Geschehen."),
    Stage(7, "Begrenzte Vernichtungsschläge", "lose-lose",
          "Die Gegenseite gilt nicht mehr als Mensch; ihr zu schaden ist Ziel, eigener kleiner "
          "Schaden wird hingenommen."),
    Stage(8, "Zersplitterung", "lose-lose",
          "Ziel ist, die Machtbasis und den Zusammenhalt der Gegenseite zu zerstören."),
    Stage(9, "Gemeinsam in den Abgrund", "lose-lose",
          "Totale Konfrontation: die Vernichtung der Gegenseite ist den eigenen Untergang wert."),
)


def _check_stage_number(number: object, parameter: str = "stage") -> int:
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 9:
        raise ValueError(f"{parameter}={number!r} is not a Glasl stage: expected an integer 1..9")
    return number


def stage(number: int) -> Stage:
    """Return Glasl stage ``number`` (1..9).

    Parameters
    ----------
    number : int
        Stage number, 1 to 9.

    Returns
    -------
    Stage

    Raises
    ------
    ValueError
        If ``number`` is not an integer from 1 to 9.

    Examples
    --------
    >>> stage(4).name
    'Images und Koalitionen'
    >>> stage(7).level
    'lose-lose'
    >>> stage(10)
    Traceback (most recent call last):
    ...
    ValueError: stage=10 is not a Glasl stage: expected an integer 1..9
    """
    return STAGES[_check_stage_number(number) - 1]


@dataclass(frozen=True)
class Intervention:
    """A rung of the intervention ladder with the stages it fits.

    Attributes
    ----------
    key : str
        Identifier used in code and parameters (``"moderation"``, ...).
    name : str
        German name.
    first_stage, last_stage : int
        The range of Glasl stages the intervention fits (inclusive; ranges overlap).
    description : str
        One-line German description.
    """

    key: str
    name: str
    first_stage: int
    last_stage: int
    description: str

    @property
    def stages(self) -> range:
        """The fitting stages as a ``range``."""
        return range(self.first_stage, self.last_stage + 1)

    @property
    def intensity(self) -> int:
        """Rank on the ladder, 0 = least intrusive."""
        return LADDER.index(self)


LADDER: tuple[Intervention, ...] = (
    Intervention("moderation", "Moderation", 1, 3,
                 "Eine neutrale Person strukturiert das Gespräch; die Parteien lösen selbst."),
    Intervention("prozessbegleitung", "Prozessbegleitung", 3, 5,
                 "Begleitung der Parteien über mehrere Treffen, Arbeit an Beziehung und Sache."),
    Intervention("sozio_therapeutisch", "Sozio-therapeutische Prozessbegleitung", 4, 6,
                 "Bearbeitung von Feindbildern, Kränkungen und Gruppendynamik."),
    Intervention("mediation", "Vermittlung/Mediation", 5, 7,
                 "Allparteiliche Vermittlung mit klarem Verfahren und Vereinbarung."),
    Intervention("schiedsverfahren", "Schiedsverfahren/gerichtliches Verfahren", 6, 8,
                 "Eine dritte Instanz entscheidet verbindlich über den Streit."),
    Intervention("machteingriff", "Machteingriff", 7, 9,
                 "Eine übergeordnete Macht greift ein und setzt ein Ende durch."),
)


def intervention(key: str) -> Intervention:
    """Return the ladder rung with identifier ``key``.

    Examples
    --------
    >>> intervention("mediation").stages
    range(5, 8)
    >>> intervention("gebet")
    Traceback (most recent call last):
    ...
    ValueError: intervention='gebet' is unknown; choose one of: moderation, prozessbegleitung, \
sozio_therapeutisch, mediation, schiedsverfahren, machteingriff
    """
    for rung in LADDER:
        if rung.key == key:
            return rung
    keys = ", ".join(rung.key for rung in LADDER)
    raise ValueError(f"intervention={key!r} is unknown; choose one of: {keys}")


def _distance_outside(rung: Intervention, stage_number: int) -> int:
    """Stages between ``stage_number`` and the rung's range (0 inside it)."""
    return max(rung.first_stage - stage_number, stage_number - rung.last_stage, 0)


def recommend_interventions(stage: int) -> list[Intervention]:
    """Interventions whose range contains ``stage``, best fit first.

    Fit is the distance of the stage from the middle of the intervention's range; on a tie the
    less intrusive intervention comes first (ordering procedures from low to high cost, as in
    Ury/Brett/Goldberg).

    Parameters
    ----------
    stage : int
        Glasl stage 1..9.

    Returns
    -------
    list of Intervention

    Examples
    --------
    >>> [i.name for i in recommend_interventions(2)]
    ['Moderation']
    >>> [i.key for i in recommend_interventions(5)]
    ['sozio_therapeutisch', 'prozessbegleitung', 'mediation']
    >>> [i.key for i in recommend_interventions(9)]
    ['machteingriff']
    """
    number = _check_stage_number(stage)
    fitting = [rung for rung in LADDER if number in rung.stages]
    return sorted(
        fitting,
        key=lambda rung: (abs(number - (rung.first_stage + rung.last_stage) / 2), rung.intensity),
    )


def ladder_fit(intervention_key: str, stage: int, penalty: float = 0.35) -> float:
    """How well an intervention fits a stage: 1 inside its range, less for each stage outside.

    The simulation uses this factor to scale an intervention's effectiveness, so a procedure
    chosen without regard to the stage (for example moderation of a stage-7 conflict) mostly fails.

    Parameters
    ----------
    intervention_key : str
        Key of a rung of :data:`LADDER`.
    stage : int
        Glasl stage 1..9.
    penalty : float, default 0.35
        Loss of fit per stage outside the range, in (0, 1].

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> ladder_fit("moderation", 2)
    1.0
    >>> round(ladder_fit("moderation", 5), 2)
    0.3
    >>> ladder_fit("moderation", 9)
    0.0
    """
    if not 0 < penalty <= 1:
        raise ValueError(f"penalty={penalty!r} is out of range: expected 0 < penalty <= 1")
    rung = intervention(intervention_key)
    return max(0.0, 1.0 - penalty * _distance_outside(rung, _check_stage_number(stage)))


@dataclass(frozen=True)
class Indicator:
    """An observable sign of escalation on the diagnosis checklist.

    Attributes
    ----------
    key : str
        Identifier passed to :func:`diagnose`.
    stage : int
        The stage at which this behaviour typically first appears.
    text : str
        German wording for the checklist.
    """

    key: str
    stage: int
    text: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("positionen_verhaertet", 1, "Die Standpunkte werden starrer, man wiederholt sich."),
    Indicator("spannung_im_gespraech", 1, "Gespräche sind gereizt, aber man redet noch miteinander."),
    Indicator("schwarz_weiss_denken", 2, "Argumente werden zugespitzt, es gibt nur richtig oder falsch."),
    Indicator("verbale_schlagabtausche", 2, "Es geht ums Rechthaben; Polemik und Taktik im Wortwechsel."),
    Indicator("fakten_schaffen", 3, "Eine Seite handelt ohne Absprache und schafft vollendete Tatsachen."),
    Indicator("gespraeche_abgebrochen", 3, "Man hält Reden für nutzlos; Gespräche werden abgebrochen."),
    Indicator("feindbilder", 4, "Es kursieren Klischees und Gerüchte über die andere Seite."),
    Indicator("anhaenger_werben", 4, "Beide Seiten suchen Verbündete und bilden Lager."),
    Indicator("oeffentliche_blossstellung", 5, "Die Gegenseite wird öffentlich angegriffen und bloßgestellt."),
    Indicator("vertrauensbruch", 5, "Man unterstellt der Gegenseite grundsätzlich unlautere Absichten."),
    Indicator("drohungen", 6, "Es werden Drohungen ausgesprochen oder Ultimaten gestellt."),
    Indicator("sanktionen_angekuendigt", 6, "Konkrete Sanktionen werden angekündigt."),
    Indicator("sachbeschaedigung", 7, "Es gibt gezielte Beschädigungen oder Angriffe."),
    Indicator("gegenseite_entmenschlicht", 7, "Die Gegenseite wird nicht mehr als Menschen gesehen."),
    Indicator("machtbasis_zerstoeren", 8, "Ziel ist, Netzwerk und Rückhalt der Gegenseite zu zerschlagen."),
    Indicator("selbstschaedigung_in_kauf", 9, "Eigener Untergang wird in Kauf genommen, um die Gegenseite zu vernichten."),
)


@dataclass(frozen=True)
class Diagnosis:
    """Result of :func:`diagnose`.

    Attributes
    ----------
    stage : Stage or None
        The likely stage, or ``None`` when no indicator was observed.
    reasons : tuple of Indicator
        The observed indicators of that stage.
    evidence : dict
        Number of observed indicators per stage (only stages with at least one).
    certain : bool
        ``True`` when at least two indicators of the likely stage were observed.
    """

    stage: Stage | None
    reasons: tuple[Indicator, ...]
    evidence: dict[int, int]
    certain: bool

    def __str__(self) -> str:
        if self.stage is None:
            return "Keine Eskalationsanzeichen beobachtet."
        header = (f"Wahrscheinliche Stufe {self.stage.number}: {self.stage.name} "
                  f"({self.stage.level}); {'gesichert' if self.certain else 'erster Hinweis'}.")
        return "\n".join([header, *(f"- {reason.text}" for reason in self.reasons)])


def diagnose(observed: Iterable[str]) -> Diagnosis:
    """Estimate the Glasl stage from observed indicators of the checklist.

    Glasl's stages are thresholds: once a behaviour typical of a stage is seen, the conflict has
    reached at least that stage. The likely stage is therefore the highest stage with an observed
    indicator; the diagnosis is *certain* when two or more of its indicators were observed.

    Parameters
    ----------
    observed : iterable of str
        Keys of :data:`INDICATORS`.

    Returns
    -------
    Diagnosis

    Raises
    ------
    ValueError
        For an unknown indicator key (the message lists the valid keys).

    Examples
    --------
    >>> d = diagnose(["feindbilder", "anhaenger_werben", "verbale_schlagabtausche"])
    >>> d.stage.number, d.stage.name, d.certain
    (4, 'Images und Koalitionen', True)
    >>> d.evidence
    {2: 1, 4: 2}
    >>> print(diagnose(["drohungen"]))
    Wahrscheinliche Stufe 6: Drohstrategien (win-lose); erster Hinweis.
    - Es werden Drohungen ausgesprochen oder Ultimaten gestellt.
    >>> diagnose([]).stage is None
    True
    """
    by_key = {indicator.key: indicator for indicator in INDICATORS}
    seen: list[Indicator] = []
    for key in dict.fromkeys(observed):  # ignore repeats, keep order
        if key not in by_key:
            raise ValueError(
                f"indicator {key!r} is not on the checklist; valid keys: {', '.join(by_key)}"
            )
        seen.append(by_key[key])
    if not seen:
        return Diagnosis(stage=None, reasons=(), evidence={}, certain=False)
    evidence: dict[int, int] = {}
    for indicator in sorted(seen, key=lambda i: i.stage):
        evidence[indicator.stage] = evidence.get(indicator.stage, 0) + 1
    top = max(evidence)
    reasons = tuple(indicator for indicator in seen if indicator.stage == top)
    return Diagnosis(stage=stage(top), reasons=reasons, evidence=evidence, certain=len(reasons) >= 2)

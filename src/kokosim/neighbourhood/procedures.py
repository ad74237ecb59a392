"""What each procedure of the intervention ladder is, as the neighbourhood model sees it.

The model does not know which procedure "fits" which stage. It knows properties a trainee can
name — whether the parties must agree to it, whom it works with, how firmly the third party
steers, whether it works on interests and relations, and what it costs — and four mechanisms
that follow from them (ODD, section 7):

* :func:`acceptance` — a voluntary procedure starts only when both parties agree; readiness falls
  with the stage and with distrust of the city that offers it;
* :func:`grip` — a procedure holds a dispute up to a stage set by its structure; above it, it is
  too weak;
* :func:`reach` — a procedure that works only with the two parties reaches less of a dispute the
  more supporters it has mobilised;
* :func:`overreach` — an imposed procedure stronger than the stage calls for backfires: those
  involved and their neighbours trust the city and the other group less.

Whether the intervention ladder beats a uniform rule is therefore an outcome of the model, not
one of its assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass

from kokosim.escalation import LADDER

__all__ = ["Procedure", "PROCEDURES", "NEEDS_MEDIATOR", "REACH_ALLIES", "ACCEPTANCE_STAGES",
           "acceptance", "grip", "reach", "overreach"]

#: A procedure that works only with the two parties reaches half a dispute with this many allies.
REACH_ALLIES = 5
#: Stages over which the parties' readiness to agree to a voluntary procedure falls to 0.
ACCEPTANCE_STAGES = 8


@dataclass(frozen=True)
class Procedure:
    """Properties of one rung of :data:`kokosim.escalation.LADDER` in the model.

    Attributes
    ----------
    key : str
        Key of the ladder rung.
    voluntary : bool
        Both parties must agree before it starts (moderation, mediation …); a court or a power
        intervention does not ask.
    with_camps : bool
        Works with the mobilised supporters too, not only with the two parties.
    structure : int
        How firmly the third party steers, 1 (moderation) to 6 (Machteingriff).
    healing : bool
        Works on interests and relations: a settlement builds trust and openness
        (Ury/Brett/Goldberg); rights- and power-based procedures end a dispute without that.
    staff_hours : float
        Hours of a Konfliktmanager:in per week of the case.
    mediator : bool
        Needs a person from the mediator pool (paid per week: parameter ``mediator_cost``).
    """

    key: str
    voluntary: bool
    with_camps: bool
    structure: int
    healing: bool
    staff_hours: float
    mediator: bool


#: The procedures, in ladder order.
PROCEDURES: dict[str, Procedure] = {procedure.key: procedure for procedure in (
    Procedure("moderation", True, False, 1, True, 3.0, False),
    Procedure("prozessbegleitung", True, True, 2, True, 2.0, True),
    Procedure("sozio_therapeutisch", True, True, 3, True, 2.0, True),
    Procedure("mediation", True, False, 4, True, 2.0, True),
    Procedure("schiedsverfahren", False, False, 5, False, 4.0, False),
    Procedure("machteingriff", False, True, 6, False, 6.0, False),
)}
if tuple(PROCEDURES) != tuple(rung.key for rung in LADDER):  # pragma: no cover - data check
    raise RuntimeError("PROCEDURES must list the rungs of escalation.LADDER in order")

#: Procedures that need a person from the mediator pool.
NEEDS_MEDIATOR: frozenset[str] = frozenset(key for key, procedure in PROCEDURES.items()
                                           if procedure.mediator)


def acceptance(stage: int, trust: float) -> float:
    """Weekly probability that both parties agree to a voluntary procedure.

    Readiness falls with the stage (talks look pointless once images and threats rule) and with
    distrust of the city, which offers the procedure.

    Examples
    --------
    >>> acceptance(1, 0.6), acceptance(5, 0.6), acceptance(9, 1.0)
    (0.6, 0.3, 0.0)
    """
    return max(0.0, trust * (1 - (stage - 1) / ACCEPTANCE_STAGES))


def grip(structure: int, stage: int) -> float:
    """How firmly a procedure with this ``structure`` holds a dispute at ``stage`` (0–1).

    A procedure holds a dispute up to stage ``structure + 2``; each stage above halves, thirds …
    its grip: too weak a procedure fails.

    Examples
    --------
    >>> grip(1, 3), grip(1, 4), grip(1, 6), grip(4, 6)
    (1.0, 0.5, 0.25, 1.0)
    """
    return 1.0 / (1 + max(0, stage - structure - 2))


def reach(procedure: Procedure, allies: int) -> float:
    """Share of a dispute a procedure reaches: all of it if it works with the camps.

    Examples
    --------
    >>> reach(PROCEDURES["mediation"], 5), reach(PROCEDURES["prozessbegleitung"], 5)
    (0.5, 1.0)
    """
    return 1.0 if procedure.with_camps else 1.0 / (1 + allies / REACH_ALLIES)


def overreach(procedure: Procedure, stage: int) -> int:
    """Levels of structure an imposed procedure has beyond what the stage calls for.

    Voluntary procedures never overreach: the parties chose them (they only cost more).

    Examples
    --------
    >>> overreach(PROCEDURES["machteingriff"], 2), overreach(PROCEDURES["machteingriff"], 5)
    (3, 0)
    >>> overreach(PROCEDURES["mediation"], 1)
    0
    """
    return 0 if procedure.voluntary else max(0, procedure.structure - stage - 1)

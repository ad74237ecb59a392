"""Mesa agents of the neighbourhood model: disputes and conflict managers.

Residents are not agents: they are rows of NumPy arrays held by the model (see the ODD protocol,
``simulations/ODD_Stadtteilmodell.md``). The few, long-lived actors whose rules are a story of
their own — a dispute climbing Glasl's stages, a conflict manager working through cases — are
Mesa agents. Their case handling goes through the model's KMS (:mod:`kokosim.neighbourhood.kms`):
a dispute that becomes known is handed to ``model.kms``, a conflict manager asks it for cases
and treats them through it, and an ending dispute closes its case there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from kokosim.neighbourhood.procedures import PROCEDURES, Procedure, grip, overreach, reach

if TYPE_CHECKING:  # pragma: no cover - import only for type hints
    from kokosim.neighbourhood.model import Neighbourhood

__all__ = ["Dispute", "ConflictManager", "CAUSES", "MOBILISING_STAGE", "VIOLENT_STAGE",
           "ALLY_PRESSURE", "SETTLEMENT_GAIN", "IMPOSED_LOSS"]

#: What neighbours quarrel about (a label; the rules are the same for every cause).
CAUSES: tuple[str, ...] = ("Lärm", "öffentlicher Raum", "Ressourcen")
#: From this Glasl stage (Images und Koalitionen) a dispute recruits allies along ties.
MOBILISING_STAGE = 4
#: From this Glasl stage (Begrenzte Vernichtungsschläge) a dispute produces incidents.
VIOLENT_STAGE = 7
#: Number of allies at which the escalation pressure of a dispute has doubled (saturating).
ALLY_PRESSURE = 20
#: Share of the distance to 1 by which trust and attitude of a dispute's members rise when a
#: healing intervention settles it.
SETTLEMENT_GAIN = 0.2
#: Share by which an imposed end lowers trust and openness among the parties and their
#: neighbours (one side lost), times one more than the procedure's :func:`overreach`.
IMPOSED_LOSS = 0.1


class Dispute(mesa.Agent):
    """A dispute between two neighbours with a Glasl stage, allies and (maybe) a case file.

    Parameters
    ----------
    model : Neighbourhood
    parties : numpy.ndarray
        Indices of the two residents who quarrel.
    cause : str
        One of :data:`CAUSES`.

    Attributes
    ----------
    stage, peak_stage : int
        Glasl stage 1..9 now, and the highest so far.
    members : numpy.ndarray
        Indices of the two parties followed by the allies mobilised for the dispute.
    started, reported, detected, queued : int or None
        Week of onset, of the report at a contact point, of its arrival at the KMS and since
        when it waits for a conflict manager.
    report_stage : int or None
        Stage at the report.
    manager : ConflictManager or None
        Who handles the case (set by the KMS).
    intervention : str or None
        Key of the running procedure (a rung of :data:`kokosim.escalation.LADDER`; set by the
        KMS).
    accepted : bool
        The parties agreed to the running procedure (always ``True`` for an imposed one).
    treated : bool
        A procedure was ever started.
    recruiting : bool
        ``True`` while a mobilisation cascade runs: it starts whenever the dispute climbs to a
        stage of 4 or more and stops after a week in which nobody joined.
    """

    def __init__(self, model: Neighbourhood, parties: np.ndarray, cause: str) -> None:
        super().__init__(model)
        self.members = parties
        self.cause = cause
        self.stage = self.peak_stage = 1
        self.started = model.steps
        self.reported: int | None = None
        self.report_stage: int | None = None
        self.detected: int | None = None
        self.queued: int | None = None
        self.manager: ConflictManager | None = None
        self.intervention: str | None = None
        self.accepted = self.treated = False
        self.recruiting = False
        model.coalition[parties] = self.unique_id
        model.disputes_started += 1
        model.disputes_total += 1

    @property
    def parties(self) -> np.ndarray:
        """The two residents who quarrel."""
        return self.members[:2]

    @property
    def allies(self) -> np.ndarray:
        """Residents mobilised for the dispute."""
        return self.members[2:]

    @property
    def procedure(self) -> Procedure | None:
        """The running procedure (``None`` without one)."""
        return None if self.intervention is None else PROCEDURES[self.intervention]

    @property
    def hold(self) -> float:
        """How much of the dispute the running procedure holds: grip × reach, 0 without one or
        before the parties agreed."""
        procedure = self.procedure
        if procedure is None or not self.accepted:
            return 0.0
        return grip(procedure.structure, self.stage) * reach(procedure, self.members.size - 2)

    def party_trust(self) -> float:
        """Mean trust of the two parties in the city."""
        first, second = self.members[:2]
        return float((self.model.trust[first] + self.model.trust[second]) / 2)

    def step(self) -> None:
        """One week: change stage, then mobilise (while the cascade runs), violence and police,
        and get reported."""
        if not self.change_stage():
            return
        if self.recruiting:
            self.recruiting = self.model.mobilise(self)
        if self.stage >= VIOLENT_STAGE:
            self.violence()
        self.report()

    def violence(self) -> None:
        """Incidents (attacks, damage) at stage 7 and above, and the police.

        Violence is a crime, not a case for the ladder: with probability ``police_response`` a
        week, police and criminal justice stop it and the dispute falls back to stage 6.
        """
        model = self.model
        count = model.rng.poisson(model.incident_rate * (self.stage - VIOLENT_STAGE + 1))
        if count:
            model.incident(self.random.choice(self.members.tolist()), int(count))
        if self.random.random() < model.police_response:
            self.stage = VIOLENT_STAGE - 1
            model.police_cases += 1

    def change_stage(self) -> bool:
        """Escalate or de-escalate one stage at random; return ``False`` if the dispute ended.

        Escalation grows with the members' mean tension at the start of the week
        (``model.camp_tension``) and the number of allies and is held back by an agreed
        procedure (:attr:`hold`); self-calming grows with the parties' trust and gets harder
        the higher the stage.
        """
        model = self.model
        pressure = 1.0 + min(self.members.size - 2, ALLY_PRESSURE) / ALLY_PRESSURE
        p_up = (model.escalation_rate * (0.5 + model.camp_tension[self.unique_id]) * pressure
                * (1.0 - self.hold))
        p_down = model.deescalation_rate * (0.5 + self.party_trust()) * (10 - self.stage) / 9
        draw = self.random.random()
        if draw < p_up:
            self.stage = min(self.stage + 1, 9)
            if self.stage >= VIOLENT_STAGE > self.peak_stage:
                model.disputes_violent_total += 1
            self.peak_stage = max(self.peak_stage, self.stage)
            self.recruiting = self.stage >= MOBILISING_STAGE
        elif draw < p_up + p_down:
            self.stage -= 1
            if self.stage == 0:
                self.end(settled=False)
                return False
        return True

    def report(self) -> None:
        """Get reported at a contact point, and reach the KMS after the reporting delay."""
        model = self.model
        if self.detected is not None:
            return
        if self.reported is None and (
                self.stage >= VIOLENT_STAGE
                or (self.stage >= model.detection_threshold
                    and self.random.random() < model.effective_coverage)):
            model.kms.report(self)
        if self.reported is not None and model.steps - self.reported >= model.reporting_delay:
            self.detected = model.steps
            model.kms.receive(self)

    def end(self, settled: bool) -> None:
        """Close the dispute: free its members, and its case and mediator at the KMS. A healing
        settlement builds trust and openness among its members; an imposed one leaves a loser
        and backfires (:data:`IMPOSED_LOSS`)."""
        model = self.model
        members = self.members
        procedure = self.procedure
        if settled and procedure is not None and procedure.healing:
            model.trust[members] += SETTLEMENT_GAIN * (1.0 - model.trust[members])
            model.attitude[members] += SETTLEMENT_GAIN * (1.0 - model.attitude[members])
        elif settled and procedure is not None:
            model.backfire(self, IMPOSED_LOSS * (1 + overreach(procedure, self.stage)))
        model.record_end(self, settled)
        model.coalition[members] = -1
        model.kms.close(self, settled)
        self.remove()


class ConflictManager(mesa.Agent):
    """A municipal conflict manager who works on up to ``case_capacity`` cases at a time.

    Each week the manager treats every open case, then takes the most escalated waiting cases
    for which an intervention is available (triage) until the capacity is used. The KMS
    (``model.kms``) hires and releases managers and fills and empties :attr:`cases`.

    Attributes
    ----------
    cases : list of Dispute
        The disputes this manager works on.
    """

    def __init__(self, model: Neighbourhood) -> None:
        super().__init__(model)
        self.cases: list[Dispute] = []

    def step(self) -> None:
        """Treat the open cases, then take new ones from the KMS's waiting list."""
        kms = self.model.kms
        for case in list(self.cases):
            kms.treat(case)
        while len(self.cases) < self.model.case_capacity:
            if kms.take_case(self) is None:
                break

"""The municipal conflict management system (KMS) of the neighbourhood model.

One object, owned by the model as ``model.kms``, handles every case: it counts the reports of
the contact points, receives disputes that reached the KMS, keeps the waiting list, staffs the
conflict managers, hands out the mediators of the pool, chooses the procedure for a dispute's
stage (the intervention rule), offers it to the parties and counts what all this costs. Disputes
and conflict managers (:mod:`kokosim.neighbourhood.agents`) ask it for these services; nothing
else changes a case's procedure, its manager or the number of busy mediators.

Whether a procedure works follows from the mechanisms of :mod:`kokosim.neighbourhood.procedures`
(acceptance, grip, reach, overreach). Violence (stage 7 and above) is a crime: the KMS does not
treat it with the ladder; it protects and informs (staff hours) while police and criminal justice
act (:meth:`Dispute.violence <kokosim.neighbourhood.agents.Dispute.violence>`).

The KMS reads its parameters (``conflict_managers``, ``case_capacity``, ``mediators``,
``intervention_rule``, ``standard_intervention``, ``intervention_effect``, ``mediator_cost``)
from the model, so :meth:`~kokosim.neighbourhood.Neighbourhood.set_parameter` changes them
during a run.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from kokosim.escalation import recommend_interventions
from kokosim.neighbourhood.agents import VIOLENT_STAGE, ConflictManager
from kokosim.neighbourhood.procedures import NEEDS_MEDIATOR, PROCEDURES, acceptance, overreach

if TYPE_CHECKING:  # pragma: no cover - import only for type hints
    from kokosim.neighbourhood.agents import Dispute
    from kokosim.neighbourhood.model import Neighbourhood

__all__ = ["KMS", "LADDER_CHOICE", "INTAKE_HOURS", "PROTECTION_HOURS", "BACKFIRE"]

#: Ladder-matched choice: procedures that fit each stage below violence, best first.
LADDER_CHOICE: dict[int, tuple[str, ...]] = {
    number: tuple(rung.key for rung in recommend_interventions(number))
    for number in range(1, VIOLENT_STAGE)}
#: Staff hours for taking in one reported dispute.
INTAKE_HOURS = 2.0
#: Staff hours a week for a case in police hands (protection of those affected, information).
PROTECTION_HOURS = 3.0
#: Weekly share by which an imposed procedure lowers trust and openness (and raises threat)
#: among those involved and their neighbours, per level of :func:`overreach`.
BACKFIRE = 0.1


class KMS:
    """Waiting list, conflict managers, mediator pool and intervention rule of a model.

    Parameters
    ----------
    model : Neighbourhood
        The model whose parameters the KMS follows; it creates ``model.conflict_managers``
        conflict managers.

    Attributes
    ----------
    waiting : list of Dispute
        Disputes that reached the KMS and have no conflict manager (yet, or again).
    mediators_busy : int
        Mediators of the pool who accompany a case now.
    started, succeeded : int
        Procedures begun (a change of procedure counts) and disputes settled this week.
    started_total, succeeded_total : int
        The same since the start of the run.
    staff_hours : float
        Hours of the Konfliktmanager:innen this week (intake, casework, protection).
    reports, refusals, false_alarms : int
        This week: reports at contact points; refused offers of a voluntary procedure; reported
        disputes that calmed down by themselves without climbing after the report.
    detections, detection_weeks : int
        Disputes that reached the KMS so far, and their summed weeks from onset to arrival.
    cases_started, waiting_weeks : int
        Cases a manager took up so far, and their summed weeks on the waiting list.

    Examples
    --------
    >>> from kokosim.neighbourhood import Neighbourhood
    >>> model = Neighbourhood("neue_unterkunft", seed=1, width=20, height=20, mediators=1)
    >>> for _ in range(40):
    ...     model.step()
    >>> kms = model.kms
    >>> len(kms.managers), kms.mediators_busy <= 1, kms.open_cases <= 2 * model.case_capacity
    (2, True, True)
    >>> kms.detections > 0 and kms.detection_delay >= model.reporting_delay
    True
    >>> kms.staff(0)                       # both managers leave: their cases wait again
    >>> kms.open_cases, kms.mediators_busy
    (0, 0)
    """

    def __init__(self, model: Neighbourhood) -> None:
        self.model = model
        self.waiting: list[Dispute] = []
        self.mediators_busy = 0
        self.started_total = self.succeeded_total = 0
        self.detections = self.detection_weeks = 0
        self.cases_started = self.waiting_weeks = 0
        self.start_week()
        self.staff(model.conflict_managers)

    # --- staff ----------------------------------------------------------------------------------
    @property
    def managers(self) -> list[ConflictManager]:
        """The conflict managers, oldest first."""
        managers = self.model.agents_by_type.get(ConflictManager, [])
        return sorted(managers, key=lambda manager: manager.unique_id)

    @property
    def open_cases(self) -> int:
        """Cases a conflict manager works on now."""
        return sum(len(manager.cases) for manager in self.managers)

    @property
    def detection_delay(self) -> float:
        """Mean weeks from a dispute's onset to its arrival at the KMS (NaN before the first)."""
        return self.detection_weeks / self.detections if self.detections else math.nan

    @property
    def waiting_time(self) -> float:
        """Mean weeks a case waited for a manager (NaN before the first case)."""
        return self.waiting_weeks / self.cases_started if self.cases_started else math.nan

    @property
    def mediator_costs(self) -> float:
        """Fees of the mediators busy this week (euros)."""
        return self.mediators_busy * self.model.mediator_cost

    def staff(self, count: int) -> None:
        """Hire or release conflict managers until there are ``count``; the newest leave first
        and their cases go back to the waiting list."""
        managers = self.managers
        for _ in range(count - len(managers)):
            ConflictManager(self.model)
        for manager in managers[count:]:
            for case in manager.cases:
                case.manager = None
                self._set_intervention(case, None)
                self._queue(case)
            manager.cases = []
            manager.remove()

    # --- cases ----------------------------------------------------------------------------------
    def start_week(self) -> None:
        """Reset the weekly counts."""
        self.started = self.succeeded = 0
        self.staff_hours = 0.0
        self.reports = self.refusals = self.false_alarms = 0

    def report(self, dispute: Dispute) -> None:
        """A contact point reported the dispute (it reaches the KMS after the reporting delay)."""
        dispute.reported = self.model.steps
        dispute.report_stage = dispute.stage
        self.reports += 1

    def receive(self, dispute: Dispute) -> None:
        """A dispute reached the KMS: note the weeks since its onset, take it in, and put it on
        the waiting list."""
        self.detections += 1
        self.detection_weeks += dispute.detected - dispute.started
        self.staff_hours += INTAKE_HOURS
        self._queue(dispute)

    def take_case(self, manager: ConflictManager) -> Dispute | None:
        """Give ``manager`` the most escalated waiting dispute for which a procedure is
        available (triage), with that procedure; ``None`` if there is none."""
        for case in sorted(self.waiting, key=lambda d: (-d.stage, d.detected, d.unique_id)):
            if self._assign(case):
                self.waiting.remove(case)
                self.cases_started += 1
                self.waiting_weeks += self.model.steps - case.queued
                case.manager = manager
                manager.cases.append(case)
                return case
        return None

    def treat(self, dispute: Dispute) -> None:
        """One week of a case.

        Violence goes to police and criminal justice; the KMS protects and informs. Otherwise
        the rule picks a procedure (the ladder rule re-picks when the stage has moved out of the
        current one's range), the parties may refuse a voluntary one, an imposed one stronger
        than needed backfires, and an agreed procedure settles the dispute with a weekly
        probability of ``intervention_effect`` times its hold (grip × reach).
        """
        model = self.model
        if dispute.stage >= VIOLENT_STAGE:
            self._set_intervention(dispute, None)
            self.staff_hours += PROTECTION_HOURS
            return
        if model.intervention_rule == "ladder" or dispute.intervention is None:
            self._assign(dispute)
        procedure = dispute.procedure
        if procedure is None:
            return
        self.staff_hours += procedure.staff_hours
        if not dispute.accepted:
            if model.random.random() >= acceptance(dispute.stage, dispute.party_trust()):
                self.refusals += 1
                return
            dispute.accepted = True
        too_strong = overreach(procedure, dispute.stage)
        if too_strong:
            model.backfire(dispute, BACKFIRE * too_strong)
        if model.random.random() < model.intervention_effect * dispute.hold:
            self.succeeded += 1
            self.succeeded_total += 1
            dispute.end(settled=True)

    def close(self, dispute: Dispute, settled: bool) -> None:
        """A dispute ended: free its mediator, its manager and its place on the list; a
        reported dispute that calmed down by itself without climbing was a false alarm."""
        if (not settled and dispute.report_stage is not None
                and dispute.peak_stage <= dispute.report_stage):
            self.false_alarms += 1
        self._set_intervention(dispute, None)
        if dispute.manager is not None:
            dispute.manager.cases.remove(dispute)
            dispute.manager = None
        if dispute in self.waiting:
            self.waiting.remove(dispute)

    def choose_intervention(self, dispute: Dispute) -> str | None:
        """The procedure the rule picks for the dispute's stage, or ``None`` for violence and
        when every candidate needs a mediator and none is free.

        Rule ``ladder``: the running procedure while it is among :data:`LADDER_CHOICE` for the
        stage, else the first of them that is available; rule ``uniform``: always
        ``standard_intervention``. A mediator the dispute already has counts as free.
        """
        model = self.model
        if dispute.stage >= VIOLENT_STAGE:
            return None
        options = (LADDER_CHOICE[dispute.stage] if model.intervention_rule == "ladder"
                   else (model.standard_intervention,))
        if dispute.intervention in options:
            return dispute.intervention
        free_mediators = (model.mediators - self.mediators_busy
                          + (dispute.intervention in NEEDS_MEDIATOR))
        for key in options:
            if key not in NEEDS_MEDIATOR or free_mediators > 0:
                return key
        return None

    def _assign(self, dispute: Dispute) -> bool:
        """Give the dispute the chosen intervention (a change counts as a new start)."""
        key = self.choose_intervention(dispute)
        if key is None:
            return False
        if key != dispute.intervention:
            self._set_intervention(dispute, key)
            self.started += 1
            self.started_total += 1
        return True

    def _set_intervention(self, dispute: Dispute, key: str | None) -> None:
        """Switch a dispute's procedure, keeping the count of busy mediators right; a new
        voluntary procedure must first be agreed to."""
        self.mediators_busy += (key in NEEDS_MEDIATOR) - (dispute.intervention in NEEDS_MEDIATOR)
        if key != dispute.intervention:
            dispute.accepted = key is not None and not PROCEDURES[key].voluntary
            dispute.treated = dispute.treated or key is not None
        dispute.intervention = key

    def _queue(self, dispute: Dispute) -> None:
        """Put a dispute on the waiting list."""
        dispute.queued = self.model.steps
        self.waiting.append(dispute)

"""The municipal conflict management system (KMS) of the neighbourhood model.

One object, owned by the model as ``model.kms``, handles every case: it receives disputes that
reached the KMS, keeps the waiting list, staffs the conflict managers, hands out the mediators of
the pool and chooses the intervention for a dispute's stage (the intervention rule), and it counts
started and successful interventions. Disputes and conflict managers
(:mod:`kokosim.neighbourhood.agents`) ask it for these services; nothing else changes a case's
intervention, its manager or the number of busy mediators.

The KMS reads its parameters (``conflict_managers``, ``case_capacity``, ``mediators``,
``intervention_rule``, ``standard_intervention``, ``intervention_effect``) from the model, so
:meth:`~kokosim.neighbourhood.Neighbourhood.set_parameter` changes them during a run.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from kokosim.escalation import recommend_interventions
from kokosim.neighbourhood.agents import ConflictManager

if TYPE_CHECKING:  # pragma: no cover - import only for type hints
    from kokosim.neighbourhood.agents import Dispute
    from kokosim.neighbourhood.model import Neighbourhood

__all__ = ["KMS", "NEEDS_MEDIATOR", "LADDER_CHOICE"]

#: Interventions that need a person from the mediator pool.
NEEDS_MEDIATOR: frozenset[str] = frozenset({"prozessbegleitung", "sozio_therapeutisch",
                                            "mediation"})
#: Ladder-matched choice: interventions that fit each stage, best first.
LADDER_CHOICE: dict[int, tuple[str, ...]] = {
    number: tuple(rung.key for rung in recommend_interventions(number)) for number in range(1, 10)}


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
        Interventions begun (a change of intervention counts) and disputes settled this week.
    started_total, succeeded_total : int
        The same since the start of the run.
    detections, detection_weeks : int
        Disputes that reached the KMS so far, and their summed weeks from onset to arrival.

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
        self.started = self.succeeded = 0
        self.started_total = self.succeeded_total = 0
        self.detections = self.detection_weeks = 0
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
                self.waiting.append(case)
            manager.cases = []
            manager.remove()

    # --- cases ----------------------------------------------------------------------------------
    def start_week(self) -> None:
        """Reset the weekly counts."""
        self.started = self.succeeded = 0

    def receive(self, dispute: Dispute) -> None:
        """A dispute reached the KMS: note the weeks since its onset and put it on the list."""
        self.detections += 1
        self.detection_weeks += dispute.detected - dispute.started
        self.waiting.append(dispute)

    def take_case(self, manager: ConflictManager) -> Dispute | None:
        """Give ``manager`` the most escalated waiting dispute for which an intervention is
        available (triage), with that intervention; ``None`` if there is none."""
        for case in sorted(self.waiting, key=lambda d: (-d.stage, d.detected, d.unique_id)):
            if self._assign(case):
                self.waiting.remove(case)
                case.manager = manager
                manager.cases.append(case)
                return case
        return None

    def treat(self, dispute: Dispute) -> None:
        """One week of intervention: re-choose if the ladder rule says so, then maybe settle."""
        model = self.model
        if model.intervention_rule == "ladder" and dispute.fit < 1.0:
            self._assign(dispute)
        if model.random.random() < model.intervention_effect * dispute.fit:
            self.succeeded += 1
            self.succeeded_total += 1
            dispute.end(settled=True)

    def close(self, dispute: Dispute) -> None:
        """A dispute ended: free its mediator, its manager and its place on the list."""
        self._set_intervention(dispute, None)
        if dispute.manager is not None:
            dispute.manager.cases.remove(dispute)
            dispute.manager = None
        if dispute in self.waiting:
            self.waiting.remove(dispute)

    def choose_intervention(self, dispute: Dispute) -> str | None:
        """The intervention the rule picks for the dispute's stage, or ``None`` if every
        candidate needs a mediator and none is free.

        Rule ``ladder``: the first of :data:`LADDER_CHOICE` for the stage; rule ``uniform``:
        always ``standard_intervention``. A mediator the dispute already has counts as free.
        """
        model = self.model
        options = (LADDER_CHOICE[dispute.stage] if model.intervention_rule == "ladder"
                   else (model.standard_intervention,))
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
        """Switch a dispute's intervention, keeping the count of busy mediators right."""
        self.mediators_busy += (key in NEEDS_MEDIATOR) - (dispute.intervention in NEEDS_MEDIATOR)
        dispute.intervention = key

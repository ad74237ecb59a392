"""Citizens and cops of Epstein's civil-violence model."""

from __future__ import annotations

from mesa.discrete_space import CellAgent

from kokosim.classics.mechanisms import arrest_probability, grievance, is_rebellious

__all__ = ["Citizen", "Cop"]


class Citizen(CellAgent):
    """A citizen who turns active (rebels) when grievance outweighs the risk of arrest.

    Parameters
    ----------
    model : CivilViolence
    hardship : float
        Perceived hardship H, uniform in [0, 1].
    risk_aversion : float
        Risk aversion R, uniform in [0, 1].
    """

    def __init__(self, model, hardship: float, risk_aversion: float) -> None:
        super().__init__(model)
        self.hardship = hardship
        self.risk_aversion = risk_aversion
        self.active = False
        self.jail_term = 0

    @property
    def grievance(self) -> float:
        """G = H (1 - L)."""
        return float(grievance(self.hardship, self.model.legitimacy))

    def step(self) -> None:
        """Serve jail time, or move (rule M) and decide whether to be active (rule A)."""
        if self.jail_term > 0:
            self.jail_term -= 1
            if self.jail_term == 0:
                self.model.release(self)
            return
        self.model.move_within_vision(self)
        cops, actives = self.model.count_in_vision(self)
        # The citizen counts itself as active when estimating its own risk.
        p = arrest_probability(cops, actives + (0 if self.active else 1), self.model.k)
        self.model.set_active(self, bool(is_rebellious(
            self.grievance, self.risk_aversion, p, self.model.threshold)))


class Cop(CellAgent):
    """A cop who moves and arrests a random active citizen within vision (rule C)."""

    def __init__(self, model) -> None:
        super().__init__(model)

    def step(self) -> None:
        """Move (rule M), then arrest one active citizen in vision, if any."""
        self.model.move_within_vision(self)
        suspects = self.model.actives_in_vision(self)
        if suspects:
            self.model.arrest(self.random.choice(suspects))

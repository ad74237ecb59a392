"""The actor of the bounded-confidence model."""

from __future__ import annotations

import mesa

from kokosim.classics.mechanisms import bounded_confidence

__all__ = ["OpinionAgent"]


class OpinionAgent(mesa.Agent):
    """An actor with a continuous opinion in [0, 1].

    Parameters
    ----------
    model : Deffuant
    opinion : float
    """

    def __init__(self, model: mesa.Model, opinion: float) -> None:
        super().__init__(model)
        self.opinion = opinion

    def meet(self, other: OpinionAgent) -> None:
        """Both move towards each other by ``mu`` if their opinions differ by less than ``d``."""
        mine, theirs = bounded_confidence(self.opinion, other.opinion, self.model.d, self.model.mu)
        self.opinion, other.opinion = float(mine), float(theirs)

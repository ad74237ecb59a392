"""The actor of Granovetter's threshold model."""

from __future__ import annotations

import mesa

from kokosim.classics.mechanisms import activates

__all__ = ["ThresholdAgent"]


class ThresholdAgent(mesa.Agent):
    """An actor who joins (riots, protests) once enough others have joined.

    Parameters
    ----------
    model : Granovetter
    threshold : float
        Number of *other* actors that must be active before this one joins.
    """

    def __init__(self, model: mesa.Model, threshold: float) -> None:
        super().__init__(model)
        self.threshold = threshold
        self.active = False

    def step(self) -> None:
        """Join if the number of others active after the previous step reaches the threshold."""
        if not self.active and activates(self.threshold, self.model.active_before):
            self.active = True

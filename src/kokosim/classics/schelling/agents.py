"""The resident of Schelling's segregation model."""

from __future__ import annotations

from mesa.discrete_space import CellAgent

__all__ = ["SchellingAgent"]


class SchellingAgent(CellAgent):
    """A resident who moves away when too few neighbours belong to their own group.

    Parameters
    ----------
    model : Schelling
    cell : mesa.discrete_space.Cell
        Home cell.
    group : int
        1 (majority) or 2 (minority).
    """

    def __init__(self, model, cell, group: int) -> None:
        super().__init__(model)
        self.cell = cell
        self.group = group

    def neighbour_counts(self) -> tuple[int, int]:
        """Return (similar, total) neighbours within the model's radius."""
        neighbours = list(self.cell.get_neighborhood(radius=self.model.radius).agents)
        similar = sum(1 for other in neighbours if other.group == self.group)
        return similar, len(neighbours)

    @property
    def happy(self) -> bool:
        """At least a share ``homophily`` of the neighbours is similar (no neighbours: happy)."""
        similar, total = self.neighbour_counts()
        return similar >= self.model.homophily * total

    def step(self) -> None:
        """An unhappy resident moves to a random empty cell, at once (one at a time)."""
        if not self.happy:
            self.model.relocate(self)

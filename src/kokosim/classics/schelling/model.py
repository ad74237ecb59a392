"""Schelling, T. C. (1971). Dynamic models of segregation. Journal of Mathematical Sociology 1,
143-186. Defaults follow the NetLogo Segregation model (Wilensky 1997), the standard replication."""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid

from kokosim._validate import check_integer, check_number, check_probability
from kokosim.classics._base import ClassicModel
from kokosim.classics.schelling.agents import SchellingAgent

__all__ = ["Schelling"]


class Schelling(ClassicModel):
    """Segregation from mild preferences (Schelling 1971).

    Residents of two groups live on a torus grid. A resident is content when at least a share
    ``homophily`` of the neighbours within ``radius`` (Moore neighbourhood) belongs to the own group.
    Discontented residents move one at a time, in random order, to a random empty cell; each
    move changes the neighbourhood the next resident sees, as in Schelling's original hand-played
    version. The model is settled when everyone is content.

    Parameters
    ----------
    width, height : int, default 51
        Size of the torus grid (NetLogo's 51 x 51 world).
    density : float, default 0.95
        Share of cells occupied, in (0, 1).
    minority_share : float, default 0.5
        Share of residents in group 2, in (0, 1).
    homophily : float, default 0.3
        Minimum share of similar neighbours a resident wants, in [0, 1] (NetLogo's
        %-similar-wanted = 30).
    radius : int, default 1
        Neighbourhood radius (1 = the eight adjacent cells).
    seed : int, optional
        Seed of the random number generators.

    Attributes
    ----------
    similar_share : float
        Share of similar neighbours over all neighbour pairs (NetLogo's "percent similar").
    happy_share : float
        Share of content residents.

    Examples
    --------
    >>> model = Schelling(width=20, height=20, density=0.8, seed=3)
    >>> start = model.similar_share
    >>> model.run_model(max_steps=100)
    >>> model.happy_share
    1.0
    >>> model.similar_share > start + 0.15
    True
    """

    default_max_steps = 1000

    def __init__(self, width: int = 51, height: int = 51, density: float = 0.95,
                 minority_share: float = 0.5, homophily: float = 0.3, radius: int = 1,
                 seed: int | None = None) -> None:
        super().__init__(rng=seed)  # Mesa 3.5 deprecates seed=; an int gives the same streams
        self.width = check_integer("width", width, 3)
        self.height = check_integer("height", height, 3)
        check_number("density", density, 0, 1, low_open=True, high_open=True)
        check_number("minority_share", minority_share, 0, 1, low_open=True, high_open=True)
        self.homophily = check_probability("homophily", homophily)
        self.radius = check_integer("radius", radius, 1, (min(width, height) - 1) // 2)
        self.density, self.minority_share = float(density), float(minority_share)
        self.grid = OrthogonalMooreGrid((width, height), torus=True, capacity=1, random=self.random)
        self.empty_cells = []
        for cell in self.grid.all_cells:
            if self.random.random() < density:
                group = 2 if self.random.random() < minority_share else 1
                SchellingAgent(self, cell, group)
            else:
                self.empty_cells.append(cell)
        if not self.empty_cells or len(self.agents) == 0:
            raise ValueError(f"density={density!r} leaves no empty cell or no resident on a "
                             f"{width}x{height} grid: choose a density further from 0 and 1")
        self.datacollector = mesa.DataCollector(
            model_reporters={"similar_share": "similar_share", "happy_share": "happy_share"})
        self.datacollector.collect(self)

    def relocate(self, agent: SchellingAgent) -> None:
        """Move ``agent`` to a random empty cell; its old cell becomes empty."""
        index = self.random.randrange(len(self.empty_cells))
        old = agent.cell
        agent.cell = self.empty_cells[index]
        self.empty_cells[index] = old

    @property
    def similar_share(self) -> float:
        """Similar neighbours / all neighbours, pooled over residents."""
        similar = total = 0
        for agent in self.agents:
            s, t = agent.neighbour_counts()
            similar, total = similar + s, total + t
        return similar / total if total else 1.0

    @property
    def happy_share(self) -> float:
        """Share of content residents."""
        return sum(agent.happy for agent in self.agents) / len(self.agents)

    def grid_array(self) -> np.ndarray:
        """Groups on the grid as an (height, width) int array: 0 empty, 1 majority, 2 minority."""
        groups = np.zeros((self.height, self.width), dtype=int)
        for agent in self.agents:
            x, y = agent.cell.coordinate
            groups[y, x] = agent.group
        return groups

    def step(self) -> None:
        """Give every resident, in random order, the chance to move."""
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)
        self.running = self.happy_share < 1.0

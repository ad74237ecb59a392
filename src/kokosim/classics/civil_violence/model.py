"""Epstein, J. M. (2002). Modeling civil violence: An agent-based computational approach.
PNAS 99 (suppl. 3), 7243-7250."""

from __future__ import annotations

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalVonNeumannGrid

from kokosim._validate import check_integer, check_number, check_probability
from kokosim.classics._base import ClassicModel
from kokosim.classics.civil_violence.agents import Citizen, Cop

__all__ = ["CivilViolence"]


class CivilViolence(ClassicModel):
    """Rebellion against a central authority (Epstein 2002, model I).

    Citizens have hardship H and risk aversion R (both uniform in [0, 1]); grievance is
    G = H (1 - L) with the regime's legitimacy L. A citizen estimates its arrest probability from the
    cops C and active citizens A (itself included) within its von Neumann vision as
    P = 1 - exp(-k floor(C / A)) and is active when G - R P > T. Cops arrest a random active citizen
    within vision; the arrested citizen is jailed for a term uniform in 0..``max_jail_term`` steps
    and reappears on a random empty cell afterwards. Everyone first moves to a random empty cell
    within vision (rule M). Agents act one at a time in random order.

    There is no settled state in general (outbursts recur), so :meth:`run_model` stops after
    ``default_max_steps`` unless nobody can ever become active (``1 - L <= T``) and nobody is active.

    Parameters
    ----------
    width, height : int, default 40
    citizen_density, cop_density : float, default 0.7 and 0.04
        Shares of cells holding a citizen / a cop (sum < 1).
    legitimacy : float, default 0.82
        L in [0, 1].
    vision : int, default 7
        Number of cells an agent sees north, south, east and west.
    max_jail_term : int, default 30
        J_max, in steps.
    threshold : float, default 0.1
        T.
    k : float, default 2.3
        Arrest-probability constant.
    seed : int, optional

    Attributes
    ----------
    n_active, n_jailed, n_quiet : int

    Examples
    --------
    >>> calm = CivilViolence(width=20, height=20, legitimacy=0.95, seed=1)
    >>> calm.run_model()
    >>> calm.steps, calm.n_active      # 1 - L = 0.05 <= T: nobody can ever rebel
    (1, 0)
    """

    default_max_steps = 250

    def __init__(self, width: int = 40, height: int = 40, citizen_density: float = 0.7,
                 cop_density: float = 0.04, legitimacy: float = 0.82, vision: int = 7,
                 max_jail_term: int = 30, threshold: float = 0.1, k: float = 2.3,
                 seed: int | None = None) -> None:
        super().__init__(rng=seed)  # Mesa 3.5 deprecates seed=; an int gives the same streams
        self.width = check_integer("width", width, 3)
        self.height = check_integer("height", height, 3)
        check_probability("citizen_density", citizen_density)
        check_number("cop_density", cop_density, 0, 1 - citizen_density, high_open=True)
        self.legitimacy = check_probability("legitimacy", legitimacy)
        self.vision = check_integer("vision", vision, 1, (min(width, height) - 1) // 2)
        self.max_jail_term = check_integer("max_jail_term", max_jail_term, 0)
        self.threshold = check_number("threshold", threshold, 0)
        self.k = check_number("k", k, 0)
        self.grid = OrthogonalVonNeumannGrid((width, height), torus=True, capacity=1,
                                             random=self.random)
        # Vision counts come from two NumPy layers kept in step with every move, arrest and
        # change of state: summing a layer over a precomputed neighbourhood is far cheaper than
        # walking the 4 * v * (v + 1) / 2 cells of each agent's vision in Python.
        self._occupied = np.zeros(width * height, dtype=np.int32)
        self._cops = np.zeros(width * height, dtype=np.int32)
        self._actives = np.zeros(width * height, dtype=np.int32)
        self._vision_index = self._precompute_vision()
        for cell in self.grid.all_cells:
            draw = self.random.random()
            if draw < cop_density:
                self.place(Cop(self), cell)
            elif draw < cop_density + citizen_density:
                self.place(Citizen(self, self.random.random(), self.random.random()), cell)
        self.datacollector = mesa.DataCollector(model_reporters={
            "n_active": "n_active", "n_jailed": "n_jailed", "n_quiet": "n_quiet"})
        self.datacollector.collect(self)

    def _flat(self, cell) -> int:
        x, y = cell.coordinate
        return x * self.height + y

    def _precompute_vision(self) -> np.ndarray:
        """Row ``i``: flat indices of the cells seen from flat cell ``i`` (torus)."""
        offsets = [(dx, dy) for dx in range(-self.vision, self.vision + 1)
                   for dy in range(-self.vision, self.vision + 1)
                   if 0 < abs(dx) + abs(dy) <= self.vision]
        dx, dy = np.array(offsets).T
        x, y = np.divmod(np.arange(self.width * self.height), self.height)
        return ((x[:, None] + dx) % self.width) * self.height + (y[:, None] + dy) % self.height

    # --- observables -------------------------------------------------------------------------
    @property
    def citizens(self) -> list[Citizen]:
        """All citizens, jailed or not."""
        return list(self.agents_by_type[Citizen])

    @property
    def n_active(self) -> int:
        """Active citizens (not jailed)."""
        return int(self._actives.sum())

    @property
    def n_jailed(self) -> int:
        """Citizens in jail."""
        return len(self.agents_by_type[Citizen]) - int(self._occupied.sum() - self._cops.sum())

    @property
    def n_quiet(self) -> int:
        """Citizens neither active nor jailed."""
        return len(self.agents_by_type[Citizen]) - self.n_active - self.n_jailed

    # --- services the agents call ------------------------------------------------------------
    def count_in_vision(self, agent: Citizen | Cop) -> tuple[int, int]:
        """Cops and active citizens within ``agent``'s vision (excluding its own cell)."""
        seen = self._vision_index[self._flat(agent.cell)]
        return int(self._cops[seen].sum()), int(self._actives[seen].sum())

    def actives_in_vision(self, agent: Cop) -> list[Citizen]:
        """Active citizens within ``agent``'s vision."""
        seen = self._vision_index[self._flat(agent.cell)]
        return [self._agent_at(int(i)) for i in seen[self._actives[seen] > 0]]

    def _agent_at(self, flat: int) -> Citizen | Cop:
        return next(iter(self.grid[divmod(flat, self.height)].agents))

    def move_within_vision(self, agent: Citizen | Cop) -> None:
        """Rule M: move to a random empty cell within vision, if there is one."""
        seen = self._vision_index[self._flat(agent.cell)]
        empty = seen[self._occupied[seen] == 0]
        if empty.size:
            self.place(agent, self.grid[divmod(int(empty[self.random.randrange(empty.size)]),
                                               self.height)])

    def set_active(self, citizen: Citizen, active: bool) -> None:
        """Record a citizen's state in the active layer."""
        if citizen.active != active:
            citizen.active = active
            self._actives[self._flat(citizen.cell)] += 1 if active else -1

    def arrest(self, citizen: Citizen) -> None:
        """Jail ``citizen`` for a random term and take it off the grid."""
        self.set_active(citizen, False)
        citizen.jail_term = self.random.randint(0, self.max_jail_term)
        if citizen.jail_term > 0:
            self.place(citizen, None)

    def release(self, citizen: Citizen) -> None:
        """Put a released citizen on a random empty cell."""
        empty = np.flatnonzero(self._occupied == 0)
        self.place(citizen, self.grid[divmod(int(empty[self.random.randrange(empty.size)]),
                                             self.height)])

    def place(self, agent: Citizen | Cop, cell) -> None:
        """Move ``agent`` to ``cell`` (``None``: off the grid), keeping the layers in step."""
        self._mark(agent, agent.cell, -1)
        agent.cell = cell
        self._mark(agent, cell, +1)

    def _mark(self, agent: Citizen | Cop, cell, sign: int) -> None:
        if cell is None:
            return
        flat = self._flat(cell)
        self._occupied[flat] += sign
        if isinstance(agent, Cop):
            self._cops[flat] += sign
        elif agent.active:
            self._actives[flat] += sign

    def step(self) -> None:
        """All agents act once, in random order."""
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)
        nobody_can_rebel = 1 - self.legitimacy <= self.threshold
        self.running = not (nobody_can_rebel and self.n_active == 0 and self.n_jailed == 0)

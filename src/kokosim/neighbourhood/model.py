"""The neighbourhood conflict model: a Stadtteil with Glasl escalation, rumours, extreme events
and a municipal conflict management system (KMS).

Residents are rows of NumPy arrays (position, group, attitude, threat, trust, contact experience,
mobilisation threshold, rumour state); their rules are vectorised. Disputes and conflict managers
are Mesa agents (:mod:`kokosim.neighbourhood.agents`); case handling is the KMS's
(:mod:`kokosim.neighbourhood.kms`, ``model.kms``). The rules are described in the ODD
protocol ``simulations/ODD_Stadtteilmodell.md``; one step is one week.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import networkx as nx
import numpy as np
from scipy import sparse

from kokosim._validate import check_integer
from kokosim.classics.mechanisms import activates, bounded_confidence, grievance
from kokosim.escalation import stage
from kokosim.neighbourhood.agents import CAUSES, ConflictManager, Dispute
from kokosim.neighbourhood.kms import KMS
from kokosim.neighbourhood.parameters import PARAMETERS, validate
from kokosim.neighbourhood.scenarios import scenario_values

__all__ = [
    "Neighbourhood",
    "OBSERVABLES",
    "SUMMARY_LABELS",
    "LAYERS",
    "mobilisation_round",
    "disjoint_pairs",
    "UNAWARE",
    "SPREADING",
    "STIFLED",
]

# Rumour states of a resident.
UNAWARE, SPREADING, STIFLED = 0, 1, 2

#: Weekly share of the gap to the baseline by which threat and trust return to it.
THREAT_RECOVERY = 0.05
TRUST_RECOVERY = 0.02
#: Weekly probability that a spreader stops passing a rumour on (before communication).
RUMOUR_FORGET = 0.2
#: Weekly probability that someone who has stopped spreading becomes receptive to a new rumour.
RUMOUR_RENEWAL = 0.05
#: Each positive intergroup contact so far divides the impact of a rumour by (1 + this * count).
CONTACT_BUFFER = 0.1
#: Someone passing on a rumour is this many times more likely to attack (on top of once).
RUMOUR_AGITATION = 4.0
#: With a KMS the city stands by those affected by an incident (protection, information):
#: their trust falls by this share of what it would fall without one.
PROTECTED_TRUST_LOSS = 0.5
#: Residents with an attitude below this hold a negative image of the other group: only they
#: can be mobilised for a dispute (Glasl stage 4, Images und Koalitionen).
NEGATIVE_IMAGE = 0.4
#: Incidents hit residents within this many cells (square neighbourhood).
INCIDENT_RADIUS = 2
#: Share of the gap to 1 by which an incident raises the threat of those hit.
INCIDENT_THREAT = 0.2
#: Share by which an incident lowers the trust of those hit (the city did not protect them).
INCIDENT_TRUST_LOSS = 0.05
#: An extreme event lowers attitude by ``size * this`` and trust by ``size * SHOCK_TRUST_LOSS``
#: (the latter only without a prevention plan), and starts rumours among ``size * SHOCK_RUMOURS``
#: of those hit.
SHOCK_ATTITUDE_LOSS = 0.2
SHOCK_TRUST_LOSS = 0.3
SHOCK_RUMOURS = 0.1
#: Local event without a radius: radius = this share of the shorter grid side.
LOCAL_SHOCK_SHARE = 0.2
#: The crisis network of a prevention plan: how long it acts, the communication strength and
#: early-warning coverage it guarantees, and how much faster threat recovers meanwhile.
PLAN_RESPONSE_WEEKS = 12
PLAN_COMMUNICATION = 0.8
PLAN_COVERAGE = 0.8
PLAN_RECOVERY_FACTOR = 3.0

#: Observables collected every step: column -> German label.
OBSERVABLES: dict[str, str] = {
    "n_disputes": "Offene Konflikte",
    "mean_stage": "Mittlere Eskalationsstufe (0 = kein Konflikt)",
    "max_stage": "Höchste Eskalationsstufe",
    **{f"disputes_stage_{number}": f"Konflikte auf Stufe {number} ({stage(number).name})"
       for number in range(1, 10)},
    "incidents": "Vorfälle in dieser Woche",
    "incidents_total": "Vorfälle insgesamt",
    "detected_share": "Anteil erkannter Konflikte",
    "detection_delay": "Mittlere Zeit bis zur Erkennung (Wochen)",
    "open_cases": "Fälle in Bearbeitung",
    "waiting_cases": "Erkannte Fälle in der Warteschlange",
    "interventions_started": "Begonnene Interventionen (Woche)",
    "interventions_succeeded": "Erfolgreiche Interventionen (Woche)",
    "mobilised": "Mobilisierte Unterstützer:innen",
    "polarisation": "Polarisierung der Haltungen (0–1)",
    "attitude": "Mittlere Haltung zur anderen Gruppe (0–1)",
    "trust": "Vertrauen in die Stadt (0–1)",
    "mean_threat": "Wahrgenommene Bedrohung (0–1)",
    "tension": "Mittlere Spannung (0–1)",
    "rumour_share": "Anteil, der ein Gerücht weitergibt",
    "hostile_acts": "Übergriffe ohne Nachbarschaftsstreit (Woche)",
    "police_cases": "Von Polizei und Justiz gestoppte Gewalt (Woche)",
    "disputes_started": "Neue Streite (Woche)",
    "disputes_ended_unaided": "Ohne Intervention beendete Streite (Woche)",
    "reports": "Meldungen an Anlaufstellen (Woche)",
    "false_alarms": "Fehlalarme: gemeldete Streite, die sich von selbst legten (Woche)",
    "refusals": "Abgelehnte Verfahrensangebote (Woche)",
    "staff_hours": "Arbeitsstunden der Konfliktmanager:innen (Woche)",
    "mediator_costs": "Honorare externer Mediator:innen (Euro, Woche)",
    "waiting_time": "Mittlere Wartezeit bis Fallbeginn (Wochen)",
}

#: Labels of the extra figures of :meth:`Neighbourhood.summary`.
SUMMARY_LABELS: dict[str, str] = {
    "week": "Woche",
    "n_residents": "Bewohner:innen",
    **OBSERVABLES,
    "interventions_started_total": "Begonnene Interventionen insgesamt",
    "interventions_succeeded_total": "Erfolgreiche Interventionen insgesamt",
}

#: Layers of :meth:`Neighbourhood.state_map`: key -> German title.
LAYERS: dict[str, str] = {
    "spannung": "Spannung (0–1)",
    "bedrohung": "Wahrgenommene Bedrohung (0–1)",
    "haltung": "Haltung zur anderen Gruppe (0 = ablehnend, 1 = offen)",
    "vertrauen": "Vertrauen in die Stadt (0–1)",
    "stufe": "Eskalationsstufe des eigenen Konflikts (0 = keiner)",
    "gruppe": "Gruppe (0 = alteingesessen, 1 = neu zugezogen)",
    "geruecht": "Gerücht (0 = unbekannt, 1 = gibt weiter, 2 = verstummt)",
    "kontakt": "Positive Begegnungen mit der anderen Gruppe",
}


def _neighbours_of(ties: sparse.csr_array, nodes: np.ndarray) -> np.ndarray:
    """All tie ends of ``nodes``, with repeats (one entry per tie): a gather of CSR rows."""
    starts = ties.indptr[nodes]
    lengths = ties.indptr[nodes + 1] - starts
    row_start = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return ties.indices[row_start + np.arange(lengths.sum())]


def mobilisation_round(ties: sparse.csr_array, members: np.ndarray,
                       thresholds: np.ndarray) -> np.ndarray:
    """One synchronous round of Granovetter's threshold rule along ties.

    A non-member joins once at least ``threshold`` of its ties are members.

    Parameters
    ----------
    ties : scipy.sparse.csr_array
        Symmetric 0/1 adjacency of the residents.
    members : numpy.ndarray
        Indices of the current members.
    thresholds : numpy.ndarray
        Threshold of every resident (number of member ties needed).

    Returns
    -------
    numpy.ndarray
        Sorted indices of the residents who join in this round.

    Examples
    --------
    >>> ties = sparse.csr_array(np.ones((4, 4)) - np.eye(4))   # everybody knows everybody
    >>> mobilisation_round(ties, np.array([0]), np.array([0, 1, 1, 2])).tolist()
    [1, 2]
    """
    candidates, counts = np.unique(_neighbours_of(ties, members), return_counts=True)
    joins = activates(thresholds[candidates], counts) & ~np.isin(candidates, members, kind="sort")
    return candidates[joins]


def disjoint_pairs(first: np.ndarray, second: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep the pairs ``(first[k], second[k])`` whose two ends occur in no earlier pair.

    This turns one proposed encounter per person into encounters that can be applied at once
    (Deffuant's pairwise update) without anybody meeting twice in the same week. A pair is
    skipped if one of its ends occurs earlier in the list, even in a pair that was skipped itself;
    so the kept pairs are disjoint, and which ones are kept depends only on the order.

    Parameters
    ----------
    first, second : numpy.ndarray
        Ends of the proposed pairs, in order of priority; values in ``range(n)``.
    n : int
        Number of people.

    Examples
    --------
    >>> a, b = disjoint_pairs(np.array([0, 1, 3]), np.array([1, 2, 4]), n=5)
    >>> a.tolist(), b.tolist()
    ([0, 3], [1, 4])
    """
    ends = np.column_stack((first, second)).ravel()
    first_position = np.full(n, ends.size)
    np.minimum.at(first_position, ends, np.arange(ends.size))
    index = np.arange(first.size)
    keep = (first_position[first] == 2 * index) & (first_position[second] == 2 * index + 1)
    return first[keep], second[keep]


def _moore_ties(resident_at: np.ndarray, n: int) -> sparse.csr_array:
    """Adjacency of residents in neighbouring cells (Moore neighbourhood, no wrap-around)."""
    height, width = resident_at.shape
    rows, cols = [], []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy == dx == 0:
                continue
            here = resident_at[max(0, -dy):height - max(0, dy), max(0, -dx):width - max(0, dx)]
            there = resident_at[max(0, dy):height - max(0, -dy), max(0, dx):width - max(0, -dx)]
            both = (here >= 0) & (there >= 0)
            rows.append(here[both])
            cols.append(there[both])
    return _adjacency(np.concatenate(rows), np.concatenate(cols), n)


def _adjacency(rows: np.ndarray, cols: np.ndarray, n: int) -> sparse.csr_array:
    matrix = sparse.coo_array((np.ones(rows.size), (rows, cols)), shape=(n, n)).tocsr()
    matrix.data[:] = 1.0  # duplicate entries count once
    return matrix


class Neighbourhood(mesa.Model):
    """A Stadtteil with residents, disputes and a municipal conflict management system.

    Parameters
    ----------
    scenario : str, optional
        Name of a preset in :data:`~kokosim.neighbourhood.SCENARIOS`; its values replace the
        defaults (:func:`~kokosim.neighbourhood.scenario_values` merges and checks them).
    seed : int, optional
        Seed of all random draws (a non-negative integer): the same seed gives the same run.
    **overrides
        Any parameter of :data:`~kokosim.neighbourhood.PARAMETERS`; replaces the scenario's and
        the default value.

    Raises
    ------
    ValueError
        For an unknown scenario or parameter, a value outside a parameter's range or a bad seed.

    Attributes
    ----------
    n_residents : int
    row, col, group : numpy.ndarray
        Cell and group (0 = long-established, 1 = newcomer) of each resident.
    attitude, threat, trust, contact, threshold, rumour, coalition, tension : numpy.ndarray
        Per-resident state; ``coalition`` holds the ``unique_id`` of the dispute a resident is
        part of (-1: none).
    kms : KMS
        The conflict management system: waiting list, conflict managers, mediator pool and
        intervention rule.
    datacollector : mesa.DataCollector
        One row per step with the columns of :data:`OBSERVABLES`.

    Examples
    --------
    >>> model = Neighbourhood("neue_unterkunft", seed=3, width=20, height=20)
    >>> model.n_residents
    320
    >>> for _ in range(5):
    ...     model.step()
    >>> model.steps, model.state_map("haltung").shape
    (5, (20, 20))
    >>> Neighbourhood(width=2)
    Traceback (most recent call last):
    ...
    ValueError: width=2 is out of range: expected 5 <= width <= 1000
    """

    def __init__(self, scenario: str | None = None, seed: int | None = None,
                 **overrides: Any) -> None:
        # Mesa 3.5 deprecates seed=; rng= with an integer gives the same random streams
        super().__init__(rng=None if seed is None else check_integer("seed", seed, 0))
        for name, value in scenario_values(scenario, **overrides).items():
            setattr(self, name, value)
        self.scenario = scenario
        self._place_residents()
        self._connect_residents()
        self._init_state()
        self.crisis_response_until = -1
        self.shocks: list[int] = []
        self.incidents_total = 0
        self.disputes_total = self.disputes_violent_total = self.ended_unaided_total = 0
        #: Highest stage of every dispute that ended, in order of ending.
        self.peak_stages: list[int] = []
        self._start_week()
        self.kms = KMS(self)
        self.current: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(model_reporters={
            name: (lambda model, key=name: model.current[key]) for name in OBSERVABLES})
        self._measure()
        self.datacollector.collect(self)

    # --- construction ---------------------------------------------------------------------------
    def _place_residents(self) -> None:
        """Random cells; a share of the newcomers live around one centre (a shelter)."""
        cells = self.width * self.height
        self.n_residents = max(2, round(self.density * cells))
        occupied = np.sort(self.rng.choice(cells, size=self.n_residents, replace=False))
        self.row, self.col = np.divmod(occupied, self.width)
        self.resident_at = np.full((self.height, self.width), -1, dtype=np.int64)
        self.resident_at[self.row, self.col] = np.arange(self.n_residents)
        n_new = round(self.newcomer_share * self.n_residents)
        n_clustered = round(self.newcomers_clustered * n_new)
        centre = self.rng.integers(self.n_residents)
        distance = np.hypot(self.row - self.row[centre], self.col - self.col[centre])
        shelter = np.argsort(distance, kind="stable")[:n_clustered]
        others = np.setdiff1d(np.arange(self.n_residents), shelter)
        scattered = self.rng.choice(others, size=n_new - n_clustered, replace=False)
        self.group = np.zeros(self.n_residents, dtype=np.int8)
        self.group[shelter] = 1
        self.group[scattered] = 1

    def _connect_residents(self) -> None:
        """Spatial ties (Moore neighbours) plus an online network (Barabási-Albert)."""
        n = self.n_residents
        self.spatial = _moore_ties(self.resident_at, n)
        links = min(self.online_degree // 2, n - 1)
        if links > 0:
            graph = nx.barabasi_albert_graph(n, links, seed=self.random.randrange(2**32))
            edges = np.array(graph.edges, dtype=np.int64)
            both = np.concatenate((edges, edges[:, ::-1]))
            self.online = _adjacency(both[:, 0], both[:, 1], n)
        else:
            self.online = sparse.csr_array((n, n))
        self.ties = _adjacency(*(self.spatial + self.online).nonzero(), n)
        self.degree = np.diff(self.ties.indptr)
        self.spatial_degree = np.diff(self.spatial.indptr)
        newcomer_ties = self.spatial @ (self.group == 1).astype(float)
        other = np.where(self.group == 1, self.spatial_degree - newcomer_ties, newcomer_ties)
        #: Share of spatial neighbours who belong to the other group (0 without neighbours).
        self.other_share = other / np.maximum(self.spatial_degree, 1)

    def _init_state(self) -> None:
        n = self.n_residents
        self.attitude = np.clip(self.attitude_mean + self.attitude_spread
                                * self.rng.uniform(-1, 1, n), 0, 1)
        self.threat_base = np.full(n, self.threat_mean)
        self.threat = self.threat_base.copy()
        self.trust_base = np.full(n, self.trust_mean)
        self.trust = self.trust_base.copy()
        self.contact = np.zeros(n)
        self.threshold = self.rng.poisson(self.mobilisation_threshold, n)
        self.rumour = np.full(n, UNAWARE, dtype=np.int8)
        self.coalition = np.full(n, -1, dtype=np.int64)
        self.tension = self._tension()
        #: Mean tension of each dispute's members at the start of the week, by ``unique_id``.
        self.camp_tension = self._camp_means(self.tension)

    # --- live-run API ---------------------------------------------------------------------------
    def set_parameter(self, name: str, value: Any) -> None:
        """Change a parameter during a run (validated like the constructor).

        Only parameters marked ``live`` in the registry can change; the structure of the
        Stadtteil (size, residents, networks) is fixed once built.

        Examples
        --------
        >>> model = Neighbourhood(width=10, height=10, seed=1)
        >>> model.set_parameter("conflict_managers", 3)
        >>> len(model.agents_by_type[ConflictManager])
        3
        >>> model.set_parameter("width", 20)
        Traceback (most recent call last):
        ...
        ValueError: width cannot change during a run; live parameters: contact_effect, ...
        """
        value = validate(name, value)
        if not PARAMETERS[name].live:
            live = ", ".join(key for key, record in PARAMETERS.items() if record.live)
            raise ValueError(f"{name} cannot change during a run; live parameters: {live}")
        setattr(self, name, value)
        if name == "conflict_managers":
            self.kms.staff(value)

    def trigger_shock(self, size: float | None = None,
                      where: tuple[int, int] | None = None) -> None:
        """An extreme event now: threat jumps around ``where`` or in the whole city.

        Parameters
        ----------
        size : float, optional
            Strength in [0, 1]; defaults to the parameter ``shock_size``.
        where : (row, column), optional
            Centre of a local event. Its radius is ``shock_radius`` (or a fifth of the shorter
            grid side if that is 0). Without ``where`` the event is citywide if ``shock_radius``
            is 0, else local around a random cell.

        Examples
        --------
        >>> model = Neighbourhood(width=10, height=10, seed=1)
        >>> before = model.threat.mean()
        >>> model.trigger_shock(0.5)
        >>> bool(model.threat.mean() > before)
        True
        >>> model.trigger_shock(where=(10, 0))
        Traceback (most recent call last):
        ...
        ValueError: where=(10, 0) is outside the grid: expected 0 <= row < 10, 0 <= column < 10
        """
        size = self.shock_size if size is None else validate("shock_size", size)
        radius = self.shock_radius
        if where is not None:
            if (not isinstance(where, (tuple, list)) or len(where) != 2
                    or not all(isinstance(v, (int, np.integer)) for v in where)
                    or not (0 <= where[0] < self.height and 0 <= where[1] < self.width)):
                raise ValueError(f"where={where!r} is outside the grid: expected 0 <= row < "
                                 f"{self.height}, 0 <= column < {self.width}")
            radius = radius or max(1, round(LOCAL_SHOCK_SHARE * min(self.height, self.width)))
        elif radius > 0:
            where = (self.random.randrange(self.height), self.random.randrange(self.width))
        if where is None:
            hit = np.arange(self.n_residents)
        else:
            hit = np.flatnonzero(np.hypot(self.row - where[0], self.col - where[1]) <= radius)
        self.threat[hit] += size * (1 - self.threat[hit])
        self.attitude[hit] -= size * SHOCK_ATTITUDE_LOSS * self.attitude[hit]
        if self.prevention_plan:
            self.crisis_response_until = self.steps + PLAN_RESPONSE_WEEKS
        else:
            self.trust[hit] -= size * SHOCK_TRUST_LOSS * self.trust[hit]
        starts = hit[self.rng.random(hit.size) < size * SHOCK_RUMOURS]
        self.rumour[starts] = SPREADING
        self.shocks.append(self.steps)
        self.tension = self._tension()

    def state_map(self, layer: str = "spannung") -> np.ndarray:
        """A layer of resident state on the grid, shape (height, width), NaN for empty cells.

        Parameters
        ----------
        layer : str
            One of :data:`LAYERS`: ``spannung``, ``bedrohung``, ``haltung``, ``vertrauen``,
            ``stufe``, ``gruppe``, ``geruecht``, ``kontakt``.

        Examples
        --------
        >>> model = Neighbourhood(width=6, height=5, density=0.5, seed=2)
        >>> grid = model.state_map("vertrauen")
        >>> grid.shape, int(np.isnan(grid).sum())
        ((5, 6), 15)
        """
        if layer == "stufe":
            values = np.zeros(self.n_residents)
            for dispute in self._disputes():
                values[dispute.members] = dispute.stage
        else:
            sources = {"spannung": self._tension, "bedrohung": lambda: self.threat,
                       "haltung": lambda: self.attitude, "vertrauen": lambda: self.trust,
                       "gruppe": lambda: self.group, "geruecht": lambda: self.rumour,
                       "kontakt": lambda: self.contact}
            if layer not in sources:
                raise ValueError(f"layer={layer!r} is unknown; choose one of: {', '.join(LAYERS)}")
            values = sources[layer]()
        grid = np.full((self.height, self.width), np.nan)
        grid[self.row, self.col] = values
        return grid

    def summary(self) -> dict[str, float]:
        """Current figures for a text readout; German labels in :data:`SUMMARY_LABELS`.

        Examples
        --------
        >>> summary = Neighbourhood(width=10, height=10, seed=1).summary()
        >>> summary["week"], summary["n_residents"], summary["n_disputes"]
        (0, 80, 0)
        """
        return {"week": self.steps, "n_residents": self.n_residents, **self.current,
                "interventions_started_total": self.kms.started_total,
                "interventions_succeeded_total": self.kms.succeeded_total}

    # --- one week -------------------------------------------------------------------------------
    def step(self) -> None:
        """One week: event, residents, new disputes, disputes, conflict managers, measurement."""
        self._start_week()
        self.kms.start_week()
        if self.steps == self.shock_step:
            self.trigger_shock()
        self._spread_rumours()
        self._exchange_attitudes()
        self._recover()
        self.tension = self._tension()
        self._start_disputes()
        self._hostile_acts()
        self.camp_tension = self._camp_means(self.tension)
        for kind in (Dispute, ConflictManager):
            if kind in self.agents_by_type:
                self.agents_by_type[kind].shuffle_do("step")
        self._measure()
        self.datacollector.collect(self)

    @property
    def in_crisis_response(self) -> bool:
        """``True`` while the crisis network of the prevention plan acts after an event."""
        return self.prevention_plan and self.steps <= self.crisis_response_until

    @property
    def effective_communication(self) -> float:
        """Communication strength, raised by the crisis network after an event."""
        return max(self.communication, PLAN_COMMUNICATION) if self.in_crisis_response \
            else self.communication

    @property
    def effective_coverage(self) -> float:
        """Early-warning coverage, raised by the crisis network after an event."""
        return max(self.early_warning_coverage, PLAN_COVERAGE) if self.in_crisis_response \
            else self.early_warning_coverage

    def _tension(self) -> np.ndarray:
        """Epstein's grievance G = H (1 - L) with legitimacy L = trust in the city.

        Hardship combines perceived threat with the prejudice met in the neighbourhood,
        ``H = 1 - (1 - threat) (1 - (1 - attitude) * other_share)``: it equals the threat where
        nobody meets the other group with prejudice, and grows with both.
        """
        hardship = 1 - (1 - self.threat) * (1 - (1 - self.attitude) * self.other_share)
        return grievance(hardship, self.trust)

    def _camp_means(self, values: np.ndarray) -> np.ndarray:
        """Mean of ``values`` over the members of each dispute, indexed by its ``unique_id``."""
        in_camp = self.coalition >= 0
        camps = self.coalition[in_camp]
        totals = np.bincount(camps, weights=values[in_camp])
        return totals / np.maximum(np.bincount(camps, minlength=totals.size), 1)

    def _spread_rumours(self) -> None:
        """Rumours pass along spatial and (more likely) online ties; believing one raises threat
        and lowers attitude, less so for those who trust the city's communication."""
        spreading = (self.rumour == SPREADING).astype(float)
        unaware = self.rumour == UNAWARE
        miss = ((1 - self.rumour_spread) ** (self.spatial @ spreading)
                * (1 - self.online_spread) ** (self.online @ spreading) * (1 - self.rumour_rate))
        draw = self.rng.random(self.n_residents)
        hears = unaware & (draw < 1 - miss)
        trusted = self.effective_communication * self.trust
        impact = (self.rumour_impact * (1 - trusted[hears])
                  / (1 + CONTACT_BUFFER * self.contact[hears]))
        self.threat[hears] += impact * (1 - self.threat[hears])
        self.attitude[hears] -= impact * self.attitude[hears]
        stops = (spreading > 0) & (draw < RUMOUR_FORGET + trusted)
        renews = (self.rumour == STIFLED) & (draw < RUMOUR_RENEWAL)
        self.rumour[hears] = SPREADING
        self.rumour[stops] = STIFLED
        self.rumour[renews] = UNAWARE

    def _exchange_attitudes(self) -> None:
        """Everybody proposes an encounter with a random tie; disjoint pairs exchange attitudes
        by bounded confidence (Deffuant). Close enough intergroup encounters and organised
        encounters are positive contacts (Allport)."""
        proposers = self.rng.permutation(np.flatnonzero(self.degree))
        pick = (self.rng.random(proposers.size) * self.degree[proposers]).astype(np.int64)
        partners = self.ties.indices[self.ties.indptr[proposers] + pick]
        first, second = disjoint_pairs(proposers, partners, self.n_residents)
        close = np.abs(self.attitude[first] - self.attitude[second]) < self.confidence_bound
        intergroup = self.group[first] != self.group[second]
        self.attitude[first], self.attitude[second] = bounded_confidence(
            self.attitude[first], self.attitude[second], self.confidence_bound, self.convergence)
        met = np.concatenate((first[close & intergroup], second[close & intergroup]))
        if self.contact_programme > 0:
            invited = np.flatnonzero(self.rng.random(self.n_residents) < self.contact_programme)
            met = np.union1d(met, invited)
        self.contact[met] += 1
        self.attitude[met] += self.contact_effect * (1 - self.attitude[met])

    def _recover(self) -> None:
        """Threat and trust return towards their baselines (threat faster during a crisis
        response of the prevention plan)."""
        recovery = THREAT_RECOVERY * (PLAN_RECOVERY_FACTOR if self.in_crisis_response else 1)
        self.threat += recovery * (self.threat_base - self.threat)
        self.trust += TRUST_RECOVERY * (self.trust_base - self.trust)

    def _start_disputes(self) -> None:
        """Residents not yet in a dispute start one with a random spatial neighbour at a rate
        that grows with their tension."""
        free = self.coalition == -1
        starters = np.flatnonzero(free & (self.spatial_degree > 0) & (
            self.rng.random(self.n_residents) < self.dispute_rate * self.tension))
        if starters.size == 0:
            return
        pick = (self.rng.random(starters.size) * self.spatial_degree[starters]).astype(np.int64)
        targets = self.spatial.indices[self.spatial.indptr[starters] + pick]
        for starter, target in zip(starters.tolist(), targets.tolist()):
            if self.coalition[starter] == -1 and self.coalition[target] == -1:
                Dispute(self, np.array([starter, target]), self.random.choice(CAUSES))

    def _hostile_acts(self) -> None:
        """Attacks without a neighbour dispute: residents with a hostile image of the other group
        attack one of its members next door, at a rate that grows with the square of their
        tension and is higher while they pass on a rumour (so attacks cluster after events and
        in rumour waves). A crime for the police, not a case for the KMS."""
        hostile = np.flatnonzero((self.attitude < NEGATIVE_IMAGE) & (self.spatial_degree > 0))
        if hostile.size == 0 or self.hostility_rate == 0:
            return
        agitated = 1 + RUMOUR_AGITATION * (self.rumour[hostile] == SPREADING)
        acts = hostile[self.rng.random(hostile.size)
                       < self.hostility_rate * self.tension[hostile] ** 2 * agitated]
        for attacker in acts.tolist():
            neighbours = self.spatial.indices[self.spatial.indptr[attacker]:
                                              self.spatial.indptr[attacker + 1]]
            victims = neighbours[self.group[neighbours] != self.group[attacker]]
            if victims.size:
                self.incident(int(victims[self.rng.integers(victims.size)]), 1)
                self.hostile_acts += 1
                self.police_cases += 1

    # --- services for the agents ------------------------------------------------------------------
    def mobilise(self, dispute: Dispute) -> bool:
        """One Granovetter round: residents who hold a negative image of the other group, are in
        no other dispute and have enough ties to the dispute's members join it.

        Returns ``True`` if somebody joined (the cascade goes on).
        """
        joiners = mobilisation_round(self.ties, dispute.members, self.threshold)
        joiners = joiners[(self.coalition[joiners] == -1)
                          & (self.attitude[joiners] < NEGATIVE_IMAGE)]
        self.coalition[joiners] = dispute.unique_id
        dispute.members = np.concatenate((dispute.members, joiners))
        return joiners.size > 0

    def incident(self, resident: int, count: int) -> None:
        """``count`` incidents at a resident's home: threat up and trust down nearby (less so
        where a KMS protects and informs), and the news spreads as a rumour."""
        hit = self._around(resident)
        loss = INCIDENT_TRUST_LOSS * (PROTECTED_TRUST_LOSS if self.conflict_managers > 0 else 1)
        self.threat[hit] += (1 - (1 - INCIDENT_THREAT) ** count) * (1 - self.threat[hit])
        self.trust[hit] *= (1 - loss) ** count
        self.rumour[resident] = SPREADING
        self.incidents += count
        self.incidents_total += count

    def backfire(self, dispute: Dispute, share: float) -> None:
        """An imposed procedure stronger than the dispute called for, or an imposed end: its
        members and their neighbours trust the city and the other group less and feel more
        threatened, each by ``share`` (of the value, or of the gap to 1 for threat)."""
        hit = np.union1d(dispute.members, self._around(int(dispute.parties[0])))
        self.trust[hit] -= share * self.trust[hit]
        self.attitude[hit] -= share * self.attitude[hit]
        self.threat[hit] += share * (1 - self.threat[hit])

    def record_end(self, dispute: Dispute, settled: bool) -> None:
        """Count an ending dispute for the patterns of the model evaluation (ODD, section 8)."""
        self.peak_stages.append(dispute.peak_stage)
        if not settled and not dispute.treated:
            self.disputes_ended_unaided += 1
            self.ended_unaided_total += 1

    def _around(self, resident: int) -> np.ndarray:
        """Residents within :data:`INCIDENT_RADIUS` cells of a resident's home (square)."""
        r, c = self.row[resident], self.col[resident]
        block = self.resident_at[max(0, r - INCIDENT_RADIUS):r + INCIDENT_RADIUS + 1,
                                 max(0, c - INCIDENT_RADIUS):c + INCIDENT_RADIUS + 1]
        return block[block >= 0]

    # --- measurement ----------------------------------------------------------------------------
    def _start_week(self) -> None:
        """Reset the model's weekly counts (the KMS resets its own)."""
        self.incidents = self.hostile_acts = self.police_cases = 0
        self.disputes_started = self.disputes_ended_unaided = 0

    def _disputes(self) -> list[Dispute]:
        return list(self.agents_by_type[Dispute]) if Dispute in self.agents_by_type else []

    def _measure(self) -> None:
        disputes = self._disputes()
        stages = np.array([dispute.stage for dispute in disputes], dtype=np.int64)
        per_stage = np.bincount(stages, minlength=10)
        self.current = {
            "n_disputes": len(disputes),
            "mean_stage": float(stages.mean()) if disputes else 0.0,
            "max_stage": int(stages.max()) if disputes else 0,
            **{f"disputes_stage_{number}": int(per_stage[number]) for number in range(1, 10)},
            "incidents": self.incidents,
            "incidents_total": self.incidents_total,
            "detected_share": (sum(d.detected is not None for d in disputes) / len(disputes)
                               if disputes else math.nan),
            "detection_delay": self.kms.detection_delay,
            "open_cases": self.kms.open_cases,
            "waiting_cases": len(self.kms.waiting),
            "interventions_started": self.kms.started,
            "interventions_succeeded": self.kms.succeeded,
            "mobilised": int(np.count_nonzero(self.coalition >= 0)) - 2 * len(disputes),
            "polarisation": float(2 * self.attitude.std()),
            "attitude": float(self.attitude.mean()),
            "trust": float(self.trust.mean()),
            "mean_threat": float(self.threat.mean()),
            "tension": float(self._tension().mean()),  # after this week's incidents
            "rumour_share": float(np.mean(self.rumour == SPREADING)),
            "hostile_acts": self.hostile_acts,
            "police_cases": self.police_cases,
            "disputes_started": self.disputes_started,
            "disputes_ended_unaided": self.disputes_ended_unaided,
            "reports": self.kms.reports,
            "false_alarms": self.kms.false_alarms,
            "refusals": self.kms.refusals,
            "staff_hours": self.kms.staff_hours,
            "mediator_costs": self.kms.mediator_costs,
            "waiting_time": self.kms.waiting_time,
        }

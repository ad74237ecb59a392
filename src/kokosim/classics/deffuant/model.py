"""Deffuant, G., Neau, D., Amblard, F., Weisbuch, G. (2000). Mixing beliefs among interacting
agents. Advances in Complex Systems 3, 87-98."""

from __future__ import annotations

from typing import NamedTuple

import mesa
import networkx as nx
import numpy as np

from kokosim._validate import check_integer, check_number
from kokosim.classics._base import ClassicModel
from kokosim.classics.deffuant.agents import OpinionAgent

__all__ = ["Deffuant", "OpinionCluster"]

#: Opinion spread below which a group counts as converged (settled test).
SETTLED_SPREAD = 1e-3
#: Share an opinion group needs to count in the ``n_clusters`` observable.
MAJOR_CLUSTER_SHARE = 0.05


class OpinionCluster(NamedTuple):
    """A group of agents whose opinions lie within the confidence bound of each other."""

    opinion: float
    share: float
    size: int


class Deffuant(ClassicModel):
    """Bounded confidence (Deffuant et al. 2000).

    Opinions start uniform in [0, 1]. In each encounter two agents whose opinions differ by less
    than ``d`` both move a fraction ``mu`` of the difference towards each other. One step is
    ``n_agents`` encounters of random pairs (or of the two ends of a random edge of ``network``).
    The paper's headline: the number of opinion clusters is about ``floor(1 / (2 d))``; for
    ``d >= 0.5`` everyone converges to one opinion.

    The model is settled when no encounter can move any opinion by more than ``SETTLED_SPREAD``:
    the opinions, sorted, fall into groups separated by gaps of at least ``d``, each group
    narrower than ``SETTLED_SPREAD``.

    Parameters
    ----------
    n_agents : int, default 1000
        Number of agents (N = 1000 as in the paper).
    d : float, default 0.2
        Confidence bound (threshold), in (0, 1].
    mu : float, default 0.5
        Convergence parameter, in (0, 0.5] (0.5 as in the paper's main runs).
    seed : int, optional
    network : networkx.Graph, optional
        Social network with exactly ``n_agents`` nodes (sorted node order = agent order);
        encounters then happen only along its edges.

    Examples
    --------
    >>> model = Deffuant(n_agents=200, d=0.5, seed=1)
    >>> model.run_model()
    >>> [round(c.share, 2) for c in model.clusters(min_share=0.1)]
    [1.0]
    """

    default_max_steps = 2000

    def __init__(self, n_agents: int = 1000, d: float = 0.2, mu: float = 0.5,
                 seed: int | None = None, network: nx.Graph | None = None) -> None:
        super().__init__(rng=seed)  # Mesa 3.5 deprecates seed=; an int gives the same streams
        self.n_agents = check_integer("n_agents", n_agents, 2)
        self.d = check_number("d", d, 0, 1, low_open=True)
        self.mu = check_number("mu", mu, 0, 0.5, low_open=True)
        self.opinion_agents = [OpinionAgent(self, self.random.random()) for _ in range(n_agents)]
        self.edges = self._edges_of(network) if network is not None else None
        self.datacollector = mesa.DataCollector(model_reporters={
            "n_clusters": lambda m: len(m.clusters(MAJOR_CLUSTER_SHARE)),
            "opinion_sd": lambda m: float(np.std(m.opinions)),
        })
        self.datacollector.collect(self)

    def _edges_of(self, network: nx.Graph) -> list[tuple[OpinionAgent, OpinionAgent]]:
        if network.number_of_nodes() != self.n_agents:
            raise ValueError(f"network has {network.number_of_nodes()} nodes: expected "
                             f"n_agents={self.n_agents}")
        if network.number_of_edges() == 0:
            raise ValueError("network has no edges: expected at least one edge, or agents never meet")
        agent_of = dict(zip(sorted(network.nodes), self.opinion_agents, strict=True))
        return [(agent_of[u], agent_of[v]) for u, v in network.edges]

    @property
    def opinions(self) -> np.ndarray:
        """Current opinions, in agent order."""
        return np.fromiter((agent.opinion for agent in self.opinion_agents), float, self.n_agents)

    def _groups(self) -> list[np.ndarray]:
        ordered = np.sort(self.opinions)
        return np.split(ordered, np.flatnonzero(np.diff(ordered) >= self.d) + 1)

    def clusters(self, min_share: float = 0.0) -> list[OpinionCluster]:
        """Opinion clusters holding at least ``min_share`` of the agents, by opinion.

        A cluster is a run of sorted opinions without a gap of ``d`` or more (agents further apart
        can never influence each other again). Meaningful once the model is settled.

        Examples
        --------
        >>> model = Deffuant(n_agents=4, d=0.2, seed=0)
        >>> for agent, value in zip(model.opinion_agents, [0.1, 0.15, 0.8, 0.85]):
        ...     agent.opinion = value
        >>> model.clusters()
        [OpinionCluster(opinion=0.125, share=0.5, size=2), OpinionCluster(opinion=0.825, share=0.5, size=2)]
        """
        check_number("min_share", min_share, 0, 1)
        found = [OpinionCluster(float(group.mean()), len(group) / self.n_agents, len(group))
                 for group in self._groups()]
        return [cluster for cluster in found if cluster.share >= min_share]

    def _pair(self) -> tuple[OpinionAgent, OpinionAgent]:
        if self.edges is not None:
            first, second = self.random.choice(self.edges)
            return (first, second) if self.random.random() < 0.5 else (second, first)
        first, second = self.random.sample(self.opinion_agents, 2)
        return first, second

    def step(self) -> None:
        """``n_agents`` random encounters."""
        for _ in range(self.n_agents):
            first, second = self._pair()
            first.meet(second)
        self.datacollector.collect(self)
        self.running = any(np.ptp(group) >= SETTLED_SPREAD for group in self._groups())

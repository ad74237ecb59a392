"""Benchmark: analyses of a 5,000-actor random map (run with `make bench`; no timing asserts)."""

from __future__ import annotations

import random
import time
import warnings

import networkx as nx
import pytest

from kokosim.stakeholders import (
    RELATION_KINDS,
    SECTORS,
    STANCES,
    StakeholderMap,
    articulation_points,
    brokers,
    camps_without_cooperation,
    centralities,
    conflict_hotspots,
    conflicts,
    draw,
    influence_by_camp,
    isolated_actors,
    mendelow,
    no_path_to_self,
    silos,
    structural_balance,
    summary,
    unbalanced_triads,
)

ACTORS = 5000


def random_map(actors: int, seed: int = 42) -> StakeholderMap:
    """A map with communities: 50 groups, dense inside, sparse between, about 4 ties per actor."""
    rng = random.Random(seed)
    groups = [actors // 50] * 50
    graph = nx.stochastic_block_model(
        groups, [[0.03 if i == j else 0.0002 for j in range(50)] for i in range(50)], seed=seed)
    karte = StakeholderMap()
    for node in graph.nodes:
        karte.add_actor(f"Akteur {node}", sector=rng.choice(SECTORS),
                        influence=rng.randint(0, 10), stance=rng.choice(STANCES),
                        power=rng.uniform(0, 10), interest=rng.uniform(0, 10),
                        is_self=node == 0, is_shadow=rng.random() < 0.02)
    for u, v in graph.edges:
        kind = rng.choice(RELATION_KINDS)
        karte.add_relation(f"Akteur {u}", f"Akteur {v}", kind,
                           stage=rng.randint(1, 9) if kind == "konflikt" else None)
    return karte


def _timed(function, *args):
    """Result, wall seconds and CPU seconds of one call (CPU is fairer on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


@pytest.mark.bench
def test_bench_analyses_of_a_large_map() -> None:
    karte, wall, cpu = _timed(random_map, ACTORS)
    print(f"\n[stakeholders] {ACTORS} actors, {karte.graph.number_of_edges()} relations; "
          f"building with validation {wall:.2f} s wall, {cpu:.2f} s CPU")
    undirected = nx.Graph(karte.graph.to_undirected())
    _, base_wall, base_cpu = _timed(
        lambda: nx.betweenness_centrality(undirected, k=100, seed=0))
    print(f"  baseline: networkx betweenness, 100 sampled sources: {base_wall:.2f} s wall, "
          f"{base_cpu:.2f} s CPU")
    analyses = {
        "centralities": centralities, "brokers": brokers, "silos": silos,
        "isolated_actors": isolated_actors, "articulation_points": articulation_points,
        "no_path_to_self": no_path_to_self, "camps_without_cooperation": camps_without_cooperation,
        "mendelow": mendelow, "influence_by_camp": influence_by_camp, "conflicts": conflicts,
        "conflict_hotspots": conflict_hotspots, "unbalanced_triads": unbalanced_triads,
        "structural_balance": structural_balance, "summary": summary,
    }
    results = {}
    for name, analysis in analyses.items():
        results[name], wall, cpu = _timed(analysis, karte)
        print(f"  {name:27s} {wall:6.2f} s wall {cpu:6.2f} s CPU "
              f"({cpu / base_cpu:4.1f} x baseline CPU)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, wall, cpu = _timed(draw, karte)
    print(f"  {'draw (simplified)':27s} {wall:6.2f} s wall {cpu:6.2f} s CPU")
    assert caught and "zu viele" in str(caught[0].message)
    assert len(results["centralities"]) == ACTORS
    assert results["summary"].startswith(f"Akteurslandkarte: {ACTORS} Akteure")

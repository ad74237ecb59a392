"""The classic models reproduce the headline results of their papers (several seeds each)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from kokosim.classics import CivilViolence, Deffuant, Granovetter, Schelling, normal_thresholds

SEEDS = (1, 2, 3)


def test_granovetter_uniform_riot_and_its_collapse():
    """Granovetter (1978), p. 1425: thresholds 0, 1, ..., 99 give a riot of all 100; moving the
    threshold-1 actor to 2 leaves only the instigator active, although the crowds are nearly equal."""
    riot = Granovetter(thresholds=range(100), seed=1)
    riot.run_model()
    changed = list(range(100))
    changed[1] = 2
    collapse = Granovetter(thresholds=changed, seed=1)
    collapse.run_model()
    assert (riot.n_active, collapse.n_active) == (100, 1)
    assert not riot.running and not collapse.running
    series = riot.datacollector.get_model_vars_dataframe()["n_active"].tolist()
    assert series[:4] == [0, 1, 2, 3]  # one more joins per round: r(t+1) = F(r(t))


def test_granovetter_normal_thresholds_tip_at_critical_spread():
    """Granovetter (1978), pp. 1427-8: with 100 actors and normally distributed thresholds of mean
    25, a small spread leaves the crowd quiet, a spread well above the critical value (about 12)
    makes nearly everyone riot."""
    def outcome(sd: float) -> list[int]:
        finals = []
        for seed in range(6):
            model = Granovetter(normal_thresholds(100, mean=25, sd=sd, seed=seed), seed=seed)
            model.run_model()
            finals.append(model.n_active)
        return finals

    assert max(outcome(sd=5)) <= 5
    assert np.median(outcome(sd=20)) >= 95


@pytest.mark.parametrize("seed", SEEDS)
def test_schelling_mild_preferences_segregate(seed):
    """Schelling (1971); NetLogo Segregation: agents who want only 30 % similar neighbours end up
    in neighbourhoods that are about 70 % similar, starting from about 50 %."""
    model = Schelling(seed=seed)
    start = model.similar_share
    model.run_model(max_steps=300)
    assert abs(start - 0.5) < 0.05
    assert model.happy_share == 1.0 and not model.running
    assert model.similar_share >= 0.68


def test_schelling_without_preference_nobody_moves():
    """With homophily 0 everyone is content from the start: the grid does not change."""
    model = Schelling(width=20, height=20, homophily=0.0, seed=1)
    before = model.grid_array().copy()
    model.run_model()
    assert model.steps == 1
    np.testing.assert_array_equal(model.grid_array(), before)


def test_schelling_moves_keep_every_resident_and_cell():
    model = Schelling(width=15, height=15, density=0.7, homophily=0.6, seed=4)
    residents = len(model.agents)
    empties = len(model.empty_cells)
    model.step()
    grid = model.grid_array()
    assert (grid > 0).sum() == residents and (grid == 0).sum() == empties
    assert all(cell.is_empty for cell in model.empty_cells)


@pytest.mark.parametrize("d", [0.15, 0.25])
def test_deffuant_number_of_clusters(d):
    """Deffuant et al. (2000): the number of major opinion clusters is about floor(1 / (2 d))."""
    for seed in SEEDS:
        model = Deffuant(n_agents=1000, d=d, mu=0.5, seed=seed)
        model.run_model(max_steps=300)
        assert abs(len(model.clusters(min_share=0.05)) - math.floor(1 / (2 * d))) <= 1


def test_deffuant_consensus_for_wide_confidence():
    """Deffuant et al. (2000): for d >= 0.5 all agents converge to one opinion near 0.5."""
    for seed in SEEDS:
        model = Deffuant(n_agents=1000, d=0.5, seed=seed)
        model.run_model()
        (cluster,) = model.clusters(min_share=0.5)
        assert cluster.share >= 0.99 and abs(cluster.opinion - 0.5) < 0.1
        assert not model.running


def test_deffuant_network_limits_encounters_to_edges():
    """Deffuant et al. (2000), section on social networks: agents only meet network neighbours,
    so two separate components converge separately even with d = 1."""
    network = nx.disjoint_union(nx.complete_graph(20), nx.complete_graph(20))
    model = Deffuant(n_agents=40, d=1.0, seed=2, network=network)
    left_mean, right_mean = model.opinions[:20].mean(), model.opinions[20:].mean()
    model.run_model()
    opinions = model.opinions
    assert np.ptp(opinions[:20]) < 1e-3 and np.ptp(opinions[20:]) < 1e-3
    # Pairwise averaging with mu = 0.5 keeps each component's mean opinion.
    assert opinions[:20].mean() == pytest.approx(left_mean)
    assert opinions[20:].mean() == pytest.approx(right_mean)


def test_civil_violence_nobody_active_when_grievance_cannot_exceed_threshold():
    """Epstein (2002): G = H (1 - L) <= 1 - L; if 1 - L <= T nobody can ever be active."""
    for seed in SEEDS:
        model = CivilViolence(width=25, height=25, legitimacy=0.9, threshold=0.1, seed=seed)
        for _ in range(20):
            model.step()
        frame = model.datacollector.get_model_vars_dataframe()
        assert frame["n_active"].max() == 0 and frame["n_jailed"].max() == 0


@pytest.fixture(scope="module")
def rebellion_runs():
    """Epstein's Run 1 set-up (default parameters) and the same with half the cops."""
    runs = {}
    for cop_density in (0.04, 0.02):
        for seed in (1, 2):
            model = CivilViolence(cop_density=cop_density, seed=seed)
            model.run_model(max_steps=120)
            runs[cop_density, seed] = model.datacollector.get_model_vars_dataframe()["n_active"]
    return runs


def test_civil_violence_fewer_cops_much_more_rebellion(rebellion_runs):
    """Epstein (2002), cop reductions: halving the cops multiplies the number of actives."""
    for seed in (1, 2):
        many = rebellion_runs[0.04, seed].iloc[20:].mean()
        few = rebellion_runs[0.02, seed].iloc[20:].mean()
        assert few >= 1.8 * many


def test_civil_violence_outbursts_are_punctuated(rebellion_runs):
    """Epstein (2002), Run 1: long calm periods punctuated by outbursts, not a steady level."""
    for seed in (1, 2):
        active = rebellion_runs[0.04, seed].to_numpy()[5:]
        assert active.max() >= 100
        assert np.median(active) <= 0.15 * active.max()
        outbursts = np.sum((active[1:] >= 50) & (active[:-1] < 50))
        assert outbursts >= 2

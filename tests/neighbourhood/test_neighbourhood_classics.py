"""Sub-mechanisms of the neighbourhood model against the classic models they reduce to."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from kokosim.classics import CivilViolence, Deffuant, Granovetter, normal_thresholds
from kokosim.neighbourhood import Dispute, Neighbourhood
from kokosim.neighbourhood.model import disjoint_pairs, mobilisation_round

# Only attitude exchange acts: no disputes, attacks, rumours, contact effects or events.
PURE_EXCHANGE = {"width": 30, "height": 30, "dispute_rate": 0.0, "rumour_rate": 0.0,
                 "hostility_rate": 0.0, "contact_effect": 0.0, "contact_programme": 0.0,
                 "attitude_mean": 0.5, "attitude_spread": 0.5}


def exchange_only(confidence_bound: float, steps: int, seed: int = 0) -> Neighbourhood:
    model = Neighbourhood(seed=seed, confidence_bound=confidence_bound, **PURE_EXCHANGE)
    for _ in range(steps):
        model.step()
    return model


def test_bounded_confidence_exchange_conserves_mean_attitude_like_deffuant() -> None:
    model = Neighbourhood(seed=3, **PURE_EXCHANGE)
    start = model.attitude.copy()
    for _ in range(20):
        model.step()
    assert model.attitude.mean() == pytest.approx(start.mean(), abs=1e-12)
    assert not np.allclose(model.attitude, start)  # attitudes did move
    assert model.attitude.min() >= start.min() and model.attitude.max() <= start.max()


def test_wide_confidence_bound_gives_consensus_as_in_deffuant() -> None:
    # Deffuant et al.: d >= 0.5 -> one opinion cluster.
    classic = Deffuant(n_agents=300, d=0.5, seed=1)
    classic.run_model()
    assert len(classic.clusters(min_share=0.05)) == 1
    model = exchange_only(0.5, 150)
    assert model.attitude.std() < 0.02
    assert model.current["polarisation"] < 0.05


def test_narrow_confidence_bound_keeps_opinions_apart_as_in_deffuant() -> None:
    # Deffuant et al.: about 1 / (2 d) clusters, many for small d.
    classic = Deffuant(n_agents=300, d=0.1, seed=1)
    classic.run_model()
    assert len(classic.clusters(min_share=0.05)) >= 3
    model = exchange_only(0.1, 150)
    assert model.attitude.std() > 0.2
    assert model.attitude.std() > exchange_only(0.5, 150).attitude.std() + 0.15


def test_disjoint_pairs_never_meet_anybody_twice() -> None:
    rng = np.random.default_rng(0)
    first, second = rng.permutation(500), rng.integers(0, 500, 500)
    a, b = disjoint_pairs(first, second, n=500)
    ends = np.concatenate((a, b))
    assert np.unique(ends).size == ends.size and a.size > 100


def complete_graph(n: int) -> sparse.csr_array:
    return sparse.csr_array(np.ones((n, n)) - np.eye(n))


@pytest.mark.parametrize("thresholds", [
    list(range(100)),                                   # Granovetter: everybody riots
    [0, 2, *range(2, 100)],                             # threshold 1 -> 2: one rioter only
    normal_thresholds(100, mean=25, sd=10, seed=4),
])
def test_mobilisation_on_complete_graph_follows_granovetter(thresholds: list[float]) -> None:
    classic = Granovetter(thresholds=thresholds, seed=0)
    classic.run_model()
    trajectory = classic.datacollector.get_model_vars_dataframe()["n_active"].tolist()
    values = np.array(thresholds)
    members = np.flatnonzero(values <= 0)  # the instigators: Granovetter's first step
    ours = [0, members.size]
    ties = complete_graph(values.size)
    while (joiners := mobilisation_round(ties, members, values)).size:
        members = np.union1d(members, joiners)
        ours.append(members.size)
    assert ours[-1] == classic.n_active
    assert ours == trajectory[:len(ours)]


def test_model_mobilises_by_threshold_and_negative_image() -> None:
    model = Neighbourhood(seed=1, width=12, height=12, dispute_rate=0.0, attitude_mean=0.1,
                          attitude_spread=0.0, online_degree=0)
    centre = int(model.resident_at[6, 6]) if model.resident_at[6, 6] >= 0 else 0
    partner = int(model.spatial.indices[model.spatial.indptr[centre]])
    dispute = Dispute(model, np.array([centre, partner]), "Lärm")
    dispute.stage = 4
    model.threshold[:] = 3
    model.mobilise(dispute)
    assert dispute.allies.size == 0  # nobody has three ties into a two-person camp
    model.threshold[:] = 1
    model.mobilise(dispute)
    neighbours = np.setdiff1d(np.union1d(
        model.spatial.indices[model.spatial.indptr[centre]:model.spatial.indptr[centre + 1]],
        model.spatial.indices[model.spatial.indptr[partner]:model.spatial.indptr[partner + 1]]),
        [centre, partner])
    assert np.array_equal(np.sort(dispute.allies), neighbours)
    assert (model.coalition[neighbours] == dispute.unique_id).all()
    model.attitude[:] = 0.9  # nobody holds a negative image: nobody more joins
    before = dispute.allies.size
    model.mobilise(dispute)
    assert dispute.allies.size == before


def test_tension_is_epstein_grievance() -> None:
    model = Neighbourhood(seed=0, width=10, height=10)
    model.attitude[:] = 1.0  # no prejudice met: hardship is the perceived threat
    model.threat[:] = np.linspace(0, 1, model.n_residents)
    epstein = CivilViolence(width=10, height=10, legitimacy=0.7, vision=2, seed=0)
    citizen = next(agent for agent in epstein.agents if hasattr(agent, "hardship"))
    for resident in (0, model.n_residents // 2, model.n_residents - 1):
        citizen.hardship = model.threat[resident]
        model.trust[resident] = epstein.legitimacy
        assert model.state_map("spannung")[model.row[resident], model.col[resident]] \
            == pytest.approx(citizen.grievance)
    model.attitude[:] = 0.0  # full prejudice raises tension where the other group lives nearby
    mixed = model.other_share > 0
    tension = model.state_map("spannung")[model.row, model.col]
    assert (tension[mixed] > model.threat[mixed] * (1 - model.trust[mixed])).all()

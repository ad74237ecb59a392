"""The KMS object (``model.kms``): one owner of waiting list, managers and mediator pool, and the
package's one door (``kokosim.neighbourhood``)."""

from __future__ import annotations

import pytest

import kokosim.neighbourhood as door
from kokosim.neighbourhood import NEEDS_MEDIATOR, ConflictManager, Dispute, Neighbourhood


def check_books(model: Neighbourhood) -> None:
    """Every case is in exactly one place, and the mediator count matches the interventions."""
    kms = model.kms
    disputes = list(model.agents_by_type.get(Dispute, []))
    assert kms.mediators_busy == sum(d.intervention in NEEDS_MEDIATOR for d in disputes)
    cases = [case for manager in kms.managers for case in manager.cases]
    assert len(cases) == len(set(cases)) == kms.open_cases
    assert not set(cases) & set(kms.waiting)
    assert all(case.manager is manager for manager in kms.managers for case in manager.cases)
    assert all(d.manager is None and d.intervention is None for d in kms.waiting)
    assert set(kms.waiting) <= set(disputes) and all(d.detected is not None for d in kms.waiting)


@pytest.mark.parametrize("rule", ["ladder", "uniform"])
def test_the_books_stay_right_through_a_run_with_changes(rule: str) -> None:
    model = Neighbourhood("neue_unterkunft", seed=4, width=25, height=25, dispute_rate=0.04,
                          mediators=2, intervention_rule=rule, standard_intervention="mediation")
    for week in range(80):
        model.step()
        check_books(model)
        if week == 30:
            model.set_parameter("conflict_managers", 0)
        if week == 40:
            model.set_parameter("conflict_managers", 5)
            model.set_parameter("mediators", 0)
        if week == 50:
            model.set_parameter("mediators", 6)
        check_books(model)
    assert model.kms.started_total >= model.kms.succeeded_total > 0
    assert len(model.agents_by_type[ConflictManager]) == 5
    summary = model.summary()
    assert summary["interventions_started_total"] == model.kms.started_total


def test_without_mediators_no_case_gets_one() -> None:
    model = Neighbourhood("neue_unterkunft", seed=2, width=25, height=25, dispute_rate=0.04,
                          mediators=0)
    for _ in range(60):
        model.step()
        assert model.kms.mediators_busy == 0
    assert model.kms.detections > 0


def test_the_door_exports_every_public_name_lazily() -> None:
    for name in door.__all__:
        assert getattr(door, name) is not None
    assert set(door.__all__) <= set(dir(door))
    with pytest.raises(AttributeError, match="has no attribute 'gibtsnicht'"):
        door.gibtsnicht  # noqa: B018


def test_seed_must_be_a_non_negative_integer() -> None:
    for seed in (-1, 1.5, "3"):
        with pytest.raises(ValueError, match=r"^seed="):
            Neighbourhood(seed=seed, width=10, height=10)

"""Behaviour the workshop must see, shown statistically over fixed seeds.

Margins were checked over 20 seeds during development (40 x 40 grid, 100 weeks; means given in
the comments); the tests use fewer seeds with a safe margin. The results are deterministic for
the given seeds.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from kokosim.neighbourhood import Neighbourhood

GRID = (("width", 40), ("height", 40))
SEEDS = tuple(range(6))


@lru_cache(maxsize=None)
def frames(scenario: str, steps: int, seeds: tuple[int, ...] = SEEDS,
           **overrides: object) -> tuple[pd.DataFrame, ...]:
    """DataCollector frames of one run per seed (cached: several tests share baselines)."""
    result = []
    for seed in seeds:
        model = Neighbourhood(scenario, seed=seed, **dict(GRID), **overrides)
        for _ in range(steps):
            model.step()
        result.append(model.datacollector.get_model_vars_dataframe())
    return tuple(result)


def mean_total(column: str, scenario: str = "neue_unterkunft", steps: int = 100,
               **overrides: object) -> float:
    return float(np.mean([frame[column].sum() for frame in frames(scenario, steps, **overrides)]))


def test_without_dispute_triggers_nothing_escalates() -> None:
    for scenario in ("geruechtewelle", "extremereignis"):
        for frame in frames(scenario, 60, (0, 1, 2), dispute_rate=0.0, shock_step=30):
            assert (frame["n_disputes"] == 0).all()
            assert (frame["max_stage"] == 0).all() and frame["incidents"].sum() == 0
            assert frame["mean_threat"].max() > 0.5  # the event happened all the same


def test_unaddressed_disputes_climb_mobilise_and_cause_incidents() -> None:
    for frame in frames("neue_unterkunft", 100, (0, 1, 2), conflict_managers=0):
        assert frame["max_stage"].max() == 9
        violent = frame[[f"disputes_stage_{k}" for k in (7, 8, 9)]].sum(axis=1)
        assert (violent[frame["incidents"] > 0] > 0).all()  # incidents only from stage 7 on
        assert frame["mobilised"].max() > 0
        assert frame["interventions_started"].sum() == 0


def test_kms_clearly_cuts_incidents() -> None:
    # 20 seeds: 2.5 incidents per run with the KMS (maximum 10), 870 without (minimum 463).
    with_kms = np.mean([frame["incidents"].sum() for frame in frames("neue_unterkunft", 100)])
    without = np.mean([frame["incidents"].sum()
                       for frame in frames("neue_unterkunft", 100, SEEDS[:3], conflict_managers=0)])
    assert without > 100 and without > 20 * (with_kms + 1)


def test_ladder_matched_interventions_beat_one_size_fits_all() -> None:
    # 20 seeds: 2.5 incidents per run ladder-matched, 225 with moderation for every case.
    ladder = mean_total("incidents")
    uniform = mean_total("incidents", intervention_rule="uniform")
    assert uniform > 5 * (ladder + 1)
    # 20 seeds: on average 1.9 disputes at stage 4 or higher ladder-matched, 7.5 uniform.
    def escalated(rule: str) -> float:
        columns = [f"disputes_stage_{k}" for k in range(4, 10)]
        return float(np.mean([frame[columns].sum(axis=1).mean()
                              for frame in frames("neue_unterkunft", 100, intervention_rule=rule)]))

    assert escalated("uniform") > 1.5 * escalated("ladder")


def test_longer_reporting_delay_brings_more_incidents() -> None:
    # 20 seeds: 0.6 incidents per run, mean stage 1.85, detection after 13 weeks at delay 0;
    # 24.0, 2.36 and 25 weeks at delay 12.
    quick = frames("neue_unterkunft", 100, reporting_delay=0)
    slow = frames("neue_unterkunft", 100, reporting_delay=12)
    assert mean_total("incidents", reporting_delay=12) > 3 * (mean_total(
        "incidents", reporting_delay=0) + 1)
    assert (np.mean([f["mean_stage"].mean() for f in slow])
            > np.mean([f["mean_stage"].mean() for f in quick]) + 0.2)
    assert (np.mean([f["detection_delay"].iloc[-1] for f in slow])
            > np.mean([f["detection_delay"].iloc[-1] for f in quick]) + 10)


def test_prevention_plan_lowers_the_post_shock_peak() -> None:
    # 20 seeds: peak of open disputes after the event 46.0 without plan, 34.0 with (lower in
    # every seed); trust a week after the event 0.42 without, 0.50 with.
    def peak(scenario: str) -> float:
        return float(np.mean([f["n_disputes"].iloc[30:].max() for f in frames(scenario, 80)]))

    assert peak("praeventionsplan") < 0.85 * peak("extremereignis")
    trust = {s: np.mean([f["trust"].iloc[31] for f in frames(s, 80)])
             for s in ("extremereignis", "praeventionsplan")}
    assert trust["praeventionsplan"] > trust["extremereignis"]


def test_rumours_raise_threat_and_trusted_communication_damps_them() -> None:
    def threat(scenario: str, **overrides: object) -> float:
        return float(np.mean([f["mean_threat"].iloc[10:].mean()
                              for f in frames(scenario, 40, (0, 1, 2), **overrides)]))

    calm = threat("neue_unterkunft", rumour_rate=0.0)
    loud = threat("geruechtewelle", communication=0.0)
    assert loud > calm + 0.02
    assert threat("geruechtewelle", communication=1.0) < loud - 0.01

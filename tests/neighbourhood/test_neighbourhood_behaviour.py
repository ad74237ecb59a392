"""Behaviour the workshop must see, shown statistically over fixed seeds.

Each test states the 20-seed means measured during development (40 x 40 grid, 1,280 residents,
100 weeks, ``neue_unterkunft`` unless named); the assertions use the same seeds with margins
well inside those figures. The runs are deterministic for the given seeds.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from kokosim.neighbourhood import Neighbourhood

GRID = (("width", 40), ("height", 40))
SEEDS = tuple(range(20))


@lru_cache(maxsize=None)
def runs(scenario: str, steps: int, seeds: tuple[int, ...] = SEEDS,
         **overrides: object) -> tuple[tuple[pd.DataFrame, Neighbourhood], ...]:
    """Frame and final model of one run per seed (cached: several tests share baselines)."""
    result = []
    for seed in seeds:
        model = Neighbourhood(scenario, seed=seed, **dict(GRID), **overrides)
        for _ in range(steps):
            model.step()
        result.append((model.datacollector.get_model_vars_dataframe(), model))
    return tuple(result)


def frames(scenario: str, steps: int, seeds: tuple[int, ...] = SEEDS,
           **overrides: object) -> list[pd.DataFrame]:
    return [frame for frame, _ in runs(scenario, steps, seeds, **overrides)]


def mean_total(column: str, scenario: str = "neue_unterkunft", steps: int = 100,
               **overrides: object) -> float:
    return float(np.mean([frame[column].sum() for frame in frames(scenario, steps, **overrides)]))


# --- the KMS: a clear but believable effect ------------------------------------------------------

def test_without_dispute_triggers_nothing_escalates() -> None:
    for scenario in ("geruechtewelle", "extremereignis"):
        for frame in frames(scenario, 60, (0, 1, 2), dispute_rate=0.0, shock_step=30):
            assert (frame["n_disputes"] == 0).all()
            assert (frame["max_stage"] == 0).all()
            assert frame["incidents"].sum() == frame["hostile_acts"].sum()  # only attacks
            assert frame["mean_threat"].max() > 0.5  # the event happened all the same


def test_without_kms_the_quarter_does_not_run_away() -> None:
    # 20 seeds without a KMS: 43.6 incidents in 100 weeks (95 % band 38.0-49.3), 16.3 of them
    # attacks without a dispute; 4.2 % of disputes ever reach stage 7.
    totals = [frame["incidents"].sum() for frame in frames("neue_unterkunft", 100,
                                                          conflict_managers=0)]
    assert 20 < np.mean(totals) < 80 and max(totals) < 150
    for frame in frames("neue_unterkunft", 100, SEEDS[:3], conflict_managers=0):
        violent = frame[[f"disputes_stage_{k}" for k in (7, 8, 9)]].sum(axis=1)
        from_disputes = frame["incidents"] - frame["hostile_acts"]
        # incidents from disputes only at stage 7+ (or in the week the police stopped them)
        assert ((violent + frame["police_cases"])[from_disputes > 0] > 0).all()
        assert frame["interventions_started"].sum() == 0 and frame["staff_hours"].sum() > 0


def test_a_well_staffed_kms_cuts_incidents_by_a_third_to_three_quarters() -> None:
    # 20 seeds: 16.9 incidents with the default KMS (2 managers, 4 mediators), 12.8 with the
    # ausgebautes KMS, 43.6 without: 61 % and 71 % fewer.
    without = mean_total("incidents", conflict_managers=0)
    for scenario in ("neue_unterkunft", "ausgebautes_kms"):
        reduction = 1 - mean_total("incidents", scenario) / without
        assert 0.33 <= reduction <= 0.85, (scenario, reduction)


def test_an_understaffed_kms_has_a_waiting_list_and_loses_much_of_its_effect() -> None:
    # 20 seeds, one Konfliktmanager:in with one case at a time and no mediators: 29.0
    # incidents (34 % fewer than without a KMS, against 61 %), 11.9 weeks of waiting.
    thin = dict(conflict_managers=1, case_capacity=1, mediators=0)
    without = mean_total("incidents", conflict_managers=0)
    staffed = mean_total("incidents")
    understaffed = mean_total("incidents", **thin)
    assert staffed < understaffed < without
    assert understaffed - staffed > 0.3 * (without - staffed)
    waits = [frame["waiting_time"].iloc[-1] for frame in frames("neue_unterkunft", 100, **thin)]
    assert np.mean(waits) > 5
    assert np.mean([frame["waiting_cases"].mean() for frame in
                    frames("neue_unterkunft", 100, **thin)]) > 2


# --- the ladder's advantage emerges, and where it does not hold ----------------------------------

def test_matching_procedures_beat_moderation_for_everything() -> None:
    # 20 seeds: 16.9 incidents ladder-matched, 22.9 with moderation for every case (too weak
    # once camps form: it talks only with the two parties and loses its grip above stage 3).
    assert mean_total("incidents", intervention_rule="uniform") > 1.2 * mean_total("incidents")

    def escalated(**overrides: object) -> float:
        columns = [f"disputes_stage_{k}" for k in range(4, 10)]
        return float(np.mean([frame[columns].sum(axis=1).mean()
                              for frame in frames("neue_unterkunft", 100, **overrides)]))

    assert escalated(intervention_rule="uniform") > 1.2 * escalated()


def test_power_for_every_dispute_backfires() -> None:
    # 20 seeds: a Machteingriff for every case ends disputes but costs trust and raises
    # polarisation; it brings 112.2 incidents, nearly all of them attacks.
    power = dict(intervention_rule="uniform", standard_intervention="machteingriff")
    assert mean_total("incidents", **power) > 2 * mean_total("incidents")
    trust = {name: np.mean([frame["trust"].iloc[-1] for frame in
                            frames("neue_unterkunft", 100, **overrides)])
             for name, overrides in (("ladder", {}), ("power", power))}
    assert trust["power"] < trust["ladder"] - 0.05


def test_with_enough_mediators_mediation_for_all_works_but_costs_more() -> None:
    # 20 seeds, 20 mediators, mediation for every case: 18.8 incidents (ladder: 16.9), but
    # 92,800 euros for mediators against 39,700.
    plenty = dict(intervention_rule="uniform", standard_intervention="mediation", mediators=20)
    assert mean_total("incidents", **plenty) < 1.3 * mean_total("incidents") + 2
    assert mean_total("mediator_costs", **plenty) > 1.5 * mean_total("mediator_costs")


# --- trade-offs ---------------------------------------------------------------------------------

def test_a_lower_detection_threshold_buys_fewer_incidents_with_false_alarms_and_hours() -> None:
    # 20 seeds: threshold 1 vs 3: 13.9 vs 16.9 incidents, 47.0 vs 1.4 false alarms,
    # 1,333 vs 582 staff hours.
    assert mean_total("false_alarms", detection_threshold=1) > 10 * mean_total("false_alarms")
    assert mean_total("staff_hours", detection_threshold=1) > 1.5 * mean_total("staff_hours")
    assert mean_total("incidents", detection_threshold=1) < mean_total("incidents")


def test_longer_reporting_delay_brings_more_incidents() -> None:
    # 20 seeds: delay 0 vs 12 weeks: 15.4 vs 18.9 incidents; disputes climb meanwhile.
    assert mean_total("incidents", reporting_delay=12) > 1.2 * mean_total(
        "incidents", reporting_delay=0)
    slow = frames("neue_unterkunft", 100, reporting_delay=12)
    quick = frames("neue_unterkunft", 100, reporting_delay=0)
    assert (np.mean([f["detection_delay"].iloc[-1] for f in slow])
            > np.mean([f["detection_delay"].iloc[-1] for f in quick]) + 8)


def test_voluntary_procedures_are_sometimes_refused() -> None:
    assert mean_total("refusals") > 10
    assert mean_total("refusals", intervention_rule="uniform",
                      standard_intervention="schiedsverfahren") == 0


# --- patterns of real neighbourhood conflicts ---------------------------------------------------

def test_most_disputes_stay_low_and_end_without_intervention() -> None:
    # 20 seeds with the KMS: of ended disputes 93 % never passed stage 3; 76 % of all disputes
    # ended on their own; 0.5 % ever reached stage 7 (4.2 % without a KMS).
    for overrides in ({}, {"conflict_managers": 0}):
        models = [model for _, model in runs("neue_unterkunft", 100, **overrides)]
        peaks = np.concatenate([model.peak_stages for model in models])
        assert np.mean(peaks <= 3) > 0.8
        unaided = sum(model.ended_unaided_total for model in models)
        assert unaided > 0.6 * sum(model.disputes_total for model in models)
        violent = sum(model.disputes_violent_total for model in models)
        assert violent < 0.1 * sum(model.disputes_total for model in models)


def test_incidents_cluster_after_an_extreme_event() -> None:
    # 20 seeds: 4.4 incidents in the 20 weeks before the event, 14.1 in the 20 weeks after.
    before = np.mean([f["incidents"].iloc[10:30].sum() for f in frames("extremereignis", 80)])
    after = np.mean([f["incidents"].iloc[31:51].sum() for f in frames("extremereignis", 80)])
    assert after > 2.5 * before


def test_incidents_cluster_in_a_rumour_wave() -> None:
    # 20 seeds, 60 weeks: 9.6 attacks without rumours, 16.5 in the rumour wave.
    calm = mean_total("hostile_acts", steps=60, rumour_rate=0.0)
    assert mean_total("hostile_acts", "geruechtewelle", steps=60, communication=0.0) > 1.4 * calm


def test_attitudes_fall_faster_than_they_recover() -> None:
    # 20 seeds: after the event mean attitude falls by 0.015 a week (4 weeks) and recovers by
    # 0.0003 a week (the 20 weeks after).
    for frame in frames("extremereignis", 60, SEEDS[:10]):
        fall_per_week = (frame["attitude"].iloc[29] - frame["attitude"].iloc[33]) / 4
        recovery_per_week = (frame["attitude"].iloc[53] - frame["attitude"].iloc[33]) / 20
        assert fall_per_week > 3 * max(recovery_per_week, 0.0)


def test_contact_programmes_lower_polarisation_slowly() -> None:
    def polarisation(week: int, share: float) -> float:
        return float(np.mean([f["polarisation"].iloc[week] for f in
                              frames("neue_unterkunft", 100, SEEDS[:10],
                                     contact_programme=share)]))

    early = polarisation(5, 0.0) - polarisation(5, 0.05)
    late = polarisation(100, 0.0) - polarisation(100, 0.05)
    assert late > 0.02 and late > 3 * early


def test_prevention_plan_lowers_the_post_shock_peak() -> None:
    # 20 seeds: peak of open disputes after the event 35.9 without plan, 25.5 with; trust a
    # week after the event 0.41 without, 0.50 with; incidents in the 20 weeks after 14.1 vs 6.3.
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

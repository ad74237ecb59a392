"""Glasl stages, intervention ladder and diagnosis agree with shared/domain.md and stay consistent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kokosim.escalation import (
    INDICATORS, LADDER, LEVELS, STAGES, diagnose, intervention, ladder_fit,
    recommend_interventions, stage,
)

DOMAIN = Path(__file__).resolve().parents[2] / "shared" / "domain.md"


@pytest.fixture(scope="module")
def domain_text() -> str:
    assert DOMAIN.exists(), f"the subject-matter reference {DOMAIN} must sit beside the project"
    return DOMAIN.read_text(encoding="utf-8")


def test_stages_match_the_domain_reference(domain_text):
    rows = re.findall(r"^\| (\d) \| ([^|]+?) \| ([a-z-]+) \|$", domain_text, flags=re.M)
    assert len(rows) == 9
    assert [(s.number, s.name, s.level) for s in STAGES] == [(int(n), name, lvl) for n, name, lvl in rows]


def test_ladder_matches_the_domain_reference(domain_text):
    ladder = re.split(r"Intervention ladder \([^)]*\):", domain_text)[1].split("Conflict types")[0]
    ranges = re.findall(r"(\d)–(\d) ([^;.]+)", re.sub(r"/\s+", "/", " ".join(ladder.split())))
    assert [(r.first_stage, r.last_stage) for r in LADDER] == [(int(a), int(b)) for a, b, _ in ranges]
    for rung, (_, _, name) in zip(LADDER, ranges, strict=True):
        assert rung.name.lower() == name.strip().lower()


def test_every_stage_has_a_german_description_and_a_level():
    for s in STAGES:
        assert s.level in LEVELS and s.description.endswith(".") and len(s.description) > 30
    assert [s.level for s in STAGES] == ["win-win"] * 3 + ["win-lose"] * 3 + ["lose-lose"] * 3


@pytest.mark.parametrize("bad", [0, 10, -1, 2.5, "3", True, None])
def test_stage_rejects_non_stages(bad):
    with pytest.raises(ValueError, match=r"stage=.* is not a Glasl stage"):
        stage(bad)


@given(st.integers(1, 9))
def test_recommendations_fit_and_are_ordered(number):
    recommended = recommend_interventions(number)
    assert recommended, "every stage has at least one fitting intervention"
    assert all(number in rung.stages for rung in recommended)
    assert {r.key for r in recommended} == {r.key for r in LADDER if r.first_stage <= number <= r.last_stage}
    centre_distance = [abs(number - (r.first_stage + r.last_stage) / 2) for r in recommended]
    assert centre_distance == sorted(centre_distance)
    assert all(ladder_fit(r.key, number) == 1.0 for r in recommended)


@given(st.sampled_from([r.key for r in LADDER]), st.integers(1, 9), st.integers(1, 9))
def test_fit_falls_with_distance_from_the_range(key, a, b):
    rung = intervention(key)
    distance = lambda s: max(rung.first_stage - s, s - rung.last_stage, 0)  # noqa: E731
    if distance(a) <= distance(b):
        assert ladder_fit(key, a) >= ladder_fit(key, b)
    assert 0.0 <= ladder_fit(key, a) <= 1.0


def test_mismatched_choice_is_penalised():
    assert ladder_fit("moderation", 7) < 0.2 < ladder_fit("mediation", 7) == 1.0
    with pytest.raises(ValueError, match="penalty"):
        ladder_fit("moderation", 3, penalty=0)


def test_checklist_covers_every_stage_with_unique_keys():
    assert {i.stage for i in INDICATORS} == set(range(1, 10))
    assert len({i.key for i in INDICATORS}) == len(INDICATORS)


@given(st.sets(st.sampled_from([i.key for i in INDICATORS]), min_size=1))
def test_diagnosis_is_the_highest_observed_stage(keys):
    by_key = {i.key: i for i in INDICATORS}
    result = diagnose(sorted(keys))
    top = max(by_key[k].stage for k in keys)
    assert result.stage.number == top
    assert {r.key for r in result.reasons} == {k for k in keys if by_key[k].stage == top}
    assert result.certain == (len(result.reasons) >= 2)
    assert sum(result.evidence.values()) == len(keys)


def test_diagnosis_ignores_repeats_and_rejects_unknown_indicators():
    assert diagnose(["drohungen", "drohungen"]).evidence == {6: 1}
    with pytest.raises(ValueError, match="'laerm' is not on the checklist"):
        diagnose(["laerm"])

"""Property-based round trips: JSON, GraphML and CSV give back an equal map."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kokosim.stakeholders import (
    RELATION_KINDS,
    ROLES,
    SECTORS,
    STANCES,
    StakeholderMap,
    read_csv,
    read_graphml,
    read_json,
    write_csv,
    write_graphml,
    write_json,
)

_CHARACTERS = st.characters(blacklist_categories=("Cs", "Cc", "Cn"))
_NAMES = st.text(_CHARACTERS, min_size=1, max_size=12).filter(lambda s: s.strip())
_TEXTS = st.text(st.one_of(_CHARACTERS, st.sampled_from("\n\t;,\"'<&")), max_size=20)
_SCALE = st.none() | st.floats(0, 10, allow_nan=False)


@st.composite
def maps(draw: st.DrawFn) -> StakeholderMap:
    karte = StakeholderMap()
    names = draw(st.lists(_NAMES, min_size=1, max_size=6,
                          unique_by=lambda s: s.strip()))
    me = draw(st.sampled_from([None, *names]))
    for name in names:
        karte.add_actor(
            name,
            sector=draw(st.sampled_from(SECTORS)),
            role=draw(st.sampled_from(("", *ROLES))),
            influence=draw(st.integers(0, 50)),
            stance=draw(st.lists(st.sampled_from(STANCES), unique=True)),
            power=draw(_SCALE),
            interest=draw(_SCALE),
            position=draw(_TEXTS),
            interests=draw(_TEXTS),
            needs=draw(_TEXTS),
            is_shadow=draw(st.booleans()),
            is_issue=draw(st.booleans()),
            is_self=name == me,
        )
    actors = karte.actors
    for _ in range(draw(st.integers(0, 10))):
        source, target = draw(st.sampled_from(actors)), draw(st.sampled_from(actors))
        kind = draw(st.sampled_from(RELATION_KINDS))
        if source == target or karte.find_relation(source, target, kind) is not None:
            continue
        karte.add_relation(
            source, target, kind,
            strength=draw(st.none() | st.floats(0, 1e6, allow_nan=False)),
            stage=draw(st.none() | st.integers(1, 9)) if kind == "konflikt" else None,
            note=draw(_TEXTS),
        )
    return karte


def _via_json(karte: StakeholderMap, folder: Path) -> StakeholderMap:
    write_json(karte, folder / "karte.json")
    return read_json(folder / "karte.json")


def _via_graphml(karte: StakeholderMap, folder: Path) -> StakeholderMap:
    write_graphml(karte, folder / "karte.graphml")
    return read_graphml(folder / "karte.graphml")


def _via_csv(delimiter: str, english: bool):
    def round_trip(karte: StakeholderMap, folder: Path) -> StakeholderMap:
        write_csv(karte, folder / "a.csv", folder / "b.csv", delimiter=delimiter, english=english)
        return read_csv(folder / "a.csv", folder / "b.csv")
    return round_trip


@pytest.mark.parametrize("round_trip", [
    _via_json, _via_graphml, _via_csv(";", False), _via_csv(",", True)],
    ids=["json", "graphml", "csv-de", "csv-en"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(karte=maps())
def test_round_trip_gives_an_equal_map(round_trip, karte: StakeholderMap) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert round_trip(karte, Path(folder)) == karte

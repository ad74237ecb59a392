"""Analyses of actor maps: on the shipped case map and on small constructed maps."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kokosim.stakeholders import (
    StakeholderMap,
    articulation_points,
    brokers,
    camps_without_cooperation,
    centralities,
    conflict_hotspots,
    conflicts,
    influence_by_camp,
    isolated_actors,
    load_case_map,
    mendelow,
    no_path_to_self,
    silos,
    structural_balance,
    summary,
    unbalanced_triads,
    working_ties,
)


@pytest.fixture(scope="module")
def case() -> StakeholderMap:
    return load_case_map()


def _chain(*names: str, kind: str = "kooperation", **actor: object) -> StakeholderMap:
    karte = StakeholderMap()
    for name in names:
        karte.add_actor(name, **actor)
    for first, second in zip(names, names[1:]):
        karte.add_relation(first, second, kind)
    return karte


def test_tables_are_indexed_by_actor(case: StakeholderMap) -> None:
    actors = [a for a in case.actors if not case.actor(a)["is_issue"]]
    for table in (centralities(case), brokers(case), silos(case), mendelow(case)):
        assert isinstance(table, pd.DataFrame)
        assert table.index.name == "Akteur"
        assert sorted(table.index) == sorted(actors)
    assert "Unterkunft Lindenweg" not in centralities(case).index


def test_broker_in_the_middle_of_a_star() -> None:
    karte = _chain("A", "Mitte", "B")
    karte.add_actor("C")
    karte.add_relation("Mitte", "C", "informell")
    karte.add_relation("A", "B", "konflikt", stage=3)  # conflicts do not connect
    table = brokers(karte)
    assert table.index[0] == "Mitte"
    assert table.loc["Mitte", "Betweenness"] == pytest.approx(1.0)
    assert table.loc["Mitte", "Effektive Größe"] == pytest.approx(3.0)
    assert table.loc["Mitte", "Constraint"] < table.loc["A", "Constraint"]
    assert list(table.columns) == ["Betweenness", "Constraint", "Effektive Größe"]


def test_case_map_brokers_and_centralities(case: StakeholderMap) -> None:
    top = brokers(case).index[:5].tolist()
    assert {"Bürgerverein Nord", "KMS-Koordination (ich)", "Integrationsbüro Musterstadt"} \
        <= set(top)
    table = centralities(case)
    cut_off = ["Kita Lindenweg (fiktiv)"]
    assert table.loc[cut_off, "Eigenvektor"].isna().all()
    assert table["Eigenvektor"].notna().sum() == 25
    # the conflict and the broken relation of the Bürgerverein do not count as ties
    assert table.loc["Bürgerverein Nord", "Verbindungen"] == 7


def test_mutual_relations_count_the_same_in_either_direction() -> None:
    forward = _chain("A", "B", "C", kind="allianz")
    backward = StakeholderMap()
    for name in ("A", "B", "C"):
        backward.add_actor(name)
    backward.add_relation("B", "A", "allianz")
    backward.add_relation("C", "B", "allianz")
    pd.testing.assert_frame_equal(centralities(forward), centralities(backward))
    pd.testing.assert_frame_equal(brokers(forward), brokers(backward))
    assert articulation_points(forward) == articulation_points(backward) == ["B"]


def test_influence_counts_as_a_tie_in_either_direction() -> None:
    karte = _chain("A", "B", kind="einfluss")
    karte.add_actor("C", is_self=True)
    karte.add_relation("C", "B", "einfluss")
    assert no_path_to_self(karte, min_influence=0).empty
    assert working_ties(karte).has_edge("A", "B")


def test_silos_are_seeded_and_separate_groups(case: StakeholderMap) -> None:
    first, second = silos(case, seed=4), silos(case, seed=4)
    pd.testing.assert_frame_equal(first, second)
    groups = first.groupby("Silo").groups
    separate = {"Sozialdezernat", "Bauordnungsamt", "Zuweisungsstelle des Landes (fiktiv)",
                "Wohnungsbaugesellschaft Nord (fiktiv)", "Sozialwerk Nord gGmbH (fiktiv)"}
    assert any(set(members) == separate for members in groups.values())
    assert first.loc["Kita Lindenweg (fiktiv)", "Silogröße"] == 1
    sizes = first.drop_duplicates("Silo").set_index("Silo")["Silogröße"].sort_index()
    assert sizes.is_monotonic_decreasing


def test_isolated_and_articulation_points(case: StakeholderMap) -> None:
    assert isolated_actors(case) == ["Kita Lindenweg (fiktiv)"]
    assert "SV Nord 1921 (fiktiv)" in isolated_actors(case, max_ties=1)
    points = articulation_points(case)
    assert {"Polizeiwache Nord", "Bürgerverein Nord", "KMS-Koordination (ich)"} <= set(points)
    with pytest.raises(ValueError, match="max_ties=-1"):
        isolated_actors(case, max_ties=-1)


def test_no_path_to_self(case: StakeholderMap) -> None:
    table = no_path_to_self(case)
    assert table.index.tolist() == ["Kita Lindenweg (fiktiv)"]
    assert table["Einfluss"].tolist() == [3]
    assert no_path_to_self(case, min_influence=4).empty
    assert "Kita Lindenweg (fiktiv)" in no_path_to_self(case, min_influence=0).index
    with pytest.raises(ValueError, match="is_self"):
        no_path_to_self(_chain("A", "B"))


def test_camps_without_cooperation() -> None:
    karte = StakeholderMap()
    karte.add_actor("P", stance="pro")
    karte.add_actor("C", stance="contra")
    karte.add_actor("N", stance=("neutral", "contra"))
    karte.add_actor("X")
    karte.add_relation("P", "N", "kooperation")
    karte.add_relation("P", "C", "informell")  # not a cooperation
    karte.add_relation("X", "C", "allianz")  # X has no stance
    assert camps_without_cooperation(karte) == [("contra", "neutral")]
    karte.add_relation("C", "N", "allianz")
    assert camps_without_cooperation(karte) == []


def test_case_map_camps(case: StakeholderMap) -> None:
    assert camps_without_cooperation(case) == [("pro", "contra")]
    table = influence_by_camp(case)
    assert table.index.tolist() == ["pro", "neutral", "contra"]
    assert table.loc["pro", "Einfluss"] == 41
    # "Ev. Kirchengemeinde" is pro and neutral: it counts in both camps.
    assert "Ev. Kirchengemeinde Nord (fiktiv)" in table.loc["pro", "Mitglieder"]
    assert "Ev. Kirchengemeinde Nord (fiktiv)" in table.loc["neutral", "Mitglieder"]


def test_actors_without_stance_form_their_own_camp() -> None:
    karte = _chain("A", "B")
    karte.update_actor("A", influence=4, stance="pro")
    table = influence_by_camp(karte)
    assert table.to_dict("index") == {"pro": {"Einfluss": 4, "Akteure": 1, "Mitglieder": "A"},
                                      "ohne Haltung": {"Einfluss": 1, "Akteure": 1,
                                                       "Mitglieder": "B"}}


@pytest.mark.parametrize(("power", "interest", "quadrant"), [
    (6, 6, "eng einbinden"), (6, 5, "zufriedenstellen"), (5, 6, "informiert halten"),
    (5, 5, "beobachten"), (None, 5, "nicht eingeschätzt"), (10, 0, "zufriedenstellen"),
])
def test_mendelow_quadrants(power: float | None, interest: float, quadrant: str) -> None:
    karte = StakeholderMap()
    karte.add_actor("A", power=power, interest=interest)
    table = mendelow(karte)
    assert table.loc["A", "Quadrant"] == quadrant
    assert math.isnan(table.loc["A", "Macht"]) == (power is None)


def test_mendelow_threshold() -> None:
    karte = StakeholderMap()
    karte.add_actor("A", power=4, interest=4)
    assert mendelow(karte, threshold=3)["Quadrant"].item() == "eng einbinden"


def test_conflicts_and_hotspots(case: StakeholderMap) -> None:
    table = conflicts(case)
    assert len(table) == 8
    assert table["Stufe"].tolist() == [6, 5, 4, 4, 4, 3, 3, 2]
    top = table.iloc[0]
    assert (top["Stufenname"], top["Ebene"]) == ("Drohstrategien", "win-lose")
    assert top["Empfehlung"].startswith("Vermittlung/Mediation")
    spots = conflict_hotspots(case)
    assert spots.index[:2].tolist() == ["Sozialdezernat", "Anwohnerinitiative Lindenweg (fiktiv)"]
    assert spots.loc["Anwohnerinitiative Lindenweg (fiktiv)", "Konflikte"] == 3
    assert spots.loc["Anwohnerinitiative Lindenweg (fiktiv)", "Höchste Stufe"] == 4
    assert set(spots.index) == {"Anwohnerinitiative Lindenweg (fiktiv)",
                                "Wählergemeinschaft Nord (fiktiv)", "Sozialdezernat"}
    assert len(conflict_hotspots(case, min_conflicts=1)) == 11


def test_conflicts_without_stage() -> None:
    karte = _chain("A", "B", kind="konflikt")
    karte.add_actor("C")
    karte.add_relation("C", "A", "konflikt", stage=2)
    table = conflicts(karte)
    assert table["Stufe"].tolist()[0] == 2 and pd.isna(table["Stufe"].tolist()[1])
    assert table.loc[1, "Empfehlung"] == ""
    assert conflict_hotspots(karte).loc["A", "Höchste Stufe"] == 2
    assert "Konflikte: 2, höchste Glasl-Stufe 2" in summary(karte)


def test_unbalanced_triads_and_balance() -> None:
    karte = StakeholderMap()
    for name in "ABCD":
        karte.add_actor(name)
    karte.add_relation("A", "B", "konflikt")
    karte.add_relation("B", "C", "konflikt")
    karte.add_relation("C", "A", "konflikt")  # − − −: unbalanced
    assert unbalanced_triads(karte).values.tolist() == [["A", "B", "C", "− − −"]]
    karte.update_relation("C", "A", "konflikt", stage=3)
    karte.remove_relation("A", "C", "konflikt")
    karte.add_relation("A", "C", "allianz")  # + − −: balanced (common enemy)
    assert unbalanced_triads(karte).empty
    assert structural_balance(karte) == {"triaden": 1, "unausgeglichen": 0,
                                         "anteil_ausgeglichen": 1.0}
    karte.add_relation("A", "C", "konflikt")  # conflict decides for an ambivalent pair
    assert len(unbalanced_triads(karte)) == 1
    assert math.isnan(structural_balance(_chain("A", "B"))["anteil_ausgeglichen"])


def test_case_map_unbalanced_triad(case: StakeholderMap) -> None:
    triads = unbalanced_triads(case)
    assert triads.values.tolist() == [["Ratsfraktion Mitte (fiktiv)",
                                       "Wählergemeinschaft Nord (fiktiv)",
                                       "Bezirksvertretung Nord", "− + +"]]
    assert structural_balance(case)["triaden"] == 5


def test_summary_of_the_case_map(case: StakeholderMap) -> None:
    text = summary(case)
    assert text.startswith("Akteurslandkarte: 26 Akteure, 1 Themenknoten, 47 Beziehungen.")
    assert "Ohne Verbindung zur Koordination (KMS-Koordination (ich)): Kita Lindenweg" in text
    assert "isolierte Akteure: Kita Lindenweg (fiktiv)" in text
    assert "Lager ohne Kooperation miteinander: pro – contra." in text
    assert "höchste Glasl-Stufe 6 (Drohstrategien)" in text
    assert "Unausgeglichene Dreiecke: 1 von 5." in text


def test_empty_map() -> None:
    empty = StakeholderMap()
    assert centralities(empty).empty and brokers(empty).empty and silos(empty).empty
    assert conflicts(empty).empty and conflict_hotspots(empty).empty
    assert summary(empty).startswith("Akteurslandkarte: 0 Akteure")
    assert "Konflikte: keine." in summary(_chain("A", "B"))

"""Data model of kokosim.stakeholders: validation, mutual relations, equality."""

from __future__ import annotations

import pytest

from kokosim.stakeholders import FieldError, StakeholderMap
from kokosim.stakeholders.model import validate_actor_field


def _map(*names: str) -> StakeholderMap:
    karte = StakeholderMap()
    for name in names:
        karte.add_actor(name)
    return karte


def test_actor_defaults_and_normalisation() -> None:
    karte = StakeholderMap()
    karte.add_actor("  Stadt  ", sector="verwaltung", role="veto-player", stance=["pro", "pro"],
                    power=7, position=" A\r\nB ")
    data = karte.actor("Stadt")
    assert data["sector"] == "Verwaltung"
    assert data["role"] == "Veto-Player"
    assert data["stance"] == ("pro",)
    assert data["power"] == 7.0 and isinstance(data["power"], float)
    assert data["position"] == "A\nB"
    assert data["influence"] == 1 and data["interest"] is None and not data["is_self"]


@pytest.mark.parametrize(("field", "value", "needle"), [
    ("influence", "viel", "influence='viel'"),
    ("influence", -1, "influence=-1"),
    ("influence", 2.5, "influence=2.5"),
    ("influence", True, "influence=True"),
    ("sector", "Kirche", "sector='Kirche'"),
    ("role", "Chef", "role='Chef'"),
    ("stance", "dafür", "stance='dafür'"),
    ("power", 11, "power=11"),
    ("interest", "hoch", "interest='hoch'"),
    ("is_shadow", "ja", "is_shadow='ja'"),
    ("colour", "rot", "colour='rot'"),
])
def test_bad_actor_values_name_the_field(field: str, value: object, needle: str) -> None:
    karte = StakeholderMap()
    with pytest.raises(ValueError, match=needle.replace("(", r"\(")) as caught:
        karte.add_actor("A", **{field: value})
    assert caught.value.field == field
    assert len(karte) == 0


def test_german_message_of_a_field_error() -> None:
    with pytest.raises(FieldError) as caught:
        validate_actor_field("influence", "viel")
    assert caught.value.german == "'viel' ist keine ganze Zahl ≥ 0"


@pytest.mark.parametrize("name", ["", "   ", "A\nB", "A\tB", "A\x00"])
def test_bad_names(name: str) -> None:
    with pytest.raises(ValueError, match="name="):
        StakeholderMap().add_actor(name)


def test_duplicate_actor_and_single_self() -> None:
    karte = _map("A")
    with pytest.raises(ValueError, match="already exists"):
        karte.add_actor("A")
    karte.update_actor("A", is_self=True)
    with pytest.raises(ValueError, match="is_self.*already has a self actor: 'A'"):
        karte.add_actor("B", is_self=True)
    karte.update_actor("A", is_self=True)  # setting it again on the same actor is fine
    assert karte.self_actor == "A"


def test_relation_validation() -> None:
    karte = _map("A", "B")
    with pytest.raises(ValueError, match="target='C' is not an actor"):
        karte.add_relation("A", "C", "kooperation")
    with pytest.raises(ValueError, match="source='C' is not an actor"):
        karte.add_relation("C", "A", "kooperation")
    with pytest.raises(ValueError, match="kind='freundschaft' is not a relation kind"):
        karte.add_relation("A", "B", "freundschaft")
    with pytest.raises(ValueError, match="target='A' is the same actor"):
        karte.add_relation("A", "A", "kooperation")
    with pytest.raises(ValueError, match="stage=10 is not a Glasl stage"):
        karte.add_relation("A", "B", "konflikt", stage=10)
    with pytest.raises(ValueError, match="stage=3 is only allowed on 'konflikt'"):
        karte.add_relation("A", "B", "allianz", stage=3)
    with pytest.raises(ValueError, match="strength=-1"):
        karte.add_relation("A", "B", "allianz", strength=-1)
    assert karte.graph.number_of_edges() == 0


def test_mutual_relations_are_one_arc_found_in_both_directions() -> None:
    karte = _map("A", "B")
    karte.add_relation("A", "B", "konflikt", stage=2)
    with pytest.raises(ValueError, match="exists already"):
        karte.add_relation("B", "A", "konflikt")
    karte.update_relation("B", "A", "konflikt", stage=5, note="eskaliert")
    assert karte.relation("A", "B", "konflikt") == {"kind": "konflikt", "strength": None,
                                                    "stage": 5, "note": "eskaliert"}
    assert karte.graph.number_of_edges() == 1
    karte.remove_relation("B", "A", "konflikt")
    assert karte.graph.number_of_edges() == 0


def test_influence_is_directed() -> None:
    karte = _map("A", "B")
    karte.add_relation("A", "B", "einfluss")
    assert karte.find_relation("B", "A", "einfluss") is None
    karte.add_relation("B", "A", "einfluss")
    karte.add_relation("A", "B", "kooperation")  # several kinds between the same pair
    assert karte.graph.number_of_edges() == 3
    with pytest.raises(ValueError, match="no such relation"):
        karte.remove_relation("A", "B", "allianz")


def test_remove_actor_removes_its_relations() -> None:
    karte = _map("A", "B", "C")
    karte.add_relation("A", "B", "kooperation")
    karte.add_relation("C", "B", "einfluss")
    karte.remove_actor("B")
    assert karte.actors == ["A", "C"] and karte.graph.number_of_edges() == 0
    with pytest.raises(ValueError, match="name='B' is not an actor"):
        karte.update_actor("B", influence=3)


def test_equality_ignores_order_and_direction_of_mutual_relations() -> None:
    first = _map("A", "B", "C")
    second = _map("C", "B", "A")
    first.add_relation("A", "B", "allianz", strength=2.0)
    second.add_relation("B", "A", "allianz", strength=2.0)
    first.add_relation("C", "A", "einfluss")
    second.add_relation("C", "A", "einfluss")
    assert first == second
    second.update_relation("A", "B", "allianz", note="neu")
    assert first != second
    second.update_relation("A", "B", "allianz", note="")
    second.update_actor("C", influence=2)
    assert first != second
    reversed_influence = _map("A", "B", "C")
    reversed_influence.add_relation("A", "B", "allianz", strength=2.0)
    reversed_influence.add_relation("A", "C", "einfluss")
    assert first != reversed_influence
    assert first != "not a map"


def test_copy_is_independent_and_records_round_trip() -> None:
    karte = _map("A", "B")
    karte.add_relation("A", "B", "konflikt", stage=4)
    twin = karte.copy()
    twin.update_relation("A", "B", "konflikt", stage=6)
    assert karte.relation("A", "B", "konflikt")["stage"] == 4
    assert StakeholderMap.from_records(*karte.to_records()) == karte
    assert list(karte.relations_table()["kind"]) == ["konflikt"]
    assert karte.actors_table().index.tolist() == ["A", "B"]


def test_copies_and_maps_from_records_keep_the_file_methods(tmp_path) -> None:
    from kokosim.stakeholders.drawing import _simplified
    from kokosim.stakeholders.model import MapCore

    karte = _map("A", "B")
    records = karte.to_records()
    for made in (karte.copy(), StakeholderMap.from_records(*records), _simplified(karte)):
        assert type(made) is StakeholderMap and isinstance(made, MapCore)
        made.to_json(tmp_path / "karte.json")
        assert StakeholderMap.from_json(tmp_path / "karte.json") == karte
    core = MapCore.from_records(*records)
    assert core == karte and not hasattr(core, "to_csv")
    assert repr(core) == "MapCore(2 Akteure, 0 Beziehungen)"

"""The actor map (Akteurslandkarte): actors and relations on a ``networkx.MultiDiGraph``.

:class:`MapCore` holds the map and validates every value; it knows no files.
:class:`kokosim.stakeholders.StakeholderMap` (defined in :mod:`.exchange`) is the map users work
with: this core plus reading and writing files.

Conventions follow ``shared/domain.md`` ("Actor / stakeholder mapping conventions").

Decisions
---------
* **Vocabularies** (:mod:`.vocabulary`). ``sector`` and ``role`` must come from ``SECTORS`` and
  ``ROLES`` (matched without regard to case and normalised to the listed spelling); anything else
  is ``"Sonstige"`` (sector) or ``""`` = not assessed (role). Closed lists catch typos in workshop
  tables and keep the colours and legends of the drawing meaningful. Free text belongs in
  ``position``, ``interests``, ``needs`` and in the ``note`` of a relation. ``stance`` is a tuple of
  goal camps from ``STANCES``; several are allowed (an ambivalent actor counts in each camp).
* **Directed and mutual relations.** Only ``einfluss`` is directed (source influences target).
  ``kooperation``, ``allianz``, ``informell``, ``konflikt`` and ``unterbrochen`` are mutual and
  stored as **one arc flagged symmetric** (the arc goes from the first-named actor to the second;
  the flag is implied by the kind, see ``SYMMETRIC_KINDS``). A mutual relation of a kind exists
  at most once per pair, in whichever direction it was entered; an influence may exist in both
  directions. The edge key in the multigraph is the kind, so each pair has at most one relation of
  each kind and direction. Analyses read mutual arcs in both directions.
* **Scales.** ``influence`` is the Net-Map tower height, a whole number ≥ 0. ``power`` and
  ``interest`` (for the Mendelow grid) are numbers from 0 to 10 or ``None`` (not assessed).
  ``strength`` of a relation is a number ≥ 0 or ``None``; ``stage`` (only for ``konflikt``) is a
  Glasl stage 1..9 or ``None``.
* **Flags.** ``is_shadow`` (shadow party, drawn apart), ``is_issue`` (an issue node: a topic, not
  an actor; left out of the network analyses) and ``is_self`` (the mapper, e.g. the KMS
  coordination; at most one per map).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Self

import networkx as nx
import pandas as pd

from kokosim.escalation import stage as glasl_stage
from kokosim.stakeholders.vocabulary import RELATION_KINDS, ROLES, SECTORS, STANCES, SYMMETRIC_KINDS

__all__ = [
    "ACTOR_FIELDS",
    "RELATION_FIELDS",
    "FieldError",
    "MapCore",
    "validate_actor_field",
    "validate_relation_field",
]

#: Highest value of ``power`` and ``interest``.
SCALE_MAX = 10


class FieldError(ValueError):
    """A value that does not fit a field of an actor or relation.

    ``str(error)`` is the English message for programmers (it names the field and the value);
    :attr:`german` is the same problem in German for trainers (used by the file readers and the
    workshop editor).

    Attributes
    ----------
    field : str
        The field's name (``"influence"``, ``"kind"``, ...).
    value : object
        The rejected value.
    german : str
        German description, e.g. ``"'viel' ist keine ganze Zahl ≥ 0"``.
    """

    def __init__(self, field: str, value: object, english: str, german: str) -> None:
        self.field = field
        self.value = value
        if isinstance(value, str):
            shown = value
        elif isinstance(value, float):
            shown = f"{value:g}"  # as typed in a table: 12 rather than 12.0
        else:
            shown = repr(value)
        self.german = f"'{shown}' {german}"
        super().__init__(f"{field}={value!r} {english}")


# ---------------------------------------------------------------------------------------------
# Field validators: one per kind of value, shared by the API, the file readers and the editor.

_FORBIDDEN_IN_NAMES = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_FORBIDDEN_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def _text(field: str, value: object, *, single_line: bool = False) -> str:
    if not isinstance(value, str):
        raise FieldError(field, value, "is not text", "ist kein Text")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    forbidden = _FORBIDDEN_IN_NAMES if single_line else _FORBIDDEN_IN_TEXT
    if forbidden.search(text):
        raise FieldError(field, value, "contains control characters",
                         "enthält Steuerzeichen (z. B. Zeilenumbrüche)")
    return text


def _name(field: str, value: object) -> str:
    text = _text(field, value, single_line=True)
    if not text:
        raise FieldError(field, value, "is empty: an actor needs a name",
                         "ist leer: jeder Akteur braucht einen Namen")
    return text


def _choice(options: tuple[str, ...], english: str, german: str,
            empty: str | None = None) -> Callable[[str, object], str]:
    lookup = {option.casefold(): option for option in options}

    def check(field: str, value: object) -> str:
        if isinstance(value, str):
            key = value.strip().casefold()
            if not key and empty is not None:
                return empty
            if key in lookup:
                return lookup[key]
        allowed = ", ".join(options)
        raise FieldError(field, value, f"is not {english}; allowed: {allowed}",
                         f"ist {german} (erlaubt: {allowed})")
    return check


def _stances(field: str, value: object) -> tuple[str, ...]:
    try:
        items = [value] if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    except TypeError:
        items = [value]
    check = _choice(STANCES, "a stance", "keine Haltung")
    result: list[str] = []
    for item in items:
        try:
            result.append(check(field, item))
        except FieldError:
            raise FieldError(field, value, f"is not a stance or list of stances; allowed: "
                             f"{', '.join(STANCES)}", f"ist keine Haltung (erlaubt: "
                             f"{', '.join(STANCES)}, mehrere mit '/')") from None
    return tuple(dict.fromkeys(result))


def _influence(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise FieldError(field, value, "is not a whole number >= 0", "ist keine ganze Zahl ≥ 0")
    return int(value)


def _real(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(float(value)):
        return None
    return float(value)


def _scale(field: str, value: object) -> float | None:
    if value is None:
        return None
    number = _real(value)
    if number is None or not 0 <= number <= SCALE_MAX:
        raise FieldError(field, value, f"is not a number from 0 to {SCALE_MAX} (or None)",
                         f"ist keine Zahl von 0 bis {SCALE_MAX}")
    return number


def _strength(field: str, value: object) -> float | None:
    if value is None:
        return None
    number = _real(value)
    if number is None or number < 0 or math.isinf(number):
        raise FieldError(field, value, "is not a number >= 0 (or None)", "ist keine Zahl ≥ 0")
    return number


def _flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise FieldError(field, value, "is not True or False", "ist weder ja noch nein")
    return value


def _stage(field: str, value: object) -> int | None:
    if value is None:
        return None
    try:
        return glasl_stage(value).number  # type: ignore[arg-type]
    except ValueError:
        raise FieldError(field, value, "is not a Glasl stage: expected an integer 1..9",
                         "ist keine Glasl-Stufe (ganze Zahl von 1 bis 9)") from None


@dataclass(frozen=True)
class _Field:
    default: Any
    check: Callable[[str, object], Any]


#: Actor attributes (besides ``name``): default and validator of each.
ACTOR_FIELDS: dict[str, _Field] = {
    "sector": _Field("Sonstige", _choice(SECTORS, "a sector", "kein bekannter Sektor")),
    "role": _Field("", _choice(ROLES, "a role", "keine bekannte Rolle", empty="")),
    "influence": _Field(1, _influence),
    "stance": _Field((), _stances),
    "power": _Field(None, _scale),
    "interest": _Field(None, _scale),
    "position": _Field("", _text),
    "interests": _Field("", _text),
    "needs": _Field("", _text),
    "is_shadow": _Field(False, _flag),
    "is_issue": _Field(False, _flag),
    "is_self": _Field(False, _flag),
}

#: Relation attributes (besides source, target and kind).
RELATION_FIELDS: dict[str, _Field] = {
    "strength": _Field(None, _strength),
    "stage": _Field(None, _stage),
    "note": _Field("", _text),
}

_check_kind = _choice(RELATION_KINDS, "a relation kind", "keine bekannte Beziehungsart")


def _validate(fields: Mapping[str, _Field], field: str, value: object) -> Any:
    if field not in fields:
        raise FieldError(field, value, f"is not a known field; fields: {', '.join(fields)}",
                         f"gehört zu keinem bekannten Feld ({', '.join(fields)})")
    return fields[field].check(field, value)


def validate_actor_field(field: str, value: object) -> Any:
    """Return ``value`` validated and normalised for actor field ``field``.

    Parameters
    ----------
    field : str
        ``"name"`` or a key of :data:`ACTOR_FIELDS`.
    value : object

    Raises
    ------
    FieldError
        A ``ValueError`` naming the field, with a German text in ``.german``.

    Examples
    --------
    >>> validate_actor_field("sector", "verwaltung")
    'Verwaltung'
    >>> validate_actor_field("stance", "pro")
    ('pro',)
    >>> validate_actor_field("influence", "viel")
    Traceback (most recent call last):
    ...
    kokosim.stakeholders.model.FieldError: influence='viel' is not a whole number >= 0
    """
    if field == "name":
        return _name(field, value)
    return _validate(ACTOR_FIELDS, field, value)


def validate_relation_field(field: str, value: object) -> Any:
    """Return ``value`` validated and normalised for relation field ``field``.

    Parameters
    ----------
    field : str
        ``"kind"`` or a key of :data:`RELATION_FIELDS`.
    value : object

    Examples
    --------
    >>> validate_relation_field("kind", "Konflikt")
    'konflikt'
    >>> validate_relation_field("stage", 10)
    Traceback (most recent call last):
    ...
    kokosim.stakeholders.model.FieldError: stage=10 is not a Glasl stage: expected an integer 1..9
    """
    if field == "kind":
        return _check_kind(field, value)
    return _validate(RELATION_FIELDS, field, value)


def _canonical(source: str, target: str, kind: str) -> tuple[str, str, str]:
    """Order-free identity of a relation: mutual kinds ignore the direction."""
    if kind in SYMMETRIC_KINDS and target < source:
        source, target = target, source
    return source, target, kind


class MapCore:
    """An actor map without files: actors (nodes) and typed relations (arcs) of a multigraph.

    Build it with :meth:`add_actor` and :meth:`add_relation`. The graph is available as
    :attr:`graph` for reading with networkx; change the map only through the methods, which
    validate every value. Users work with its subclass
    :class:`kokosim.stakeholders.StakeholderMap`, which adds the file methods (``to_csv``,
    ``from_csv``, ...); the analyses and the drawing accept either.

    Examples
    --------
    >>> karte = MapCore()
    >>> karte.add_actor("KMS-Koordination", sector="Verwaltung", influence=3, is_self=True)
    >>> karte.add_actor("Bürgerverein", sector="Zivilgesellschaft", influence=4, stance="contra")
    >>> karte.add_relation("KMS-Koordination", "Bürgerverein", "konflikt", stage=3)
    >>> karte
    MapCore(2 Akteure, 1 Beziehungen)
    >>> karte.actor("Bürgerverein")["stance"]
    ('contra',)
    >>> karte.add_actor("Presse", influence="viel")
    Traceback (most recent call last):
    ...
    kokosim.stakeholders.model.FieldError: influence='viel' is not a whole number >= 0
    """

    __hash__ = None  # type: ignore[assignment]  # mutable and compared by value

    def __init__(self) -> None:
        self._graph = nx.MultiDiGraph()

    # ------------------------------------------------------------------ reading
    @property
    def graph(self) -> nx.MultiDiGraph:
        """The underlying multigraph (node = actor name, edge key = relation kind)."""
        return self._graph

    @property
    def actors(self) -> list[str]:
        """Actor names in the order they were added."""
        return list(self._graph.nodes)

    @property
    def self_actor(self) -> str | None:
        """Name of the actor flagged ``is_self`` (the mapper), or ``None``."""
        return next((n for n, d in self._graph.nodes(data=True) if d["is_self"]), None)

    def __len__(self) -> int:
        return self._graph.number_of_nodes()

    def __contains__(self, name: object) -> bool:
        return name in self._graph

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({len(self)} Akteure, "
                f"{self._graph.number_of_edges()} Beziehungen)")

    def actor(self, name: str) -> dict[str, Any]:
        """A copy of the attributes of actor ``name`` (all fields, defaults included).

        Examples
        --------
        >>> karte = MapCore()
        >>> karte.add_actor("Presse", sector="Medien")
        >>> karte.actor("Presse")["sector"], karte.actor("Presse")["power"]
        ('Medien', None)
        """
        self._require_actor("name", name)
        return dict(self._graph.nodes[name])

    def relations(self, kinds: Iterable[str] | None = None
                  ) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        """Iterate ``(source, target, kind, attributes)`` in insertion order.

        Parameters
        ----------
        kinds : iterable of str, optional
            Only relations of these kinds.

        Examples
        --------
        >>> karte = MapCore()
        >>> for name in "ABC":
        ...     karte.add_actor(name)
        >>> karte.add_relation("A", "B", "allianz")
        >>> karte.add_relation("C", "A", "einfluss", note="Geld")
        >>> [(s, t, k) for s, t, k, _ in karte.relations(["einfluss"])]
        [('C', 'A', 'einfluss')]
        """
        wanted = None if kinds is None else {validate_relation_field("kind", k) for k in kinds}
        for source, target, kind, data in self._graph.edges(keys=True, data=True):
            if wanted is None or kind in wanted:
                yield source, target, kind, dict(data)

    def find_relation(self, source: str, target: str, kind: str) -> tuple[str, str] | None:
        """The stored ``(source, target)`` of a relation, or ``None`` if there is none.

        A mutual relation is found in either direction.

        Examples
        --------
        >>> karte = MapCore()
        >>> for name in "AB":
        ...     karte.add_actor(name)
        >>> karte.add_relation("A", "B", "allianz")
        >>> karte.find_relation("B", "A", "allianz"), karte.find_relation("B", "A", "einfluss")
        (('A', 'B'), None)
        """
        kind = validate_relation_field("kind", kind)
        if self._graph.has_edge(source, target, key=kind):
            return source, target
        if kind in SYMMETRIC_KINDS and self._graph.has_edge(target, source, key=kind):
            return target, source
        return None

    def relation(self, source: str, target: str, kind: str) -> dict[str, Any]:
        """A copy of the attributes of a relation (mutual ones in either direction).

        Examples
        --------
        >>> karte = MapCore()
        >>> for name in "AB":
        ...     karte.add_actor(name)
        >>> karte.add_relation("A", "B", "konflikt", stage=3)
        >>> karte.relation("B", "A", "konflikt")["stage"]
        3
        """
        stored = self._require_relation(source, target, kind)
        return dict(self._graph.edges[stored[0], stored[1], stored[2]])

    # ------------------------------------------------------------------ changing
    def add_actor(self, name: str, **attributes: Any) -> None:
        """Add an actor; omitted attributes get their defaults (see :data:`ACTOR_FIELDS`).

        Raises
        ------
        FieldError
            (a ``ValueError``) for an empty or taken name, an unknown field, a bad value, or a
            second actor flagged ``is_self``.

        Examples
        --------
        >>> karte = MapCore()
        >>> karte.add_actor("Stadt", sector="Verwaltung", influence=5, stance=("pro", "neutral"))
        >>> karte.add_actor("Stadt")
        Traceback (most recent call last):
        ...
        kokosim.stakeholders.model.FieldError: name='Stadt' already exists on the map
        """
        name = validate_actor_field("name", name)
        if name in self._graph:
            raise FieldError("name", name, "already exists on the map",
                             "gibt es schon auf der Karte")
        values = {field: spec.default for field, spec in ACTOR_FIELDS.items()}
        values.update(self._checked_actor_fields(name, attributes))
        self._graph.add_node(name, **values)

    def update_actor(self, name: str, **attributes: Any) -> None:
        """Change some attributes of actor ``name`` (the others stay).

        Examples
        --------
        >>> karte = MapCore()
        >>> karte.add_actor("Stadt", influence=5)
        >>> karte.update_actor("Stadt", power=8)
        >>> karte.actor("Stadt")["influence"], karte.actor("Stadt")["power"]
        (5, 8.0)
        """
        self._require_actor("name", name)
        self._graph.nodes[name].update(self._checked_actor_fields(name, attributes))

    def remove_actor(self, name: str) -> None:
        """Remove actor ``name`` together with all its relations.

        Examples
        --------
        >>> karte = MapCore()
        >>> for name in "AB":
        ...     karte.add_actor(name)
        >>> karte.add_relation("A", "B", "kooperation")
        >>> karte.remove_actor("B")
        >>> karte
        MapCore(1 Akteure, 0 Beziehungen)
        """
        self._require_actor("name", name)
        self._graph.remove_node(name)

    def add_relation(self, source: str, target: str, kind: str, **attributes: Any) -> None:
        """Add a relation of ``kind`` from ``source`` to ``target``.

        Raises
        ------
        FieldError
            (a ``ValueError``) for an unknown actor (field ``source``/``target``), a relation to
            itself, an unknown kind, a relation that exists already (mutual kinds in either
            direction), a bad value, or a ``stage`` on a relation that is not ``konflikt``.

        Examples
        --------
        >>> karte = MapCore()
        >>> for name in "AB":
        ...     karte.add_actor(name)
        >>> karte.add_relation("A", "B", "einfluss", strength=2)
        >>> karte.add_relation("A", "X", "kooperation")
        Traceback (most recent call last):
        ...
        kokosim.stakeholders.model.FieldError: target='X' is not an actor of the map
        """
        self._require_actor("source", source)
        self._require_actor("target", target)
        if source == target:
            raise FieldError("target", target, "is the same actor as source",
                             "ist derselbe Akteur wie bei 'von'")
        kind = validate_relation_field("kind", kind)
        if self.find_relation(source, target, kind) is not None:
            raise FieldError("kind", kind, f"relation {source!r} -> {target!r} exists already",
                             f"gibt es zwischen '{source}' und '{target}' schon")
        values = {field: spec.default for field, spec in RELATION_FIELDS.items()}
        values.update(self._checked_relation_fields(kind, attributes))
        self._graph.add_edge(source, target, key=kind, kind=kind, **values)

    def update_relation(self, source: str, target: str, kind: str, **attributes: Any) -> None:
        """Change some attributes of a relation (mutual ones are found in either direction).

        Examples
        --------
        >>> karte = MapCore()
        >>> for name in "AB":
        ...     karte.add_actor(name)
        >>> karte.add_relation("A", "B", "konflikt", stage=2)
        >>> karte.update_relation("B", "A", "konflikt", stage=5)
        >>> karte.relation("A", "B", "konflikt")["stage"]
        5
        """
        stored = self._require_relation(source, target, kind)
        self._graph.edges[stored].update(self._checked_relation_fields(stored[2], attributes))

    def remove_relation(self, source: str, target: str, kind: str) -> None:
        """Remove a relation (mutual ones found in either direction).

        Examples
        --------
        >>> karte = MapCore()
        >>> for name in "AB":
        ...     karte.add_actor(name)
        >>> karte.add_relation("A", "B", "allianz")
        >>> karte.remove_relation("B", "A", "allianz")
        >>> karte.find_relation("A", "B", "allianz") is None
        True
        """
        self._graph.remove_edge(*self._require_relation(source, target, kind))

    def copy(self) -> Self:
        """An independent copy.

        Examples
        --------
        >>> karte = MapCore()
        >>> karte.add_actor("A")
        >>> twin = karte.copy()
        >>> twin.update_actor("A", influence=3)
        >>> karte == twin, karte.actor("A")["influence"]
        (False, 1)
        """
        twin = type(self)()
        twin._graph = copy.deepcopy(self._graph)
        return twin

    # ------------------------------------------------------------------ records and equality
    def to_records(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Plain records: ``(actors, relations)``, lists of dicts in insertion order.

        Examples
        --------
        >>> karte = MapCore()
        >>> karte.add_actor("A", influence=2)
        >>> karte.add_actor("B")
        >>> karte.add_relation("A", "B", "einfluss", strength=2.0)
        >>> actors, relations = karte.to_records()
        >>> actors[0]["influence"]
        2
        >>> relations  # doctest: +NORMALIZE_WHITESPACE
        [{'source': 'A', 'target': 'B', 'kind': 'einfluss', 'strength': 2.0, 'stage': None,
          'note': ''}]
        """
        actors = [{"name": name, **data} for name, data in self._graph.nodes(data=True)]
        relations = [{"source": s, "target": t, **{k: d[k] for k in ("kind", *RELATION_FIELDS)}}
                     for s, t, d in self._graph.edges(data=True)]
        return actors, relations

    @classmethod
    def from_records(cls, actors: Iterable[Mapping[str, Any]],
                     relations: Iterable[Mapping[str, Any]] = ()) -> Self:
        """Build a map from records as made by :meth:`to_records` (all values are validated).

        Examples
        --------
        >>> karte = MapCore.from_records(
        ...     [{"name": "A", "influence": 2}, {"name": "B"}],
        ...     [{"source": "A", "target": "B", "kind": "informell"}])
        >>> karte
        MapCore(2 Akteure, 1 Beziehungen)
        """
        karte = cls()
        for record in actors:
            fields = dict(record)
            karte.add_actor(fields.pop("name", ""), **fields)
        for record in relations:
            fields = dict(record)
            karte.add_relation(fields.pop("source", ""), fields.pop("target", ""),
                               fields.pop("kind", ""), **fields)
        return karte

    def _comparable(self) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str, str], tuple]]:
        actors = {name: dict(data) for name, data in self._graph.nodes(data=True)}
        relations = {_canonical(s, t, k): tuple(sorted(d.items()))
                     for s, t, k, d in self._graph.edges(keys=True, data=True)}
        return actors, relations

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MapCore):
            return NotImplemented
        return self._comparable() == other._comparable()

    # ------------------------------------------------------------------ tables
    def actors_table(self) -> pd.DataFrame:
        """All actors as a DataFrame indexed by name.

        Examples
        --------
        >>> karte = MapCore()
        >>> karte.add_actor("A", influence=2)
        >>> karte.actors_table()[["sector", "influence"]]
              sector  influence
        name
        A     Sonstige          2
        """
        columns = ["name", *ACTOR_FIELDS]
        return pd.DataFrame(self.to_records()[0], columns=columns).set_index("name")

    def relations_table(self) -> pd.DataFrame:
        """All relations as a DataFrame (columns source, target, kind, strength, stage, note).

        Examples
        --------
        >>> karte = MapCore()
        >>> for name in "AB":
        ...     karte.add_actor(name)
        >>> karte.add_relation("A", "B", "konflikt", stage=4)
        >>> karte.relations_table()[["source", "target", "kind", "stage"]]
          source target      kind  stage
        0      A      B  konflikt      4
        """
        columns = ["source", "target", "kind", *RELATION_FIELDS]
        return pd.DataFrame(self.to_records()[1], columns=columns)

    # ------------------------------------------------------------------ helpers
    def _require_actor(self, field: str, name: object) -> None:
        if not isinstance(name, str) or name not in self._graph:
            raise FieldError(field, name, "is not an actor of the map",
                             "ist kein Akteur der Karte")

    def _require_relation(self, source: str, target: str, kind: str) -> tuple[str, str, str]:
        self._require_actor("source", source)
        self._require_actor("target", target)
        kind = validate_relation_field("kind", kind)
        stored = self.find_relation(source, target, kind)
        if stored is None:
            raise FieldError("kind", kind, f"there is no such relation {source!r} -> {target!r}",
                             f"gibt es zwischen '{source}' und '{target}' nicht")
        return stored[0], stored[1], kind

    def _checked_actor_fields(self, name: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
        checked = {field: _validate(ACTOR_FIELDS, field, value)
                   for field, value in attributes.items()}
        current = self.self_actor
        if checked.get("is_self") and current not in (None, name):
            raise FieldError("is_self", True, f"the map already has a self actor: {current!r}",
                             f"geht nicht: '{current}' ist schon als 'ich' markiert")
        return checked

    def _checked_relation_fields(self, kind: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
        checked = {field: validate_relation_field(field, value)
                   for field, value in attributes.items()}
        if checked.get("stage") is not None and kind != "konflikt":
            raise FieldError("stage", checked["stage"], "is only allowed on 'konflikt' relations",
                             "ist nur bei der Art 'konflikt' erlaubt")
        return checked

"""The actor map as a form of plain values (German keys), for notebooks and the editor.

A trainee who does not program writes their actor map as two lists of dicts in a notebook cell
(the transfer project, :mod:`kokosim.praxisprojekt`): ``akteure = [{"name": …, "sektor": …}, …]``
and ``beziehungen = [{"von": …, "zu": …, "art": …}, …]``. :func:`map_from_form` builds the
:class:`~kokosim.stakeholders.exchange.StakeholderMap` (German errors naming row and field),
:func:`form_text` writes a map back as that text — the live editor's „Formular“ tab shows it, so
the editor is the comfortable way in and the notebook cell stays the record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from numbers import Integral
from typing import Any

from kokosim.stakeholders.exchange import StakeholderMap
from kokosim.stakeholders.model import FieldError
from kokosim.style import quoted

__all__ = ["MAX_INFLUENCE", "ACTOR_KEYS", "RELATION_KEYS", "FormError", "actor_label",
           "relation_record", "map_from_form", "form_text"]

#: Highest influence (height of the Net-Map tower) in the project's actor form.
MAX_INFLUENCE = 5
#: Keys of an actor in the form -> field of the map (German CSV headers, in lower case).
ACTOR_KEYS: dict[str, str] = {
    "name": "name", "sektor": "sector", "einfluss": "influence", "haltung": "stance",
    "rolle": "role", "macht": "power", "interesse": "interest", "ich": "is_self",
    "schattenpartei": "is_shadow", "thema": "is_issue",
}
#: Keys of a relation in the form -> field of the map.
RELATION_KEYS: dict[str, str] = {"von": "source", "zu": "target", "art": "kind", "stufe": "stage",
                                 "notiz": "note"}

class FormError(ValueError):
    """A form that cannot be read; the message is German and names the row and the field."""


def _stance(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split("/") if part.strip())
    return value


def actor_label(index: int, record: Any) -> str:
    """How an error names a row of the actor form: ``Akteur Nr. 3 („Jugendamt“)``."""
    name = record.get("name") if isinstance(record, Mapping) else None
    return f"Akteur Nr. {index}" + (f" ({quoted(name)})" if isinstance(name, str) and name else "")


def relation_record(record: Any) -> Mapping[str, Any] | None:
    """A relation of the form as a dict (a tuple ``(von, zu, art[, stufe])`` is accepted too)."""
    if isinstance(record, Mapping):
        return record
    if isinstance(record, (list, tuple)) and len(record) in (3, 4):
        return dict(zip(("von", "zu", "art", "stufe"), record))
    return None


def map_from_form(akteure: Any, beziehungen: Any = ()) -> StakeholderMap:
    """Build the actor map of the project's form (notebook 2).

    Parameters
    ----------
    akteure : list of dict
        One dict per actor with the keys of :data:`ACTOR_KEYS`: ``name`` (required; a function
        or organisation, no private person), ``sektor`` (one of the map's sectors), ``einfluss``
        (whole number 0–5), ``haltung`` (``"pro"``, ``"contra"``, ``"neutral"``, several with
        ``/``), optionally ``rolle``, ``macht`` and ``interesse`` (0–10), ``ich``,
        ``schattenpartei`` and ``thema`` (``True``/``False``).
    beziehungen : list of dict
        One dict per relation: ``von``, ``zu`` (names of actors), ``art`` (a relation kind),
        optionally ``stufe`` (Glasl stage, only for ``konflikt``) and ``notiz``. A tuple
        ``(von, zu, art)`` or ``(von, zu, art, stufe)`` is accepted too.

    Returns
    -------
    StakeholderMap

    Raises
    ------
    FormError
        German, naming the row (``Akteur Nr. 3 („Jugendamt“)``) and the field.

    Examples
    --------
    >>> karte = map_from_form([{"name": "Jugendamt", "sektor": "Verwaltung"},
    ...                       {"name": "Bürgerverein", "sektor": "Zivilgesellschaft"}],
    ...                      [{"von": "Jugendamt", "zu": "Bürgerverein", "art": "kooperation"}])
    >>> karte
    StakeholderMap(2 Akteure, 1 Beziehungen)
    >>> map_from_form([{"name": "Jugendamt", "sektor": "Jugend", "einfluss": 2}])
    Traceback (most recent call last):
    ...
    kokosim.stakeholders.form.FormError: Akteur Nr. 1 („Jugendamt“), Feld „sektor“: 'Jugend' ist \
kein bekannter Sektor (erlaubt: Verwaltung, Politik, Zivilgesellschaft, \
Migrantenselbstorganisation, Polizei/Ordnung, Medien, Wirtschaft, Religionsgemeinschaft, \
Bewohnerschaft, Sonstige)
    >>> map_from_form([{"name": "A"}], [("A", "B", "konflikt")])
    Traceback (most recent call last):
    ...
    kokosim.stakeholders.form.FormError: Beziehung Nr. 1 (A – B), Feld „zu“: 'B' ist kein Akteur \
der Karte
    """
    if not isinstance(akteure, (list, tuple)):
        raise FormError("Die Akteure müssen eine Liste in eckigen Klammern sein: "
                        '[{"name": "…", "sektor": "…", "einfluss": 2, "haltung": "pro"}, …]')
    if not isinstance(beziehungen, (list, tuple)):
        raise FormError("Die Beziehungen müssen eine Liste in eckigen Klammern sein: "
                        '[{"von": "…", "zu": "…", "art": "kooperation"}, …]')
    german_keys = {field_: key for key, field_ in ACTOR_KEYS.items()}
    karte = StakeholderMap()
    for index, record in enumerate(akteure, start=1):
        label = actor_label(index, record)
        if not isinstance(record, Mapping):
            raise FormError(f"{label}: bitte als Eintrag in geschweiften Klammern schreiben, "
                            '{"name": "…", "sektor": "…", …}')
        unknown = [key for key in record if key not in ACTOR_KEYS]
        if unknown:
            raise FormError(f"{label}: unbekanntes Feld {quoted(unknown[0])} (erlaubt: "
                            f"{', '.join(ACTOR_KEYS)})")
        influence = record.get("einfluss", 1)
        if isinstance(influence, Integral) and not isinstance(influence, bool) \
                and influence > MAX_INFLUENCE:
            raise FormError(f"{label}, Feld „einfluss“: {influence} ist zu groß (bitte eine "
                            f"ganze Zahl von 0 bis {MAX_INFLUENCE})")
        values = {ACTOR_KEYS[key]: (_stance(value) if key == "haltung" else value)
                  for key, value in record.items() if key != "name"}
        try:
            karte.add_actor(record.get("name", ""), **values)
        except FieldError as error:
            raise FormError(f"{label}, Feld „{german_keys.get(error.field, error.field)}“: "
                            f"{error.german}") from None
    german_relation = {field_: key for key, field_ in RELATION_KEYS.items()}
    for index, raw in enumerate(beziehungen, start=1):
        record = relation_record(raw)
        if record is None:
            raise FormError(f"Beziehung Nr. {index}: bitte als Eintrag in geschweiften Klammern "
                            'schreiben, {"von": "…", "zu": "…", "art": "…"}')
        label = (f"Beziehung Nr. {index} ({record.get('von', '?')} – {record.get('zu', '?')})")
        unknown = [key for key in record if key not in RELATION_KEYS]
        if unknown:
            raise FormError(f"{label}: unbekanntes Feld {quoted(unknown[0])} (erlaubt: "
                            f"{', '.join(RELATION_KEYS)})")
        extra = {RELATION_KEYS[key]: value for key, value in record.items()
                 if key in ("stufe", "notiz")}
        try:
            karte.add_relation(record.get("von", ""), record.get("zu", ""),
                               record.get("art", ""), **extra)
        except FieldError as error:
            raise FormError(f"{label}, Feld „{german_relation.get(error.field, error.field)}“: "
                            f"{error.german}") from None
    return karte


def _literal(value: Any) -> str:
    """A value as a Python literal of the form (strings in double quotes, like the cells)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def form_text(karte: Any) -> str:
    """The map as the text of the project's actor form, ready to paste into the form cell.

    The inverse of :func:`map_from_form` for the fields the form has; fields the form leaves
    out (position, interests, needs, strength) are named in a comment.

    Parameters
    ----------
    karte : StakeholderMap

    Returns
    -------
    str
        Two assignments, ``akteure = [...]`` and ``beziehungen = [...]``, one entry a line.

    Examples
    --------
    >>> karte = map_from_form([{"name": "KMS (ich)", "sektor": "Verwaltung", "einfluss": 3,
    ...                         "haltung": "neutral", "ich": True},
    ...                        {"name": "Bürgerverein", "sektor": "Zivilgesellschaft"}],
    ...                       [{"von": "KMS (ich)", "zu": "Bürgerverein", "art": "konflikt",
    ...                         "stufe": 3}])
    >>> print(form_text(karte))
    akteure = [
        {"name": "KMS (ich)", "sektor": "Verwaltung", "einfluss": 3, "haltung": "neutral",
         "ich": True},
        {"name": "Bürgerverein", "sektor": "Zivilgesellschaft", "einfluss": 1, "haltung": ""},
    ]
    beziehungen = [
        {"von": "KMS (ich)", "zu": "Bürgerverein", "art": "konflikt", "stufe": 3},
    ]
    >>> import ast
    >>> tree = ast.parse(form_text(karte))
    >>> map_from_form(*(ast.literal_eval(s.value) for s in tree.body)) == karte
    True
    """
    actors, relations = karte.to_records()
    left_out: set[str] = set()
    too_high: list[str] = []
    lines = ["akteure = ["]
    for actor in actors:
        parts = [f'"name": {_literal(actor["name"])}', f'"sektor": {_literal(actor["sector"])}',
                 f'"einfluss": {actor["influence"]}',
                 f'"haltung": {_literal("/".join(actor["stance"]))}']
        if actor["role"]:
            parts.append(f'"rolle": {_literal(actor["role"])}')
        for key, field_ in (("macht", "power"), ("interesse", "interest")):
            if actor[field_] is not None:
                parts.append(f'"{key}": {_literal(actor[field_])}')
        for key, field_ in (("ich", "is_self"), ("schattenpartei", "is_shadow"),
                            ("thema", "is_issue")):
            if actor[field_]:
                parts.append(f'"{key}": True')
        left_out |= {label for field_, label in (("position", "Position"),
                                                 ("interests", "Interessen"),
                                                 ("needs", "Bedürfnisse")) if actor[field_]}
        if actor["influence"] > MAX_INFLUENCE:
            too_high.append(actor["name"])
        lines.append("    {" + ", ".join(parts) + "},")
    lines += ["]", "beziehungen = ["]
    for relation in relations:
        parts = [f'"von": {_literal(relation["source"])}', f'"zu": {_literal(relation["target"])}',
                 f'"art": {_literal(relation["kind"])}']
        if relation["stage"] is not None:
            parts.append(f'"stufe": {relation["stage"]}')
        if relation["note"]:
            parts.append(f'"notiz": {_literal(relation["note"])}')
        if relation["strength"] is not None:
            left_out.add("Stärke")
        lines.append("    {" + ", ".join(parts) + "},")
    lines.append("]")
    notes = []
    if left_out:
        order = ["Position", "Interessen", "Bedürfnisse", "Stärke"]
        notes.append("# Nicht übernommen (das Formular bleibt bewusst knapp): "
                     + ", ".join(label for label in order if label in left_out))
    if too_high:
        notes.append(f"# Achtung: Einfluss über {MAX_INFLUENCE} bei " + ", ".join(too_high)
                     + f"; das Formular erlaubt 0 bis {MAX_INFLUENCE}.")
    return "\n".join(notes + lines)

"""Reading and writing actor maps: CSV (two tables), JSON, GraphML and a GEXF export for Gephi.

Also home of :class:`StakeholderMap`, the map users work with: the validated core
:class:`~kokosim.stakeholders.model.MapCore` plus file methods (``to_csv``, ``from_csv``, ...) that
call the functions of this module. The core lies below this module and knows no files, so the
readers here can build maps and the map can use the readers without the modules importing each
other.

CSV
---
Two UTF-8 tables that a trainer can fill in a spreadsheet: one row per actor, one row per
relation. Column headers may be German or English (any case); the delimiter ``;`` or ``,`` is
detected from the header line; a byte-order mark (Excel) is accepted.

==================  ==================  =============================================
German header       English header      content
==================  ==================  =============================================
Name                name                unique name (required)
Sektor              sector              one of ``SECTORS``
Rolle               role                one of ``ROLES`` or empty
Einfluss            influence           whole number ≥ 0 (Net-Map tower)
Haltung             stance              ``pro``, ``contra``, ``neutral``; several with ``/``
Macht               power               number 0..10 or empty
Interesse           interest            number 0..10 or empty
Position            position            free text
Interessen          interests           free text
Bedürfnisse         needs               free text
Schattenpartei      shadow              ja/nein
Thema               issue               ja/nein (an issue node)
Ich                 self                ja/nein (the mapper; at most one)
Von / Zu            source / target     actor names (required)
Art                 kind                relation kind (required)
Stärke              strength            number ≥ 0 or empty
Stufe               stage               Glasl stage 1..9 (only for ``konflikt``)
Notiz               note                free text
==================  ==================  =============================================

Empty cells mean the default. Numbers may use a decimal comma. Every problem in the files is
reported at once, each with file, line and field, and no map is returned unless both files are
correct.

Writes are atomic (:mod:`kokosim._atomic`): a crash while writing leaves the previous file intact.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import networkx as nx

from kokosim._atomic import atomic_open, atomic_write
from kokosim.style import german_number, plain_number
from kokosim.stakeholders.model import (
    FieldError,
    MapCore,
    validate_actor_field,
    validate_relation_field,
)
from kokosim.stakeholders.style import SECTOR_COLOURS, hex_to_rgb
from kokosim.stakeholders.vocabulary import DIRECTED_KINDS

__all__ = [
    "StakeholderMap",
    "MapFileError",
    "parse_text",
    "ACTOR_HEADERS",
    "RELATION_HEADERS",
    "read_csv",
    "write_csv",
    "read_json",
    "write_json",
    "read_graphml",
    "write_graphml",
    "write_gexf",
]

PathLike = str | os.PathLike[str]

#: CSV headers of each actor field: (German, English, further accepted spellings...).
ACTOR_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("Name", "name", "Akteur"),
    "sector": ("Sektor", "sector", "Bereich"),
    "role": ("Rolle", "role"),
    "influence": ("Einfluss", "influence", "Einflussturm"),
    "stance": ("Haltung", "stance", "Ziele", "goals"),
    "power": ("Macht", "power"),
    "interest": ("Interesse", "interest"),
    "position": ("Position", "position"),
    "interests": ("Interessen", "interests"),
    "needs": ("Bedürfnisse", "needs", "Beduerfnisse"),
    "is_shadow": ("Schattenpartei", "shadow", "is_shadow"),
    "is_issue": ("Thema", "issue", "is_issue", "Themenknoten"),
    "is_self": ("Ich", "self", "is_self", "selbst"),
}
#: CSV headers of each relation field.
RELATION_HEADERS: dict[str, tuple[str, ...]] = {
    "source": ("Von", "source", "Quelle"),
    "target": ("Zu", "target", "Ziel"),
    "kind": ("Art", "kind", "Beziehung"),
    "strength": ("Stärke", "strength", "Staerke"),
    "stage": ("Stufe", "stage", "Glasl-Stufe"),
    "note": ("Notiz", "note", "Anmerkung"),
}

_INTEGER_FIELDS = {"influence", "stage"}
_NUMBER_FIELDS = {"power", "interest", "strength"}
_FLAG_FIELDS = {"is_shadow", "is_issue", "is_self"}
_TRUE = {"ja", "j", "x", "1", "true", "wahr", "yes", "y"}
_FALSE = {"nein", "n", "0", "false", "falsch", "no"}
_MAX_SHOWN = 25

# A parsed record: where it is (for messages) and field -> (label in the file, value).
_Record = tuple[str, dict[str, tuple[str, Any]]]


class MapFileError(ValueError):
    """A map file could not be read; :attr:`problems` lists every problem (German).

    Each problem names the file, the line (or record) and the field, e.g.
    ``akteure.csv, Zeile 7, Feld 'einfluss': 'viel' ist keine ganze Zahl ≥ 0``.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:_MAX_SHOWN]
        more = len(self.problems) - len(shown)
        lines = [f"Die Karte wurde nicht geladen ({len(self.problems)} Fehler):", *shown]
        if more:
            lines.append(f"… und {more} weitere Fehler")
        super().__init__("\n".join(lines))


# ---------------------------------------------------------------------------------------------
# The map with its file methods

class StakeholderMap(MapCore):
    """An actor map: actors (nodes) and typed relations (arcs) of a ``networkx.MultiDiGraph``.

    Build it with :meth:`add_actor` and :meth:`add_relation` or read it from files
    (:meth:`from_csv`, :meth:`from_json`, :meth:`from_graphml`). Everything but the files comes
    from :class:`~kokosim.stakeholders.model.MapCore`: the graph as :attr:`graph` for reading with
    networkx, and the methods that change the map and validate every value.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> karte = StakeholderMap.from_records([{"name": "Stadt"}, {"name": "Verein"}],
    ...                                     [{"source": "Verein", "target": "Stadt",
    ...                                       "kind": "einfluss"}])
    >>> karte.to_csv(folder / "akteure.csv", folder / "beziehungen.csv")
    >>> wieder = StakeholderMap.from_csv(folder / "akteure.csv", folder / "beziehungen.csv")
    >>> wieder, wieder == karte, isinstance(wieder, MapCore)
    (StakeholderMap(2 Akteure, 1 Beziehungen), True, True)
    """

    def to_csv(self, actors_path: PathLike, relations_path: PathLike, **options: Any) -> None:
        """Write two CSV tables; see :func:`write_csv`."""
        write_csv(self, actors_path, relations_path, **options)

    @classmethod
    def from_csv(cls, actors_path: PathLike, relations_path: PathLike) -> StakeholderMap:
        """Read two CSV tables; see :func:`read_csv`."""
        return read_csv(actors_path, relations_path)

    def to_json(self, path: PathLike | None = None) -> str:
        """JSON text of the map, written atomically to ``path`` if given; see :func:`write_json`."""
        return write_json(self, path)

    @classmethod
    def from_json(cls, path: PathLike) -> StakeholderMap:
        """Read a map from a JSON file written by :meth:`to_json`; see :func:`read_json`."""
        return read_json(path)

    def to_graphml(self, path: PathLike) -> None:
        """Write GraphML (lossless, readable by Gephi, yEd and networkx)."""
        write_graphml(self, path)

    @classmethod
    def from_graphml(cls, path: PathLike) -> StakeholderMap:
        """Read a map from a GraphML file written by :meth:`to_graphml`."""
        return read_graphml(path)

    def to_gexf(self, path: PathLike) -> None:
        """Export to GEXF for Gephi (with colours and sizes); see :func:`write_gexf`."""
        write_gexf(self, path)


# ---------------------------------------------------------------------------------------------
# Building a map from parsed records (shared by every reader)

def _attempt(action: Callable[[], None], cells: dict[str, tuple[str, Any]], where: str,
             problems: list[str]) -> None:
    """Run ``action``; note a FieldError as a problem naming the field as written in the file."""
    try:
        action()
    except FieldError as error:
        label = cells.get(error.field, (error.field,))[0]
        problems.append(f"{where}, Feld '{label}': {error.german}")


def _checked_fields(cells: dict[str, tuple[str, Any]], validate: Callable[[str, Any], Any],
                    where: str, problems: list[str]) -> dict[str, Any]:
    """The valid values among ``cells``; every invalid one is noted as a problem."""
    values: dict[str, Any] = {}
    for field, (_, value) in cells.items():
        def check(field: str = field, value: Any = value) -> None:
            values[field] = validate(field, value)
        _attempt(check, cells, where, problems)
    return values


def _build(actor_records: Iterable[_Record], relation_records: Iterable[_Record],
           problems: list[str]) -> StakeholderMap:
    """A validated map from records; raises :class:`MapFileError` if anything is wrong."""
    karte = StakeholderMap()
    for where, cells in actor_records:
        name = cells.get("name", ("name", ""))[1]
        attributes = _checked_fields({f: c for f, c in cells.items() if f != "name"},
                                     validate_actor_field, where, problems)
        _attempt(lambda: karte.add_actor(name, **attributes), cells, where, problems)
    for where, cells in relation_records:
        ends = [cells.get(field, (field, ""))[1] for field in ("source", "target", "kind")]
        attributes = _checked_fields(
            {f: c for f, c in cells.items() if f not in ("source", "target", "kind")},
            validate_relation_field, where, problems)
        _attempt(lambda: karte.add_relation(*ends, **attributes), cells, where, problems)
    if problems:
        raise MapFileError(problems)
    return karte


# ---------------------------------------------------------------------------------------------
# Text values (CSV cells, GraphML strings)

def parse_text(field: str, text: str) -> Any:
    """Convert the text of a table cell or form field to the type of ``field``.

    Text that cannot be converted is returned unchanged, so that the field's validator rejects
    it with its usual message. Numbers may use a decimal comma; flags accept ja/nein, x, 1/0,
    true/false; stances are separated by ``/``, ``,`` or ``|``.

    Examples
    --------
    >>> parse_text("power", "7,5"), parse_text("is_self", "ja"), parse_text("stance", "pro/neutral")
    (7.5, True, ('pro', 'neutral'))
    >>> parse_text("influence", "viel")
    'viel'
    """
    text = text.strip()
    lowered = text.casefold()
    if field in _INTEGER_FIELDS and re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if field in _NUMBER_FIELDS:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return text
    if field in _FLAG_FIELDS and lowered in _TRUE | _FALSE:
        return lowered in _TRUE
    if field == "stance":
        return tuple(part.strip() for part in re.split(r"[/,|]", text) if part.strip())
    return text


def _to_text(value: Any, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, tuple):
        return "/".join(value)
    if isinstance(value, float):
        return german_number(value, digits=None) if decimal_comma else plain_number(value)
    return str(value)


# ---------------------------------------------------------------------------------------------
# CSV

def _csv_records(path: PathLike, headers: dict[str, tuple[str, ...]], required: tuple[str, ...],
                 problems: list[str]) -> list[_Record]:
    name = Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(f"{name}: ist keine UTF-8-Datei (Byte {error.start}); bitte als "
                        "'CSV UTF-8' speichern")
        return []
    except OSError as error:
        problems.append(f"{name}: kann nicht gelesen werden ({error.strerror})")
        return []
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lookup = {alias.casefold(): field for field, aliases in headers.items() for alias in aliases}
    header = next(reader, None)
    if header is None:
        problems.append(f"{name}: die Datei ist leer (erwartet: Kopfzeile mit "
                        f"{', '.join(headers[f][0] for f in required)})")
        return []
    columns: dict[int, tuple[str, str]] = {}
    for index, label in enumerate(header):
        field = lookup.get(label.strip().casefold())
        if field is None:
            if label.strip():
                problems.append(f"{name}, Zeile 1, Feld '{label}': unbekannte Spalte (erlaubt: "
                                f"{', '.join(aliases[0] for aliases in headers.values())})")
        elif field in {f for f, _ in columns.values()}:
            problems.append(f"{name}, Zeile 1, Feld '{label}': Spalte doppelt vorhanden")
        else:
            columns[index] = (field, label.strip())
    missing = [headers[f][0] for f in required if f not in {f for f, _ in columns.values()}]
    if missing:
        problems.append(f"{name}, Zeile 1: Pflichtspalte fehlt: {', '.join(missing)}")
        return []
    records: list[_Record] = []
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        where = f"{name}, Zeile {start}"
        if len(row) > len(header):
            problems.append(f"{where}: {len(row)} Spalten, die Kopfzeile hat nur {len(header)} "
                            f"(Trennzeichen '{delimiter}' in einem Text ohne Anführungszeichen?)")
            continue
        cells = {field: (label, parse_text(field, row[index]))
                 for index, (field, label) in columns.items()
                 if index < len(row) and (row[index].strip() or field in required)}
        records.append((where, cells))
    return records


def read_csv(actors_path: PathLike, relations_path: PathLike) -> StakeholderMap:
    """Read a map from an actors table and a relations table.

    Parameters
    ----------
    actors_path, relations_path : str or path-like
        CSV files (UTF-8, ``;`` or ``,``, German or English headers; see the module docstring).

    Returns
    -------
    StakeholderMap

    Raises
    ------
    MapFileError
        (a ``ValueError``) listing every problem with file, line and field; nothing is loaded.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "akteure.csv").write_text(
    ...     "Name;Sektor;Einfluss\\nStadt;Verwaltung;5\\nPresse;Medien;viel\\n", encoding="utf-8")
    >>> _ = (folder / "beziehungen.csv").write_text(
    ...     "Von;Zu;Art\\nStadt;Presse;einfluss\\n", encoding="utf-8")
    >>> read_csv(folder / "akteure.csv", folder / "beziehungen.csv")
    Traceback (most recent call last):
    ...
    kokosim.stakeholders.exchange.MapFileError: Die Karte wurde nicht geladen (1 Fehler):
    akteure.csv, Zeile 3, Feld 'Einfluss': 'viel' ist keine ganze Zahl ≥ 0
    """
    problems: list[str] = []
    actors = _csv_records(actors_path, ACTOR_HEADERS, ("name",), problems)
    relations = _csv_records(relations_path, RELATION_HEADERS, ("source", "target", "kind"),
                             problems)
    return _build(actors, relations, problems)


def _write_table(handle: Any, header: list[str], rows: Iterable[list[str]], delimiter: str) -> None:
    writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def write_csv(karte: MapCore, actors_path: PathLike, relations_path: PathLike, *,
              delimiter: str = ";", english: bool = False) -> None:
    """Write the map as two CSV tables (atomically; neither file changes if writing fails).

    Parameters
    ----------
    karte : StakeholderMap
    actors_path, relations_path : str or path-like
    delimiter : {";", ","}, default ";"
        With ``;`` (German spreadsheets) numbers get a decimal comma.
    english : bool, default False
        English instead of German headers.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> karte = StakeholderMap()
    >>> karte.add_actor("Stadt", sector="Verwaltung", power=7.5)
    >>> write_csv(karte, folder / "a.csv", folder / "b.csv")
    >>> print((folder / "a.csv").read_text(encoding="utf-8").splitlines()[1])
    Stadt;Verwaltung;;1;;7,5;;;;;nein;nein;nein
    >>> read_csv(folder / "a.csv", folder / "b.csv") == karte
    True
    """
    if delimiter not in (";", ","):
        raise ValueError(f"delimiter={delimiter!r} is not supported: expected ';' or ','")
    column = 1 if english else 0
    decimal_comma = delimiter == ";"
    actors, relations = karte.to_records()
    tables = []
    for headers, records in ((ACTOR_HEADERS, actors), (RELATION_HEADERS, relations)):
        header = [aliases[column] for aliases in headers.values()]
        rows = [[_to_text(record[field], decimal_comma) for field in headers] for record in records]
        tables.append((header, rows))
    with atomic_open(actors_path, newline="") as actors_file, \
            atomic_open(relations_path, newline="") as relations_file:
        for handle, (header, rows) in zip((actors_file, relations_file), tables):
            _write_table(handle, header, rows, delimiter)


# ---------------------------------------------------------------------------------------------
# JSON

_JSON_FORMAT = "kokosim-akteurslandkarte"
_JSON_VERSION = 1


def write_json(karte: MapCore, path: PathLike | None = None) -> str:
    """The map as JSON text; written atomically to ``path`` when given.

    Examples
    --------
    >>> karte = StakeholderMap()
    >>> karte.add_actor("Stadt", stance=["pro", "neutral"])
    >>> text = write_json(karte)
    >>> '"stance": [' in text
    True
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "karte.json"
    >>> _ = write_json(karte, path)
    >>> read_json(path) == karte
    True
    """
    actors, relations = karte.to_records()
    document = {"format": _JSON_FORMAT, "version": _JSON_VERSION,
                "actors": [{k: list(v) if isinstance(v, tuple) else v for k, v in a.items()}
                           for a in actors],
                "relations": relations}
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if path is not None:
        atomic_write(path, text)
    return text


def _json_records(items: object, kind: str, where: str, problems: list[str]) -> list[_Record]:
    if not isinstance(items, list):
        problems.append(f"{where}: '{kind}' ist keine Liste")
        return []
    label = {"actors": "Akteur", "relations": "Beziehung"}[kind]
    records: list[_Record] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"{where}, {label} Nr. {number}: ist kein Objekt")
            continue
        records.append((f"{where}, {label} Nr. {number}",
                        {str(k): (str(k), v) for k, v in item.items()}))
    return records


def read_json(path: PathLike) -> StakeholderMap:
    """Read a map from a JSON file written by :func:`write_json`.

    Raises
    ------
    MapFileError
        For invalid JSON (with line) or invalid content (with record number and field).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "karte.json"
    >>> _ = path.write_text('{"format": "kokosim-akteurslandkarte", "version": 1, '
    ...                     '"actors": [{"name": "A", "power": 12}]}', encoding="utf-8")
    >>> read_json(path)
    Traceback (most recent call last):
    ...
    kokosim.stakeholders.exchange.MapFileError: Die Karte wurde nicht geladen (1 Fehler):
    karte.json, Akteur Nr. 1, Feld 'power': '12' ist keine Zahl von 0 bis 10
    """
    name = Path(path).name
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise MapFileError([f"{name}, Zeile {error.lineno}: kein gültiges JSON ({error.msg})"]) \
            from None
    except (OSError, UnicodeDecodeError) as error:
        raise MapFileError([f"{name}: kann nicht gelesen werden ({error})"]) from None
    problems: list[str] = []
    if not isinstance(document, dict) or document.get("format") != _JSON_FORMAT:
        raise MapFileError([f"{name}: keine Akteurslandkarte von kokosim "
                            f"(erwartet \"format\": \"{_JSON_FORMAT}\")"])
    if document.get("version") != _JSON_VERSION:
        raise MapFileError([f"{name}: Version {document.get('version')!r} wird nicht unterstützt "
                            f"(erwartet {_JSON_VERSION})"])
    actors = _json_records(document.get("actors", []), "actors", name, problems)
    relations = _json_records(document.get("relations", []), "relations", name, problems)
    return _build(actors, relations, problems)


# ---------------------------------------------------------------------------------------------
# GraphML and GEXF

def _flat_graph(karte: MapCore) -> nx.MultiDiGraph:
    """The map with values GraphML/GEXF can hold: empty values left out, stances joined by '/'."""
    flat = nx.MultiDiGraph()
    actors, relations = karte.to_records()
    for record in actors:
        flat.add_node(record["name"], **{field: _to_text(value, False) if field == "stance"
                                         else value for field, value in record.items()
                                         if field != "name" and value not in (None, "", ())})
    for record in relations:
        attributes = {f: v for f, v in record.items()
                      if f not in ("source", "target") and v not in (None, "")}
        flat.add_edge(record["source"], record["target"], key=record["kind"], **attributes)
    return flat


def write_graphml(karte: MapCore, path: PathLike) -> None:
    """Write GraphML atomically; :func:`read_graphml` restores an equal map.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "karte.graphml"
    >>> karte = StakeholderMap()
    >>> for name in ("Stadt", "Verein"):
    ...     karte.add_actor(name, stance=("pro", "contra"), power=3.5)
    >>> karte.add_relation("Stadt", "Verein", "konflikt", stage=4, note="Streit")
    >>> write_graphml(karte, path)
    >>> read_graphml(path) == karte
    True
    """
    flat = _flat_graph(karte)
    with atomic_open(path, "wb") as handle:
        nx.write_graphml(flat, handle, encoding="utf-8")


def read_graphml(path: PathLike) -> StakeholderMap:
    """Read a map from a GraphML file written by :func:`write_graphml`.

    Raises
    ------
    MapFileError
        For unreadable XML or invalid content (naming the node or edge and the field).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "karte.graphml"
    >>> _ = path.write_text("<graphml>", encoding="utf-8")
    >>> read_graphml(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kokosim.stakeholders.exchange.MapFileError: Die Karte wurde nicht geladen (1 Fehler):
    karte.graphml: kein lesbares GraphML (...)
    """
    name = Path(path).name
    try:
        graph = nx.read_graphml(path, force_multigraph=True)
    except Exception as error:  # networkx/XML raise many kinds; all mean "not a readable file"
        raise MapFileError([f"{name}: kein lesbares GraphML ({error})"]) from None
    actors = [(f"{name}, Knoten '{node}'",
               {"name": ("id", node), **{f: (f, parse_text(f, v) if f == "stance" else v)
                                         for f, v in data.items()}})
              for node, data in graph.nodes(data=True)]
    relations = [(f"{name}, Kante '{source}' → '{target}'",
                  {"source": ("source", source), "target": ("target", target),
                   **{f: (f, v) for f, v in data.items()}})
                 for source, target, data in graph.edges(data=True)]
    return _build(actors, relations, [])


def write_gexf(karte: MapCore, path: PathLike) -> None:
    """Export to GEXF for Gephi, atomically: sector colours, size = influence, typed edges.

    Mutual relations are written as undirected edges, influences as directed ones: a mixed
    graph, which Gephi reads (networkx's own GEXF reader refuses mixed graphs).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "karte.gexf"
    >>> karte = StakeholderMap()
    >>> for name in ("Stadt", "Verein"):
    ...     karte.add_actor(name, sector="Verwaltung")
    >>> karte.add_relation("Stadt", "Verein", "einfluss")
    >>> karte.add_relation("Stadt", "Verein", "allianz")
    >>> write_gexf(karte, path)
    >>> text = path.read_text(encoding="utf-8")
    >>> 'type="directed"' in text, 'type="undirected"' in text
    (True, True)
    """
    flat = _flat_graph(karte)
    for node, data in flat.nodes(data=True):
        red, green, blue = hex_to_rgb(SECTOR_COLOURS[data.get("sector", "Sonstige")])
        data["label"] = node
        data["viz"] = {"color": {"r": red, "g": green, "b": blue, "a": 1.0},
                       "size": 10.0 + 5.0 * data.get("influence", 0)}
    for _, _, data in flat.edges(data=True):
        data["type"] = "directed" if data["kind"] in DIRECTED_KINDS else "undirected"
        data["label"] = data["kind"]
    with atomic_open(path, "wb") as handle:
        nx.write_gexf(flat, handle, encoding="utf-8")


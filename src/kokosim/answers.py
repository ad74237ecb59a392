"""Forgiving answer checks for the course notebooks' visible and hidden tests.

One helper for every test cell: answers are compared after normalisation, so the form of an
answer never costs points, only its content does. Normalised are case, surrounding and repeated
spaces, German umlauts and ß against their spellings ``ae``/``oe``/``ue``/``ss`` (and other
accents), hyphens and underscores, surrounding punctuation and quotes, and stage numbers
(``"Stufe 4"``, ``"stufe4"``, ``"4"`` and ``4`` are the same answer).

Every check has a *form* part and a *content* part:

* the **form** is checked always; a wrong form raises :class:`AssertionError` with a German
  hint naming the task and the expected form (``"Aufgabe 3a: Bitte eine der Optionen A–D
  eintragen, nicht 'E'."``). Visible tests call a check without ``expected``: it returns
  ``True`` for a well-formed answer.
* the **content** is compared only when ``expected`` is given (in hidden tests): a wrong but
  well-formed answer returns ``False``, it never raises.

Nothing here prints or raises the expected answer, its size or which items are right, so a
hidden test may use every function without leaking its solution; messages quote only the
trainee's own answer and the public options.

Partial credit: nbgrader (0.9.6, ``nbgrader.utils.determine_grade``) takes a number that is the
*last expression* of a test cell as the cell's score **in points** (not as a fraction; a value
above the cell's points is an error). :func:`share_correct` therefore takes the cell's
``points`` and returns ``points × share of right items``, and prints one line of feedback
("3 von 8 Zuordnungen stimmen.") that does not say which.

Examples
--------
A visible test checks the form, a hidden test the content:

>>> antwort = " b) "
>>> choice(antwort, "ABCD", task="Aufgabe 3a")
True
>>> choice(antwort, "ABCD", "B", task="Aufgabe 3a"), choice(antwort, "ABCD", "C", task="3a")
(True, False)
>>> choice("E", "ABCD", task="Aufgabe 3a")
Traceback (most recent call last):
...
AssertionError: Aufgabe 3a: Bitte eine der Optionen A–D eintragen, nicht 'E'.

A hidden test cell that gives partial credit ends with :func:`share_correct`:

>>> zuordnung = {"S1": "Mikro", "s2": "meso ", "S3": "mikro"}
>>> share_correct(zuordnung, {"S1": "mikro", "S2": "meso", "S3": "makro"}, points=3,
...               task="Aufgabe 2")
Aufgabe 2: 2 von 3 Zuordnungen stimmen.
2.0
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["normalise", "stage", "choice", "number", "same_set", "ranking", "mapping",
           "share_correct", "share_selected", "install_hints", "typing_hint"]

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_DASHES = re.compile(r"[-_\u2010-\u2015\u2212]+")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_EDGES = " \t\r\n.,;:!?\"'`´„“”‚‘’«»‹›()[]{}"
_STAGE_WORDS = {"eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fuenf": 5, "sechs": 6,
                "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwoelf": 12}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9,
          "x": 10, "xi": 11, "xii": 12}
_STAGE_PREFIX = re.compile(r"(?:eskalationsstufe|stufe)\s+(.+)")
_OPTION_PREFIX = re.compile(r"(?:option|antwort)[\s:]+(.+)")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?")
_EMPTY = (None, Ellipsis, "")


def normalise(value: Any) -> str:
    """The comparison form of a piece of text (or of a number's text).

    Lower case; ``ä``/``ö``/``ü``/``ß`` as ``ae``/``oe``/``ue``/``ss`` and other accents dropped;
    hyphens, dashes and underscores as spaces; a space between letters and digits; surrounding
    punctuation and quotes removed; runs of spaces as one space.

    Examples
    --------
    >>> normalise("  Große_Öffentlichkeit – SOFORT! ")
    'grosse oeffentlichkeit sofort'
    >>> normalise("grosse-oeffentlichkeit sofort") == normalise("Große Öffentlichkeit sofort")
    True
    >>> normalise("stufe4"), normalise("Stufe 4"), normalise(4)
    ('stufe 4', 'stufe 4', '4')
    """
    text = unicodedata.normalize("NFKC", str(value)).casefold().translate(_UMLAUTS)
    text = "".join(char for char in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(char)).casefold()
    text = _LETTER_DIGIT.sub(" ", _DASHES.sub(" ", text))
    return " ".join(text.strip(_EDGES).split()).strip(_EDGES)


def _stage_number(text: str) -> int | None:
    """A normalised stage text as a whole number (``4``, ``vier``, ``iv``), else ``None``."""
    if text.isdigit():
        return int(text)
    return _STAGE_WORDS.get(text, _ROMAN.get(text))


def _token(value: Any) -> Any:
    """The comparison key of an answer item: a number, a normalised text or a collection."""
    if isinstance(value, bool):
        return normalise(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, Mapping):
        return frozenset((_token(k), _token(v)) for k, v in value.items())
    if isinstance(value, set | frozenset):
        return frozenset(_token(item) for item in value)
    if isinstance(value, list | tuple):
        return tuple(_token(item) for item in value)
    plain = str(value).strip().casefold().replace("\u2212", "-")
    if _NUMBER.fullmatch(plain):
        return float(plain)
    text = normalise(value)
    staged = _STAGE_PREFIX.fullmatch(text)
    if staged and (found := _stage_number(staged.group(1))) is not None:
        return float(found)
    if _NUMBER.fullmatch(text):
        return float(text)
    return text


def _prefix(task: str) -> str:
    return f"{task}: " if task else ""


def _fail(task: str, message: str) -> AssertionError:
    return AssertionError(f"{_prefix(task)}{message}")


def _shown(answer: Any) -> str:
    """The trainee's own answer for a message (shortened)."""
    text = repr(answer)
    return text if len(text) <= 40 else text[:37] + "..."


def _options(options: str | Iterable[Any]) -> dict[Any, Any]:
    """Comparison key → option as written by the author; a string means single letters."""
    items = list(options)
    if not items:
        raise ValueError("options must not be empty")
    found = {_token(item): item for item in items}
    if len(found) != len(items):
        raise ValueError("two options are the same after normalisation")
    return found


def _describe(options: Mapping[Any, Any], last: str = "oder") -> str:
    """German text of the options: ``A–D`` for consecutive letters, else a list."""
    shown = [str(option) for option in options.values()]
    letters = all(len(s) == 1 and s.isalpha() for s in shown)
    if letters and len(shown) > 2 and [ord(s) for s in shown] == list(
            range(ord(shown[0]), ord(shown[0]) + len(shown))):
        return f"{shown[0]}–{shown[-1]}"
    quoted = [f"„{s}“" for s in shown]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {last} {quoted[-1]}"


def _missing(answer: Any, task: str, what: str) -> None:
    if isinstance(answer, str | type(None) | type(Ellipsis)) and answer in _EMPTY:
        raise _fail(task, f"Noch keine Antwort. {what}")


def stage(answer: Any, *, task: str, stages: range = range(1, 10)) -> int:
    """An escalation stage (Glasl: 1–9) as a whole number, from any usual spelling.

    ``4``, ``4.0``, ``"4"``, ``"Stufe 4"``, ``"stufe4"``, ``"Stufe vier"``, ``"vier"`` and the
    Roman ``"IV"`` are all stage 4.

    Parameters
    ----------
    answer : object
        The trainee's answer.
    task : str
        Name of the task for the hint (``"Aufgabe 2, Szene B"``).
    stages : range, default range(1, 10)
        The valid stages.

    Returns
    -------
    int

    Raises
    ------
    AssertionError
        With a German hint when the answer is no stage of ``stages``.

    Examples
    --------
    >>> [stage(a, task="A") for a in (4, 4.0, "4", "Stufe 4", "stufe4", " STUFE VIER", "IV")]
    [4, 4, 4, 4, 4, 4, 4]
    >>> stage("Stufe 10", task="Szene A")
    Traceback (most recent call last):
    ...
    AssertionError: Szene A: Bitte die Stufe als ganze Zahl von 1 bis 9 eintragen
    (auch als Text wie "Stufe …"), nicht 'Stufe 10'.
    """
    what = (f'Bitte die Stufe als ganze Zahl von {stages[0]} bis {stages[-1]} eintragen '
            f'(auch als Text wie "Stufe …")')
    _missing(answer, task, what + ".")
    found: int | None = None
    if isinstance(answer, numbers.Real) and not isinstance(answer, bool):
        if math.isfinite(answer) and float(answer).is_integer():
            found = int(answer)
    elif isinstance(answer, str):
        text = normalise(answer)
        staged = _STAGE_PREFIX.fullmatch(text)
        text = staged.group(1) if staged else text
        found = _stage_number(text)
        if found is None and _NUMBER.fullmatch(text) and float(text).is_integer():
            found = int(float(text))
    if found is None or found not in stages:
        raise _fail(task, f"{what}, nicht {_shown(answer)}.")
    return found


def _option_key(answer: Any, options: Mapping[Any, Any], task: str, what: str) -> Any:
    key = _token(answer)
    if key not in options and isinstance(key, str):
        prefixed = _OPTION_PREFIX.fullmatch(key)
        key = _token(prefixed.group(1)) if prefixed else key
    if isinstance(answer, Collection) and not isinstance(answer, str) or key not in options:
        raise _fail(task, f"{what}, nicht {_shown(answer)}.")
    return key


def _expected_key(expected: Any, options: Mapping[Any, Any] | None) -> Any:
    key = _token(expected)
    if options is not None and key not in options:
        raise ValueError("expected is not one of the options (the value is not shown)")
    return key


def choice(answer: Any, options: str | Iterable[Any], expected: Any = None, *,
           task: str) -> bool:
    """A single choice among ``options`` (letters ``"ABCD"`` or named options).

    Parameters
    ----------
    answer : object
        The trainee's answer; ``" b) "``, ``"Option B"`` and ``"b"`` all mean ``B``.
    options : str or iterable
        The options; a string is a set of single letters (``"ABCD"``).
    expected : object, optional
        The right option (hidden tests). Without it only the form is checked.
    task : str
        Name of the task for the hint.

    Returns
    -------
    bool
        ``True`` for a well-formed answer (without ``expected``) or a right one; ``False`` for a
        well-formed wrong one.

    Raises
    ------
    AssertionError
        With a German hint when the answer is not one of the options.

    Examples
    --------
    >>> choice("Mediation", ["Moderation", "Mediation", "Schlichtung"], task="Aufgabe 4")
    True
    >>> choice("mediaton", ["Moderation", "Mediation", "Schlichtung"], task="Aufgabe 4")
    Traceback (most recent call last):
    ...
    AssertionError: Aufgabe 4: Bitte eine der Optionen „Moderation“, „Mediation“ oder
    „Schlichtung“ eintragen, nicht 'mediaton'.
    >>> choice(["A", "B"], "ABCD", task="Aufgabe 1")
    Traceback (most recent call last):
    ...
    AssertionError: Aufgabe 1: Bitte genau eine der Optionen A–D eintragen, nicht ['A', 'B'].
    """
    known = _options(options)
    what = f"Bitte eine der Optionen {_describe(known)} eintragen"
    _missing(answer, task, what + ".")
    if isinstance(answer, Collection) and not isinstance(answer, str):
        what = f"Bitte genau eine der Optionen {_describe(known)} eintragen"
    key = _option_key(answer, known, task, what)
    return True if expected is None else key == _expected_key(expected, known)


def _parse_number(answer: Any, task: str, what: str) -> float:
    if isinstance(answer, numbers.Real) and not isinstance(answer, bool):
        value = float(answer)
    elif isinstance(answer, str):
        text = "".join(answer.split()).replace("\u2212", "-").casefold()
        text = re.sub(r"(%|prozent|€|eur|euro)$", "", text)
        if re.fullmatch(r"[+-]?\d{1,3}\.\d{3}", text):
            raise _fail(task, f"{_shown(answer)} ist mehrdeutig (Tausenderpunkt oder "
                              "Dezimalpunkt?). Bitte ohne Tausendertrennzeichen eintragen, mit "
                              "Dezimalkomma oder -punkt.")
        if "," in text and "." in text:
            text = text.replace(".", "").replace(",", ".")
        elif text.count(",") == 1:
            text = text.replace(",", ".")
        if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3}){2,}", text):
            text = text.replace(".", "")
        value = float(text) if _NUMBER.fullmatch(text) else math.nan
    else:
        value = math.nan
    if not math.isfinite(value):
        raise _fail(task, f"{what}, nicht {_shown(answer)}.")
    return value


def number(answer: Any, expected: float | None = None, tolerance: float = 0.0, *,
           task: str) -> bool:
    """A number, also written as German text (``"1,5"``, ``"1.234,5"``, ``"12 %"``).

    Parameters
    ----------
    answer : object
        The trainee's answer.
    expected : float, optional
        The right value (hidden tests). Without it only the form is checked.
    tolerance : float, default 0
        Largest accepted absolute difference from ``expected``.
    task : str
        Name of the task for the hint.

    Returns
    -------
    bool

    Raises
    ------
    AssertionError
        With a German hint when the answer is no number (the expected value is never named).

    Examples
    --------
    >>> number("1,5", 1.5, task="A"), number("1.234,5", 1234.5, task="A")
    (True, True)
    >>> number(0.34, 1 / 3, 0.01, task="A"), number("12 %", 12, task="A"), number(3, 4, task="A")
    (True, True, False)
    >>> number("zwölf", task="Aufgabe 5")
    Traceback (most recent call last):
    ...
    AssertionError: Aufgabe 5: Bitte eine Zahl eintragen (z. B. 12 oder 12,5), nicht 'zwölf'.
    """
    what = "Bitte eine Zahl eintragen (z. B. 12 oder 12,5)"
    _missing(answer, task, what + ".")
    value = _parse_number(answer, task, what)
    if expected is None:
        return True
    return abs(value - float(expected)) <= tolerance


def _items(answer: Any, task: str, what: str, *, ordered: bool) -> list[Any]:
    _missing(answer, task, what + ".")
    if isinstance(answer, str) and not ordered:
        answer = [part for part in re.split(r"[,;]", answer) if part.strip()]
    if ordered and not isinstance(answer, list | tuple) or not ordered and (
            isinstance(answer, str | Mapping) or not isinstance(answer, Collection)):
        raise _fail(task, f"{what}, nicht {_shown(answer)}.")
    if not answer:
        raise _fail(task, f"Die Antwort ist noch leer. {what}.")
    return list(answer)


def _keys(answer: Any, known: Mapping[Any, Any] | None, task: str, what: str, *,
          ordered: bool) -> list[Any]:
    """Comparison keys of a well-formed collection answer (raises with a hint otherwise)."""
    items = _items(answer, task, what, ordered=ordered)
    keys = [_token(item) for item in items]
    _check_members(keys, items, known, task)
    return keys


def _check_members(keys: list[Any], items: list[Any], known: Mapping[Any, Any] | None,
                   task: str) -> None:
    if known is None:
        return
    for key, item in zip(keys, items):
        if key not in known:
            raise _fail(task, f"Erlaubt sind nur {_describe(known, 'und')}, nicht "
                              f"{_shown(item)}.")


def same_set(answer: Any, expected: Collection[Any] | None = None, *,
             options: str | Iterable[Any] | None = None, task: str) -> bool:
    """A selection of several items in any order (a set or list; ``"A, C"`` as text).

    Parameters
    ----------
    answer : object
        The trainee's answer.
    expected : collection, optional
        The right items (hidden tests). Without it only the form is checked. Its size is never
        shown.
    options : str or iterable, optional
        The allowed items; a string is a set of single letters.
    task : str
        Name of the task for the hint.

    Returns
    -------
    bool

    Examples
    --------
    >>> same_set(["Stadtteilbüro", "Jugend-Zentrum"], {"jugendzentrum", "stadtteilbuero"},
    ...          task="A")
    False
    >>> same_set(["Stadtteilbüro", "Jugend-Zentrum"], {"jugend zentrum", "stadtteilbuero"},
    ...          task="A")
    True
    >>> same_set("d, b,E", {"B", "D", "E"}, options="ABCDE", task="A")
    True
    >>> same_set({"A", "F"}, options="ABCDE", task="Aufgabe 1")
    Traceback (most recent call last):
    ...
    AssertionError: Aufgabe 1: Erlaubt sind nur A–E, nicht 'F'.
    """
    known = None if options is None else _options(options)
    what = ("Bitte mehrere Einträge als Menge oder Liste eintragen, z. B. {'…', '…'}"
            if known is None else
            f"Bitte eine Auswahl aus den Optionen {_describe(known)} als Menge eintragen, "
            "z. B. {'…', '…'}")
    keys = _keys(answer, known, task, what, ordered=False)
    if expected is None:
        return True
    return set(keys) == {_expected_key(item, known) for item in expected}


def ranking(answer: Any, expected: Sequence[Any] | None = None, *,
            options: str | Iterable[Any] | None = None, task: str) -> bool:
    """An order of items (a list, first = highest rank).

    Parameters
    ----------
    answer : object
        The trainee's answer.
    expected : sequence, optional
        The right order (hidden tests). Without it only the form is checked.
    options : str or iterable, optional
        The items to order: then each must occur exactly once (checked as form).
    task : str
        Name of the task for the hint.

    Returns
    -------
    bool

    Examples
    --------
    >>> ranking(["Dialog", "mediation", "SCHLICHTUNG"], ["Dialog", "Mediation", "Schlichtung"],
    ...         task="A")
    True
    >>> ranking(["Mediation", "Dialog", "Schlichtung"], ["Dialog", "Mediation", "Schlichtung"],
    ...         task="A")
    False
    >>> ranking({"Dialog"}, task="Aufgabe 6")
    Traceback (most recent call last):
    ...
    AssertionError: Aufgabe 6: Bitte eine Liste in der richtigen Reihenfolge eintragen,
    z. B. ['…', '…'], nicht {'Dialog'}.
    """
    known = None if options is None else _options(options)
    what = "Bitte eine Liste in der richtigen Reihenfolge eintragen, z. B. ['…', '…']"
    keys = _keys(answer, known, task, what, ordered=True)
    if known is not None and sorted(map(repr, keys)) != sorted(map(repr, known)):
        raise _fail(task, f"Bitte jede der Optionen {_describe(known)} genau einmal einordnen.")
    if expected is None:
        return True
    return keys == [_expected_key(item, known) for item in expected]


def _mapping_keys(answer: Any, task: str) -> dict[Any, tuple[Any, Any]]:
    """Comparison key → (key as written, value) of the trainee's mapping."""
    if not isinstance(answer, Mapping):
        raise _fail(task, "Bitte die Zuordnung als Wörterbuch (dict) eintragen, z. B. "
                          f"{{'…': '…', '…': '…'}}, nicht {_shown(answer)}.")
    found: dict[Any, tuple[Any, Any]] = {}
    for key, value in answer.items():
        token = _token(key)
        if token in found:
            raise _fail(task, f"{_shown(key)} ist doppelt zugeordnet.")
        found[token] = (key, value)
    return found


def mapping(answer: Any, expected: Mapping[Any, Any] | None = None, *,
            keys: Iterable[Any] | None = None, options: str | Iterable[Any] | None = None,
            complete: bool = True, task: str) -> bool:
    """An assignment of items to values (a dict), all of it right or not.

    Parameters
    ----------
    answer : object
        The trainee's answer.
    expected : mapping, optional
        The right assignment (hidden tests). Without it only the form is checked.
    keys : iterable, optional
        The items that must be assigned, each exactly once (checked as form).
    options : str or iterable, optional
        The allowed values.
    complete : bool, default True
        With ``False`` (the visible test of a task with partial credit) an item may still be
        open (``None``, ``...`` or ``""``): the answer is well-formed when at least one item is
        filled in, and a line says how many are open. An open item then costs only its own
        share of the points instead of the whole task.
    task : str
        Name of the task for the hint.

    Returns
    -------
    bool

    See Also
    --------
    share_correct : partial credit for the same kind of answer.

    Examples
    --------
    >>> stufen = {"A": "Stufe 2", "b": 4}
    >>> mapping(stufen, keys="AB", task="Aufgabe 1"), mapping(stufen, {"A": 2, "B": 4}, task="1")
    (True, True)
    >>> mapping({"A": 2}, keys="ABC", task="Aufgabe 1")
    Traceback (most recent call last):
    ...
    AssertionError: Aufgabe 1: Bitte jedem von A–C genau einen Wert zuordnen; es fehlt: B, C.
    >>> mapping({"A": 2, "B": None, "C": ""}, keys="ABC", complete=False, task="Aufgabe 1")
    Aufgabe 1: 2 von 3 noch offen.
    True
    >>> mapping({"A": None, "B": None}, keys="AB", complete=False, task="Aufgabe 1")
    Traceback (most recent call last):
    ...
    AssertionError: Aufgabe 1: Noch keine Antwort. Bitte mindestens einem von „A“ und „B“ einen
    Wert zuordnen.
    """
    written = _mapping_keys(answer, task)
    given, open_items = _filled(written)
    if complete:
        given = written
    else:
        if not given:
            wanted = "den Einträgen" if keys is None else _describe(_options(keys), "und")
            raise _fail(task, f"Noch keine Antwort. Bitte mindestens einem von {wanted} einen "
                              "Wert zuordnen.")
        if open_items:
            print(f"{_prefix(task)}{open_items} von {open_items + len(given)} noch offen.")
    if keys is not None:
        wanted = _options(keys)
        # Complete answers need every item filled in; partial ones every item written down.
        absent = [str(shown) for key, shown in wanted.items() if key not in written
                  or complete and _is_open(written[key][1])]
        extra = [shown for key, (shown, _) in given.items() if key not in wanted]
        if absent:
            raise _fail(task, f"Bitte jedem von {_describe(wanted, 'und')} genau einen Wert "
                              f"zuordnen; es fehlt: {', '.join(absent)}.")
        if extra:
            raise _fail(task, f"Bitte nur {_describe(wanted, 'und')} zuordnen, nicht "
                              f"{_shown(extra[0])}.")
    if options is not None:
        known = _options(options)
        for _, value in given.values():
            _check_members([_token(value)], [value], known, task)
    if expected is None:
        return True
    right = {_token(key): _token(value) for key, value in expected.items()}
    return {key: _token(value) for key, (_, value) in given.items()} == right


def share_correct(answers: Any, expected: Mapping[Any, Any], *, points: float = 1.0,
                  items: str = "Zuordnungen", task: str = "") -> float:
    """Partial credit: ``points`` times the share of items assigned right; prints how many.

    The line printed says how many items are right ("3 von 8 Zuordnungen stimmen.") but not
    which. Keys and values are compared normalised; values may also be stages, numbers, sets
    or lists. Missing items count as wrong; items that are not expected are ignored.

    Parameters
    ----------
    answers : mapping
        The trainee's assignment.
    expected : mapping
        The right assignment (never shown).
    points : float, default 1
        The points of the test cell. nbgrader takes the number a test cell ends with as its
        score *in points*, so a hidden test cell of 4 points ends with
        ``share_correct(..., points=4)``; with the default the result is the share (0–1).
    items : str, default "Zuordnungen"
        German plural noun of the items for the feedback line.
    task : str, default ""
        Name of the task, put before the feedback line.

    Returns
    -------
    float
        Between 0 and ``points``.

    Raises
    ------
    AssertionError
        With a German hint when ``answers`` is not a mapping.

    Examples
    --------
    >>> loesung = {"A": 2, "B": 4, "C": 6, "D": 3}
    >>> share_correct({"A": "Stufe 2", "B": "stufe4", "C": 5, "D": 9}, loesung, points=4,
    ...               items="Stufen", task="Aufgabe 1")
    Aufgabe 1: 2 von 4 Stufen stimmen.
    2.0
    >>> share_correct({"A": 2}, loesung)
    1 von 4 Zuordnungen stimmt.
    0.25
    """
    if not expected:
        raise ValueError("expected must not be empty")
    _check_points(points)
    given = {key: _token(value) for key, (_, value) in _mapping_keys(answers, task).items()}
    right = sum(given.get(_token(key), _MISSING) == _token(value)
                for key, value in expected.items())
    total = len(expected)
    print(f"{_prefix(task)}{right} von {total} {items} {'stimmt' if right == 1 else 'stimmen'}.")
    return float(points) * right / total


def _check_points(points: float) -> None:
    """Reject a test cell's points that are no number > 0 (an author's mistake)."""
    if isinstance(points, bool) or not isinstance(points, numbers.Real) or not points > 0:
        raise ValueError("points must be a number > 0")


def _is_open(value: Any) -> bool:
    return isinstance(value, str | type(None) | type(Ellipsis)) and (
        value in _EMPTY or not str(value).strip())


def _filled(given: dict[Any, tuple[Any, Any]]) -> tuple[dict[Any, tuple[Any, Any]], int]:
    """The items of a mapping answer that are filled in, and how many are still open."""
    filled = {key: item for key, item in given.items() if not _is_open(item[1])}
    return filled, len(given) - len(filled)


def share_selected(answer: Any, expected: Collection[Any], *, options: str | Iterable[Any],
                   points: float = 1.0, task: str = "") -> float:
    """Partial credit for a selection: ``points`` times the share of options decided right.

    Every option counts once: right when it is selected and should be, or left out and should
    be. Selecting everything or nothing therefore earns only the share of the options that
    happen to be right that way. The feedback line names how many options are decided right,
    never which.

    Parameters
    ----------
    answer : object
        The trainee's selection (set, list or text ``"A, C"``).
    expected : collection
        The options that belong in the selection (never shown).
    options : str or iterable
        All options; a string means single letters.
    points : float, default 1
        The points of the test cell (see :func:`share_correct`).
    task : str, default ""
        Name of the task, put before the feedback line.

    Returns
    -------
    float
        Between 0 and ``points``.

    Examples
    --------
    >>> share_selected(["B", "d"], {"B", "D", "E"}, options="ABCDE", points=2, task="Aufgabe 1")
    Aufgabe 1: 4 von 5 Optionen richtig entschieden.
    1.6
    """
    _check_points(points)
    known = _options(options)
    what = (f"Bitte eine Auswahl aus den Optionen {_describe(known)} als Liste eintragen, "
            "z. B. ['…', '…']")
    chosen = set(_keys(answer, known, task, what, ordered=False))
    wanted = {_expected_key(item, known) for item in expected}
    right = sum((key in chosen) == (key in wanted) for key in known)
    print(f"{_prefix(task)}{right} von {len(known)} Optionen richtig entschieden.")
    return float(points) * right / len(known)


class _Missing:
    """An answer that equals nothing (a missing item)."""

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


_MISSING = _Missing()


def typing_hint(error: BaseException) -> str | None:
    """A German hint for a typing slip in an answer cell, or ``None`` for other errors.

    Two slips are common when someone who does not program fills in a value: a text without
    quotation marks (Python reads it as an unknown name) and an unclosed quotation mark or bracket.

    Examples
    --------
    >>> try:
    ...     exec("verfahren = mediation", {})
    ... except NameError as error:
    ...     print(typing_hint(error))
    „mediation“ ist hier kein bekannter Begriff. Ein Text gehört in Anführungszeichen, z. B.
    "mediation". Stammt der Name aus einer früheren Zelle, führen Sie diese zuerst aus.
    >>> try:
    ...     compile('verfahren = "mediation', "<zelle>", "exec")
    ... except SyntaxError as error:
    ...     print(typing_hint(error))
    Zeile 1 ist so nicht lesbar. Bitte prüfen: Anführungszeichen und Klammern geschlossen? Texte in
    "…", Auswahl in [ ], Zahlen ohne Anführungszeichen (Komma nur in "2,5").
    """
    if isinstance(error, NameError) and getattr(error, "name", None):
        return (f"„{error.name}“ ist hier kein bekannter Begriff. Ein Text gehört in "
                f'Anführungszeichen, z. B. "{error.name}". Stammt der Name aus einer früheren '
                "Zelle, führen Sie diese zuerst aus.")
    if isinstance(error, SyntaxError):
        where = f"Zeile {error.lineno}" if error.lineno else "Die Eingabe"
        return (f"{where} ist so nicht lesbar. Bitte prüfen: Anführungszeichen und Klammern "
                'geschlossen? Texte in "…", Auswahl in [ ], Zahlen ohne Anführungszeichen '
                '(Komma nur in "2,5").')
    return None


def install_hints(shell: Any = None) -> None:
    """Show :func:`typing_hint` above the usual error message of a notebook cell.

    Installed once by the first cell of each course notebook; the error still stops the cell
    (and "Alle Zellen ausführen"), and the original message stays below the hint.

    Parameters
    ----------
    shell : IPython shell, optional
        Default: the running IPython shell.

    Outside IPython nothing is installed.
    """
    import types

    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython is a dependency of the course
            return
        shell = get_ipython()
    if shell is None:
        return
    plain_syntax_error = type(shell).showsyntaxerror

    def hinted(stb: list[str], error: BaseException | None) -> list[str]:
        hint = typing_hint(error) if error is not None else None
        return ([f"Hinweis: {hint}", ""] if hint else []) + list(stb)

    def name_error(self: Any, etype: type, value: BaseException, tb: Any,
                   tb_offset: int | None = None) -> None:
        # IPython ignores what a custom handler returns: it shows the error itself.
        stb = self.InteractiveTB.structured_traceback(etype, value, tb, tb_offset)
        self._showtraceback(etype, value, hinted(stb, value))

    def syntax_error(self: Any, filename: str | None = None,
                     running_compiled_code: bool = False) -> None:
        shown = self._showtraceback
        error = self._get_exc_info()[1]

        def with_hint(etype: type, value: BaseException, stb: list[str]) -> None:
            shown(etype, value, hinted(stb, error))

        self._showtraceback = with_hint
        try:
            plain_syntax_error(self, filename, running_compiled_code)
        finally:
            del self._showtraceback

    shell.set_custom_exc((NameError,), name_error)
    shell.showsyntaxerror = types.MethodType(syntax_error, shell)

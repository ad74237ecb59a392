"""German wording for argparse's own texts (usage line, headings, error messages).

argparse takes these texts from :func:`gettext.gettext`, and Python ships no German catalogue for
them. :func:`use_german_argparse` puts a small German one in its place, so that every kokosim
command talks German from the first line of ``--help`` to the last line of an error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["GERMAN", "use_german_argparse"]

#: argparse's message ids (Python 3.11) and their German wording.
GERMAN: dict[str, str] = {
    "usage: ": "Aufruf: ",
    "positional arguments": "Pflichtangaben",
    "options": "Optionen",
    "show this help message and exit": "diese Hilfe zeigen und beenden",
    "show program's version number and exit": "Versionsnummer zeigen und beenden",
    "%(prog)s: error: %(message)s\n": "%(prog)s: Fehler: %(message)s\n",
    "the following arguments are required: %s": "folgende Angaben fehlen: %s",
    "unrecognized arguments: %s": "unbekannte Angaben: %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "ungültige Auswahl: %(value)r (möglich: %(choices)s)",
    "argument %(argument_name)s: %(message)s": "Angabe %(argument_name)s: %(message)s",
    "invalid %(type)s value: %(value)r": "ungültiger Wert (%(type)s): %(value)r",
    "expected one argument": "erwartet einen Wert",
    "expected at least one argument": "erwartet mindestens einen Wert",
    "ambiguous option: %(option)s could match %(matches)s":
        "mehrdeutige Option: %(option)s passt zu %(matches)s",
    "not allowed with argument %s": "nicht zusammen mit %s erlaubt",
    "one of the arguments %s is required": "eine der Angaben %s ist nötig",
}


def _german(message: str, fallback: Callable[[str], str]) -> str:
    return GERMAN.get(message, fallback(message))


def use_german_argparse() -> None:
    """Make argparse's own texts German (for the whole process; repeated calls are harmless).

    Examples
    --------
    >>> import argparse, contextlib, io
    >>> use_german_argparse()
    >>> parser = argparse.ArgumentParser(prog="kokosim")
    >>> _ = parser.add_argument("szenario")
    >>> parser.format_usage()
    'Aufruf: kokosim [-h] szenario\\n'
    >>> with contextlib.redirect_stderr(io.StringIO()) as err, contextlib.suppress(SystemExit):
    ...     parser.parse_args([])
    >>> err.getvalue().splitlines()[-1]
    'kokosim: Fehler: folgende Angaben fehlen: szenario'
    """
    if getattr(argparse._, "kokosim_german", False):
        return
    original = argparse._

    def translate(message: str) -> str:
        return _german(message, original)

    translate.kokosim_german = True  # type: ignore[attr-defined]
    argparse._ = translate

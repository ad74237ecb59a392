"""Presentation helpers shared by every picture and text kokosim shows: the colour palette,
German number formatting, values quoted for German messages and the font files of kokosim's PDFs.

Colours are the Okabe-Ito palette (safe for the common forms of colour blindness) plus a neutral
grey; numbers use the German decimal comma.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from pathlib import Path

__all__ = ["ORANGE", "SKY_BLUE", "BLUISH_GREEN", "YELLOW", "BLUE", "VERMILLION", "REDDISH_PURPLE",
           "BLACK", "GREY", "WHITE", "OKABE_ITO", "plain_number", "german_number", "quoted",
           "font_file"]

ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#999999"
WHITE = "#FFFFFF"

#: Okabe-Ito palette in the order used for series (black last: it is the least distinct in bands).
OKABE_ITO: tuple[str, ...] = (ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION,
                              REDDISH_PURPLE, BLACK)


def plain_number(value: Real) -> str:
    """The shortest text that reads back as the same number; whole floats without ``.0``.

    Examples
    --------
    >>> plain_number(3), plain_number(3.0), plain_number(0.1), plain_number(2.5e20)
    ('3', '3', '0.1', '2.5e+20')
    """
    if isinstance(value, Integral):
        return str(int(value))
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def german_number(value: Real | None, digits: int | None = 2, percent: bool = False) -> str:
    """A number in German notation: decimal comma, ``–`` for a missing value.

    Parameters
    ----------
    value : number or None
        The number; ``None`` and NaN give ``–``.
    digits : int or None
        Decimal places of a non-integer; ``None`` keeps every digit (:func:`plain_number`).
    percent : bool
        Show a share (0–1) as a whole percentage.

    Examples
    --------
    >>> german_number(3), german_number(2.345), german_number(float("nan"))
    ('3', '2,35', '–')
    >>> german_number(0.456, percent=True)
    '46 %'
    >>> german_number(41.5, digits=None), german_number(25.0, digits=None)
    ('41,5', '25')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if percent:
        return f"{100 * value:.0f} %"
    if isinstance(value, Integral):
        return str(int(value))
    text = plain_number(value) if digits is None else f"{value:.{digits}f}"
    return text.replace(".", ",")


def quoted(value: object) -> str:
    """A value as a German message names it: text in „…“, anything else as Python writes it.

    Examples
    --------
    >>> quoted("Sozialamt"), quoted(3), quoted(None)
    ('„Sozialamt“', '3', 'None')
    """
    return f"„{value}“" if isinstance(value, str) else repr(value)


def font_file(name: str) -> Path:
    """A font file of matplotlib's data folder (DejaVu, which covers German text), for PDFs.

    The file may be missing in a broken installation: callers decide whether to fall back or
    refuse.

    Examples
    --------
    >>> font_file("DejaVuSans.ttf").name
    'DejaVuSans.ttf'
    """
    import matplotlib  # only where a PDF is made: the palette needs no matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name

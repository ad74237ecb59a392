"""Colours and German labels shared by the drawing, the GEXF export and the workshop editor.

Sector colours are the named colours of :mod:`kokosim.style`: the Okabe-Ito palette (safe for the
common forms of colour blindness) plus grey and white, which differ from the others and from each
other in lightness.
"""

from __future__ import annotations

from kokosim.style import (
    BLACK,
    BLUE,
    BLUISH_GREEN,
    GREY,
    ORANGE,
    REDDISH_PURPLE,
    SKY_BLUE,
    VERMILLION,
    WHITE,
    YELLOW,
)
from kokosim.stakeholders.vocabulary import RELATION_KINDS, SECTORS

__all__ = ["SECTOR_COLOURS", "KIND_LABELS", "QUADRANTS", "hex_to_rgb"]

#: Fill colour of each sector (Okabe-Ito, then grey and white; :mod:`kokosim.style`).
SECTOR_COLOURS: dict[str, str] = dict(zip(SECTORS, (
    BLUE,  # Verwaltung
    VERMILLION,  # Politik
    BLUISH_GREEN,  # Zivilgesellschaft
    ORANGE,  # Migrantenselbstorganisation
    BLACK,  # Polizei/Ordnung
    REDDISH_PURPLE,  # Medien
    YELLOW,  # Wirtschaft
    SKY_BLUE,  # Religionsgemeinschaft
    GREY,  # Bewohnerschaft
    WHITE,  # Sonstige
), strict=True))

#: German legend text of each relation kind (Fisher notation in brackets).
KIND_LABELS: dict[str, str] = dict(zip(RELATION_KINDS, (
    "Kooperation, enge Beziehung (Linie)",
    "Allianz (Doppellinie)",
    "informell/unregelmäßig (gepunktet)",
    "Einfluss (Pfeil)",
    "Konflikt mit Glasl-Stufe (Zickzack)",
    "unterbrochene Beziehung (durchgestrichen)",
), strict=True))

#: Mendelow quadrants: (high power, high interest) -> German strategy.
QUADRANTS: dict[tuple[bool, bool], str] = {
    (True, True): "eng einbinden",
    (True, False): "zufriedenstellen",
    (False, True): "informiert halten",
    (False, False): "beobachten",
}


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``"#RRGGBB"`` as three integers 0..255.

    Examples
    --------
    >>> hex_to_rgb(SECTOR_COLOURS["Verwaltung"])
    (0, 114, 178)
    """
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)

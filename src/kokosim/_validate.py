"""Parameter checks shared by kokosim's models: one wording for every range error."""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = ["check_number", "check_integer", "check_probability"]


def check_number(name: str, value: object, low: float = -math.inf, high: float = math.inf,
                 *, low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as float if it is a real number in the range, else raise ``ValueError``.

    The message names the parameter, its value and the allowed range.

    Examples
    --------
    >>> check_number("d", 0.3, 0, 1)
    0.3
    >>> check_number("mu", 0.7, 0, 0.5)
    Traceback (most recent call last):
    ...
    ValueError: mu=0.7 is out of range: expected 0 <= mu <= 0.5
    >>> check_number("density", 0.0, 0, 1, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: density=0.0 is out of range: expected 0 < density <= 1
    """
    lower = "<" if low_open else "<="
    upper = "<" if high_open else "<="
    bounds = " ".join(part for part in (
        f"{low:g} {lower}" if low != -math.inf else "",
        name,
        f"{upper} {high:g}" if high != math.inf else "",
    ) if part)
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        raise ValueError(f"{name}={value!r} is not a number: expected {bounds}")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        raise ValueError(f"{name}={value!r} is out of range: expected {bounds}")
    return float(value)


def check_integer(name: str, value: object, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` if it is an integer in ``[low, high]``, else raise ``ValueError``.

    Examples
    --------
    >>> check_integer("width", 40, 1)
    40
    >>> check_integer("width", 4.5, 1)
    Traceback (most recent call last):
    ...
    ValueError: width=4.5 is not an integer: expected 1 <= width
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        bounds = " ".join(part for part in (
            f"{low} <=" if low is not None else "", name,
            f"<= {high}" if high is not None else "") if part)
        raise ValueError(f"{name}={value!r} is not an integer: expected {bounds}")
    check_number(name, value, -math.inf if low is None else low, math.inf if high is None else high)
    return int(value)


def check_probability(name: str, value: object) -> float:
    """Return ``value`` if it lies in ``[0, 1]``, else raise ``ValueError``.

    Examples
    --------
    >>> check_probability("legitimacy", 1.2)
    Traceback (most recent call last):
    ...
    ValueError: legitimacy=1.2 is out of range: expected 0 <= legitimacy <= 1
    """
    return check_number(name, value, 0, 1)

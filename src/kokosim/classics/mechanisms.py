"""The update rules of the classic models as pure functions.

They work on floats and on NumPy arrays alike, so the neighbourhood model can apply the same rule
to a whole population at once while the classic models apply it to one agent at a time.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["bounded_confidence", "grievance", "arrest_probability", "is_rebellious", "activates"]


def bounded_confidence(x: ArrayLike, y: ArrayLike, d: float, mu: float) -> tuple[np.ndarray, np.ndarray]:
    """Deffuant et al. (2000): two opinions closer than ``d`` move towards each other by ``mu``.

    Parameters
    ----------
    x, y : float or array
        Opinions of the two partners of each encounter.
    d : float
        Confidence bound: partners further apart than this ignore each other.
    mu : float
        Convergence parameter in [0, 0.5].

    Returns
    -------
    (x_new, y_new) : tuple of arrays

    Examples
    --------
    >>> [round(float(v), 3) for v in bounded_confidence(0.2, 0.4, d=0.3, mu=0.5)]
    [0.3, 0.3]
    >>> bounded_confidence([0.2, 0.0], [0.3, 0.9], d=0.3, mu=0.25)
    (array([0.225, 0.   ]), array([0.275, 0.9  ]))
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    shift = np.where(np.abs(x - y) < d, mu * (y - x), 0.0)
    return x + shift, y - shift


def grievance(hardship: ArrayLike, legitimacy: ArrayLike) -> np.ndarray:
    """Epstein (2002): grievance ``G = H (1 - L)``.

    Examples
    --------
    >>> float(grievance(0.5, legitimacy=0.8))
    0.1
    """
    return np.asarray(hardship, dtype=float) * (1.0 - legitimacy)


def arrest_probability(cops: ArrayLike, actives: ArrayLike, k: float) -> np.ndarray:
    """Epstein (2002): estimated arrest probability ``P = 1 - exp(-k floor(C / A))``.

    ``actives`` counts the agent itself, so it is at least 1.

    Examples
    --------
    >>> round(float(arrest_probability(cops=2, actives=1, k=2.3)), 4)
    0.99
    >>> float(arrest_probability(cops=1, actives=3, k=2.3))
    0.0
    """
    ratio = np.floor(np.asarray(cops, dtype=float) / np.maximum(np.asarray(actives, dtype=float), 1))
    return 1.0 - np.exp(-k * ratio)


def is_rebellious(grievance_: ArrayLike, risk_aversion: ArrayLike, arrest_prob: ArrayLike,
                  threshold: float) -> np.ndarray:
    """Epstein (2002) rule A: active if ``G - R P > T``.

    Examples
    --------
    >>> bool(is_rebellious(0.3, risk_aversion=0.5, arrest_prob=0.2, threshold=0.1))
    True
    """
    return (np.asarray(grievance_) - np.asarray(risk_aversion) * np.asarray(arrest_prob)) > threshold


def activates(threshold: ArrayLike, n_active: ArrayLike) -> np.ndarray:
    """Granovetter (1978): an actor joins once at least ``threshold`` others have joined.

    Examples
    --------
    >>> activates([0, 1, 5], n_active=1).tolist()
    [True, True, False]
    """
    return np.asarray(n_active) >= np.asarray(threshold)

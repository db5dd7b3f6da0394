"""Small statistics the course's notebooks share once a module has taught them.

Module 05 builds :func:`people_needed` step by step; later modules (08) use
it from here instead of writing it again.
"""

from __future__ import annotations

import math
from statistics import NormalDist

__all__ = ["Z95", "people_needed"]

Z95 = NormalDist().inv_cdf(0.975)  # 1.96: the multiplier for a two-sided 95% test


def people_needed(base_rate: float, lift: float, power: float = 0.8) -> int:
    """People per version that an A/B test needs to detect ``lift`` over ``base_rate``.

    The usual formula for a two-sided 95% test with the given power (the chance
    of spotting a real difference of that size):
    ``(1.96 + z_power)**2 * (p1 (1 - p1) + p2 (1 - p2)) / lift**2``, rounded up,
    where ``p2 = p1 + lift``.

    Parameters
    ----------
    base_rate : float
        The rate of the old version, as a share (0.01 is 1%).
    lift : float
        The difference to detect, as a share (0.01 is 1 percentage point).
    power : float
        The chance of detecting a real difference of that size (default 0.8).

    Returns
    -------
    int
        People needed in each version.

    Examples
    --------
    >>> people_needed(0.01, 0.01)
    2316
    >>> people_needed(0.01, 0.005) > 3 * people_needed(0.01, 0.01)
    True
    """
    new_rate = base_rate + lift
    spread = base_rate * (1 - base_rate) + new_rate * (1 - new_rate)
    return math.ceil((Z95 + NormalDist().inv_cdf(power)) ** 2 * spread / lift**2)

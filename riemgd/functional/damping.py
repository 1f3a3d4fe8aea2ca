"""Damping schedules for the metric ``G + λI`` of a model manifold: constant, or
adaptive in the Levenberg–Marquardt way.

After a step ``s`` from ``x`` the gain ratio compares the actual decrease of the
cost with the decrease predicted by the Gauss–Newton model
``m(s) = gᵀs + ½ sᵀ G s`` (``g = ∇_θL``, ``G = Jᵀ K J`` undamped)::

    ρ = (f(x) − f(x⁺)) / (−m(s)),

and ``λ ← λ · decrease`` when ``ρ > 3/4`` (the model is trusted: damp less),
``λ ← λ · increase`` when ``ρ < 1/4`` (damp more), clipped to
``[minimum, maximum]`` (Levenberg 1944, Marquardt 1963; the rule and constants
of Martens, "Deep learning via Hessian-free optimization", ICML 2010, §4.1, used
again by Martens & Grosse, "Optimizing neural networks with Kronecker-factored
approximate curvature", ICML 2015, §6.5). On a linear least-squares problem with
``G`` the Hessian the model is exact and ``ρ = 1``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any


def gain_ratio(cost: float, new_cost: float, slope: float, curvature: float) -> float:
    """``ρ = (f(x) − f(x⁺)) / (−(gᵀs + ½ sᵀGs))`` with ``slope = gᵀs``,
    ``curvature = sᵀGs``; NaN when the model predicts no decrease (``−m(s) ≤ 0``)."""
    predicted = -(slope + 0.5 * curvature)
    if not predicted > 0:
        return math.nan
    return (cost - new_cost) / predicted


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


class DampingSchedule:
    """Base class: the current ``λ`` (:attr:`value`), updated by :meth:`update`
    from the gain ratio of each step; :meth:`reset` returns to the initial ``λ``."""

    value: float

    def update(self, ratio: float) -> float:
        """Take the gain ratio ``ρ`` of a step and return the new ``λ``."""
        raise NotImplementedError

    def reset(self) -> None:
        """Back to the initial ``λ`` (e.g. before a new run)."""
        raise NotImplementedError


class AdaptiveDamping(DampingSchedule):
    """Levenberg–Marquardt damping: ``λ ← λ · decrease`` when ``ρ > high``,
    ``λ ← λ · increase`` when ``ρ < low`` (a non-finite new cost counts as
    ``ρ = −∞``), kept otherwise and when ``ρ`` is undefined (the step was no
    descent step of the Gauss–Newton model, or the cost after it is unknown),
    and clipped to ``[minimum, maximum]``. See the module docstring.

    Args:
        initial: ``λ₀ > 0``.
        increase: Factor ``> 1`` (default 3/2, Martens 2010).
        decrease: Factor in ``(0, 1)`` (default 2/3).
        minimum: Lower bound ``≥ 0`` (default 0).
        maximum: Upper bound (default ``∞``).
        low: ``ρ`` below which ``λ`` grows (default 1/4).
        high: ``ρ`` above which ``λ`` shrinks (default 3/4).

    Attributes:
        value: The current ``λ``.
        ratio: The last gain ratio (NaN before the first step).
    """

    def __init__(
        self,
        initial: float = 1e-3,
        *,
        increase: float = 1.5,
        decrease: float = 2.0 / 3.0,
        minimum: float = 0.0,
        maximum: float = math.inf,
        low: float = 0.25,
        high: float = 0.75,
    ):
        initial, increase = _number(initial, "initial"), _number(increase, "increase")
        decrease = _number(decrease, "decrease")
        minimum, maximum = _number(minimum, "minimum"), _number(maximum, "maximum")
        low, high = _number(low, "low"), _number(high, "high")
        if not (math.isfinite(initial) and initial > 0):
            raise ValueError(f"initial must be a finite positive number, got {initial}")
        if not (math.isfinite(increase) and increase > 1):
            raise ValueError(f"increase must be a finite number > 1, got {increase}")
        if not 0 < decrease < 1:
            raise ValueError(f"decrease must lie in (0, 1), got {decrease}")
        if not 0 <= minimum <= initial <= maximum:
            raise ValueError(
                f"need 0 ≤ minimum ≤ initial ≤ maximum, got minimum={minimum}, initial={initial}, maximum={maximum}"
            )
        if not low < high:
            raise ValueError(f"low must be below high, got low={low}, high={high}")
        self.initial, self.increase, self.decrease = initial, increase, decrease
        self.minimum, self.maximum, self.low, self.high = minimum, maximum, low, high
        self.value, self.ratio = initial, math.nan

    def update(self, ratio: float) -> float:
        self.ratio = ratio = float(ratio)
        if ratio > self.high:
            self.value = max(self.minimum, self.value * self.decrease)
        elif ratio < self.low:  # −∞ (a non-finite new cost) included; NaN compares false
            self.value = min(self.maximum, self.value * self.increase)
        return self.value

    def reset(self) -> None:
        self.value, self.ratio = self.initial, math.nan

    def __repr__(self) -> str:
        return (
            f"AdaptiveDamping(initial={self.initial:g}, increase={self.increase:g}, decrease={self.decrease:g}, "
            f"minimum={self.minimum:g}, maximum={self.maximum:g}; λ = {self.value:g})"
        )

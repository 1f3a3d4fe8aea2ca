"""Armijo backtracking line search along a retraction curve."""

from __future__ import annotations

import math
from typing import Any

from riemgd import backend


class ArmijoLineSearch:
    """Backtracking until the Armijo condition holds::

        f(R_x(t d)) ≤ f(x) + c · t · Df(x)[d],      Df(x)[d] = ⟨grad f(x), d⟩_x < 0,

    shrinking ``t ← ρ t``. The first trial step reuses the last decrease,
    ``t₀ = 2 (f(x_k) − f(x_{k−1})) / Df(x_k)[d]`` times ``optimism``
    (Nocedal & Wright, *Numerical Optimization*, eq. 3.60); on the first call
    the trial step has length ``initial_step_size``.

    Args:
        sufficient_decrease: Armijo constant ``c ∈ (0, 1)``.
        contraction_factor: ``ρ ∈ (0, 1)``.
        optimism: Factor ``> 1`` stretching the interpolated first trial step.
        initial_step_size: Length of the very first trial step.
        max_backtracks: Give up (and take no step) after this many reductions.
    """

    def __init__(
        self,
        *,
        sufficient_decrease: float = 1e-4,
        contraction_factor: float = 0.5,
        optimism: float = 2.0,
        initial_step_size: float = 1.0,
        max_backtracks: int = 30,
    ):
        if not 0 < sufficient_decrease < 1:
            raise ValueError(f"sufficient_decrease must lie in (0, 1), got {sufficient_decrease}")
        if not 0 < contraction_factor < 1:
            raise ValueError(f"contraction_factor must lie in (0, 1), got {contraction_factor}")
        if not optimism >= 1:
            raise ValueError(f"optimism must be at least 1, got {optimism}")
        if not initial_step_size > 0:
            raise ValueError(f"initial_step_size must be positive, got {initial_step_size}")
        self.sufficient_decrease = sufficient_decrease
        self.contraction_factor = contraction_factor
        self.optimism = optimism
        self.initial_step_size = initial_step_size
        self.max_backtracks = int(max_backtracks)
        self._previous_cost: float | None = None

    def reset(self) -> None:
        """Forget the previous decrease (start of a new run)."""
        self._previous_cost = None

    def search(self, problem: Any, point: Any, direction: Any, cost: float, slope: float, direction_norm: float):
        """Return ``(new_point, new_cost, step_length)``; ``step_length`` is 0
        (and the point unchanged) when no decrease was found."""
        manifold = problem.manifold
        t = math.nan
        if self._previous_cost is not None:
            t = self.optimism * 2.0 * (cost - self._previous_cost) / slope
        if not (math.isfinite(t) and t > 0):
            t = self.initial_step_size / direction_norm
        self._previous_cost = cost
        for _ in range(self.max_backtracks + 1):
            candidate = manifold.retraction(point, t * direction)
            new_cost = backend.to_float(problem.cost(candidate))
            if new_cost <= cost + self.sufficient_decrease * t * slope:
                return candidate, new_cost, t * direction_norm
            t *= self.contraction_factor
        return point, cost, 0.0

"""A line search for the strong Wolfe conditions, on a manifold.

Along ``d ∈ T_xM`` the search looks at ``φ(t) = f(R_x(t d))`` and its slope

    φ'(t) ≈ ⟨grad f(R_x(t d)), T_{x→R_x(t d)}(d)⟩,

with ``T`` the manifold's vector transport (:meth:`~riemgd.manifolds.Manifold.transport`);
this is the exact derivative when ``T`` is the differentiated retraction (on
``Euclidean``, ``φ'(t) = ∇f(x + t d)ᵀd``), and the usual Riemannian surrogate
otherwise (Ring & Wirth, SIAM J. Optim. 22, 2012; Huang, Gallivan & Absil,
SIAM J. Optim. 25, 2015). A step ``t`` is accepted when

    φ(t) ≤ φ(0) + c₁ t φ'(0)          (sufficient decrease)
    |φ'(t)| ≤ c₂ |φ'(0)|              (strong curvature condition)

with ``0 < c₁ < c₂ < 1``, found by bracketing and zooming (Nocedal & Wright,
*Numerical Optimization*, 2nd ed., Algorithms 3.5 and 3.6). Where ``φ(t)`` is
within round-off of ``φ(0)``, sufficient decrease is judged from the slope
instead, as in Hager & Zhang's approximate Wolfe conditions (SIAM J. Optim. 16,
2005): ``φ'(t) ≤ (2c₁ − 1) φ'(0)``, which is sufficient decrease for a quadratic
``φ``. Cost differences then no longer limit the accuracy to ``√ε``.
"""

from __future__ import annotations

import math
from typing import Any

from riemgd import backend
from riemgd.optimizers.step_sizes import (
    Step,
    StepSize,
    non_negative_integer,
    open_unit_interval,
    positive_number,
)

FIRST_TRIALS = ("smaller", "slope", "decrease")


class _Trial:
    """``t``, ``φ(t)`` and, once evaluated, ``φ'(t)`` with the gradient and transported direction behind it."""

    __slots__ = ("cost", "gradient", "point", "slope", "t", "transported", "vector")

    def __init__(self, t: float, point: Any, vector: Any, cost: float):
        self.t, self.point, self.vector, self.cost = t, point, vector, cost
        self.slope: float | None = None
        self.gradient: Any = None
        self.transported: Any = None

    def step(self) -> Step:
        return Step(self.point, self.vector, self.t, self.cost, gradient=self.gradient, transported=self.transported)


class Wolfe(StepSize):
    """The strong Wolfe line search (Nocedal & Wright, Algorithms 3.5 and 3.6).

    **Bracketing.** From the first trial ``t₁``, trial steps grow (to the zero
    of the secant of ``φ'``, by a factor between ``expansion`` and ten times it)
    until one of them fails sufficient decrease, does not lower ``φ`` below the
    previous trial, or has ``φ'(t) ≥ 0``: then a minimizer satisfying the strong
    Wolfe conditions lies between the last two trials.
    **Zoom.** The bracket ``[t_lo, t_hi]`` (``t_lo`` the best trial with
    sufficient decrease) shrinks to the minimizer of the cubic through
    ``φ, φ'`` at both ends (N&W eq. 3.59; the quadratic through ``φ(t_lo)``,
    ``φ'(t_lo)``, ``φ(t_hi)`` when ``φ'(t_hi)`` is unknown), kept at least
    ``10 %`` of the bracket away from its ends, until a trial satisfies both
    conditions.

    The first trial is the direction's proposal (``Direction.initial_step``, 1
    for L-BFGS), else one of N&W's two estimates from the last step: the step
    whose first-order decrease equals the last one, ``t₁ = t_{k−1} φ'_{k−1}(0) / φ'_k(0)``
    (eq. 3.59, ``first_trial="slope"``), or the minimizer of the quadratic
    through the last decrease, ``t₁ = optimism · 2 (f(x_k) − f(x_{k−1})) / φ'_k(0)``
    (eq. 3.60, ``"decrease"``); by default (``"smaller"``) the smaller of the
    two, since an overlong first trial costs several evaluations to shrink,
    and at most ``max_growth · t_{k−1}`` (both estimates explode when the slope
    drops by orders of magnitude from one iteration to the next, as a CG
    direction's can). On the first call (or when the estimates give no
    positive step) ``t₁ = initial_step_size / ‖d‖``.

    **Round-off.** A trial with ``|φ(t) − φ(0)| ≤ cost_noise · |φ(0)|`` tells
    nothing from its cost: it passes sufficient decrease when
    ``φ'(t) ≤ (2c₁ − 1) φ'(0)`` (the approximate Wolfe condition of Hager &
    Zhang), and two such trials are not ranked by cost. This lets gradient
    norms fall far below ``√(ε |f|)``, where cost comparisons alone stall.

    Every trial costs one cost evaluation; the trials that pass sufficient
    decrease also one gradient (and one transport of ``d``). The accepted
    step carries ``grad f(x⁺)`` and ``T(d)``, which the loop passes on, so the
    next direction does not evaluate the gradient again: when the first trial
    is accepted an iteration costs one cost and one gradient evaluation.

    When ``max_evaluations`` trials find no Wolfe step, the best trial with
    sufficient decrease is taken; if there is none, no step (the run then
    stops on ``min_step_size``), or, if a trial cost was NaN/Inf, the run stops
    as non-finite. Along a direction that is not a descent direction
    (``φ'(0) ≥ 0``) no step is taken.

    Args:
        c1: Sufficient-decrease constant ``c₁ ∈ (0, 1)``.
        c2: Curvature constant ``c₂ ∈ (c₁, 1)`` (0.9 for quasi-Newton
            directions; 0.1 (N&W) to 0.4 (SciPy) for conjugate gradients).
        initial_step_size: Length ``‖t₁ d‖`` of the very first trial step.
        first_trial: ``"smaller"`` (of the two), ``"slope"`` (N&W eq. 3.59) or
            ``"decrease"`` (eq. 3.60).
        optimism: Factor ``≥ 1`` on the first trial step of ``"decrease"`` (N&W: 1.01).
        max_growth: Largest ratio ``t₁ / t_{k−1}`` of an estimated first trial (``≥ 1``).
        expansion: Least factor ``e > 1`` by which bracketing grows the trial step
            (it goes to the secant minimizer of ``φ'``, at most ``10 e`` times farther).
        max_evaluations: Most trial steps per call (cost evaluations).
        cost_noise: Relative size of cost differences treated as round-off
            (0: always compare costs, as N&W's algorithm does).
    """

    needs_slope = True

    def __init__(
        self,
        c1: float = 1e-4,
        c2: float = 0.9,
        *,
        initial_step_size: float = 1.0,
        first_trial: str = "smaller",
        optimism: float = 1.01,
        max_growth: float = 10.0,
        expansion: float = 2.0,
        max_evaluations: int = 25,
        cost_noise: float = 1e-12,
    ):
        self.c1 = open_unit_interval(c1, "c1")
        self.c2 = open_unit_interval(c2, "c2")
        if not self.c1 < self.c2:
            raise ValueError(f"c1 must be smaller than c2 (0 < c1 < c2 < 1), got c1={c1}, c2={c2}")
        self.initial_step_size = positive_number(initial_step_size, "initial_step_size")
        if first_trial not in FIRST_TRIALS:
            raise ValueError(f"first_trial must be one of {FIRST_TRIALS}, got {first_trial!r}")
        self.first_trial = first_trial
        self.optimism = positive_number(optimism, "optimism")
        if self.optimism < 1:
            raise ValueError(f"optimism must be at least 1, got {optimism}")
        self.max_growth = positive_number(max_growth, "max_growth", allow_inf=True)
        if self.max_growth < 1:
            raise ValueError(f"max_growth must be at least 1, got {max_growth}")
        self.expansion = positive_number(expansion, "expansion")
        if self.expansion <= 1:
            raise ValueError(f"expansion must be greater than 1, got {expansion}")
        self.max_evaluations = non_negative_integer(max_evaluations, "max_evaluations")
        if self.max_evaluations < 1:
            raise ValueError(f"max_evaluations must be a positive integer, got {max_evaluations}")
        self.cost_noise = positive_number(cost_noise, "cost_noise", allow_zero=True)
        self._previous: tuple | None = None  # (f(x_{k−1}), φ'_{k−1}(0), t_{k−1})

    def reset(self) -> None:
        self._previous = None

    # ------------------------------------------------------------------ search
    def __call__(self, problem: Any, point: Any, cost: float, direction: Any) -> Step:
        slope = direction.slope  # φ'(0) = ⟨grad f(x), d⟩_x
        if not slope < 0:  # no descent direction (or d = 0): no step along it
            self._previous = None
            return Step(point, None, 0.0, cost)
        t = self._first_trial(cost, slope, direction)
        step = _Search(self, problem, point, cost, slope, direction.step(1.0)).run(t)
        self._previous = (cost, slope, step.size) if step.size > 0 else None
        return step

    def _first_trial(self, cost: float, slope: float, direction: Any) -> float:
        if direction.initial_step is not None:
            return float(direction.initial_step)
        t = math.nan
        if self._previous is not None:
            previous_cost, previous_slope, previous_t = self._previous
            by_slope = previous_t * previous_slope / slope  # N&W eq. 3.59
            by_decrease = self.optimism * 2.0 * (cost - previous_cost) / slope  # N&W eq. 3.60
            if self.first_trial == "slope":
                t = by_slope
            elif self.first_trial == "decrease":
                t = by_decrease
            else:  # the more cautious of the two, where both are positive
                candidates = [v for v in (by_slope, by_decrease) if math.isfinite(v) and v > 0]
                t = min(candidates) if candidates else math.nan
            t = min(t, self.max_growth * previous_t)
        if not (math.isfinite(t) and t > 0):
            t = self.initial_step_size / backend.to_float(direction.norm)
        return t


class _Search:
    """One call of :class:`Wolfe`: the trials along ``d`` from ``x``."""

    def __init__(self, rule: Wolfe, problem: Any, point: Any, cost: float, slope: float, d: Any):
        self.rule, self.problem, self.point, self.d = rule, problem, point, d
        self.cost, self.slope = cost, slope
        self.noise = rule.cost_noise * abs(cost)  # cost differences below this are round-off
        self.evaluations = 0
        self.non_finite = False

    def trial(self, t: float) -> _Trial:
        """``φ(t)``: one retraction and one cost evaluation."""
        self.evaluations += 1
        vector = t * self.d
        new_point = self.problem.manifold.retraction(self.point, vector)
        value = backend.to_float(self.problem.cost(new_point))
        self.non_finite = self.non_finite or not math.isfinite(value)
        return _Trial(t, new_point, vector, value)

    def measure_slope(self, trial: _Trial) -> float:
        """``φ'(t) = ⟨grad f(y), T_{x→y}(d)⟩_y`` at ``y = R_x(t d)``."""
        manifold = self.problem.manifold
        trial.gradient = self.problem.riemannian_gradient(trial.point)
        trial.transported = manifold.transport(self.point, trial.point, self.d)
        trial.slope = backend.to_float(manifold.inner_product(trial.point, trial.gradient, trial.transported))
        return trial.slope

    def flat(self, trial: _Trial) -> bool:
        """``|φ(t) − φ(0)| ≤ cost_noise |φ(0)|``: the cost cannot tell the trial from ``x``."""
        return self.noise > 0 and abs(trial.cost - self.cost) <= self.noise

    def decreases(self, trial: _Trial) -> bool:
        """Sufficient decrease ``φ(t) ≤ φ(0) + c₁ t φ'(0)`` (false for NaN), or, for a
        flat trial, its approximate form ``φ'(t) ≤ (2c₁ − 1) φ'(0)`` (measuring the slope)."""
        if trial.cost <= self.cost + self.rule.c1 * trial.t * self.slope:
            return True
        if not self.flat(trial):
            return False
        slope = trial.slope if trial.slope is not None else self.measure_slope(trial)
        return math.isfinite(slope) and slope <= (2.0 * self.rule.c1 - 1.0) * self.slope

    def rises(self, trial: _Trial, other: _Trial) -> bool:
        """``φ(t) ≥ φ(t_other)``, unless both costs are within round-off of ``φ(0)``."""
        return trial.cost >= other.cost and not (self.flat(trial) and self.flat(other))

    def curvature(self, slope: float) -> bool:
        """The strong curvature condition ``|φ'(t)| ≤ c₂ |φ'(0)|``."""
        return abs(slope) <= -self.rule.c2 * self.slope

    def none(self) -> Step:
        return Step(self.point, None, 0.0, self.cost, non_finite=self.non_finite)

    def run(self, t: float) -> Step:
        """Algorithm 3.5: grow the trial step until a bracket is found, then zoom."""
        previous = _Trial(0.0, self.point, None, self.cost)
        previous.slope = self.slope
        while True:
            current = self.trial(t)
            if not self.decreases(current) or (previous.t > 0 and self.rises(current, previous)):
                return self.zoom(previous, current)
            slope = current.slope if current.slope is not None else self.measure_slope(current)
            if not math.isfinite(slope):
                self.non_finite = True
                return self.zoom(previous, current)
            if self.curvature(slope):
                return current.step()
            if slope >= 0:
                return self.zoom(current, previous)
            if self.evaluations >= self.rule.max_evaluations:
                return current.step()  # sufficient decrease, lower cost: the best trial so far
            previous, t = current, _extrapolate(previous, current, self.rule.expansion)

    def zoom(self, lo: _Trial, hi: _Trial) -> Step:
        """Algorithm 3.6: ``lo`` has sufficient decrease and the lowest cost so far,
        ``φ'(t_lo)(t_hi − t_lo) < 0``; shrink ``[lo, hi]`` onto a Wolfe step."""
        while self.evaluations < self.rule.max_evaluations:
            width = hi.t - lo.t
            if abs(width) <= 1e-14 * max(abs(lo.t), abs(hi.t)):
                break  # the bracket is below round-off
            t = _interpolate(lo, hi)
            current = self.trial(t)
            if not self.decreases(current) or self.rises(current, lo):
                hi = current
                continue
            slope = current.slope if current.slope is not None else self.measure_slope(current)
            if not math.isfinite(slope):
                self.non_finite = True
                hi = current
                continue
            if self.curvature(slope):
                return current.step()
            if slope * width >= 0:
                hi = lo
            lo = current
        return lo.step() if lo.t > 0 else self.none()


def _extrapolate(previous: _Trial, current: _Trial, expansion: float) -> float:
    """The next bracketing trial beyond ``t = current.t``: the zero of the secant of
    ``φ'`` through both trials, ``t + (t − t_p) φ'(t) / (φ'(t_p) − φ'(t))`` (the
    minimizer of the quadratic with those slopes), kept in ``[e t, 10 e t]`` for the
    expansion ``e``; ``e t`` when the slopes give no minimizer ahead."""
    t, low, high = current.t, expansion * current.t, 10.0 * expansion * current.t
    rise = previous.slope - current.slope  # < 0 when φ' increases (convex between the trials)
    if rise < 0:
        guess = t + (t - previous.t) * current.slope / rise
        if math.isfinite(guess):
            return min(max(guess, low), high)
    return low


def _interpolate(lo: _Trial, hi: _Trial) -> float:
    """The minimizer of the cubic (or quadratic) model of ``φ`` on the bracket,
    safeguarded to the middle 80 % of it; bisection when the model has none there."""
    a, b = lo.t, hi.t
    width = b - a
    t = math.nan
    finite_hi = math.isfinite(hi.cost)
    if finite_hi and hi.slope is not None and math.isfinite(hi.slope):
        # N&W eq. 3.59: t = b − (b − a)(φ'_b + d₂ − d₁) / (φ'_b − φ'_a + 2 d₂)
        d1 = lo.slope + hi.slope - 3.0 * (lo.cost - hi.cost) / (a - b)
        radicand = d1 * d1 - lo.slope * hi.slope
        if radicand >= 0:
            d2 = math.copysign(math.sqrt(radicand), b - a)
            denominator = hi.slope - lo.slope + 2.0 * d2
            if denominator != 0:
                t = b - (b - a) * (hi.slope + d2 - d1) / denominator
    elif finite_hi:
        # quadratic through φ(a), φ'(a), φ(b): t = a − φ'(a) w² / (2 (φ(b) − φ(a) − φ'(a) w))
        curvature = hi.cost - lo.cost - lo.slope * width
        if curvature > 0:
            t = a - lo.slope * width * width / (2.0 * curvature)
    low, high = min(a, b), max(a, b)
    margin = 0.1 * (high - low)
    if not math.isfinite(t):
        return 0.5 * (a + b)
    return min(max(t, low + margin), high - margin)

"""Step-size rules: how far to go along a search direction.

A rule is called once per iteration with the point ``x``, its cost ``f(x)`` and
a :class:`~riemgd.optimizers.directions.Direction`, and returns a :class:`Step`
to ``x⁺ = R_x(t d)``. Every optimizer accepts every rule (``step_size=`` takes
a float, meaning :class:`ConstantStep`, or a rule object):

* :class:`ConstantStep` — ``t = α``;
* :class:`Armijo` — backtracking until ``f(R_x(t d)) ≤ f(x) + c t Df(x)[d]``;
* :class:`GridSearch` — the best ``t ∈ {1, 1/2, …, 2^{1−K}}`` (Müller & Zeinhofer), or no step;
* :class:`NormConstrained` — ``t = min(η, C / ‖d‖_x)``.

Rules that compare costs (``needs_slope = True`` for the Armijo test) are line
searches; along a momentum direction that is not a descent direction
(``Df(x)[d] ≥ 0``) the optimizer restarts the momentum before calling them (see
:class:`~riemgd.optimizers.Optimizer`).
"""

from __future__ import annotations

import copy
import inspect
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from riemgd import backend


@dataclass
class Step:
    """A step ``x⁺ = R_x(t d)`` chosen by a step-size rule.

    Attributes:
        point: ``x⁺`` (``x`` itself when the rule takes no step).
        vector: The tangent vector ``t d`` at ``x`` (``None`` for no step).
        size: ``t`` (0 for no step).
        cost: ``f(x⁺)`` when the rule evaluated it, else ``None``.
        non_finite: The rule took no step and met a NaN/Inf cost on the way.
        rejected: The rule evaluated a proposal and rejected it, changing its
            own state so that the next iteration proposes another step from the
            same point (a trust region shrinks its radius): no step is taken
            (``vector`` is ``None``), but this is no stall, so the optimizer does
            not stop on ``min_step_size``.
        gradient: ``grad f(x⁺)`` when the rule evaluated it (a Wolfe line
            search does), else ``None``; the loop hands it to the next
            iteration's direction, so that it is not evaluated twice.
        transported: ``T_{x→x⁺}(d)``, the unit-step direction ``d`` carried
            to ``T_{x⁺}M`` by the manifold's transport, when the rule computed
            it, else ``None`` (conjugate-gradient and quasi-Newton rules reuse it).
    """

    point: Any
    vector: Any
    size: float
    cost: float | None = None
    non_finite: bool = False
    rejected: bool = False
    gradient: Any = None
    transported: Any = None


class StepSize:
    """Base class of step-size rules (see the module docstring)."""

    #: The rule needs the slope ``Df(x)[d] = ⟨grad f(x), d⟩_x`` (line searches).
    needs_slope: bool = False

    def reset(self) -> None:
        """Forget what earlier iterations taught the rule (start of a run)."""

    def __call__(self, problem: Any, point: Any, cost: float, direction: Any) -> Step:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


def _take(problem: Any, point: Any, direction: Any, t: float, cost: float | None = None) -> Step:
    vector = direction.step(t)
    return Step(problem.manifold.retraction(point, vector), vector, t, cost)


class ConstantStep(StepSize):
    """The fixed step ``x⁺ = R_x(α d)``.

    Args:
        step_size: ``α > 0``, finite.
    """

    def __init__(self, step_size: float):
        self.step_size = positive_number(step_size, "step_size")

    def __call__(self, problem: Any, point: Any, cost: float, direction: Any) -> Step:
        return _take(problem, point, direction, self.step_size)


class Armijo(StepSize):
    """Backtracking until the Armijo condition holds::

        f(R_x(t d)) ≤ f(x) + c · t · Df(x)[d],      Df(x)[d] = ⟨grad f(x), d⟩_x < 0,

    shrinking ``t ← ρ t``. The first trial step reuses the last decrease,
    ``t₀ = 2 (f(x_k) − f(x_{k−1})) / Df(x_k)[d]`` times ``optimism``
    (Nocedal & Wright, *Numerical Optimization*, eq. 3.60); on the first call
    the trial step has length ``initial_step_size``.

    When no trial step passes, no step is taken (the optimizer then stops on
    ``min_step_size``), or, if a trial cost was NaN/Inf, the run stops as
    non-finite.

    Args:
        sufficient_decrease: Armijo constant ``c ∈ (0, 1)``.
        contraction_factor: ``ρ ∈ (0, 1)``.
        optimism: Factor ``≥ 1`` stretching the interpolated first trial step.
        initial_step_size: Length ``‖t₀ d‖`` of the very first trial step.
        max_backtracks: Give up (and take no step) after this many reductions.
    """

    needs_slope = True

    def __init__(
        self,
        *,
        sufficient_decrease: float = 1e-4,
        contraction_factor: float = 0.5,
        optimism: float = 2.0,
        initial_step_size: float = 1.0,
        max_backtracks: int = 30,
    ):
        self.sufficient_decrease = open_unit_interval(sufficient_decrease, "sufficient_decrease")
        self.contraction_factor = open_unit_interval(contraction_factor, "contraction_factor")
        self.optimism = positive_number(optimism, "optimism")
        if self.optimism < 1:
            raise ValueError(f"optimism must be at least 1, got {optimism}")
        self.initial_step_size = positive_number(initial_step_size, "initial_step_size")
        self.max_backtracks = non_negative_integer(max_backtracks, "max_backtracks")
        self._previous_cost: float | None = None

    def reset(self) -> None:
        self._previous_cost = None

    def __call__(self, problem: Any, point: Any, cost: float, direction: Any) -> Step:
        slope = direction.slope
        t = math.nan
        if self._previous_cost is not None:
            t = self.optimism * 2.0 * (cost - self._previous_cost) / slope
        if not (math.isfinite(t) and t > 0):
            t = self.initial_step_size / backend.to_float(direction.norm)
        self._previous_cost = cost
        non_finite = False
        for _ in range(self.max_backtracks + 1):
            step = _take(problem, point, direction, t)
            step.cost = backend.to_float(problem.cost(step.point))
            if step.cost <= cost + self.sufficient_decrease * t * slope:
                return step
            non_finite = non_finite or not math.isfinite(step.cost)
            t *= self.contraction_factor
        return Step(point, None, 0.0, cost, non_finite=non_finite)


class GridSearch(StepSize):
    """The line search of Müller & Zeinhofer (ICML 2023): the best step of a
    geometric grid, ``t* = argmin_{t ∈ {1, ρ, …, ρ^{K−1}}} f(R_x(t d))``, taken
    only if it lowers the cost (otherwise the point is kept).

    Costs ``K`` cost evaluations per iteration and no gradient. Where the problem
    evaluates costs along a line (``problem.costs_along``: a PDE or least-squares
    loss on a :class:`~riemgd.models.ShallowNetwork`, whose pre-activations are
    affine in the step) the ``K`` trials share the products with the points, and
    only the chosen step is retracted.

    Args:
        trials: ``K``, the number of grid steps (default 31: ``2⁰ … 2⁻³⁰``).
        contraction_factor: ``ρ ∈ (0, 1)`` (default ½).
        largest_step: The first grid step (default 1).
    """

    def __init__(self, trials: int = 31, *, contraction_factor: float = 0.5, largest_step: float = 1.0):
        self.trials = non_negative_integer(trials, "trials")
        if self.trials < 1:
            raise ValueError(f"trials must be a positive integer, got {trials}")
        self.contraction_factor = open_unit_interval(contraction_factor, "contraction_factor")
        self.largest_step = positive_number(largest_step, "largest_step")

    def __call__(self, problem: Any, point: Any, cost: float, direction: Any) -> Step:
        steps = [self.largest_step * self.contraction_factor**k for k in range(self.trials)]
        along = getattr(problem, "costs_along", None)
        costs = None if along is None else along(point, direction.step(1.0), steps)  # d(t) = t d(1)
        if costs is not None:  # the trials together: only the chosen step is retracted
            best_t, best_cost = None, cost
            for t, trial in zip(steps, costs, strict=True):
                if trial < best_cost:  # the first of equal minima; NaN never wins
                    best_t, best_cost = t, trial
            if best_t is None:
                return Step(point, None, 0.0, cost, non_finite=not all(math.isfinite(c) for c in costs))
            return _take(problem, point, direction, best_t, best_cost)
        best = Step(point, None, 0.0, cost)
        seen_non_finite = False
        for t in steps:
            step = _take(problem, point, direction, t)
            step.cost = backend.to_float(problem.cost(step.point))
            seen_non_finite = seen_non_finite or not math.isfinite(step.cost)
            if step.cost < best.cost:
                best = step
        best.non_finite = best.vector is None and seen_non_finite
        return best


class NormConstrained(StepSize):
    """A step of bounded length, ``t = min(η, C / ‖d‖)``: the full step ``η``
    while ``‖η d‖ ≤ C``, else a step of length ``C``.

    With ``norm="metric"`` (default) ``‖d‖ = ‖d‖_x`` is the manifold's norm,
    a trust radius in its metric (on a Fisher-metric model manifold,
    ``C = √(2ε)`` keeps each step inside the KL ball of radius ``ε`` to second
    order); with ``norm="euclidean"``, ``‖d‖₂`` of the coordinates, the norm
    constraint of SPRING (Guzmán-Cordero et al. 2025: ``η_k = min(η, √C'/‖φ_k‖₂)``,
    so ``C = √C'``).

    Args:
        max_step: ``η > 0``.
        radius: ``C > 0``.
        norm: ``"metric"`` or ``"euclidean"``.
    """

    def __init__(self, max_step: float = 1.0, radius: float = 1.0, *, norm: str = "metric"):
        self.max_step = positive_number(max_step, "max_step")
        self.radius = positive_number(radius, "radius")
        if norm not in ("metric", "euclidean"):
            raise ValueError(f"norm must be 'metric' or 'euclidean', got {norm!r}")
        self.norm = norm

    def __call__(self, problem: Any, point: Any, cost: float, direction: Any) -> Step:
        if self.norm == "metric":
            norm = backend.to_float(direction.norm)
        else:
            d = direction.step(1.0)
            norm = math.sqrt(backend.to_float(backend.inner(d, d)))
        t = self.max_step if norm * self.max_step <= self.radius else self.radius / norm
        return _take(problem, point, direction, t)


class LegacyLineSearch(StepSize):
    """Adapter for riemgd 0.1 line-search objects, whose
    ``search(problem, point, direction, cost, slope, direction_norm)`` returns
    ``(new_point, new_cost, step_length)`` along a momentum-free direction."""

    needs_slope = True

    def __init__(self, line_search: Any):
        self.line_search = line_search

    def reset(self) -> None:
        getattr(self.line_search, "reset", lambda: None)()

    def __call__(self, problem: Any, point: Any, cost: float, direction: Any) -> Step:
        d = direction.step(1.0)
        norm = backend.to_float(direction.norm)
        new_point, new_cost, length = self.line_search.search(problem, point, d, cost, direction.slope, norm)
        t = backend.to_float(length) / norm if norm > 0 else 0.0
        return Step(new_point, None if t == 0 else t * d, t, backend.to_float(new_cost))


class PymanoptLineSearch(StepSize):
    """Adapter for pymanopt line searchers (``BackTrackingLineSearcher``,
    ``AdaptiveLineSearcher``, or any object with pymanopt's
    ``search(objective, manifold, x, d, f0, df0) -> (‖t d‖, R_x(t d))``).

    As pymanopt's solvers do, the searcher is deep-copied at the start of every
    run (:meth:`reset`), so that its memory of earlier steps does not leak from
    one run into the next and the object passed in is never modified. The cost
    at the new point is left for the loop to evaluate (pymanopt evaluates it
    again after the search too).
    """

    needs_slope = True

    def __init__(self, line_searcher: Any):
        self.line_searcher = line_searcher
        self._searcher = copy.deepcopy(line_searcher)

    def reset(self) -> None:
        self._searcher = copy.deepcopy(self.line_searcher)

    def __call__(self, problem: Any, point: Any, cost: float, direction: Any) -> Step:
        d = direction.step(1.0)
        length, new_point = self._searcher.search(problem.cost, problem.manifold, point, d, cost, direction.slope)
        length = backend.to_float(length)
        if length == 0:
            return Step(point, None, 0.0, cost)
        t = length / backend.to_float(direction.norm)  # pymanopt returns the length ‖t d‖, not t
        return Step(new_point, t * d, t)


def _is_pymanopt_searcher(line_search: Any) -> bool:
    """pymanopt's searchers, or any ``search`` whose first argument is pymanopt's ``objective``."""
    if type(line_search).__module__.split(".")[0] == "pymanopt":
        return True
    try:
        first = next(iter(inspect.signature(line_search.search).parameters), None)
    except (TypeError, ValueError):  # no signature to read (a builtin)
        return False
    return first == "objective"


def as_step_size(step_size: Any, name: str = "step_size") -> StepSize:
    """A rule from ``step_size``: a :class:`StepSize`, a number for :class:`ConstantStep`,
    or a line-search object (pymanopt's, or riemgd 0.1's)."""
    if isinstance(step_size, StepSize):
        return step_size
    if callable(getattr(step_size, "search", None)):
        return PymanoptLineSearch(step_size) if _is_pymanopt_searcher(step_size) else LegacyLineSearch(step_size)
    if isinstance(step_size, numbers.Real) and not isinstance(step_size, bool):
        return ConstantStep(positive_number(step_size, name))
    raise TypeError(
        f"{name} must be a positive number or a step-size rule (riemgd.optimizers.StepSize), "
        f"got {type(step_size).__name__}"
    )


# ------------------------------------------------------------ argument checks
def real_number(value: Any, name: str) -> float:
    """``value`` as a float; a ``TypeError`` naming ``name`` unless it is a real number (not a string or bool)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def positive_number(value: Any, name: str, *, allow_zero: bool = False, allow_inf: bool = False) -> float:
    """``value`` as a float, checked to be positive (or ``≥ 0``) and finite (unless ``allow_inf``)."""
    value = real_number(value, name)
    bad = math.isnan(value) or value < 0 or (value == 0 and not allow_zero) or (math.isinf(value) and not allow_inf)
    if bad:
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {kind}{'' if allow_inf else ' finite'} number, got {value}")
    return value


def open_unit_interval(value: Any, name: str) -> float:
    value = real_number(value, name)
    if not 0 < value < 1:
        raise ValueError(f"{name} must lie in (0, 1), got {value}")
    return value


def non_negative_integer(value: Any, name: str) -> int:
    """``value`` as an int: a real number with an integer value ``≥ 0`` (``3.0`` passes, ``2.5`` and NaN do not)."""
    value = real_number(value, name) if not isinstance(value, (numbers.Integral, np.integer)) else value
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return int(value)

"""Numerical diagnostics: each returns numbers and a verdict, plotting on request.

* :func:`check_gradient` — the Taylor remainder of the cost along a
  retraction curve, ``E(t) = |f(R_x(t u)) − f(x) − t ⟨grad f(x), u⟩|``, must be
  ``O(t²)``: the fitted log-log slope is 2 when the gradient is right and 1
  when it is wrong.
* :func:`check_hessian` — the second-order remainder
  ``|f(R_x(t u)) − f(x) − t ⟨grad f(x), u⟩ − ½ t² ⟨Hess f(x)[u], u⟩|`` must be
  ``O(t³)`` (slope 3) along a second-order retraction or the exponential map;
  plus the symmetry and tangency of ``Hess f(x)``.
* :func:`check_retraction` — ``‖R_x(t u) − x − t u‖`` (in the ambient space
  ``V``, through ``embed``/``embedding``) must be ``O(t²)``: first-order
  agreement ``d/dt R_x(t u)|₀ = u``.
* :func:`check_transport` — a transported vector must be tangent at the
  target, transport must be linear, and transport to the same point must be
  the identity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from riemgd import backend

_STEPS = np.logspace(-8, 0, 41)


@dataclass
class SlopeCheck:
    """Outcome of a Taylor-remainder check.

    Attributes:
        slope: Slope of ``log E(t)`` against ``log t`` fitted on the most
            linear window of the curve above round-off (NaN when ``E`` is at
            round-off everywhere, i.e. the model is exact).
        expected_slope: The slope a correct implementation shows (2).
        passed: ``|slope − expected| ≤ tolerance``, or ``E`` at round-off.
        steps: The step lengths ``t``.
        errors: The remainders ``E(t)``.
        details: Further numbers (e.g. how far the gradient is from tangent).
    """

    slope: float
    expected_slope: float
    passed: bool
    steps: np.ndarray
    errors: np.ndarray
    details: dict = field(default_factory=dict)

    def plot(self, ax: Any = None, title: str = "") -> Any:
        """Draw ``E(t)`` on log-log axes beside the reference slope; returns the axes."""
        import matplotlib.pyplot as plt

        ax = ax or plt.figure().gca()
        ax.loglog(self.steps, self.errors, "o-", label="remainder E(t)")
        anchor = self.errors[len(self.errors) // 2] or 1.0
        t_mid = self.steps[len(self.steps) // 2]
        ax.loglog(
            self.steps,
            anchor * (self.steps / t_mid) ** self.expected_slope,
            "--",
            label=f"slope {self.expected_slope:g}",
        )
        ax.set_xlabel("t")
        ax.set_title(title or f"fitted slope {self.slope:.3f}")
        ax.legend()
        return ax


def _fit_slope(steps: np.ndarray, errors: np.ndarray, floor: float, window: int = 8) -> float:
    """Slope of the most linear ``window``-point stretch of ``log E`` vs ``log t``
    among points above ``floor`` (round-off); NaN if there is no such stretch."""
    usable = errors > floor
    logs_t, logs_e = np.log10(steps), np.log10(np.where(usable, errors, 1.0))
    best, best_residual = math.nan, math.inf
    for start in range(len(steps) - window + 1):
        piece = slice(start, start + window)
        if not usable[piece].all():
            continue
        coefficients, residual, *_ = np.polyfit(logs_t[piece], logs_e[piece], 1, full=True)
        residual = float(residual[0]) if len(residual) else 0.0
        if residual < best_residual:
            best, best_residual = float(coefficients[0]), residual
    return best


def _verdict(
    steps: np.ndarray, errors: np.ndarray, scale: float, tolerance: float, details: dict, expected: float = 2.0
) -> SlopeCheck:
    floor = 1e3 * np.finfo(float).eps * max(scale, 1e-300)
    slope = _fit_slope(steps, errors, floor)
    exact = bool(np.all(errors <= floor))
    # a slope above the expected one is a correct answer too: the next Taylor term happens to
    # vanish there (a cost with no cubic part along the curve); a wrong answer has slope expected − 1
    passed = exact or (math.isfinite(slope) and slope >= expected - tolerance)
    return SlopeCheck(slope, expected, passed, steps, errors, details)


def check_gradient(
    problem: Any,
    point: Any = None,
    direction: Any = None,
    *,
    tolerance: float = 0.1,
    rng: int | np.random.Generator | None = None,
    plot: bool = False,
) -> SlopeCheck:
    """Check ``problem``'s Riemannian gradient against its cost.

    Computes ``E(t) = |f(R_x(t u)) − f(x) − t ⟨grad f(x), u⟩_x|`` for
    ``t ∈ [1e-8, 1]`` and fits its log-log slope (2 for a correct gradient).
    ``details["tangent_residual"]`` is ``‖grad − P_T grad‖ / ‖grad‖``.

    Args:
        problem: A riemgd or pymanopt problem.
        point: Where to check (random when ``None``).
        direction: Unit tangent direction ``u`` (random when ``None``).
        tolerance: Accepted shortfall of the slope below 2 (a larger slope passes: the
            next Taylor term vanishes there).
        rng: Seed or generator for the random point and direction.
        plot: Draw the curve with matplotlib.
    """
    from riemgd.interop.pymanopt import as_riemgd_problem

    problem = as_riemgd_problem(problem)
    manifold = problem.manifold
    generator = backend.default_rng(rng)
    point = manifold.random_point(rng=generator) if point is None else point
    direction = manifold.random_tangent_vector(point, rng=generator) if direction is None else direction
    cost = backend.to_float(problem.cost(point))
    grad = problem.riemannian_gradient(point)
    slope = backend.to_float(manifold.inner_product(point, grad, direction))
    errors = np.array(
        [
            abs(backend.to_float(problem.cost(manifold.retraction(point, t * direction))) - cost - t * slope)
            for t in _STEPS
        ]
    )
    grad_norm = backend.to_float(manifold.norm(point, grad))
    off_tangent = backend.to_float(
        manifold.norm(point, grad - manifold.projection(point, manifold.embedding(point, grad)))
    )
    details = {"tangent_residual": off_tangent / grad_norm if grad_norm else 0.0, "directional_derivative": slope}
    result = _verdict(_STEPS, errors, abs(cost) + abs(slope), tolerance, details)
    if plot:
        result.plot(title="check_gradient")
    return result


@dataclass
class HessianCheck(SlopeCheck):
    """Outcome of :func:`check_hessian`: the Taylor slope (expected 3) and the
    operator's symmetry and tangency.

    Attributes:
        slope_passed: The slope alone is within tolerance of 3 (or the
            remainder is at round-off).
        symmetry_residual: ``|⟨H u, v⟩ − ⟨u, H v⟩| / (‖H u‖ ‖v‖ + ‖u‖ ‖H v‖)``
            for a second random tangent vector ``v`` (0 for a self-adjoint ``H``).
        tangent_residual: ``‖H u − P_T H u‖ / ‖H u‖`` (0 when ``H u ∈ T_x M``).
        linearity_residual: ``‖H(2u − 3v) − 2 H u + 3 H v‖ / (2‖H u‖ + 3‖H v‖)``.
        passed: ``slope_passed`` and every residual at most ``residual_tolerance``.
    """

    slope_passed: bool = False
    symmetry_residual: float = math.nan
    tangent_residual: float = math.nan
    linearity_residual: float = math.nan


def check_hessian(
    problem: Any,
    point: Any = None,
    tangent_vector: Any = None,
    *,
    tolerance: float = 0.1,
    residual_tolerance: float = 1e-8,
    curve: str = "retraction",
    rng: int | np.random.Generator | None = None,
    plot: bool = False,
) -> HessianCheck:
    """Check ``problem``'s Riemannian Hessian against its cost and gradient.

    Computes, for ``t ∈ [1e-8, 1]`` along ``c(t) = R_x(t u)`` (or ``exp_x(t u)``),

    ``E(t) = |f(c(t)) − f(x) − t ⟨grad f(x), u⟩_x − ½ t² ⟨Hess f(x)[u], u⟩_x|``

    and fits its log-log slope: 3 for a correct Hessian, 2 for a wrong one.
    The slope 3 needs a **second-order** curve, ``c''(0) = 0`` (covariantly): the
    exponential map always, a retraction only when it is second order (the
    sphere's ``(x + u)/‖x + u‖`` and Stiefel's polar retraction are; QR-based
    retractions are not), or else a critical point ``grad f(x) = 0``. Along a
    first-order retraction the term ``½ t² ⟨grad f(x), c''(0)⟩`` makes the
    slope 2 even for the right Hessian: pass ``curve="exp"`` there.

    Also reports the symmetry, tangency and linearity residuals of ``H``
    (see :class:`HessianCheck`).

    Args:
        problem: A riemgd or pymanopt problem with a Riemannian Hessian.
        point: Where to check (random when ``None``).
        tangent_vector: Unit tangent direction ``u`` (random when ``None``).
        tolerance: Accepted shortfall of the slope below 3 (a larger slope passes).
        residual_tolerance: Accepted symmetry, tangency and linearity residuals.
        curve: ``"retraction"`` (default) or ``"exp"``.
        rng: Seed or generator for the random point and vectors.
        plot: Draw the curve with matplotlib.
    """
    from riemgd.interop.pymanopt import as_riemgd_problem

    if curve not in ("retraction", "exp"):
        raise ValueError(f"curve must be 'retraction' or 'exp', got {curve!r}")
    problem = as_riemgd_problem(problem)
    manifold = problem.manifold
    move = manifold.retraction if curve == "retraction" else manifold.exp
    generator = backend.default_rng(rng)
    point = manifold.random_point(rng=generator) if point is None else point
    u = manifold.random_tangent_vector(point, rng=generator) if tangent_vector is None else tangent_vector
    v = manifold.random_tangent_vector(point, rng=generator)

    def inner(a: Any, b: Any) -> float:
        return backend.to_float(manifold.inner_product(point, a, b))

    def norm(a: Any) -> float:
        return backend.to_float(manifold.norm(point, a))

    cost = backend.to_float(problem.cost(point))
    slope = inner(problem.riemannian_gradient(point), u)
    hu, hv = problem.riemannian_hessian(point, u), problem.riemannian_hessian(point, v)
    curvature = inner(hu, u)
    errors = np.array(
        [
            abs(backend.to_float(problem.cost(move(point, t * u))) - cost - t * slope - 0.5 * t * t * curvature)
            for t in _STEPS
        ]
    )
    u_norm, v_norm, hu_norm, hv_norm = norm(u), norm(v), norm(hu), norm(hv)
    symmetry_scale = hu_norm * v_norm + u_norm * hv_norm
    symmetry = abs(inner(hu, v) - inner(u, hv)) / symmetry_scale if symmetry_scale else 0.0
    off_tangent = norm(hu - manifold.projection(point, manifold.embedding(point, hu)))
    tangent = off_tangent / hu_norm if hu_norm else 0.0
    combined = problem.riemannian_hessian(point, 2.0 * u - 3.0 * v)
    linear_scale = 2.0 * hu_norm + 3.0 * hv_norm
    linearity = norm(combined - 2.0 * hu + 3.0 * hv) / linear_scale if linear_scale else 0.0
    details = {"directional_derivative": slope, "curvature": curvature, "curve": curve}
    base = _verdict(_STEPS, errors, abs(cost) + abs(slope) + abs(curvature), tolerance, details, expected=3.0)
    residuals_ok = max(symmetry, tangent, linearity) <= residual_tolerance
    result = HessianCheck(
        base.slope,
        base.expected_slope,
        base.passed and residuals_ok,
        base.steps,
        base.errors,
        base.details,
        slope_passed=base.passed,
        symmetry_residual=symmetry,
        tangent_residual=tangent,
        linearity_residual=linearity,
    )
    if plot:
        result.plot(title="check_hessian")
    return result


def _ambient_norm(vector: Any) -> float:
    if isinstance(vector, (tuple, list)):
        return math.sqrt(sum(_ambient_norm(part) ** 2 for part in vector))
    return math.sqrt(backend.to_float(backend.inner(vector, vector)))


def check_retraction(
    manifold: Any,
    point: Any = None,
    direction: Any = None,
    *,
    tolerance: float = 0.1,
    rng: int | np.random.Generator | None = None,
    plot: bool = False,
) -> SlopeCheck:
    """Check first-order agreement of the retraction, ``d/dt R_x(t u)|₀ = u``.

    Computes ``E(t) = ‖embed(R_x(t u)) − embed(x) − t·embedding(x, u)‖`` in the
    ambient space and fits its log-log slope (2 when the retraction agrees
    with ``u`` to first order). ``details["zero_step_error"]`` is
    ``‖R_x(0) − x‖``.
    """
    generator = backend.default_rng(rng)
    point = manifold.random_point(rng=generator) if point is None else point
    direction = manifold.random_tangent_vector(point, rng=generator) if direction is None else direction
    base, velocity = manifold.embed(point), manifold.embedding(point, direction)
    errors = np.array(
        [_ambient_norm(manifold.embed(manifold.retraction(point, t * direction)) - base - t * velocity) for t in _STEPS]
    )
    zero = _ambient_norm(manifold.embed(manifold.retraction(point, 0.0 * direction)) - base)
    result = _verdict(
        _STEPS, errors, _ambient_norm(base) + _ambient_norm(velocity), tolerance, {"zero_step_error": zero}
    )
    if plot:
        result.plot(title="check_retraction")
    return result


@dataclass
class TransportCheck:
    """Outcome of :func:`check_transport` (residuals relative to ``‖T u‖``).

    Attributes:
        tangent_residual: ``‖T u − P_{T_b} T u‖``: does the result lie in ``T_b``?
        linearity_residual: ``‖T(a u + b w) − a T u − b T w‖``.
        identity_residual: ``‖T_{x←x} u − u‖``.
        passed: All residuals below ``tolerance``.
    """

    tangent_residual: float
    linearity_residual: float
    identity_residual: float
    passed: bool


def check_transport(
    manifold: Any,
    point_a: Any = None,
    point_b: Any = None,
    vector: Any = None,
    *,
    tolerance: float = 1e-10,
    rng: int | np.random.Generator | None = None,
) -> TransportCheck:
    """Check the vector transport of ``manifold`` from ``point_a`` to ``point_b``."""
    generator = backend.default_rng(rng)
    point_a = manifold.random_point(rng=generator) if point_a is None else point_a
    if point_b is None:
        point_b = manifold.retraction(point_a, manifold.random_tangent_vector(point_a, rng=generator))
    u = manifold.random_tangent_vector(point_a, rng=generator) if vector is None else vector
    w = manifold.random_tangent_vector(point_a, rng=generator)
    moved = manifold.transport(point_a, point_b, u)
    scale = backend.to_float(manifold.norm(point_b, moved)) or 1.0

    def norm_at(point: Any, vector: Any) -> float:
        return backend.to_float(manifold.norm(point, vector)) / scale

    tangent = norm_at(point_b, moved - manifold.projection(point_b, manifold.embedding(point_b, moved)))
    combined = manifold.transport(point_a, point_b, 2.0 * u - 3.0 * w)
    linear = norm_at(point_b, combined - 2.0 * moved + 3.0 * manifold.transport(point_a, point_b, w))
    identity = norm_at(point_a, manifold.transport(point_a, point_a, u) - u)
    passed = max(tangent, linear, identity) <= tolerance
    return TransportCheck(tangent, linear, identity, passed)

"""Riemannian trust regions (RTR) with truncated CG, as a direction and a step-size rule.

Absil, Baker & Gallivan, *Trust-region methods on Riemannian manifolds*,
Found. Comput. Math. 7 (2007); the variant of Manopt / pymanopt 2.2.1. At
``x_k`` with radius ``Δ_k``:

1. :class:`TruncatedCGDirection`: ``η_k ≈ argmin m_k(η) = f(x_k) + ⟨g, η⟩ + ½⟨η, Hess f(x_k)[η]⟩``
   over ``‖η‖_P ≤ Δ_k`` by Steihaug–Toint truncated CG (:func:`~riemgd.optimizers.truncated_cg.truncated_cg`);
2. :class:`TrustRegionStep`: the ratio of actual to predicted decrease,

   ``ρ_k = (f(x_k) − f(R_{x_k}(η_k)) + ε_ρ) / (m_k(0) − m_k(η_k) + ε_ρ)``,
   ``ε_ρ = max(1, |f(x_k)|) · eps · rho_regularization``

   (the shift ``ε_ρ`` of Conn, Gould & Toint §17.4.2 keeps ``ρ`` meaningful when
   both decreases are at round-off), accepts ``x_{k+1} = R_{x_k}(η_k)`` when the
   model decreased and ``ρ_k > ρ'``, else keeps ``x_k``; and sets the radius:
   ``Δ/4`` when ``ρ_k < ¼`` (or the model did not decrease, or ``ρ_k`` is NaN),
   ``min(2Δ, Δ̄)`` when ``ρ_k > ¾`` and CG stopped on the boundary, else unchanged.

Both rules share one :class:`TrustRadius`. A rejected step is a
:class:`~riemgd.optimizers.step_sizes.Step` with ``rejected=True``: the loop
counts the iteration (as pymanopt does) and does not stop on ``min_step_size``;
the direction rule then reuses ``grad f(x_k)`` for the next, smaller subproblem
unless the problem drew a new sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.optimizers.base import Optimizer, OptimizerResult
from riemgd.optimizers.directions import Direction, DirectionRule
from riemgd.optimizers.step_sizes import Step, StepSize, non_negative_integer, positive_number, real_number
from riemgd.optimizers.truncated_cg import NON_FINITE, truncated_cg


class TrustRadius:
    """The trust-region radius ``Δ`` shared by :class:`TruncatedCGDirection` and
    :class:`TrustRegionStep`.

    Args:
        maximum: ``Δ̄``, the largest radius (default: ``manifold.typical_dist``,
            else ``√dim``, fixed at the start of each run).
        initial: ``Δ₀`` (default ``Δ̄ / 8``).
    """

    def __init__(self, maximum: float | None = None, initial: float | None = None):
        self.maximum = None if maximum is None else positive_number(maximum, "Delta_bar")
        self.initial = None if initial is None else positive_number(initial, "Delta0")
        self.value = math.nan
        self.bound = math.nan

    def reset(self, manifold: Any) -> None:
        """``Δ = Δ₀`` for a new run on ``manifold``."""
        bound = self.maximum
        if bound is None:
            try:
                bound = float(manifold.typical_dist)
            except (AttributeError, NotImplementedError):
                bound = math.sqrt(manifold.dim)
        self.bound = bound
        self.value = self.initial if self.initial is not None else bound / 8.0


@dataclass
class TrustRegionDirection(Direction):
    """A :class:`~riemgd.optimizers.directions.Direction` that carries its quadratic
    model (filled in when the deferred subproblem is solved, see ``Direction.solve``).

    Attributes:
        model_decrease: ``m(0) − m(η) = −⟨g, η⟩ − ½⟨η, H η⟩`` (NaN: the Hessian was not finite).
        at_boundary: CG stopped on the trust-region boundary.
        inner_iterations: Hessian products used by CG.
        inner_stop: Why CG stopped.
    """

    model_decrease: float = math.nan
    at_boundary: bool = False
    inner_iterations: int = 0
    inner_stop: str = ""


class TruncatedCGDirection(DirectionRule):
    """``η ≈ argmin_{‖η‖_P ≤ Δ} ⟨g, η⟩ + ½⟨η, Hess f(x)[η]⟩`` by truncated CG, with
    the problem's preconditioner ``P`` (``problem.preconditioner``).

    Args:
        radius: The shared :class:`TrustRadius`.
        kappa: ``κ`` of CG's residual test ``‖r‖ ≤ ‖r₀‖ min(‖r₀‖^θ, κ)``.
        theta: ``θ`` of that test.
        min_inner_iterations: CG iterations before the residual test applies.
        max_inner_iterations: Cap on CG iterations (default ``manifold.dim``).
        use_rand: Start CG from a small random ``η₀`` (no preconditioner then)
            and keep the Cauchy point if its model value is lower (pymanopt's
            ``use_rand``).
        rng: Seed or generator for ``use_rand``.
    """

    def __init__(
        self,
        radius: TrustRadius,
        *,
        kappa: float = 0.1,
        theta: float = 1.0,
        min_inner_iterations: int = 1,
        max_inner_iterations: int | None = None,
        use_rand: bool = False,
        rng: int | np.random.Generator | None = None,
    ):
        if not isinstance(radius, TrustRadius):
            raise TypeError(f"radius must be a TrustRadius, got {type(radius).__name__}")
        self.radius = radius
        self.kappa = positive_number(kappa, "kappa")
        if not self.kappa < 1:
            raise ValueError(f"kappa must lie in (0, 1), got {kappa}")
        self.theta = positive_number(theta, "theta")
        self.min_inner_iterations = non_negative_integer(min_inner_iterations, "min_inner_iterations")
        self.max_inner_iterations = None
        if max_inner_iterations is not None:
            self.max_inner_iterations = non_negative_integer(max_inner_iterations, "max_inner_iterations")
            if self.max_inner_iterations < 1:
                raise ValueError(f"max_inner_iterations must be a positive integer, got {max_inner_iterations}")
        if not isinstance(use_rand, (bool, np.bool_)):
            raise TypeError(f"use_rand must be a bool, got {type(use_rand).__name__}")
        self.use_rand = bool(use_rand)
        self._seed = rng  # a seed restarts its stream at every run; a Generator continues
        # a generator only where it is drawn from (making one costs about as much as a CG iteration);
        # a given rng is still checked here
        self._rng = backend.default_rng(rng) if self.use_rand or rng is not None else None
        self._kept: tuple | None = None  # (x, grad f(x), ‖grad f(x)‖) across a rejected step
        self._first_call = True

    def start(self, problem: Any, point: Any) -> None:
        self.radius.reset(problem.manifold)
        self._kept = None
        self._first_call = True
        if self.use_rand and not isinstance(self._seed, np.random.Generator):
            self._rng = backend.default_rng(self._seed)

    def _gradient(self, problem: Any, point: Any) -> tuple:
        kept = self._kept
        if kept is not None and kept[0] is point and not getattr(problem, "sample_changed", True):
            return kept[1], kept[2]
        gradient = problem.riemannian_gradient(point)
        return gradient, backend.to_float(problem.manifold.norm(point, gradient))

    def __call__(self, problem: Any, point: Any) -> TrustRegionDirection:
        gradient, norm = self._gradient(problem, point)
        self._kept = (point, gradient, norm)
        direction = TrustRegionDirection(None, norm, gradient, manifold=problem.manifold, point=point)
        delta = self.radius.value
        direction.solve = lambda: self._solve(problem, point, gradient, norm, delta, direction)
        if self._first_call:  # the first subproblem now: a problem without Hessian fails before iterating
            self._first_call = False
            direction.resolve()
        return direction

    def _solve(self, problem: Any, x: Any, gradient: Any, norm: float, delta: float, direction: Any) -> Any:
        """η by truncated CG (deferred: the run may stop at ``x`` before needing it);
        fills in the direction's model."""
        M = problem.manifold
        if norm == 0.0 or not math.isfinite(norm):
            direction.model_decrease = 0.0 if norm == 0.0 else math.nan
            direction.inner_stop = "zero gradient" if norm == 0.0 else NON_FINITE
            return M.zero_vector(x)
        operator = getattr(problem, "hessian_operator", None)  # u ↦ Hess f(x)[u], set up once for x
        hessian = operator(x) if operator is not None else (lambda u: problem.riemannian_hessian(x, u))
        precondition = None  # the identity needs no call per CG iteration
        if not self.use_rand and getattr(problem, "has_preconditioner", True):
            precondition = lambda r: problem.preconditioner(x, r)  # noqa: E731
        initial = None
        if self.use_rand:  # a tiny random η₀ strictly inside the region
            initial = 1e-6 * M.random_tangent_vector(x, rng=self._rng)
            while backend.to_float(M.norm(x, initial)) > delta:
                initial = math.sqrt(math.sqrt(np.finfo(float).eps)) * initial
        solved = truncated_cg(
            M,
            x,
            gradient,
            hessian,
            delta,
            preconditioner=precondition,
            kappa=self.kappa,
            theta=self.theta,
            min_iterations=self.min_inner_iterations,
            max_iterations=self.max_inner_iterations,
            initial_step=initial,
        )
        eta, value, iterations = solved.step, solved.model_value, solved.iterations
        if self.use_rand and solved.stop != NON_FINITE:
            eta, value = self._cauchy(M, x, gradient, norm, delta, hessian, eta, value)
            iterations += 1
        direction.model_decrease = -value
        direction.at_boundary = solved.at_boundary
        direction.inner_iterations, direction.inner_stop = iterations, solved.stop
        return eta

    @staticmethod
    def _cauchy(M: Any, x: Any, g: Any, norm: float, delta: float, hessian: Any, eta: Any, value: float) -> tuple:
        """The Cauchy point ``η_c = −τ_c Δ g / ‖g‖``, ``τ_c = min(‖g‖³ / (Δ ⟨g, H g⟩), 1)``
        (1 when ``⟨g, H g⟩ ≤ 0``), kept instead of ``η`` if its model value is lower."""
        hg = hessian(g)
        curvature = backend.to_float(M.inner_product(x, g, hg))
        tau = 1.0 if curvature <= 0 else min(norm**3 / (delta * curvature), 1.0)
        scale = -tau * delta / norm
        cauchy_value = scale * norm**2 + 0.5 * scale * scale * curvature  # m(s g) = s‖g‖² + ½ s² ⟨g, Hg⟩
        if cauchy_value < value:
            return scale * g, cauchy_value
        return eta, value

    def accept(self, problem: Any, point: Any, step: Step) -> None:
        if not step.rejected:
            self._kept = None  # a new point: its gradient is computed afresh

    def parameters(self) -> dict:
        return {
            "direction": "truncated CG",
            "kappa": self.kappa,
            "theta": self.theta,
            "min_inner_iterations": self.min_inner_iterations,
            "max_inner_iterations": self.max_inner_iterations,
            "use_rand": self.use_rand,
        }


class TrustRegionStep(StepSize):
    """Accept or reject ``R_x(η)`` by the ratio ``ρ`` of actual to predicted
    decrease, and update the radius (see the module docstring).

    A direction without a model (not a :class:`TrustRegionDirection`) gets one
    from one Hessian product, ``m(0) − m(η) = −⟨g, η⟩ − ½⟨η, Hess f(x)[η]⟩``, and
    counts as on the boundary when ``‖η‖ ≥ Δ(1 − 10⁻⁶)``.

    A non-finite model (a NaN Hessian) stops the run as non-finite. A
    non-finite proposal cost is a rejection, which shrinks the radius; when
    the radius has shrunk below ``ε Δ̄`` that way, the run stops as non-finite.

    Args:
        radius: The shared :class:`TrustRadius`.
        rho_prime: ``ρ'``: accept when ``ρ > ρ'`` (pymanopt's default 0.1).
        rho_regularization: The factor of ``ε_ρ``.
    """

    def __init__(self, radius: TrustRadius, *, rho_prime: float = 0.1, rho_regularization: float = 1e3):
        if not isinstance(radius, TrustRadius):
            raise TypeError(f"radius must be a TrustRadius, got {type(radius).__name__}")
        self.radius = radius
        self.rho_prime = real_number(rho_prime, "rho_prime")
        if not 0 <= self.rho_prime < 0.25:
            raise ValueError(f"rho_prime must lie in [0, 1/4), got {rho_prime}")
        self.rho_regularization = positive_number(rho_regularization, "rho_regularization", allow_zero=True)
        self.last_rho = math.nan

    def __call__(self, problem: Any, point: Any, cost: float, direction: Any) -> Step:
        radius = self.radius
        eta = direction.step(1.0)  # solves a deferred subproblem, filling in its model
        decrease, at_boundary = self._model(problem, point, direction, eta)
        if not math.isfinite(decrease):
            return Step(point, None, 0.0, cost, non_finite=True)
        proposal = problem.manifold.retraction(point, eta)
        new_cost = backend.to_float(problem.cost(proposal))
        shift = max(1.0, abs(cost)) * float(np.finfo(float).eps) * self.rho_regularization
        actual, predicted = cost - new_cost + shift, decrease + shift
        model_decreased = predicted >= 0
        rho = actual / predicted if predicted != 0 and math.isfinite(actual) else math.nan
        self.last_rho = rho
        if not (rho >= 0.25) or not model_decreased:  # also NaN: a non-finite f(R_x(η))
            radius.value /= 4.0
        elif rho > 0.75 and at_boundary:
            radius.value = min(2.0 * radius.value, radius.bound)
        if model_decreased and rho > self.rho_prime:
            return Step(proposal, eta, 1.0, new_cost)
        collapsed = not math.isfinite(new_cost) and radius.value < float(np.finfo(float).eps) * radius.bound
        return Step(point, None, 0.0, cost, non_finite=collapsed, rejected=not collapsed)

    def _model(self, problem: Any, point: Any, direction: Any, eta: Any) -> tuple:
        if isinstance(direction, TrustRegionDirection):
            return direction.model_decrease, direction.at_boundary
        M = problem.manifold
        gradient = direction.gradient if direction.gradient is not None else problem.riemannian_gradient(point)
        slope = backend.to_float(M.inner_product(point, gradient, eta))
        curvature = backend.to_float(M.inner_product(point, eta, problem.riemannian_hessian(point, eta)))
        length = backend.to_float(M.norm(point, eta))
        return -slope - 0.5 * curvature, length >= self.radius.value * (1.0 - 1e-6)


class TrustRegions(Optimizer):
    """Riemannian trust regions with truncated CG (RTR; Absil, Baker & Gallivan 2007),
    with pymanopt 2.2.1's arguments::

        Optimizer(TruncatedCGDirection(Δ, …), TrustRegionStep(Δ, …))

    Needs ``problem.riemannian_hessian`` (given, or autograd's through
    ``euclidean_to_riemannian_hessian``); uses ``problem.preconditioner``.
    Converges superlinearly (quadratically with ``θ = 1``) near a
    nondegenerate minimum (ibid., Thm. 4.13).

    Args:
        miniter: pymanopt's ``miniter``, stored and unused (as in pymanopt 2.2.1).
        kappa: ``κ`` of CG's residual test ``‖r‖ ≤ ‖r₀‖ min(‖r₀‖^θ, κ)``.
        theta: ``θ`` of that test.
        rho_prime: Accept a step when ``ρ > ρ'``.
        use_rand: Start CG from a small random vector and compare with the Cauchy point.
        rho_regularization: Factor of the round-off shift ``ε_ρ`` of ``ρ``.
        max_inner_iterations: Cap on CG iterations (default ``manifold.dim``;
            ``run(maxinner=)`` overrides it for one run).
        min_inner_iterations: CG iterations before its residual test applies
            (default 1; ``run(mininner=)`` overrides it).
        Delta_bar: ``Δ̄`` (default ``manifold.typical_dist``).
        Delta0: ``Δ₀`` (default ``Δ̄ / 8``).
        rng: Seed or generator for ``use_rand``.
        **kwargs: Stopping and verbosity arguments of :class:`~riemgd.optimizers.Optimizer`
            (``max_iterations`` counts outer iterations, rejected ones included).

    ``result.hessian_evaluations`` counts the Hessian products; rejected steps
    show in the log as ``step_size`` NaN.
    """

    def __init__(
        self,
        miniter: int = 3,
        kappa: float = 0.1,
        theta: float = 1.0,
        rho_prime: float = 0.1,
        use_rand: bool = False,
        rho_regularization: float = 1e3,
        *,
        max_inner_iterations: int | None = None,
        min_inner_iterations: int = 1,
        Delta_bar: float | None = None,
        Delta0: float | None = None,
        rng: int | np.random.Generator | None = None,
        **kwargs: Any,
    ):
        self.miniter = non_negative_integer(miniter, "miniter")
        self.radius = TrustRadius(Delta_bar, Delta0)
        direction = TruncatedCGDirection(
            self.radius,
            kappa=kappa,
            theta=theta,
            min_inner_iterations=min_inner_iterations,
            max_inner_iterations=max_inner_iterations,
            use_rand=use_rand,
            rng=rng,
        )
        step = TrustRegionStep(self.radius, rho_prime=rho_prime, rho_regularization=rho_regularization)
        super().__init__(direction, step, **kwargs)

    def run(
        self,
        problem: Any,
        *,
        initial_point: Any = None,
        callback: Any = None,
        rng: int | np.random.Generator | None = None,
        mininner: int | None = None,
        maxinner: int | None = None,
        Delta_bar: float | None = None,
        Delta0: float | None = None,
    ) -> OptimizerResult:
        """:meth:`Optimizer.run`, with pymanopt's per-run ``mininner``, ``maxinner``,
        ``Delta_bar`` and ``Delta0`` (each overriding the constructor's for this run;
        a ``Delta_bar`` without ``Delta0`` gives ``Δ₀ = Δ̄ / 8``)."""
        direction, radius = self.direction, self.radius
        saved = (direction.min_inner_iterations, direction.max_inner_iterations, radius.maximum, radius.initial)
        try:
            if mininner is not None:
                direction.min_inner_iterations = non_negative_integer(mininner, "mininner")
            if maxinner is not None:
                direction.max_inner_iterations = non_negative_integer(maxinner, "maxinner")
                if direction.max_inner_iterations < 1:
                    raise ValueError(f"maxinner must be a positive integer, got {maxinner}")
            if Delta_bar is not None:
                radius.maximum = positive_number(Delta_bar, "Delta_bar")
                radius.initial = None
            if Delta0 is not None:
                radius.initial = positive_number(Delta0, "Delta0")
            return super().run(problem, initial_point=initial_point, callback=callback, rng=rng)
        finally:
            direction.min_inner_iterations, direction.max_inner_iterations, radius.maximum, radius.initial = saved

    def _parameters(self) -> dict:
        return {
            **super()._parameters(),
            "rho_prime": self.step_rule.rho_prime,
            "rho_regularization": self.step_rule.rho_regularization,
            "Delta_bar": self.radius.maximum,
            "Delta0": self.radius.initial,
        }

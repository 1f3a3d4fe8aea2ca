"""Newton's method: Riemannian Newton by truncated CG, or damped Newton in parameter coordinates.

* :class:`RiemannianNewtonDirection` solves the Newton equation
  ``(Hess f(x) + λ I)[d] = −grad f(x)`` in ``T_x M`` by conjugate gradients
  on ``problem.riemannian_hessian`` (Absil, Mahony & Sepulchre 2008, §6.1–6.2):
  on every manifold that has a Riemannian Hessian.
* :class:`NewtonDirection` is ``d = −(H + λI)⁻¹ ∇_θ L`` with the dense
  Euclidean Hessian of the parameters: for points that are parameter vectors
  (a :class:`~riemgd.functional.ModelManifold`, ``ParameterSpace``, ``Euclidean``).

:class:`Newton` uses the first, and falls back to the second on manifolds
whose tangent vectors are parameter coordinates when the problem has no
Riemannian Hessian.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.optimizers.base import Optimizer
from riemgd.optimizers.directions import Direction, DirectionRule
from riemgd.optimizers.step_sizes import StepSize, non_negative_integer, positive_number
from riemgd.optimizers.truncated_cg import NON_FINITE, truncated_cg

METHODS = ("auto", "riemannian", "parameters")


class NewtonDirection(DirectionRule):
    """``d = −(H + λI)⁻¹ ∇_θ L(θ)``, for points that are parameter vectors.

    The reported gradient norm is the Euclidean ``‖∇_θ L‖``; the slope of a
    line search is ``Df(θ)[d] = ∇_θLᵀ d``.

    Args:
        damping: ``λ ≥ 0`` (Levenberg–Marquardt).
        hessian: Optional ``hessian(θ) -> (p, p)``; otherwise the problem's
            :meth:`~riemgd.Problem.euclidean_hessian_matrix` (autograd), else central
            differences of the gradient.
        difference_step: ``h`` of the finite-difference Hessian, relative to ``max(1, ‖θ‖∞)``.
    """

    def __init__(
        self, damping: float = 0.0, *, hessian: Callable[[Any], Any] | None = None, difference_step: float = 1e-5
    ):
        self.damping = positive_number(damping, "damping", allow_zero=True)
        if hessian is not None and not callable(hessian):
            raise TypeError(f"hessian must be callable, got {type(hessian).__name__}")
        self.hessian = hessian
        self.difference_step = positive_number(difference_step, "difference_step")

    def __call__(self, problem: Any, point: Any) -> Direction:
        gradient = problem.euclidean_gradient(point)
        xp = backend.namespace(gradient)
        h = self._hessian(problem, point)
        if self.damping:
            h = h + self.damping * xp.eye(h.shape[0], dtype=h.dtype)
        descent = -xp.linalg.solve(h, gradient)  # −(H + λI)⁻¹ ∇L
        direction = Direction(descent, xp.linalg.vector_norm(gradient), manifold=problem.manifold, point=point)
        direction._slope = backend.to_float(backend.inner(gradient, descent))
        return direction

    def _hessian(self, problem: Any, theta: Any) -> Any:
        if self.hessian is not None:
            return self.hessian(theta)
        try:
            return problem.euclidean_hessian_matrix(theta)
        except NotImplementedError:
            return self._difference_hessian(problem, theta)

    def _difference_hessian(self, problem: Any, theta: Any) -> Any:
        """``H e_j ≈ (∇L(θ + h e_j) − ∇L(θ − h e_j)) / 2h`` (exact up to round-off for quadratic costs)."""
        xp = backend.namespace(theta)
        p = theta.shape[0]
        h = self.difference_step * max(1.0, backend.to_float(xp.max(xp.abs(theta))))
        steps = backend.as_array_like(h * np.eye(p), theta)  # h e_j, one row each
        columns = [
            (problem.euclidean_gradient(theta + steps[j]) - problem.euclidean_gradient(theta - steps[j])) / (2 * h)
            for j in range(p)
        ]
        hessian = xp.stack(columns, axis=1)
        return 0.5 * (hessian + hessian.T)

    def parameters(self) -> dict:
        return {"direction": "Newton", "damping": self.damping}


class RiemannianNewtonDirection(DirectionRule):
    """Riemannian Newton: ``d`` solves ``(Hess f(x) + λ I)[d] = −grad f(x)`` in ``T_x M``.

    Solved by preconditioned conjugate gradients (``problem.preconditioner``)
    on ``problem.riemannian_hessian``, truncated (Newton–CG, Nocedal & Wright
    Alg. 7.1, with the tangent-space CG of
    :func:`~riemgd.optimizers.truncated_cg.truncated_cg` at ``Δ = ∞``): CG stops
    when ``‖r‖ ≤ ‖g‖ min(‖g‖^θ, κ)`` (an inexact Newton step, quadratically
    convergent for ``θ = 1``), after ``max_inner_iterations``, or at negative
    curvature, where it returns the last CG iterate (at the first CG iteration:
    ``−P grad f(x)``), which is a descent direction.

    Args:
        damping: ``λ ≥ 0`` (Levenberg–Marquardt shift of the Hessian).
        kappa: ``κ ∈ (0, 1)`` of the residual test.
        theta: ``θ > 0`` of the residual test.
        max_inner_iterations: CG's cap (default ``manifold.dim``).
        fallback: A rule used instead for the whole run when the problem has no
            Riemannian Hessian (``NotImplementedError`` from the first product),
            if the manifold's tangent vectors are coordinates
            (``manifold.tangent_coordinates``); ``None``: the error propagates.
    """

    def __init__(
        self,
        damping: float = 0.0,
        *,
        kappa: float = 0.1,
        theta: float = 1.0,
        max_inner_iterations: int | None = None,
        fallback: DirectionRule | None = None,
    ):
        self.damping = positive_number(damping, "damping", allow_zero=True)
        self.kappa = positive_number(kappa, "kappa")
        if not self.kappa < 1:
            raise ValueError(f"kappa must lie in (0, 1), got {kappa}")
        self.theta = positive_number(theta, "theta")
        self.max_inner_iterations = None
        if max_inner_iterations is not None:
            self.max_inner_iterations = non_negative_integer(max_inner_iterations, "max_inner_iterations")
            if self.max_inner_iterations < 1:
                raise ValueError(f"max_inner_iterations must be a positive integer, got {max_inner_iterations}")
        if fallback is not None and not isinstance(fallback, DirectionRule):
            raise TypeError(f"fallback must be a DirectionRule, got {type(fallback).__name__}")
        self.fallback = fallback
        self._use_fallback = self._probed = False
        self.last_inner_iterations = 0

    def start(self, problem: Any, point: Any) -> None:
        self._use_fallback = self._probed = False
        if self.fallback is not None:
            self.fallback.start(problem, point)

    def __call__(self, problem: Any, point: Any) -> Direction:
        if self._use_fallback:
            return self.fallback(problem, point)
        M = problem.manifold
        gradient = problem.riemannian_gradient(point)
        norm = M.norm(point, gradient)
        norm_value = backend.to_float(norm)
        if norm_value == 0.0 or not math.isfinite(norm_value):
            return Direction(M.zero_vector(point), norm, gradient, manifold=M, point=point)
        direction = Direction(None, norm, gradient, manifold=M, point=point)
        # deferred: CG would be wasted at the iterate where the run stops
        direction.solve = lambda: self._solve(problem, point, gradient)
        if not self._probed:  # the first solve now: is there a Riemannian Hessian at all?
            self._probed = True
            try:
                direction.resolve()
            except NotImplementedError:
                if self.fallback is None or not getattr(M, "tangent_coordinates", False):
                    raise
                self._use_fallback = True  # parameter coordinates, for the whole run
                return self.fallback(problem, point)
        return direction

    def _solve(self, problem: Any, point: Any, gradient: Any) -> Any:
        damping = self.damping
        operator = getattr(problem, "hessian_operator", None)  # u ↦ Hess f(x)[u], set up once for x
        apply = operator(point) if operator is not None else (lambda u: problem.riemannian_hessian(point, u))

        def hessian(u: Any) -> Any:
            product = apply(u)
            return product + damping * u if damping else product

        solved = truncated_cg(
            problem.manifold,
            point,
            gradient,
            hessian,
            preconditioner=(
                (lambda r: problem.preconditioner(point, r)) if getattr(problem, "has_preconditioner", True) else None
            ),
            kappa=self.kappa,
            theta=self.theta,
            min_iterations=0,
            max_iterations=self.max_inner_iterations,
        )
        self.last_inner_iterations = solved.iterations
        if solved.stop == NON_FINITE:  # a NaN Hessian: a NaN step, which stops the run as non-finite
            return math.nan * gradient
        return solved.step

    def accept(self, problem: Any, point: Any, step: Any) -> None:
        if self._use_fallback:
            self.fallback.accept(problem, point, step)

    def parameters(self) -> dict:
        parameters = {"direction": "Riemannian Newton", "damping": self.damping, "kappa": self.kappa}
        parameters.update(theta=self.theta, max_inner_iterations=self.max_inner_iterations)
        return parameters


class Newton(Optimizer):
    """Newton's method, ``x_{k+1} = R_{x_k}(α d_k)``.

    ``method="riemannian"``: Riemannian Newton, ``(Hess f(x_k) + λI)[d_k] = −grad f(x_k)``
    solved by truncated CG in ``T_{x_k}M`` (:class:`RiemannianNewtonDirection`), on
    every manifold whose problem has a Riemannian Hessian (given, or autograd's
    through ``euclidean_to_riemannian_hessian``); quadratic convergence near a
    nondegenerate critical point for ``α = 1``.

    ``method="parameters"``: damped Newton in parameter coordinates,
    ``θ_{k+1} = θ_k − α (H + λI)⁻¹ ∇_θ L(θ_k)`` (:class:`NewtonDirection`), for
    points that are parameter vectors with the retraction ``θ + c`` (a
    :class:`~riemgd.functional.ModelManifold`, a
    :class:`~riemgd.functional.ParameterSpace`, ``Euclidean``). ``H`` is
    ``hessian(θ)`` when given; otherwise the problem's
    :meth:`~riemgd.Problem.euclidean_hessian_matrix` (autograd's Hessian of a plain
    cost function), else central differences of the gradient. On ``Euclidean``
    the two methods agree (up to CG's tolerance).

    ``method="auto"`` (default): ``"parameters"`` when ``hessian`` is given; else
    ``"riemannian"``, falling back to ``"parameters"`` for the run when the
    problem has no Riemannian Hessian and the manifold's tangent vectors are
    parameter coordinates (``tangent_coordinates``).

    Args:
        step_size: ``α > 0`` (1: the full Newton step), or a step-size rule.
        damping: ``λ ≥ 0`` (Levenberg–Marquardt).
        hessian: Optional dense ``hessian(θ) -> (p, p)`` (parameter coordinates).
        difference_step: ``h`` for the finite-difference Hessian, relative to ``max(1, ‖θ‖∞)``.
        method: ``"auto"``, ``"riemannian"`` or ``"parameters"``.
        kappa: ``κ`` of CG's residual test ``‖r‖ ≤ ‖g‖ min(‖g‖^θ, κ)`` (Riemannian Newton).
        theta: ``θ`` of that test.
        max_inner_iterations: CG's cap (default ``manifold.dim``).
        **kwargs: Stopping and verbosity arguments of :class:`~riemgd.optimizers.Optimizer`.
    """

    def __init__(
        self,
        step_size: float | StepSize = 1.0,
        damping: float = 0.0,
        *,
        hessian: Callable[[Any], Any] | None = None,
        difference_step: float = 1e-5,
        method: str = "auto",
        kappa: float = 0.1,
        theta: float = 1.0,
        max_inner_iterations: int | None = None,
        **kwargs: Any,
    ):
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if method == "riemannian" and hessian is not None:
            raise ValueError("hessian (a dense parameter Hessian) needs method='parameters' or 'auto'")
        self.method = method
        parameters = NewtonDirection(damping, hessian=hessian, difference_step=difference_step)
        if method == "parameters" or hessian is not None:
            direction = parameters
        else:
            direction = RiemannianNewtonDirection(
                damping,
                kappa=kappa,
                theta=theta,
                max_inner_iterations=max_inner_iterations,
                fallback=parameters if method == "auto" else None,
            )
        super().__init__(direction, step_size, **kwargs)

    @property
    def damping(self) -> float:
        return self.direction.damping

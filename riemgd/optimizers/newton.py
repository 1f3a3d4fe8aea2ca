"""Damped Newton's method in parameter coordinates, for comparison."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.optimizers.base import Optimizer
from riemgd.optimizers.directions import Direction, DirectionRule
from riemgd.optimizers.step_sizes import StepSize, positive_number


class NewtonDirection(DirectionRule):
    """``d = −(H + λI)⁻¹ ∇_θ L(θ)``, for points that are parameter vectors.

    The reported gradient norm is the Euclidean ``‖∇_θ L‖``; the slope of a
    line search is ``Df(θ)[d] = ∇_θLᵀ d``.

    Args:
        damping: ``λ ≥ 0`` (Levenberg–Marquardt).
        hessian: Optional ``hessian(θ) -> (p, p)``; otherwise the problem's
            :meth:`~riemgd.Problem.euclidean_hessian` (autograd), else central
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
            return problem.euclidean_hessian(theta)
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


class Newton(Optimizer):
    """Damped Newton: ``θ_{k+1} = θ_k − α (H + λI)⁻¹ ∇_θ L(θ_k)``.

    For problems whose points are parameter vectors with the retraction
    ``θ + c`` (a :class:`~riemgd.functional.ModelManifold`, a
    :class:`~riemgd.functional.ParameterSpace`, ``Euclidean``). The Hessian
    ``H`` is ``hessian(θ)`` when given; otherwise the problem's
    :meth:`~riemgd.Problem.euclidean_hessian` (autograd's Hessian of a plain
    cost function), else central differences of the gradient (see
    :class:`NewtonDirection`).

    Args:
        step_size: ``α > 0`` (1: the full Newton step), or a step-size rule.
        damping: ``λ ≥ 0`` (Levenberg–Marquardt).
        hessian: Optional ``hessian(θ) -> (p, p)``.
        difference_step: ``h`` for the finite-difference Hessian, relative to ``max(1, ‖θ‖∞)``.
        **kwargs: Stopping and verbosity arguments of :class:`~riemgd.optimizers.Optimizer`.
    """

    def __init__(
        self,
        step_size: float | StepSize = 1.0,
        damping: float = 0.0,
        *,
        hessian: Callable[[Any], Any] | None = None,
        difference_step: float = 1e-5,
        **kwargs: Any,
    ):
        direction = NewtonDirection(damping, hessian=hessian, difference_step=difference_step)
        super().__init__(direction, step_size, **kwargs)

    @property
    def damping(self) -> float:
        return self.direction.damping

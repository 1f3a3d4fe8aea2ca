"""Damped Newton's method in parameter coordinates, for comparison."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.optimizers.base import Iterate, Optimizer, _positive


class Newton(Optimizer):
    """Damped Newton: ``θ_{k+1} = θ_k − α (H + λI)⁻¹ ∇_θ L(θ_k)``.

    For problems whose points are parameter vectors with the retraction
    ``θ + c`` (a :class:`~riemgd.functional.ModelManifold`, a
    :class:`~riemgd.functional.ParameterSpace`, ``Euclidean``). The
    Hessian ``H`` is ``hessian(θ)`` when given; otherwise the problem's
    :meth:`~riemgd.Problem.euclidean_hessian` (autograd's Hessian of a plain
    cost function), else central differences of the gradient, ``H e_j ≈ (∇L(θ + h e_j) − ∇L(θ − h e_j)) / 2h``
    (exact up to round-off for quadratic costs).

    Args:
        step_size: ``α > 0`` (1: the full Newton step).
        damping: ``λ ≥ 0`` (Levenberg–Marquardt).
        hessian: Optional ``hessian(θ) -> (p, p)``.
        difference_step: ``h`` for the finite-difference Hessian, relative to ``max(1, ‖θ‖∞)``.
        **kwargs: Stopping and verbosity arguments of :class:`Optimizer`.
    """

    def __init__(
        self,
        step_size: float = 1.0,
        damping: float = 0.0,
        *,
        hessian: Callable[[Any], Any] | None = None,
        difference_step: float = 1e-5,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.step_size = _positive(step_size, "step_size")
        self.damping = _positive(damping, "damping", allow_zero=True)
        if hessian is not None and not callable(hessian):
            raise TypeError(f"hessian must be callable, got {type(hessian).__name__}")
        self.hessian = hessian
        self.difference_step = _positive(difference_step, "difference_step")

    def _parameters(self) -> dict:
        return {"step_size": self.step_size, "damping": self.damping}

    def _hessian(self, problem: Any, theta: Any) -> Any:
        if self.hessian is not None:
            return self.hessian(theta)
        try:
            return problem.euclidean_hessian(theta)
        except NotImplementedError:
            return self._difference_hessian(problem, theta)

    def _difference_hessian(self, problem: Any, theta: Any) -> Any:
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

    def _iterates(self, problem: Any, x: Any) -> Iterator[Iterate]:
        M = problem.manifold
        step = float("nan")
        while True:
            problem.begin_iteration()
            cost, gradient = problem.cost(x), problem.euclidean_gradient(x)
            yield Iterate(x, cost, backend.namespace(gradient).linalg.vector_norm(gradient), step)
            h = self._hessian(problem, x)
            xp = backend.namespace(h)
            if self.damping:
                h = h + self.damping * xp.eye(h.shape[0], dtype=h.dtype)
            direction = -self.step_size * xp.linalg.solve(h, gradient)  # −α (H + λI)⁻¹ ∇L
            x, step = M.retraction(x, direction), xp.linalg.vector_norm(direction)

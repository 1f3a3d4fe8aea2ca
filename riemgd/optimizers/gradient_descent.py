"""Riemannian gradient descent: on a model manifold, natural gradient descent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from riemgd import backend
from riemgd.optimizers.base import Iterate, Optimizer, _positive
from riemgd.optimizers.line_search import ArmijoLineSearch


class GradientDescent(Optimizer):
    """Riemannian gradient descent::

        v_{k+1} = R[v_k − α P_{T_k} ∇L(v_k)],   i.e.   x_{k+1} = R_{x_k}(−α grad f(x_k)).

    On a :class:`~riemgd.functional.ModelManifold` this is natural gradient descent,
    ``θ_{k+1} = θ_k − α G_k⁻¹ ∇_θ L``; on ``Euclidean`` it is plain gradient descent.

    Args:
        step_size: Fixed step ``α > 0``; ``None`` (default) chooses each step
            by Armijo backtracking (:class:`ArmijoLineSearch`).
        line_search: The line search used when ``step_size`` is ``None``.
        **kwargs: Stopping and verbosity arguments of :class:`Optimizer`.
    """

    def __init__(self, step_size: float | None = None, *, line_search: ArmijoLineSearch | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.step_size = None if step_size is None else _positive(step_size, "step_size")
        self.line_search = line_search or ArmijoLineSearch()

    def _parameters(self) -> dict:
        return {"step_size": self.step_size, "line_search": type(self.line_search).__name__}

    def _iterates(self, problem: Any, x: Any) -> Iterator[Iterate]:
        M = problem.manifold
        self.line_search.reset()
        cost, step = problem.cost(x), float("nan")
        while True:
            if problem.begin_iteration():  # a new sample: measure the cost on it
                cost = problem.cost(x)
            grad = problem.riemannian_gradient(x)  # P_{T_k} ∇L(v_k)
            grad_norm = M.norm(x, grad)
            yield Iterate(x, cost, grad_norm, step)
            if self.step_size is None:
                norm = backend.to_float(grad_norm)
                x, cost, step = self.line_search.search(problem, x, -grad, backend.to_float(cost), -(norm**2), norm)
            else:
                x = M.retraction(x, -self.step_size * grad)  # v_{k+1} = R[v_k − α P_{T_k} ∇L(v_k)]
                cost, step = problem.cost(x), self.step_size * grad_norm

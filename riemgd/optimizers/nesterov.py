"""Nesterov's accelerated gradient on a manifold, with optional adaptive restart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from riemgd import backend
from riemgd.optimizers.base import Iterate, Optimizer, _positive
from riemgd.optimizers.heavy_ball import _momentum

RESTARTS = (None, "function", "gradient")


class Nesterov(Optimizer):
    """Nesterov's method in the seed's functional form::

        w_k     = R[v_k + β P_{T_k}(v_k − v_{k−1})]
        v_{k+1} = R[w_k − α P_{T_k} ∇L(w_k)],

    both projections onto ``T_k``, the tangent space at ``v_k``. riemgd takes
    the two moves as one retraction from ``v_k``::

        v_{k+1} = R_{v_k}(P_{T_k}[β (v_k − v_{k−1}) − α ∇L(w_k)]),

    which for the parametric retraction ``θ + c`` of a model manifold *is* the
    seed's update, ``θ_{k+1} = θ_k + G_k⁻¹ J_kᵀ K [β(v_k − v_{k−1}) − α∇L(w_k)]``,
    and on other manifolds agrees with it to first order while only ever
    retracting tangent vectors at their own base point.

    The reported gradient norm is ``‖P_{T_k} ∇L(w_k)‖``, the gradient term
    of the step (the true gradient norm at ``v_k`` when the momentum vanishes).

    Args:
        step_size: ``α > 0``.
        momentum: ``β ∈ [0, 1)``.
        restart: Adaptive restart (O'Donoghue & Candès, 2015), which replaces
            a step by the momentum-free step ``R_{v_k}(−α P_{T_k}∇L(v_k))``:
            ``None`` (never); ``"function"``: when the step would raise the
            cost, ``f(v_{k+1}) > f(v_k)``; ``"gradient"``: when the step goes
            uphill, ``⟨P_{T_k}∇L(w_k), v_{k+1} − v_k⟩ > 0``.
        **kwargs: Stopping and verbosity arguments of :class:`Optimizer`.
    """

    def __init__(self, step_size: float, momentum: float, restart: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if restart not in RESTARTS:
            raise ValueError(f"restart must be one of {RESTARTS}, got {restart!r}")
        self.step_size = _positive(step_size, "step_size")
        self.momentum = _momentum(momentum, signed=False)
        self.restart = restart

    def _parameters(self) -> dict:
        return {"step_size": self.step_size, "momentum": self.momentum, "restart": self.restart}

    def _iterates(self, problem: Any, x: Any) -> Iterator[Iterate]:
        M, alpha, beta = problem.manifold, self.step_size, self.momentum
        x_prev, cost, step = x, problem.cost(x), float("nan")
        while True:
            if problem.begin_iteration():  # a new sample: measure the cost on it
                cost = problem.cost(x)
            m = beta * M.projection(x, M.embed(x) - M.embed(x_prev))  # β P_{T_k}(v_k − v_{k−1})
            w = M.retraction(x, m)  # w_k
            grad = M.projection(x, problem.ambient_gradient(w))  # P_{T_k} ∇L(w_k)
            yield Iterate(x, cost, M.norm(x, grad), step)
            d = m - alpha * grad
            if self.restart == "gradient" and x_prev is not x and backend.to_float(M.inner_product(x, grad, d)) > 0:
                d = -alpha * problem.riemannian_gradient(x)  # the step went uphill: drop the momentum
            x_next = M.retraction(x, d)
            cost_next = problem.cost(x_next)
            if self.restart == "function" and x_prev is not x and backend.to_float(cost_next) > backend.to_float(cost):
                d = -alpha * problem.riemannian_gradient(x)  # the cost rose: redo the step without momentum
                x_next = M.retraction(x, d)
                cost_next = problem.cost(x_next)
            x_prev, x, cost, step = x, x_next, cost_next, M.norm(x, d)

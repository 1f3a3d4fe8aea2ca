"""Nesterov's accelerated gradient on a manifold, with optional adaptive restart."""

from __future__ import annotations

from typing import Any

from riemgd.optimizers.base import Optimizer
from riemgd.optimizers.directions import NesterovMomentum
from riemgd.optimizers.step_sizes import StepSize


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
    retracting tangent vectors at their own base point. The direction is the
    rule :class:`~riemgd.optimizers.NesterovMomentum`.

    The reported gradient norm is ``‖P_{T_k} ∇L(w_k)‖``, the gradient term
    of the step (the true gradient norm at ``v_k`` when the momentum vanishes).

    Args:
        step_size: ``α > 0``, or a step-size rule.
        momentum: ``β ∈ [0, 1)``.
        restart: Adaptive restart (O'Donoghue & Candès, 2015), which replaces
            a step by the momentum-free step ``R_{v_k}(−α grad f(v_k))``:
            ``None`` (never); ``"function"``: unless the step clearly lowers
            the cost, ``f(v_{k+1}) < f(v_k) − τ max(|f(v_k)|, |f(v_{k+1})|)``;
            ``"gradient"``: when the step goes uphill,
            ``⟨P_{T_k}∇L(w_k), v_{k+1} − v_k⟩ > 0``.
        restart_tolerance: ``τ`` (default ``1e-14``, about 45 ε): a cost
            change at round-off level is no evidence of descent, so it restarts.
        **kwargs: Stopping and verbosity arguments of :class:`~riemgd.optimizers.Optimizer`.
    """

    def __init__(
        self,
        step_size: float | StepSize,
        momentum: float,
        restart: str | None = None,
        *,
        restart_tolerance: float = 1e-14,
        **kwargs: Any,
    ):
        super().__init__(NesterovMomentum(momentum, restart, restart_tolerance=restart_tolerance), step_size, **kwargs)

    @property
    def momentum(self) -> float:
        return self.direction.momentum

    @property
    def restart(self) -> str | None:
        return self.direction.restart_mode

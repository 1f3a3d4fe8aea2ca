"""Heavy-ball momentum on a manifold, with the seed's three momentum variants."""

from __future__ import annotations

from typing import Any

from riemgd.optimizers.base import Optimizer
from riemgd.optimizers.directions import Momentum
from riemgd.optimizers.step_sizes import StepSize


class HeavyBall(Optimizer):
    """Polyak's heavy ball in functional form::

        p_k = P_{T_k}[β m_k − α ∇L(v_k)],      v_{k+1} = R[v_k + p_k],

    with the momentum term ``m_k`` of the chosen variant (Nouy & Somacal):

    * ``"LM"`` (last momentum): ``m_k = p_{k−1}``, whose projection
      ``P_{T_k} p_{k−1}`` is the manifold's vector transport (on a model
      manifold, ``G_k⁻¹ G_{k,k−1} p_{k−1}`` with the cross Gram matrix);
    * ``"FD"`` (finite difference): ``m_k = v_k − v_{k−1}``, the difference of
      the embedded iterates;
    * ``"LG"`` (last gradient): ``m_k = ∇L(v_{k−1})``, with a *signed* ``β``
      (the seed's form; ``β < 0`` adds the previous descent direction). Being a
      coefficient of a gradient, like ``α``, it is on ``α``'s scale (``β = −c α``).

    Every variant takes a plain gradient step first (``p_{−1} = 0``,
    ``v_{−1} = v_0``, ``∇L(v_{−1}) := 0``). The direction is the rule
    :class:`~riemgd.optimizers.Momentum`; with a line search for ``step_size``,
    the momentum term is rescaled by ``α_k / α_{k−1}`` and dropped for a step
    whose direction is not a descent direction.

    Args:
        step_size: ``α > 0``, or a step-size rule.
        momentum: ``β``; in ``[0, 1)`` for LM and FD; for LG any finite real
            number (it multiplies a gradient, like ``α``).
        variant: ``"LM"`` (default), ``"FD"`` or ``"LG"``.
        restart: ``None`` (default) or ``"function"`` (see :class:`~riemgd.optimizers.Momentum`).
        **kwargs: Stopping and verbosity arguments of :class:`~riemgd.optimizers.Optimizer`.
    """

    def __init__(
        self,
        step_size: float | StepSize,
        momentum: float,
        variant: str = "LM",
        *,
        restart: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(Momentum(momentum, variant, restart=restart), step_size, **kwargs)

    @property
    def momentum(self) -> float:
        return self.direction.momentum

    @property
    def variant(self) -> str:
        return self.direction.variant

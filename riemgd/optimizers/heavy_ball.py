"""Heavy-ball momentum on a manifold, with the seed's three momentum variants."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from riemgd.optimizers.base import Iterate, Optimizer, _positive

VARIANTS = ("LM", "FD", "LG")


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
    ``v_{−1} = v_0``, ``∇L(v_{−1}) := 0``).

    Args:
        step_size: ``α > 0``.
        momentum: ``β``; in ``[0, 1)`` for LM and FD; for LG any finite real
            number (it multiplies a gradient, like ``α``).
        variant: ``"LM"`` (default), ``"FD"`` or ``"LG"``.
        **kwargs: Stopping and verbosity arguments of :class:`Optimizer`.
    """

    def __init__(self, step_size: float, momentum: float, variant: str = "LM", **kwargs: Any):
        super().__init__(**kwargs)
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        self.step_size = _positive(step_size, "step_size")
        self.momentum = _momentum(momentum, signed=variant == "LG")
        self.variant = variant

    def _parameters(self) -> dict:
        return {"step_size": self.step_size, "momentum": self.momentum, "variant": self.variant}

    def _iterates(self, problem: Any, x: Any) -> Iterator[Iterate]:
        M, alpha, beta = problem.manifold, self.step_size, self.momentum
        x_prev, p, g_prev = x, M.zero_vector(x), None
        step = float("nan")
        while True:
            problem.begin_iteration()
            cost = problem.cost(x)
            if self.variant == "LG":
                g = problem.ambient_gradient(x)  # ∇L(v_k) ∈ V
                grad = M.projection(x, g)
            else:
                grad = problem.riemannian_gradient(x)  # P_{T_k} ∇L(v_k)
            yield Iterate(x, cost, M.norm(x, grad), step)
            if self.variant == "LM":  # p_k = β P_{T_k} p_{k−1} − α P_{T_k} ∇L(v_k)
                p = beta * M.transport(x_prev, x, p) - alpha * grad
            elif self.variant == "FD":  # p_k = P_{T_k}[β (v_k − v_{k−1})] − α P_{T_k} ∇L(v_k)
                p = beta * M.projection(x, M.embed(x) - M.embed(x_prev)) - alpha * grad
            else:  # p_k = P_{T_k}[β ∇L(v_{k−1})] − α P_{T_k} ∇L(v_k)
                p = -alpha * grad if g_prev is None else beta * M.projection(x, g_prev) - alpha * grad
                g_prev = g
            x_prev, x = x, M.retraction(x, p)  # v_{k+1} = R[v_k + p_k]
            step = M.norm(x_prev, p)


def _momentum(value: float, *, signed: bool) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"momentum must be a real number, got {type(value).__name__}") from error
    if signed and not math.isfinite(value):
        raise ValueError(f"momentum must be a finite real number for the LG variant, got {value}")
    if not signed and not 0.0 <= value < 1.0:
        raise ValueError(f"momentum must lie in [0, 1), got {value}")
    return value

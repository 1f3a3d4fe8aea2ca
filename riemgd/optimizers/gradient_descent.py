"""Riemannian gradient descent: on a model manifold, natural gradient descent."""

from __future__ import annotations

from typing import Any

from riemgd.optimizers.base import Optimizer
from riemgd.optimizers.directions import RiemannianGradient
from riemgd.optimizers.step_sizes import StepSize


class GradientDescent(Optimizer):
    """Riemannian gradient descent::

        v_{k+1} = R[v_k − α_k P_{T_k} ∇L(v_k)],   i.e.   x_{k+1} = R_{x_k}(−α_k grad f(x_k)).

    On a :class:`~riemgd.functional.ModelManifold` this is natural gradient descent,
    ``θ_{k+1} = θ_k − α_k G_k⁻¹ ∇_θ L``; on ``Euclidean`` it is plain gradient descent.

    Args:
        step_size: A fixed step ``α > 0``, or any step-size rule
            (:class:`~riemgd.optimizers.Armijo`, :class:`~riemgd.optimizers.GridSearch`,
            :class:`~riemgd.optimizers.NormConstrained`, …); ``None`` (default)
            chooses each step by Armijo backtracking.
        line_search: riemgd 0.1's name for a step rule used when ``step_size`` is ``None``.
        **kwargs: Stopping and verbosity arguments of :class:`~riemgd.optimizers.Optimizer`.
    """

    def __init__(self, step_size: float | StepSize | None = None, *, line_search: Any = None, **kwargs: Any):
        if step_size is not None and line_search is not None:
            raise ValueError("give either step_size or line_search, not both")
        super().__init__(RiemannianGradient(), step_size if step_size is not None else line_search, **kwargs)

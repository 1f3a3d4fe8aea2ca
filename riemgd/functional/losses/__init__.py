"""Functional losses ``L(v)`` on a model manifold, with their ``V``-gradients.

A loss gives its value and its derivative ``q = ∂L/∂v`` with respect to the
discretized function ``v``; the space turns ``q`` into the ``V``-gradient
(the Riesz representer ``∇L(v) = K⁻¹ q``), and ``Problem(manifold, loss)``
then has::

    cost(θ) = L(v_θ),     ∇_θ L = Jᵀ q,     grad = G⁻¹ Jᵀ q = P_T ∇L(v_θ)

(the seed's natural gradient ``P_{T_k} ∇L(v_k)``).

* :class:`L2` — ``½‖u − v‖²_V``, ``∇L(v) = v − u``.
* :class:`KL` — generalized Kullback–Leibler divergence of positive densities.
* :class:`Composite` — ``½‖f(u) − f(v)‖²_V`` for a user map ``f`` (the seed's twisted loss).
* :class:`BernoulliLikelihood`, :class:`CategoricalLikelihood` — negative
  log-likelihoods of logits (Fisher natural gradient with a :class:`~riemgd.spaces.Pullback` space).
* :class:`PDEResidual` — ``½‖𝓛v − f‖²`` at collocation points plus a boundary
  penalty, for a linear differential operator ``𝓛``.
"""

from riemgd.functional.losses.generic import KL, L2, BernoulliLikelihood, CategoricalLikelihood, Composite, Loss
from riemgd.functional.losses.pde import PDEResidual

__all__ = ["KL", "L2", "BernoulliLikelihood", "CategoricalLikelihood", "Composite", "Loss", "PDEResidual"]

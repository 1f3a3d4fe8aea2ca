"""Discretized function spaces ``V``: where a model's functions live and are measured.

A space fixes how a model ``A(θ)`` is discretized (which values, at which
points) and the SPD metric ``K`` of ``V``. The model manifold only ever asks it
to *whiten*, ``a ↦ S a`` with ``SᵀS = K``, so that::

    G = Jᵀ K J = (S J)ᵀ (S J),        Jᵀ K g = (S J)ᵀ (S g),

and to apply the Riesz map ``K⁻¹`` that turns a loss derivative into a
V-gradient. A diagonal ``K`` (quadrature weights) costs a row scaling.

Spaces:

* :class:`L2` — ``L²(Ω, μ)`` on quadrature or sample points, ``K = diag(w)``.
* :class:`Weighted` — ``Rⁿ`` with ``⟨a, b⟩ = aᵀ K b``, ``K`` SPD or positive weights.
* :class:`H1` — values and first derivatives at points (Sobolev metric).
* :class:`Pullback` — an output-space metric ``G_z`` pulled back,
  ``G = Σᵢ wᵢ Jᵢᵀ G_z Jᵢ``: :class:`GaussianFisher`, :class:`BernoulliFisher`,
  :class:`CategoricalFisher`, or a loss Hessian (:class:`HessianWeighted`).

Point helpers: :func:`gauss_legendre`, :func:`gauss_legendre_box`,
:func:`monte_carlo`. A space built with ``batch_size`` (mini-batches of its
points) or ``sampler`` (fresh points each iteration) resamples at every
iteration of an optimizer: the sample of iteration ``k`` depends only on the
space's seed and ``k`` (reproducible runs); threads may share such a space.
"""

from riemgd.functional.spaces.base import Space
from riemgd.functional.spaces.metrics import H1, L2, Weighted
from riemgd.functional.spaces.output_metrics import (
    BernoulliFisher,
    CategoricalFisher,
    GaussianFisher,
    HessianWeighted,
    OutputMetric,
    Pullback,
)
from riemgd.functional.spaces.points import gauss_legendre, gauss_legendre_box, monte_carlo

__all__ = [
    "H1",
    "L2",
    "BernoulliFisher",
    "CategoricalFisher",
    "GaussianFisher",
    "HessianWeighted",
    "OutputMetric",
    "Pullback",
    "Space",
    "Weighted",
    "gauss_legendre",
    "gauss_legendre_box",
    "monte_carlo",
]

"""Manifolds: the :class:`Manifold` abstraction and its classical instances.

The model manifolds of natural gradient in function space (``ModelManifold``)
live in :mod:`riemgd.manifolds.model`.
"""

from riemgd.manifolds.base import Manifold
from riemgd.manifolds.euclidean import Euclidean
from riemgd.manifolds.grassmann import Grassmann
from riemgd.manifolds.product import Product, ProductVector
from riemgd.manifolds.spd import SymmetricPositiveDefinite
from riemgd.manifolds.sphere import Sphere
from riemgd.manifolds.stiefel import Stiefel

__all__ = [
    "Euclidean",
    "Grassmann",
    "Manifold",
    "Product",
    "ProductVector",
    "Sphere",
    "Stiefel",
    "SymmetricPositiveDefinite",
]

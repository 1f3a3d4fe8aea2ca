"""Manifolds: the :class:`Manifold` abstraction and its classical instances.

Model manifolds of natural gradient in function space: :class:`ModelManifold`
(:mod:`riemgd.manifolds.model`) and, for comparison in parameter coordinates,
:class:`ParameterSpace` (:mod:`riemgd.manifolds.parameter`).
"""

from riemgd.manifolds.base import Manifold
from riemgd.manifolds.euclidean import Euclidean
from riemgd.manifolds.grassmann import Grassmann
from riemgd.manifolds.model import GramSolver, ModelManifold
from riemgd.manifolds.parameter import ParameterSpace
from riemgd.manifolds.product import Product, ProductVector
from riemgd.manifolds.spd import SymmetricPositiveDefinite
from riemgd.manifolds.sphere import Sphere
from riemgd.manifolds.stiefel import Stiefel

__all__ = [
    "Euclidean",
    "GramSolver",
    "Grassmann",
    "Manifold",
    "ModelManifold",
    "ParameterSpace",
    "Product",
    "ProductVector",
    "Sphere",
    "Stiefel",
    "SymmetricPositiveDefinite",
]

"""Manifolds: the :class:`Manifold` abstraction and its classical instances.

Model manifolds of natural gradient in function space live in
:mod:`riemgd.functional` (:class:`~riemgd.functional.ModelManifold`,
:class:`~riemgd.functional.ParameterSpace`); they are also reachable here by
name, for code written against riemgd 0.1.
"""

from typing import Any

from riemgd.manifolds.base import Manifold
from riemgd.manifolds.complex_circle import ComplexCircle
from riemgd.manifolds.complex_euclidean import ComplexEuclidean
from riemgd.manifolds.complex_grassmann import ComplexGrassmann
from riemgd.manifolds.elliptope import Elliptope
from riemgd.manifolds.euclidean import Euclidean
from riemgd.manifolds.fixed_rank import FixedRankEmbedded, FixedRankPoint, FixedRankTangentVector
from riemgd.manifolds.grassmann import Grassmann
from riemgd.manifolds.group import SpecialOrthogonalGroup
from riemgd.manifolds.hpd import HermitianPositiveDefinite, SpecialHermitianPositiveDefinite
from riemgd.manifolds.oblique import Oblique
from riemgd.manifolds.poincare import PoincareBall
from riemgd.manifolds.positive import Positive
from riemgd.manifolds.product import Product, ProductVector
from riemgd.manifolds.psd_fixed_rank import PSDFixedRank
from riemgd.manifolds.psd_fixed_rank_complex import PSDFixedRankComplex
from riemgd.manifolds.spd import SymmetricPositiveDefinite
from riemgd.manifolds.sphere import Sphere
from riemgd.manifolds.sphere_subspace import SphereSubspaceComplementIntersection, SphereSubspaceIntersection
from riemgd.manifolds.stiefel import Stiefel
from riemgd.manifolds.symmetric import SkewSymmetric, Symmetric
from riemgd.manifolds.unitary import UnitaryGroup

__all__ = [
    "ComplexCircle",
    "ComplexEuclidean",
    "ComplexGrassmann",
    "Elliptope",
    "Euclidean",
    "FixedRankEmbedded",
    "FixedRankPoint",
    "FixedRankTangentVector",
    "GramSolver",
    "Grassmann",
    "HermitianPositiveDefinite",
    "Manifold",
    "ModelManifold",
    "Oblique",
    "PSDFixedRank",
    "PSDFixedRankComplex",
    "ParameterSpace",
    "PoincareBall",
    "Positive",
    "Product",
    "ProductVector",
    "SkewSymmetric",
    "SpecialHermitianPositiveDefinite",
    "SpecialOrthogonalGroup",
    "Sphere",
    "SphereSubspaceComplementIntersection",
    "SphereSubspaceIntersection",
    "Stiefel",
    "Symmetric",
    "SymmetricPositiveDefinite",
    "UnitaryGroup",
]


def __getattr__(name: str) -> Any:
    # riemgd 0.1 names; imported lazily because riemgd.functional builds on this package
    if name in ("GramSolver", "ModelManifold", "ParameterSpace"):
        import riemgd.functional

        return getattr(riemgd.functional, name)
    raise AttributeError(f"module 'riemgd.manifolds' has no attribute {name!r}")

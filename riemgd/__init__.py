"""riemgd: Riemannian optimization on a manifold abstraction.

Natural gradient, heavy-ball and Nesterov methods written in functional form,
``v_{k+1} = R[v_k + p_k]``, ``p_k = P_{T_k}[β p_{k−1} − α ∇L(v_k)]``, running
unchanged on classical matrix manifolds and on model manifolds of parametric
functions, with numpy or CuPy arrays.
"""

import sys

from riemgd import functional, manifolds, optimizers
from riemgd.checks import check_gradient, check_hessian, check_retraction, check_transport
from riemgd.diagnostics import RiemgdWarning
from riemgd.functional import GramSolver, ModelManifold, ParameterSpace, losses, models, spaces
from riemgd.manifolds import (
    ComplexCircle,
    ComplexEuclidean,
    ComplexGrassmann,
    Elliptope,
    Euclidean,
    FixedRankEmbedded,
    Grassmann,
    HermitianPositiveDefinite,
    Manifold,
    Oblique,
    PoincareBall,
    Positive,
    Product,
    PSDFixedRank,
    PSDFixedRankComplex,
    SkewSymmetric,
    SpecialHermitianPositiveDefinite,
    SpecialOrthogonalGroup,
    Sphere,
    SphereSubspaceComplementIntersection,
    SphereSubspaceIntersection,
    Stiefel,
    Symmetric,
    SymmetricPositiveDefinite,
    UnitaryGroup,
)
from riemgd.optimizers import (
    LBFGS,
    ConjugateGradient,
    GradientDescent,
    HeavyBall,
    Nesterov,
    Newton,
    Optimizer,
    OptimizerResult,
    Spring,
    TrustRegions,
)
from riemgd.plotting import plot_convergence
from riemgd.problem import Problem

__version__ = "0.2.0.dev0"

# The function-space packages under their short public names: ``riemgd.spaces.L2``,
# ``from riemgd.losses import PDEResidual``, ``import riemgd.models`` all name the
# same module objects as ``riemgd.functional.*``.
for _name in ("losses", "models", "spaces"):
    sys.modules[f"{__name__}.{_name}"] = getattr(functional, _name)
del _name

__all__ = [
    "LBFGS",
    "ComplexCircle",
    "ComplexEuclidean",
    "ComplexGrassmann",
    "ConjugateGradient",
    "Elliptope",
    "Euclidean",
    "FixedRankEmbedded",
    "GradientDescent",
    "GramSolver",
    "Grassmann",
    "HeavyBall",
    "HermitianPositiveDefinite",
    "Manifold",
    "ModelManifold",
    "Nesterov",
    "Newton",
    "Oblique",
    "Optimizer",
    "OptimizerResult",
    "PSDFixedRank",
    "PSDFixedRankComplex",
    "ParameterSpace",
    "PoincareBall",
    "Positive",
    "Problem",
    "Product",
    "RiemgdWarning",
    "SkewSymmetric",
    "SpecialHermitianPositiveDefinite",
    "SpecialOrthogonalGroup",
    "Sphere",
    "SphereSubspaceComplementIntersection",
    "SphereSubspaceIntersection",
    "Spring",
    "Stiefel",
    "Symmetric",
    "SymmetricPositiveDefinite",
    "TrustRegions",
    "UnitaryGroup",
    "check_gradient",
    "check_hessian",
    "check_retraction",
    "check_transport",
    "functional",
    "losses",
    "manifolds",
    "models",
    "optimizers",
    "plot_convergence",
    "spaces",
]

"""riemgd: Riemannian optimization on a manifold abstraction.

Natural gradient, heavy-ball and Nesterov methods written in functional form,
``v_{k+1} = R[v_k + p_k]``, ``p_k = P_{T_k}[β p_{k−1} − α ∇L(v_k)]``, running
unchanged on classical matrix manifolds and on model manifolds of parametric
functions, with numpy or CuPy arrays.
"""

from riemgd import losses, manifolds, models, optimizers, spaces
from riemgd.checks import check_gradient, check_retraction, check_transport
from riemgd.manifolds import (
    Euclidean,
    Grassmann,
    Manifold,
    Product,
    Sphere,
    Stiefel,
    SymmetricPositiveDefinite,
)
from riemgd.manifolds.model import GramSolver, ModelManifold
from riemgd.manifolds.parameter import ParameterSpace
from riemgd.optimizers import GradientDescent, HeavyBall, Nesterov, Newton, OptimizerResult
from riemgd.problem import Problem

__version__ = "0.1.0"

__all__ = [
    "Euclidean",
    "GradientDescent",
    "GramSolver",
    "Grassmann",
    "HeavyBall",
    "Manifold",
    "ModelManifold",
    "Nesterov",
    "Newton",
    "OptimizerResult",
    "ParameterSpace",
    "Problem",
    "Product",
    "Sphere",
    "Stiefel",
    "SymmetricPositiveDefinite",
    "check_gradient",
    "check_retraction",
    "check_transport",
    "losses",
    "manifolds",
    "models",
    "optimizers",
    "spaces",
]

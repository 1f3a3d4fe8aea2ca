"""riemgd: Riemannian optimization on a manifold abstraction.

Natural gradient, heavy-ball and Nesterov methods written in functional form,
``v_{k+1} = R[v_k + p_k]``, ``p_k = P_{T_k}[β p_{k−1} − α ∇L(v_k)]``, running
unchanged on classical matrix manifolds and on model manifolds of parametric
functions, with numpy or CuPy arrays.
"""

from riemgd import manifolds, optimizers
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
from riemgd.optimizers import GradientDescent, HeavyBall, Nesterov, OptimizerResult
from riemgd.problem import Problem

__version__ = "0.1.0"

__all__ = [
    "Euclidean",
    "GradientDescent",
    "Grassmann",
    "HeavyBall",
    "Manifold",
    "Nesterov",
    "OptimizerResult",
    "Problem",
    "Product",
    "Sphere",
    "Stiefel",
    "SymmetricPositiveDefinite",
    "check_gradient",
    "check_retraction",
    "check_transport",
    "manifolds",
    "optimizers",
]

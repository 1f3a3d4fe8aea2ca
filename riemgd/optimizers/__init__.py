"""First-order optimizers written in the manifold's language."""

from riemgd.optimizers.base import Iterate, Optimizer, OptimizerResult
from riemgd.optimizers.gradient_descent import GradientDescent
from riemgd.optimizers.heavy_ball import HeavyBall
from riemgd.optimizers.line_search import ArmijoLineSearch
from riemgd.optimizers.nesterov import Nesterov
from riemgd.optimizers.newton import Newton

__all__ = [
    "ArmijoLineSearch",
    "GradientDescent",
    "HeavyBall",
    "Iterate",
    "Nesterov",
    "Newton",
    "Optimizer",
    "OptimizerResult",
]

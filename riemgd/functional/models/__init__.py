"""Models ``A(θ)``: parametric functions evaluated at a space's points, with Jacobians."""

from riemgd.functional.models.base import Model
from riemgd.functional.models.function import Function
from riemgd.functional.models.linear import Linear, Quadratic
from riemgd.functional.models.mlp import MLP
from riemgd.functional.models.network import ShallowNetwork

__all__ = ["MLP", "Function", "Linear", "Model", "Quadratic", "ShallowNetwork"]

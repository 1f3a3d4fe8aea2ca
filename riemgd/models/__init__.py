"""Models ``A(θ)``: parametric functions evaluated at a space's points, with Jacobians."""

from riemgd.models.base import Model
from riemgd.models.function import Function
from riemgd.models.linear import Linear, Quadratic
from riemgd.models.network import ShallowNetwork

__all__ = ["Function", "Linear", "Model", "Quadratic", "ShallowNetwork"]

"""Optimizers: a direction rule and a step-size rule, run by one loop.

Named methods (:class:`GradientDescent`, :class:`HeavyBall`, :class:`Nesterov`,
:class:`Newton`, :class:`TrustRegions`, :class:`ConjugateGradient`, :class:`LBFGS`) are
compositions of the rules below; any other composition is
``Optimizer(direction, step_size)``, e.g.
``Optimizer(Momentum(0.9, "FD"), GridSearch())``.
"""

from riemgd.optimizers.base import DEFAULT_SEED, Iterate, Optimizer
from riemgd.optimizers.conjugate_gradient import ConjugateGradient, ConjugateGradientDirection
from riemgd.optimizers.directions import (
    Direction,
    DirectionRule,
    Momentum,
    NesterovMomentum,
    RiemannianGradient,
)
from riemgd.optimizers.gradient_descent import GradientDescent
from riemgd.optimizers.heavy_ball import HeavyBall
from riemgd.optimizers.lbfgs import LBFGS, LBFGSDirection
from riemgd.optimizers.nesterov import Nesterov
from riemgd.optimizers.newton import Newton, NewtonDirection, RiemannianNewtonDirection
from riemgd.optimizers.result import History, OptimizerResult
from riemgd.optimizers.spring import Spring, SpringMomentum
from riemgd.optimizers.step_sizes import (
    Armijo,
    ConstantStep,
    GridSearch,
    NormConstrained,
    PymanoptLineSearch,
    Step,
    StepSize,
)
from riemgd.optimizers.trust_regions import (
    TruncatedCGDirection,
    TrustRadius,
    TrustRegionDirection,
    TrustRegions,
    TrustRegionStep,
)
from riemgd.optimizers.wolfe import Wolfe

#: riemgd 0.1's name of :class:`Armijo`.
ArmijoLineSearch = Armijo

__all__ = [
    "DEFAULT_SEED",
    "LBFGS",
    "Armijo",
    "ArmijoLineSearch",
    "ConjugateGradient",
    "ConjugateGradientDirection",
    "ConstantStep",
    "Direction",
    "DirectionRule",
    "GradientDescent",
    "GridSearch",
    "HeavyBall",
    "History",
    "Iterate",
    "LBFGSDirection",
    "Momentum",
    "Nesterov",
    "NesterovMomentum",
    "Newton",
    "NewtonDirection",
    "NormConstrained",
    "Optimizer",
    "OptimizerResult",
    "PymanoptLineSearch",
    "RiemannianGradient",
    "RiemannianNewtonDirection",
    "Spring",
    "SpringMomentum",
    "Step",
    "StepSize",
    "TruncatedCGDirection",
    "TrustRadius",
    "TrustRegionDirection",
    "TrustRegionStep",
    "TrustRegions",
    "Wolfe",
]

"""Warnings for runs that stop without having solved the problem.

Every warning riemgd issues is a :class:`RiemgdWarning` (a ``UserWarning``),
so one filter silences or escalates them all::

    warnings.filterwarnings("ignore", category=riemgd.RiemgdWarning)
    pytest -W error::riemgd.RiemgdWarning

At the end of :meth:`~riemgd.optimizers.Optimizer.run` three tests are made:

* :class:`NotConvergedWarning`: the run used up ``max_iterations`` (or
  ``max_time``) with the final gradient norm above
  ``NOT_CONVERGED_FACTOR · min_gradient_norm`` (a factor of 100: two orders of
  magnitude short of the requested tolerance); or it stopped on
  ``min_step_size`` with such a gradient norm while the decrease a unit step
  promises, ``‖grad f‖²``, is above ``√ε |f|`` — far above the round-off of the
  cost, so the step rule stalled (e.g. a grid search that found no step), rather
  than the cost running out of precision. A run with ``min_gradient_norm=0``
  asked for a fixed budget and is never warned about.
* :class:`ZeroGradientWarning`: the run stopped on ``min_gradient_norm`` with the
  gradient norm *exactly* 0.0, while the problem's ambient gradient at that
  point (:meth:`~riemgd.Problem.ambient_gradient`) is not zero: the tangent
  space has lost the directions along which the cost changes. This is the
  model manifolds' test, for a functional loss (:mod:`riemgd.losses`), whose
  ambient gradient is ``∇L(v) ∈ V``: a Jacobian ``J = ∂v_θ/∂θ`` that vanished
  (units that died, Gaussian bumps collapsed to zero width) gives
  ``P_T ∇L(v) = 0`` with ``∇L(v) ≠ 0``, a false success. For a cost given on
  parameters or on a matrix manifold the ambient gradient is the embedded
  Riemannian gradient, zero with it, so a point that is exactly stationary
  there (a start at an eigenvector) is not reported. The test costs one
  extra ambient-gradient evaluation, only in this case.
* :class:`CostIncreaseWarning`: under a step rule that is not a line search,
  the cost of some iterate rose above the initial cost by more than
  ``COST_GROWTH_FACTOR · |f(x_0)|`` (a factor of 10),
  ``max_k f(x_k) − f(x_0) > 10 |f(x_0)|``: the fixed step is too long for the
  problem. Also when the run came back down: such a jump can throw a model
  into a region it does not leave (saturated units), so the recovery is luck,
  not the step rule's doing.
"""

from __future__ import annotations

import math
import sys
import warnings
from typing import Any

from riemgd import backend
from riemgd.functional.ambient import AmbientVector

#: A run that ends at its budget is reported when ``‖grad f‖ > NOT_CONVERGED_FACTOR · min_gradient_norm``.
NOT_CONVERGED_FACTOR = 100.0
#: A cost growth ``max_k f(x_k) − f(x_0) > COST_GROWTH_FACTOR · |f(x_0)|`` under a fixed step is reported.
COST_GROWTH_FACTOR = 10.0


_ROOT_EPS = math.sqrt(sys.float_info.epsilon)  # √ε: a cost change below √ε |f| may be round-off
_BUDGETS = {  # the stops that are no evidence of convergence, with what to try
    "max_iterations": "Allow more iterations, or try a line search (step_size=None) or momentum.",
    "max_time": "Allow more time, or try a line search (step_size=None) or momentum.",
    "min_step_size": "The step rule found no step that lowers the cost: try another step rule, "
    "a momentum restart, or another initial point.",
}


class RiemgdWarning(UserWarning):
    """Base class of every warning riemgd issues."""


class NotConvergedWarning(RiemgdWarning):
    """The run ran out of iterations (or time) far from the requested gradient norm."""


class ZeroGradientWarning(RiemgdWarning):
    """The Riemannian gradient is exactly zero at a point where the cost still changes in the ambient space."""


class CostIncreaseWarning(RiemgdWarning):
    """The cost grew by a large factor under a step rule that does not enforce descent."""


def check_run(optimizer: Any, problem: Any, result: Any, initial_cost: float, peak: tuple[float, int]) -> None:
    """Issue the warnings of the module docstring for a finished run.

    Args:
        optimizer: The :class:`~riemgd.optimizers.Optimizer` that ran.
        problem: The riemgd problem (uncounted: the extra evaluation of the
            zero-gradient test is not the run's).
        result: Its :class:`~riemgd.optimizers.OptimizerResult`.
        initial_cost: ``f(x_0)``.
        peak: ``(max_k f(x_k), k)`` over the iterates.
    """
    name = type(optimizer).__name__
    tolerance = optimizer.min_gradient_norm
    stalled = result.reason != "min_step_size" or result.gradient_norm**2 > _ROOT_EPS * abs(result.cost)
    if (
        result.reason in _BUDGETS
        and tolerance > 0
        and result.gradient_norm > NOT_CONVERGED_FACTOR * tolerance
        and stalled
    ):
        _warn(
            f"{name} stopped at {result.reason} ({result.iterations} iterations) with gradient norm "
            f"{result.gradient_norm:.3e}, more than {NOT_CONVERGED_FACTOR:g}× min_gradient_norm = {tolerance:.1e}: "
            f"the run has not converged. {_BUDGETS[result.reason]}",
            NotConvergedWarning,
        )
    if (
        result.reason == "min_gradient_norm"
        and result.gradient_norm == 0.0
        and _ambient_gradient_nonzero(problem, result.point)
    ):
        _warn(
            f"{name} stopped at iteration {result.iterations} because the gradient norm is exactly 0.0, at cost "
            f"{result.cost:.6g}, but the cost's ambient gradient there is not zero: the tangent space has lost the "
            "directions in which the cost changes. On a model manifold the Jacobian of the model vanished (dead "
            "units, bumps of zero width): a false success. Restart from another initial_point, with a line search "
            "(step_size=None) or a smaller step.",
            ZeroGradientWarning,
        )
    peak_cost, peak_iteration = peak
    if not optimizer.step_rule.needs_slope and peak_cost - initial_cost > COST_GROWTH_FACTOR * abs(initial_cost):
        ending = (
            "where the run ended"
            if peak_iteration == result.iterations
            else f"before the run came back to {result.cost:.6g} at iteration {result.iterations}"
        )
        _warn(
            f"{name}: the cost grew from {initial_cost:.6g} at the initial point to {peak_cost:.6g} at iteration "
            f"{peak_iteration} {ending}, under the step rule {optimizer.step_rule!r}: the step is too long for this "
            "problem. Use a line search (step_size=None, Armijo backtracking, or riemgd.optimizers.GridSearch()) "
            "or a smaller step.",
            CostIncreaseWarning,
        )


def _warn(message: str, category: type[RiemgdWarning]) -> None:
    warnings.warn(message, category, stacklevel=_callers_level())


def _callers_level() -> int:
    """The ``stacklevel`` of the first frame outside riemgd (the user's ``run`` call,
    also through a subclass's ``run``), counted from ``warnings.warn``'s caller."""
    frame, level = sys._getframe(2), 2  # the caller of _warn
    while frame is not None and frame.f_globals.get("__name__", "").startswith("riemgd."):
        frame, level = frame.f_back, level + 1
    return level


def _ambient_gradient_nonzero(problem: Any, point: Any) -> bool:
    """Whether the ambient gradient of ``problem`` at ``point`` has a non-zero entry."""
    try:
        gradient = problem.ambient_gradient(point)
    except Exception:  # a problem that cannot say: no warning (a diagnostic never fails a finished run)
        return False
    return not _is_zero(gradient)


def _is_zero(value: Any) -> bool:
    # An AmbientVector is a pair (g, q) of a function and a covector, a missing part being zero;
    # a ProductVector (a tuple) is zero when every component is.
    if value is None:
        return True
    if isinstance(value, AmbientVector):
        return _is_zero(value.function) and _is_zero(value.covector)
    if isinstance(value, (tuple, list)):
        return all(_is_zero(part) for part in value)
    xp = backend.namespace(value)
    return not bool(xp.any(value != 0))

"""Riemannian nonlinear conjugate gradients: a direction rule and the optimizer built on it.

With ``g_k = grad f(x_k)``, the preconditioned gradient ``Pg_k`` (pymanopt's
``problem.preconditioner``; ``Pg = g`` without one) and the manifold's vector
transport ``T = T_{x_{k−1}→x_k}``::

    d_0 = −Pg_0,        d_k = −Pg_k + β_k T d_{k−1},

with ``y_k = g_k − T g_{k−1}`` and one of the β rules (pymanopt's names; see
the survey of Hager & Zhang, Pacific J. Optim. 2, 2006, and, on manifolds,
Sato, *Riemannian Optimization and Its Applications*, 2021)::

    FletcherReeves   β = ⟨g_k, Pg_k⟩ / ⟨g_{k−1}, Pg_{k−1}⟩
    PolakRibiere     β = max(0, ⟨Pg_k, y_k⟩ / ⟨g_{k−1}, Pg_{k−1}⟩)                 (PR+)
    HestenesStiefel  β = max(0, ⟨Pg_k, y_k⟩ / ⟨y_k, T d_{k−1}⟩)                    (HS+)
    HagerZhang       β = max(β_HZ, η_k),
                     β_HZ = (⟨y_k, Pg_k⟩ − 2 ⟨y_k, Py_k⟩ ⟨T d_{k−1}, g_k⟩ / ⟨y_k, T d_{k−1}⟩) / ⟨y_k, T d_{k−1}⟩,
                     Py_k = Pg_k − T Pg_{k−1},  η_k = −1 / (‖T d_{k−1}‖ min(0.01, ‖g_{k−1}‖))
    LiuStorey        β = max(0, min(⟨Pg_k, y_k⟩, ⟨g_k, Pg_k⟩) / (−⟨g_{k−1}, d_{k−1}⟩))

Powell's restart (``orth_value``): ``β = 0`` when the gradients are far from
orthogonal, ``|⟨T g_{k−1}, Pg_k⟩| / ⟨g_k, Pg_k⟩ ≥ orth_value``. A β whose
denominator vanishes is 0 (a steepest-descent restart). When ``d_k`` is not
a descent direction (``⟨g_k, d_k⟩ ≥ 0``), the run loop restarts the rule and
steps along ``−Pg_k`` (as pymanopt does).

The rules and restarts are pymanopt 2.2.1's (``pymanopt.optimizers.ConjugateGradient``)
with one intentional difference: Liu–Storey's denominator is ``−⟨g_{k−1}, d_{k−1}⟩``
at ``x_{k−1}`` (the slope of the last search), where pymanopt pairs ``g_{k−1}``
with the *transported* direction; the two agree on ``Euclidean``.
"""

from __future__ import annotations

import math
from typing import Any

from riemgd import backend
from riemgd.optimizers.base import Optimizer
from riemgd.optimizers.directions import Direction, DirectionRule
from riemgd.optimizers.step_sizes import Step, StepSize, as_step_size, positive_number
from riemgd.optimizers.wolfe import Wolfe

BETA_RULES = ("FletcherReeves", "PolakRibiere", "HestenesStiefel", "HagerZhang", "LiuStorey")

#: The curvature constant ``c₂`` of the default Wolfe line search, by rule: 0.4, SciPy's
#: choice for its CG, except Fletcher–Reeves, which needs ``c₂ < ½`` for descent directions
#: (Al-Baali, IMA J. Numer. Anal. 5, 1985) and does best with an accurate search. (On the
#: eigenvalue problems of ``benchmarks/bench_pymanopt.py`` Hestenes–Stiefel with ``c₂ = 0.9``
#: takes 5–15 % fewer evaluations, but on small quadratics and on Rosenbrock's function
#: two to four times more.)
DEFAULT_C2 = {"FletcherReeves": 0.1, "PolakRibiere": 0.4, "LiuStorey": 0.4, "HestenesStiefel": 0.4, "HagerZhang": 0.4}


class _Gradient:
    """``g``, ``Pg``, ``⟨g, Pg⟩`` and ``‖g‖`` at one point."""

    __slots__ = ("g", "g_pg", "norm", "pg", "point")

    def __init__(self, problem: Any, point: Any, gradient: Any):
        M = problem.manifold
        self.point, self.g = point, gradient
        self.norm = M.norm(point, gradient)
        self.pg = problem.preconditioner(point, gradient)
        # without a preconditioner Pg is g itself: ⟨g, g⟩ = ‖g‖² needs no second inner product
        self.g_pg = self.norm**2 if self.pg is gradient else M.inner_product(point, gradient, self.pg)


class ConjugateGradientDirection(DirectionRule):
    """The conjugate direction ``d_k = −Pg_k + β_k T d_{k−1}`` (see the module docstring).

    Args:
        beta_rule: ``"FletcherReeves"``, ``"PolakRibiere"``, ``"HestenesStiefel"``,
            ``"HagerZhang"`` or ``"LiuStorey"``.
        orth_value: Powell's restart threshold (``math.inf``: never).
    """

    has_momentum = True  # the memory T d_{k−1}; restart() drops it
    points_in_use = 2  # transports from x_{k−1} to x_k

    def __init__(self, beta_rule: str = "HestenesStiefel", orth_value: float = math.inf):
        if beta_rule not in BETA_RULES:
            raise ValueError(f"beta_rule must be one of {list(BETA_RULES)}, got {beta_rule!r}")
        self.beta_rule = beta_rule
        self.orth_value = positive_number(orth_value, "orth_value", allow_zero=True, allow_inf=True)
        self._current: _Gradient | None = None  # g_k, Pg_k at x_k
        self._direction: Direction | None = None  # the direction last returned, d_k
        self._last: tuple | None = None  # (x_{k−1}, its gradient data, Direction d_{k−1}, T d_{k−1} or None)

    def start(self, problem: Any, point: Any) -> None:
        self._current = self._direction = self._last = None

    def restart(self) -> None:
        self._last = None

    def __call__(self, problem: Any, point: Any) -> Direction:
        M = problem.manifold
        current = self._current
        if current is None or current.point is not point:  # a restart redoes d_k at x_k: keep g_k
            current = self._current = _Gradient(problem, point, problem.riemannian_gradient(point))
        descent = -current.pg
        beta = 0.0
        if self._last is not None:
            beta, transported = self._beta(M, point, current)
            if beta != 0.0:
                descent = descent + beta * transported
        direction = Direction(descent, current.norm, current.g, manifold=M, point=point)
        if beta == 0.0:  # steepest descent: d = −Pg, slope −⟨g, Pg⟩ known
            direction._slope = -backend.to_float(current.g_pg)
            if current.pg is current.g:
                direction._norm = current.norm
        self._direction = direction
        return direction

    def _beta(self, M: Any, point: Any, new: _Gradient) -> tuple[float, Any]:
        """``β_k`` and ``T d_{k−1}``."""
        previous, old, last, transported = self._last
        d = last.descent
        rule = self.beta_rule
        needs_old_gradient = rule != "FletcherReeves" or math.isfinite(self.orth_value)
        old_g = M.transport(previous, point, old.g) if needs_old_gradient else None  # T g_{k−1}
        if math.isfinite(self.orth_value):  # Powell: restart when |⟨T g_{k−1}, Pg_k⟩| / ⟨g_k, Pg_k⟩ ≥ ν
            orthogonality = abs(_ratio(M.inner_product(point, old_g, new.pg), new.g_pg))
            if not orthogonality < self.orth_value:
                return 0.0, None
        if transported is None:
            transported = M.transport(previous, point, d)  # T d_{k−1}
        if rule == "FletcherReeves":
            return _finite(_ratio(new.g_pg, old.g_pg)), transported
        y = new.g - old_g  # y_k = g_k − T g_{k−1}
        if rule == "PolakRibiere":
            return max(0.0, _finite(_ratio(M.inner_product(point, new.pg, y), old.g_pg))), transported
        if rule == "LiuStorey":
            numerator = min(backend.to_float(M.inner_product(point, new.pg, y)), backend.to_float(new.g_pg))
            return max(0.0, _finite(_ratio(numerator, -last.slope))), transported
        y_d = M.inner_product(point, y, transported)  # ⟨y_k, T d_{k−1}⟩
        if rule == "HestenesStiefel":
            return max(0.0, _finite(_ratio(M.inner_product(point, new.pg, y), y_d))), transported
        # Hager–Zhang
        if backend.to_float(y_d) == 0:
            return 0.0, transported
        py = new.pg - (M.transport(previous, point, old.pg) if old.pg is not old.g else old_g)  # Pg_k − T Pg_{k−1}
        y_py = backend.to_float(M.inner_product(point, y, py))
        d_g = backend.to_float(M.inner_product(point, transported, new.g))
        numerator = backend.to_float(M.inner_product(point, y, new.pg)) - 2.0 * y_py * d_g / backend.to_float(y_d)
        beta = _finite(_ratio(numerator, y_d))
        eta = _ratio(-1.0, backend.to_float(M.norm(point, transported)) * min(0.01, backend.to_float(old.norm)))
        return (max(beta, eta) if math.isfinite(eta) else beta), transported

    def accept(self, problem: Any, point: Any, step: Step) -> None:
        if step.vector is None or step.size == 0:
            self._last = None  # no step: the next direction starts afresh
            return
        # T d_k comes from the line search when it transported d_k (the direction it searched along)
        self._last = (point, self._current, self._direction, step.transported)

    def parameters(self) -> dict:
        return {"direction": "ConjugateGradient", "beta_rule": self.beta_rule, "orth_value": self.orth_value}


def _ratio(numerator: Any, denominator: Any) -> float:
    """``a / b`` as a float; NaN for ``b = 0`` (which :func:`_finite` turns into a restart)."""
    denominator = backend.to_float(denominator)
    return backend.to_float(numerator) / denominator if denominator != 0 else math.nan


def _finite(beta: float) -> float:
    """``β``, or 0 (restart) when it is NaN/Inf."""
    return beta if math.isfinite(beta) else 0.0


class ConjugateGradient(Optimizer):
    """Riemannian nonlinear conjugate gradients, with pymanopt's arguments::

        x_{k+1} = R_{x_k}(t_k d_k),      d_k = −Pg_k + β_k T_{x_{k−1}→x_k} d_{k−1},

    the direction of :class:`ConjugateGradientDirection` and a line search for
    ``t_k``. On a :class:`~riemgd.functional.ModelManifold` the gradient is
    the natural gradient ``G⁻¹∇_θL`` and the transport the cross-Gram map, so
    this is natural-gradient CG in function space.

    Args:
        beta_rule: ``"HestenesStiefel"`` (default), ``"FletcherReeves"``,
            ``"PolakRibiere"``, ``"HagerZhang"`` or ``"LiuStorey"``.
        orth_value: Powell's restart threshold; ``math.inf`` (default) disables it.
        line_searcher: The step rule: ``None`` (default) for the strong
            :class:`~riemgd.optimizers.Wolfe` line search with ``c₁ = 10⁻⁴`` and
            ``c₂`` from :data:`DEFAULT_C2` (0.4; 0.1 for Fletcher–Reeves), any riemgd
            step-size rule or fixed step, or a pymanopt line searcher
            (``pymanopt.optimizers.line_search.AdaptiveLineSearcher()``, pymanopt's
            own default, gives pymanopt's iterates).
        **kwargs: Stopping and verbosity arguments of :class:`~riemgd.optimizers.Optimizer`.
    """

    def __init__(
        self,
        beta_rule: str = "HestenesStiefel",
        orth_value: float = math.inf,
        line_searcher: Any = None,
        **kwargs: Any,
    ):
        direction = ConjugateGradientDirection(beta_rule, orth_value)  # checks beta_rule first
        if line_searcher is None:
            step = Wolfe(1e-4, DEFAULT_C2[beta_rule])
        else:
            step = as_step_size(line_searcher, "line_searcher")
        super().__init__(direction, step, **kwargs)

    @property
    def beta_rule(self) -> str:
        return self.direction.beta_rule

    @property
    def orth_value(self) -> float:
        return self.direction.orth_value

    @property
    def line_searcher(self) -> StepSize:
        return self.step_rule

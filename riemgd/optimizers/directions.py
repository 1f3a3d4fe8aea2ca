"""Direction rules: where to go from the current point.

A rule is called once per iteration at ``x_k`` and returns a :class:`Direction`
``d_k ∈ T_{x_k}M``; a step-size rule then picks ``t_k`` and the optimizer moves
to ``x_{k+1} = R_{x_k}(t_k d_k)``, after which the rule's :meth:`~DirectionRule.accept`
records the step for the next iteration. Momentum rules wrap an inner rule
(after Manopt.jl's ``MomentumGradientRule``), so every combination is one
object, and new rules (SPRING, CG, quasi-Newton) plug in without touching the
run loop.

Momentum in the seed's functional form (Nouy & Somacal),
``p_k = P_{T_k}[β m_k − α ∇L(v_k)]``, ``v_{k+1} = R[v_k + p_k]``, is written as
``d_k = m_k / t_{k−1} + s_k`` with the inner direction ``s_k`` (``−grad f``) and
the momentum term ``m_k`` in step units, so that a constant step ``t = α``
gives exactly the seed's ``p_k = t d_k = m_k − α grad f``, and a line search
rescales the momentum by ``t_k / t_{k−1}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from riemgd import backend
from riemgd.optimizers.step_sizes import Step, real_number

VARIANTS = ("LM", "FD", "LG")
RESTARTS = (None, "function", "gradient")


@dataclass
class Direction:
    """A search direction ``d = m / t_m + s`` at a point.

    Attributes:
        descent: ``s``, the inner direction (``−grad f(x)``, ``−G⁻¹∇_θL``, …).
        gradient_norm: The gradient norm the iterate reports (and the
            ``min_gradient_norm`` test reads).
        gradient: ``grad f(x)`` when the rule computed it.
        momentum: ``m``, in step units (``None``: no momentum).
        momentum_step: ``t_m``, the step size ``m`` is scaled for.
        manifold: The manifold, to compute norms and slopes on demand.
        point: The point ``x``.
        solve: ``() -> s``: computes ``descent`` on first use (:meth:`resolve`),
            for rules whose inner solve (Newton–CG, a trust-region subproblem)
            would be wasted at the iterate where the run stops; ``None`` once
            ``descent`` is known.
        initial_step: A first trial step ``t₀`` the rule proposes to a line
            search (1 for a quasi-Newton direction, whose unit step is the
            model's minimizer), or ``None`` to leave it to the line search.
    """

    descent: Any
    gradient_norm: Any
    gradient: Any = None
    momentum: Any = None
    momentum_step: float = 1.0
    manifold: Any = field(default=None, repr=False)
    point: Any = field(default=None, repr=False)
    initial_step: float | None = None
    _norm: Any = field(default=None, repr=False)
    _slope: float | None = field(default=None, repr=False)
    solve: Callable[[], Any] | None = field(default=None, repr=False)

    def resolve(self) -> Any:
        """``descent``, computed now by ``solve`` if it was deferred."""
        if self.solve is not None:
            solve, self.solve = self.solve, None
            self.descent = solve()
        return self.descent

    def step(self, t: float) -> Any:
        """The tangent vector ``t d = (t / t_m) m + t s``; for ``t = t_m`` exactly ``m + t s``."""
        self.resolve()
        if self.momentum is None:
            return self.descent if t == 1.0 else t * self.descent  # t = 1: no copy (line searches, slopes, norms)
        ratio = t / self.momentum_step
        return (self.momentum if ratio == 1.0 else ratio * self.momentum) + t * self.descent

    @property
    def norm(self) -> Any:
        """``‖d‖_x``."""
        if self._norm is None:
            self._norm = self.manifold.norm(self.point, self.step(1.0))
        return self._norm

    @property
    def slope(self) -> float:
        """``Df(x)[d] = ⟨grad f(x), d⟩_x`` (needs ``gradient``)."""
        if self._slope is None:
            self._slope = backend.to_float(self.manifold.inner_product(self.point, self.gradient, self.step(1.0)))
        return self._slope


class DirectionRule:
    """Base class of direction rules.

    Subclasses implement :meth:`__call__`; stateful rules also :meth:`start`,
    :meth:`accept` and :meth:`restart`.
    """

    #: The rule carries momentum that :meth:`restart` can drop.
    has_momentum: bool = False
    #: How many points need their Jacobian-sized data at once (the manifold's
    #: :meth:`~riemgd.manifolds.Manifold.hold_points` hint): 1 for a direction
    #: computed at ``x_k`` alone, 2 when it also needs ``x_{k−1}`` or a look-ahead.
    points_in_use: int = 1

    def start(self, problem: Any, point: Any) -> None:
        """Forget every earlier run (``p_{−1} = 0``, ``v_{−1} = v_0``)."""

    def __call__(self, problem: Any, point: Any) -> Direction:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")

    def accept(self, problem: Any, point: Any, step: Step) -> None:
        """Record the step ``x → step.point`` just taken."""

    def restart(self) -> None:
        """Drop the momentum: the next direction is the inner direction alone."""

    def rejects(self, cost: float, new_cost: float) -> bool:
        """Whether the step just proposed must be redone without momentum (adaptive restart)."""
        return False

    def parameters(self) -> dict:
        """The rule's parameters, for the log."""
        return {"direction": type(self).__name__}


class RiemannianGradient(DirectionRule):
    """``d = −grad f(x)``: on a model manifold the natural gradient ``−G⁻¹∇_θL``
    (``−P_{T_k}∇L(v_k)`` in the seed's notation)."""

    def __call__(self, problem: Any, point: Any) -> Direction:
        M = problem.manifold
        gradient = problem.riemannian_gradient(point)
        norm = M.norm(point, gradient)
        direction = Direction(-gradient, norm, gradient, manifold=M, point=point, _norm=norm)
        direction._slope = -(backend.to_float(norm) ** 2)
        return direction


class Momentum(DirectionRule):
    """Heavy-ball momentum around an inner direction ``s_k`` (default the
    Riemannian gradient), in the seed's three variants::

        LM   m_k = β P_{T_k} p_{k−1}            (the last step, transported)
        FD   m_k = β P_{T_k}(v_k − v_{k−1})     (finite difference of the embedded iterates)
        LG   m_k = β P_{T_k} ∇L(v_{k−1})        (last gradient, β signed, on α's scale)

    and ``d_k = m_k / t_{k−1} + s_k``: with a constant step ``α`` the step is
    the seed's ``p_k = P_{T_k}[β m_k − α∇L(v_k)]``. The first step has no
    momentum (``p_{−1} = 0``, ``v_{−1} = v_0``).

    Args:
        momentum: ``β``; in ``[0, 1)`` for LM and FD, any finite number for LG.
        variant: ``"LM"``, ``"FD"`` or ``"LG"``.
        inner: The inner direction rule (default :class:`RiemannianGradient`).
        restart: ``None``, or ``"function"``: redo a step without momentum
            unless it clearly lowers the cost (see :class:`NesterovMomentum`).
        restart_tolerance: ``τ``, the relative cost change treated as round-off.
    """

    has_momentum = True

    def __init__(
        self,
        momentum: float,
        variant: str = "LM",
        *,
        inner: DirectionRule | None = None,
        restart: str | None = None,
        restart_tolerance: float = 1e-14,
    ):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        if restart not in (None, "function"):
            raise ValueError(f"restart must be None or 'function' for heavy-ball momentum, got {restart!r}")
        self.momentum = check_momentum(momentum, signed=variant == "LG")
        self.variant = variant
        self.inner = inner if inner is not None else RiemannianGradient()
        if not isinstance(self.inner, DirectionRule):
            raise TypeError(f"inner must be a DirectionRule, got {type(self.inner).__name__}")
        # LM transports by the cross Gram J_kᵀ K J_{k−1}: two points' Jacobians
        self.points_in_use = max(2 if variant == "LM" else 1, self.inner.points_in_use)
        self.restart_mode = restart
        self.restart_tolerance = check_tolerance(restart_tolerance)
        self._last: tuple | None = None  # (x_{k−1}, p_{k−1}, t_{k−1}, ∇L(v_{k−1}))
        self._ambient: Any = None  # ∇L(v_k), for LG

    def start(self, problem: Any, point: Any) -> None:
        self.inner.start(problem, point)
        self._last = None

    def restart(self) -> None:
        self.inner.restart()
        self._last = None

    def __call__(self, problem: Any, point: Any) -> Direction:
        M, beta = problem.manifold, self.momentum
        if self.variant == "LG":
            self._ambient = problem.ambient_gradient(point)  # ∇L(v_k) ∈ V, remembered for the next step
        if self.variant == "LG" and type(self.inner) is RiemannianGradient:
            gradient = M.projection(point, self._ambient)  # P_{T_k} ∇L(v_k), from the same ∇L
            norm = M.norm(point, gradient)
            direction = Direction(-gradient, norm, gradient, manifold=M, point=point, _norm=norm)
            direction._slope = -(backend.to_float(norm) ** 2)
        else:
            direction = self.inner(problem, point)
        if self._last is not None:
            previous, step, t, previous_ambient = self._last
            if self.variant == "LM":  # β P_{T_k} p_{k−1}: the transported last step
                momentum = beta * M.transport(previous, point, step)
            elif self.variant == "FD":  # β P_{T_k}(v_k − v_{k−1})
                momentum = beta * M.projection(point, M.embed(point) - M.embed(previous))
            else:  # β P_{T_k} ∇L(v_{k−1})
                momentum = beta * M.projection(point, previous_ambient)
            direction.momentum, direction.momentum_step = momentum, t
            direction._norm = direction._slope = None
        return direction

    def accept(self, problem: Any, point: Any, step: Step) -> None:
        self.inner.accept(problem, point, step)
        if step.vector is None or step.size == 0:
            self._last = None  # no step taken: nothing to carry over
        else:
            self._last = (point, step.vector, step.size, self._ambient)

    def rejects(self, cost: float, new_cost: float) -> bool:
        return self.restart_mode == "function" and self._last is not None and not _decreased(cost, new_cost, self)

    def parameters(self) -> dict:
        return {"momentum": self.momentum, "variant": self.variant, "inner": self.inner.parameters()}


class NesterovMomentum(DirectionRule):
    """Nesterov's look-ahead in the seed's functional form::

        w_k = R[v_k + β P_{T_k}(v_k − v_{k−1})],    d_k = m_k / t_{k−1} − P_{T_k}∇L(w_k),

    with ``m_k = β P_{T_k}(v_k − v_{k−1})``; a constant step ``α`` gives
    ``v_{k+1} = R_{v_k}(m_k − α P_{T_k}∇L(w_k))``, both projections onto ``T_k``.
    The reported gradient norm is ``‖P_{T_k}∇L(w_k)‖`` (the true gradient norm
    at ``v_k`` when the momentum vanishes).

    Args:
        momentum: ``β ∈ [0, 1)``.
        restart: Adaptive restart (O'Donoghue & Candès, 2015), replacing the
            direction by the momentum-free ``−grad f(v_k)``: ``None`` (never);
            ``"function"``: unless the step clearly lowers the cost,
            ``f(v_{k+1}) < f(v_k) − τ max(|f(v_k)|, |f(v_{k+1})|)`` (a change
            at round-off level is no evidence of descent);
            ``"gradient"``: when the direction goes uphill,
            ``⟨P_{T_k}∇L(w_k), d_k⟩ > 0``.
        restart_tolerance: ``τ``, the relative cost change treated as
            round-off by the function restart (default ``1e-14``, about 45 ε).
    """

    has_momentum = True

    def __init__(self, momentum: float, restart: str | None = None, *, restart_tolerance: float = 1e-14):
        if restart not in RESTARTS:
            raise ValueError(f"restart must be one of {RESTARTS}, got {restart!r}")
        self.points_in_use = 2  # x_k and the look-ahead w_k
        self.momentum = check_momentum(momentum, signed=False)
        self.restart_mode = restart
        self.restart_tolerance = check_tolerance(restart_tolerance)
        self._last: tuple | None = None  # (x_{k−1}, t_{k−1})

    def start(self, problem: Any, point: Any) -> None:
        self._last = None

    def restart(self) -> None:
        self._last = None

    def __call__(self, problem: Any, point: Any) -> Direction:
        M = problem.manifold
        if self._last is None:  # v_{−1} = v_0: no look-ahead
            gradient = M.projection(point, problem.ambient_gradient(point))
            return Direction(-gradient, M.norm(point, gradient), gradient, manifold=M, point=point)
        previous, t = self._last
        m = self.momentum * M.projection(point, M.embed(point) - M.embed(previous))  # β P_{T_k}(v_k − v_{k−1})
        w = M.retraction(point, m)  # w_k
        lookahead = M.projection(point, problem.ambient_gradient(w))  # P_{T_k} ∇L(w_k)
        direction = Direction(-lookahead, M.norm(point, lookahead), None, m, t, manifold=M, point=point)
        uphill = self.restart_mode == "gradient" and M.inner_product(point, lookahead, direction.step(t)) > 0
        if uphill:  # ⟨P_{T_k}∇L(w_k), v_{k+1} − v_k⟩ > 0
            gradient = problem.riemannian_gradient(point)  # the step goes uphill: drop the momentum
            self._last = None
            return Direction(-gradient, direction.gradient_norm, gradient, manifold=M, point=point)
        return direction

    def accept(self, problem: Any, point: Any, step: Step) -> None:
        self._last = None if step.vector is None or step.size == 0 else (point, step.size)

    def rejects(self, cost: float, new_cost: float) -> bool:
        return self.restart_mode == "function" and self._last is not None and not _decreased(cost, new_cost, self)

    def parameters(self) -> dict:
        return {"momentum": self.momentum, "restart": self.restart_mode}


def _decreased(cost: float, new_cost: float, rule: Any) -> bool:
    """Whether the cost clearly went down, ``f(v_{k+1}) < f(v_k) − τ max(|f(v_k)|, |f(v_{k+1})|)``.

    A change within ``τ`` of the costs' size is round-off: it tells nothing
    about the step, so it does not count as a decrease. (Restarting only on a
    clear *rise* lets round-off decide near the optimum, where an unstable
    momentum mode then grows unseen: Nesterov's method stalled for 20000
    iterations at a cost error of 3e-14 on a Rayleigh quotient that plain
    gradient descent solves in 1257.)
    """
    return math.isfinite(new_cost) and cost - new_cost > rule.restart_tolerance * max(abs(cost), abs(new_cost))


def check_momentum(value: Any, *, signed: bool) -> float:
    """``β`` in ``[0, 1)``, or any finite real number when ``signed``."""
    value = real_number(value, "momentum")
    if signed and not math.isfinite(value):
        raise ValueError(f"momentum must be a finite real number for the LG variant, got {value}")
    if not signed and not 0.0 <= value < 1.0:
        raise ValueError(f"momentum must lie in [0, 1), got {value}")
    return value


def check_tolerance(value: Any) -> float:
    value = real_number(value, "restart_tolerance")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"restart_tolerance must be a finite non-negative number, got {value}")
    return value

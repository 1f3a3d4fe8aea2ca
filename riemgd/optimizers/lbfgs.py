"""Limited-memory Riemannian BFGS: a direction rule and the optimizer built on it.

After a step ``x_k → x_{k+1} = R_{x_k}(t_k d_k)`` the rule stores the pair,
in ``T_{x_{k+1}}M``::

    s_k = T(t_k d_k),        y_k = grad f(x_{k+1}) − T grad f(x_k),

with ``T = T_{x_k→x_{k+1}}`` the manifold's vector transport, and carries the
``m`` most recent pairs along with every step (each ``s_i, y_i`` transported
to the new tangent space; Huang, Gallivan & Absil, SIAM J. Optim. 25, 2015).
The direction is ``d_k = −H_k grad f(x_k)`` by the two-loop recursion
(Nocedal & Wright, *Numerical Optimization*, Algorithm 7.4)::

    q = g;   for i = k−1, …, k−m:  a_i = ρ_i ⟨s_i, q⟩,  q ← q − a_i y_i
    r = γ_k q,   γ_k = ⟨s_{k−1}, y_{k−1}⟩ / ⟨y_{k−1}, y_{k−1}⟩
    for i = k−m, …, k−1:  b = ρ_i ⟨y_i, r⟩,  r ← r + (a_i − b) s_i
    d_k = −r,

``ρ_i = 1 / ⟨s_i, y_i⟩`` (taken when the pair is stored; with a non-isometric
transport this keeps every ``ρ_i > 0``, so ``H_k`` stays positive definite).
On ``Euclidean`` this is ``−H_k g`` for the BFGS inverse-Hessian update
``H⁺ = (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ`` of ``H = γ_k I`` by the stored
pairs, oldest first.

The cautious update (Li & Fukushima, SIAM J. Optim. 11, 2001; on manifolds
Huang, Absil & Gallivan, SIAM J. Optim. 28, 2018) stores a pair only when

    ⟨s_k, y_k⟩ > θ ‖grad f(x_k)‖ ⟨s_k, s_k⟩,

(θ = ``cautious``; θ = 0 keeps every pair with ``⟨s, y⟩ > 0``), the curvature
condition that keeps ``H`` positive definite.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from riemgd import backend
from riemgd.optimizers.base import Optimizer
from riemgd.optimizers.directions import Direction, DirectionRule
from riemgd.optimizers.step_sizes import Step, StepSize, as_step_size, non_negative_integer, positive_number
from riemgd.optimizers.wolfe import Wolfe


class LBFGSDirection(DirectionRule):
    """The L-BFGS direction ``d_k = −H_k grad f(x_k)`` (see the module docstring).

    The first direction, and the first after a restart, is ``−grad f(x_k)``;
    after that the rule proposes the unit step (``Direction.initial_step = 1``),
    the minimizer of its quadratic model.

    Args:
        memory: ``m ≥ 1``, the number of pairs kept.
        cautious: ``θ ≥ 0`` of the cautious update.
    """

    has_momentum = True  # the memory of pairs; restart() drops it
    points_in_use = 2  # transports from x_k to x_{k+1}

    def __init__(self, memory: int = 10, *, cautious: float = 1e-4):
        self.memory = non_negative_integer(memory, "memory")
        if self.memory < 1:
            raise ValueError(f"memory must be a positive integer, got {memory}")
        self.cautious = positive_number(cautious, "cautious", allow_zero=True)
        self._pairs: deque = deque(maxlen=self.memory)  # (s_i, y_i, ρ_i) in T_{x_k}M, oldest first
        self._gamma = 1.0  # γ_k
        self._current: tuple | None = None  # (x_k, grad f(x_k), ‖grad f(x_k)‖)
        self._pending: tuple | None = None  # the step x_k → x_{k+1}, until grad f(x_{k+1}) is known

    def start(self, problem: Any, point: Any) -> None:
        self._pairs = deque(maxlen=self.memory)
        self._current = self._pending = None

    def restart(self) -> None:
        self._pairs.clear()
        self._pending = None

    def __call__(self, problem: Any, point: Any) -> Direction:
        M = problem.manifold
        current = self._current
        if current is None or current[0] is not point:  # a restart redoes d_k at x_k: keep grad f(x_k)
            gradient = problem.riemannian_gradient(point)
            current = self._current = (point, gradient, M.norm(point, gradient))
        _, gradient, norm = current
        if self._pending is not None:
            self._update(M, point, gradient)
        if not self._pairs:
            direction = Direction(-gradient, norm, gradient, manifold=M, point=point, _norm=norm)
            direction._slope = -(backend.to_float(norm) ** 2)
            return direction
        return Direction(-self._two_loop(M, point, gradient), norm, gradient, manifold=M, point=point, initial_step=1.0)

    def _update(self, M: Any, point: Any, gradient: Any) -> None:
        """Carry the pairs to ``T_{x_{k+1}}M`` and store ``(s_k, y_k)`` if it passes the cautious test."""
        previous, old_gradient, old_norm, vector, transported = self._pending
        self._pending = None
        s = transported if transported is not None else M.transport(previous, point, vector)  # T(t d_k)
        y = gradient - M.transport(previous, point, old_gradient)  # grad f(x_{k+1}) − T grad f(x_k)
        s_y = backend.to_float(M.inner_product(point, s, y))
        s_s = backend.to_float(M.inner_product(point, s, s))
        accepted = s_y > self.cautious * backend.to_float(old_norm) * s_s and s_y > 0
        kept = list(self._pairs)
        if accepted and len(kept) == self.memory:
            kept = kept[1:]  # the oldest pair leaves the memory: no need to transport it
        self._pairs.clear()
        self._pairs.extend((M.transport(previous, point, a), M.transport(previous, point, b), r) for a, b, r in kept)
        if accepted:
            self._pairs.append((s, y, 1.0 / s_y))
            self._gamma = s_y / backend.to_float(M.inner_product(point, y, y))

    def _two_loop(self, M: Any, point: Any, gradient: Any) -> Any:
        """``H_k g`` by N&W Algorithm 7.4."""
        q = gradient
        coefficients = []
        for s, y, rho in reversed(self._pairs):  # newest first
            a = rho * backend.to_float(M.inner_product(point, s, q))
            coefficients.append(a)
            q = q - a * y
        r = self._gamma * q
        for (s, y, rho), a in zip(self._pairs, reversed(coefficients), strict=True):  # oldest first
            b = rho * backend.to_float(M.inner_product(point, y, r))
            r = r + (a - b) * s
        return r

    def accept(self, problem: Any, point: Any, step: Step) -> None:
        if step.vector is None or step.size == 0:
            self._pending = None  # no step: no pair
            return
        _, gradient, norm = self._current
        # T(t d) = t T(d): from the line search's transported direction when it has one
        transported = None if step.transported is None else step.size * step.transported
        self._pending = (point, gradient, norm, step.vector, transported)

    def parameters(self) -> dict:
        return {"direction": "LBFGS", "memory": self.memory, "cautious": self.cautious}


class LBFGS(Optimizer):
    """Limited-memory Riemannian BFGS (Huang, Gallivan & Absil 2015)::

        x_{k+1} = R_{x_k}(t_k d_k),      d_k = −H_k grad f(x_k),

    with the two-loop direction of :class:`LBFGSDirection` over the last
    ``memory`` transported pairs and, by default, a strong Wolfe line search
    (:class:`~riemgd.optimizers.Wolfe`, ``c₁ = 10⁻⁴``, ``c₂ = 0.9``) trying
    the unit step first. On a :class:`~riemgd.functional.ModelManifold` it runs
    in function space: the metric gives the natural gradient and the inner
    products of the two-loop recursion.

    Args:
        memory: ``m``, the number of pairs kept (default 10).
        line_searcher: The step rule (default ``Wolfe(1e-4, 0.9)``): any riemgd
            step-size rule, or a pymanopt line searcher.
        cautious: ``θ`` of the cautious update (default ``1e-4``).
        **kwargs: Stopping and verbosity arguments of :class:`~riemgd.optimizers.Optimizer`.
    """

    def __init__(self, memory: int = 10, line_searcher: Any = None, *, cautious: float = 1e-4, **kwargs: Any):
        step = Wolfe(1e-4, 0.9) if line_searcher is None else as_step_size(line_searcher, "line_searcher")
        super().__init__(LBFGSDirection(memory, cautious=cautious), step, **kwargs)

    @property
    def memory(self) -> int:
        return self.direction.memory

    @property
    def line_searcher(self) -> StepSize:
        return self.step_rule

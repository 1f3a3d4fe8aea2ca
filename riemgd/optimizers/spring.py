"""SPRING: momentum that keeps the part of the last step the tangent space cannot see.

SPRING (subsampled projected-increment natural gradient; Goldshlager,
Abrahamsen & Lin, J. Comput. Phys. 2024), used for PINNs by Guzmán-Cordero,
Dangel, Goldshlager & Zeinhofer (2025), takes in parameter coordinates the
minimum-norm correction that makes ``J φ_k`` match the residual while staying
close to ``μ φ_{k−1}``::

    φ_k = μ φ_{k−1} + Jᵀ(JJᵀ + λI)⁻¹(r − μ J φ_{k−1}),      θ_{k+1} = θ_k + η_k φ_k.

In riemgd's language (``r = −S∇L``, the metric ``G_Λ = (SJ)ᵀ(SJ) + Λ``, the
push-through identity ``Jᵀ(JJᵀ + λI)⁻¹ = (JᵀJ + λI)⁻¹Jᵀ``) this is::

    φ_k = −grad f(x_k) + μ [φ_{k−1} − P_{T_k}(J_k φ_{k−1})]
        = −G_Λ⁻¹∇_θL + μ G_Λ⁻¹ Λ φ_{k−1},

the natural gradient plus the part of the old increment that the metric at
``x_k`` does not see: ``φ − P_{T_k}(Jφ)`` is what changes no function to first
order (the kernel of ``J_k``, softened by ``Λ``). Heavy-ball LM momentum
``β P_{T_k} p_{k−1}`` keeps exactly the complementary part and drops this one;
the contrast is the point of having both.
"""

from __future__ import annotations

from typing import Any

from riemgd.optimizers.base import Optimizer
from riemgd.optimizers.directions import Direction, DirectionRule, check_momentum
from riemgd.optimizers.step_sizes import Step, StepSize


class SpringMomentum(DirectionRule):
    """The SPRING direction ``φ_k = −grad f(x_k) + μ[φ_{k−1} − P_{T_k}(J_k φ_{k−1})]``.

    The state is the direction ``φ_{k−1}`` itself (not the step ``η φ``), as in
    the original algorithm; ``φ_{−1} = 0``. Needs a manifold whose tangent
    vectors are coordinates in one space (``manifold.tangent_coordinates``:
    model manifolds, parameter spaces, ``Euclidean``), so that ``φ_{k−1}``
    is a tangent vector at ``x_k`` too. On a parameter space with a full-rank
    metric the kept part vanishes and SPRING is plain (preconditioned)
    gradient descent.

    Args:
        momentum: ``μ ∈ [0, 1)`` (0.99 in Guzmán-Cordero et al.).
    """

    has_momentum = True

    def __init__(self, momentum: float = 0.99):
        self.momentum = check_momentum(momentum, signed=False)
        self._previous: Any = None  # φ_{k−1}
        self._current: Any = None  # φ_k, until the step along it is accepted

    def start(self, problem: Any, point: Any) -> None:
        if not getattr(problem.manifold, "tangent_coordinates", False):
            raise TypeError(
                "SPRING needs a manifold whose tangent vectors are coordinates in one space "
                f"(manifold.tangent_coordinates), got {type(problem.manifold).__name__}"
            )
        self._previous = self._current = None

    def restart(self) -> None:
        self._previous = self._current = None

    def __call__(self, problem: Any, point: Any) -> Direction:
        M = problem.manifold
        gradient = problem.riemannian_gradient(point)  # G_Λ⁻¹ ∇_θL
        phi = -gradient
        if self._previous is not None:  # + μ[φ_{k−1} − P_{T_k}(J_k φ_{k−1})]
            unseen = self._previous - M.projection(point, M.embedding(point, self._previous))
            phi = phi + self.momentum * unseen
        self._current = phi
        return Direction(phi, M.norm(point, gradient), gradient, manifold=M, point=point)

    def accept(self, problem: Any, point: Any, step: Step) -> None:
        # the state is φ_k whatever step the rule took along it; no step: start afresh
        self._previous = self._current if step.vector is not None and step.size != 0 else None

    def parameters(self) -> dict:
        return {"direction": "SPRING", "momentum": self.momentum}


class Spring(Optimizer):
    """SPRING in functional form: ``x_{k+1} = R_{x_k}(η_k φ_k)`` with the
    direction of :class:`SpringMomentum`; on a model manifold with damping
    ``λ``, Goldshlager et al.'s ``φ_k = μφ_{k−1} + Jᵀ(JJᵀ + λI)⁻¹(r − μJφ_{k−1})``.

    The usual step rule is the norm constraint of Guzmán-Cordero et al.,
    ``η_k = min(η, √C / ‖φ_k‖₂)`` (``NormConstrained(η, √C, norm="euclidean")``),
    or the grid search of Müller & Zeinhofer (``GridSearch()``).

    Args:
        step_size: ``η > 0`` or a step-size rule.
        momentum: ``μ ∈ [0, 1)`` (default 0.99).
        **kwargs: Stopping and verbosity arguments of :class:`~riemgd.optimizers.Optimizer`.
    """

    def __init__(self, step_size: float | StepSize, momentum: float = 0.99, **kwargs: Any):
        super().__init__(SpringMomentum(momentum), step_size, **kwargs)

    @property
    def momentum(self) -> float:
        return self.direction.momentum

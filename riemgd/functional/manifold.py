"""``ModelManifold``: the image ``M = {v_θ = A(θ)} ⊂ V`` of a parametric model.

Points are parameter arrays ``θ`` and tangent vectors are coordinates
``c ∈ Rᵖ`` (the function ``J c``). With ``J = ∂A/∂θ`` discretized (``n × p``)
and ``K`` the metric of ``V`` (whitened by the space, ``SᵀS = K``):

| object                         | formula                                       |
|--------------------------------|-----------------------------------------------|
| Gram matrix                    | ``G = Jᵀ K J = (SJ)ᵀ(SJ)``                    |
| inner product of ``c₁, c₂``    | ``c₁ᵀ G c₂ = ⟨J c₁, J c₂⟩_V``                 |
| projection of ``g ∈ V``        | ``P_T g = J c``, ``c = G⁻¹ Jᵀ K g``           |
| Riemannian gradient            | ``G⁻¹ ∇_θ L`` (natural gradient)              |
| retraction                     | ``R_θ(c) = θ + c``                            |
| transport ``T_a → T_b``        | ``G_b⁻¹ G_{b,a} c``, ``G_{b,a} = J_bᵀ K J_a`` |

Everything computed from ``θ`` (values, Jacobian, Gram factorization) is
computed at most once per point and reused by every projection, gradient and
transport at that point. A rank-deficient Jacobian is handled by the
:class:`GramSolver`: explicit damping, and a Tikhonov soft cutoff of singular
values below ``rcond σ_max`` when ``G`` is numerically singular (the metric is
then ``G_λ = G + λI`` throughout).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.functional.gram import DEFAULT_RCOND, GramSolver
from riemgd.manifolds.base import Manifold, check_array
from riemgd.manifolds.product import ProductVector

Array = Any

class _PointState:
    """What a model manifold computes from one ``θ``, each piece at most once."""

    __slots__ = ("jacobian", "solver", "theta", "theta_copy", "values", "version", "whitened")

    def __init__(self, theta: Array, version: int):
        self.theta, self.version = theta, version
        self.theta_copy = theta + 0.0  # guards the cache against in-place changes to θ
        self.values = self.jacobian = self.whitened = self.solver = None


class ModelManifold(Manifold):
    """The model manifold ``M = {A(θ)} ⊂ V`` in parameter coordinates.

    Riemannian optimizers on this manifold are natural-gradient methods in
    function space: ``GradientDescent`` is ``θ ← θ − α G⁻¹∇_θL``,
    ``HeavyBall`` transports momentum by the cross Gram matrix, ``Nesterov``
    takes the seed's single step ``θ + G⁻¹JᵀK[β(v_k − v_{k−1}) − α∇L(w_k)]``.

    Args:
        model: A :class:`~riemgd.models.Model` (``Linear``, ``Quadratic``,
            ``ShallowNetwork``, ``Function``, or your own).
        space: A :class:`~riemgd.spaces.Space` fixing the points and the metric ``K``.
        damping: ``λ ≥ 0``; the metric is ``G + λI`` (default 0: the exact
            natural gradient).
        rcond: Relative singular-value level of ``SJ``: where ``G`` is
            numerically singular at this level, the Tikhonov term
            ``(rcond σ_max)²`` is added (see :class:`GramSolver`). Default
            ``1e-3``, chosen by ``benchmarks/rcond_experiment.py``: on small
            tanh networks (an L² fit, the energy natural gradient of a 1-D
            PDE) it beat hard cutoffs at every level tried and smaller shifts.

    Points are treated as immutable: riemgd never changes an array in place,
    and the cache compares a point's contents before reusing what it computed.
    """

    def __init__(self, model: Any, space: Any, *, damping: float = 0.0, rcond: float = DEFAULT_RCOND):
        from riemgd.functional.models.base import Model
        from riemgd.functional.spaces.base import Space

        if not isinstance(model, Model):
            raise TypeError(f"model must be a riemgd.models.Model, got {type(model).__name__}")
        if not isinstance(space, Space):
            raise TypeError(f"space must be a riemgd.spaces.Space, got {type(space).__name__}")
        if not (math.isfinite(damping) and damping >= 0):
            raise ValueError(f"damping must be a finite non-negative number, got {damping}")
        if not 0 < rcond < 1:
            raise ValueError(f"rcond must lie in (0, 1), got {rcond}")
        self.model, self.space = model, space
        self.damping, self.rcond = float(damping), float(rcond)
        self._states: list[_PointState] = []
        super().__init__(f"ModelManifold({type(model).__name__}, {space!r})", model.num_params)

    # ------------------------------------------------------------ the cache
    _CACHE_SIZE = 4  # x_k, x_{k−1}, a look-ahead or trial point, one spare

    def _state(self, theta: Array) -> _PointState:
        version = self.space.version
        for state in self._states:
            if state.version == version and _same(state.theta_copy, theta):
                return state
        state = _PointState(theta, version)
        self._states = [state, *self._states[: self._CACHE_SIZE - 1]]
        return state

    def _values(self, theta: Array) -> Array:
        state = self._state(theta)
        if state.values is None:
            state.values, _ = self.space.evaluate(self.model, theta, jacobian=False)
            self._check_values(state.values)
        return state.values

    def _check_values(self, values: Array) -> None:
        # a wrong size would otherwise broadcast against the target, silently when it is (1,)
        if tuple(values.shape) != (self.space.size,):
            raise ValueError(
                f"the model's values must have shape ({self.space.size},) to match the space, "
                f"got {tuple(values.shape)} once flattened"
            )

    def _jacobian(self, theta: Array) -> Array:
        state = self._state(theta)
        if state.jacobian is None:
            values, state.jacobian = self.space.evaluate(self.model, theta, jacobian=True)
            if state.values is None:  # keep values computed earlier: caches downstream key on them
                self._check_values(values)
                state.values = values
            expected = (self.space.size, self.model.num_params)
            if tuple(state.jacobian.shape) != expected:
                raise ValueError(f"the model's Jacobian must have shape {expected}, got {tuple(state.jacobian.shape)}")
        return state.jacobian

    def _whitened(self, theta: Array) -> Array:
        state = self._state(theta)
        if state.whitened is None:
            state.whitened = self.space.whiten(self._values(theta), self._jacobian(theta))  # S J
        return state.whitened

    def solver(self, theta: Array) -> GramSolver:
        """The factorized Gram matrix at ``θ`` (computed once per point)."""
        state = self._state(theta)
        if state.solver is None:
            state.solver = GramSolver(self._whitened(theta), self.damping, self.rcond)
        return state.solver

    def gram(self, theta: Array) -> Array:
        """``G(θ) = Jᵀ K J`` (without the shift ``λ``)."""
        return self.solver(theta).gram

    def begin_iteration(self, iteration: int | None = None) -> bool:
        """Draw the space's points for this iteration; ``True`` if they changed."""
        return self.space.resample(iteration)

    # ------------------------------------------------------- the functions
    def embed(self, point: Array) -> Array:
        """``v_θ``: the discretized function, an element of ``V``."""
        return self._values(point)

    def function_values(self, point: Array) -> Array:
        """``v_θ`` (same as :meth:`embed`; the name losses use)."""
        return self._values(point)

    def embedding(self, point: Array, tangent_vector: Array) -> Array:
        """``J c``: the tangent vector as a function in ``V``."""
        return self._jacobian(point) @ tangent_vector

    def pullback(self, point: Array, covector: Array) -> Array:
        """``Jᵀ q``: a loss derivative ``q = ∂L/∂v`` as the parameter gradient ``∇_θ L``."""
        return self._jacobian(point).T @ covector

    def ambient_from_derivative(self, point: Array, covector: Array) -> Array:
        """The V-gradient ``∇L(v) = K⁻¹ q`` of a loss with derivative ``q = ∂L/∂v``
        (the Riesz map of the space), whose projection is the natural gradient."""
        return self.space.riesz(self._values(point), covector)

    # ------------------------------------------------------------- metric
    def inner_product(self, point: Array, tangent_vector_a: Array, tangent_vector_b: Array) -> Any:
        """``c₁ᵀ G_λ c₂`` (``= ⟨J c₁, J c₂⟩_V`` when ``λ = 0``)."""
        return backend.inner(tangent_vector_a, self.solver(point).apply(tangent_vector_b))

    def norm(self, point: Array, tangent_vector: Array) -> Any:
        """``√(‖SJc‖² + λ‖c‖²)``, computed from ``SJ`` so that it is never the
        square root of a negative round-off."""
        xp = backend.namespace(tangent_vector)
        whitened = self._whitened(point) @ tangent_vector
        shift = self.solver(point).shift
        return xp.sqrt(backend.inner(whitened, whitened) + shift * backend.inner(tangent_vector, tangent_vector))

    def projection(self, point: Array, vector: Array) -> Array:
        """Coordinates of ``P_T g``: ``c = G_λ⁻¹ Jᵀ K g = G_λ⁻¹ (SJ)ᵀ (S g)`` for ``g ∈ V``.

        ``vector`` may also be a pair ``(g, q)`` (a :class:`ProductVector`): a
        function ``g ∈ V`` plus a covector ``q`` on the parameters, mapped to
        ``G_λ⁻¹ (Jᵀ K g + q)``: gradients known only through ``θ`` (``q = ∇_θL``)
        travel in that second slot.
        """
        function, covector = vector if isinstance(vector, ProductVector) else (vector, None)
        rhs = self._whitened(point).T @ self.space.whiten(self._values(point), function)
        return self.solver(point).solve(rhs if covector is None else rhs + covector)

    def ambient_gradient(self, point: Array, euclidean_gradient: Array) -> ProductVector:
        """``(0, ∇_θ L)``: a parameter gradient as an ambient vector, so that
        ``projection`` gives ``G_λ⁻¹ ∇_θ L`` exactly, at this point or another."""
        xp = backend.namespace(euclidean_gradient)
        return ProductVector((xp.zeros_like(self._values(point)), euclidean_gradient))

    def euclidean_to_riemannian_gradient(self, point: Array, euclidean_gradient: Array) -> Array:
        """Natural gradient ``G_λ⁻¹ ∇_θ L``."""
        return self.solver(point).solve(euclidean_gradient)

    def retraction(self, point: Array, tangent_vector: Array) -> Array:
        """``R_θ(c) = θ + c``."""
        return point + tangent_vector

    # transport: the base class's P_{T_b}(J_a c) = G_{λ,b}⁻¹ J_bᵀ K J_a c, the seed's cross-Gram
    # form: momentum is the function J_a c, and what does not change the function is dropped.

    def zero_vector(self, point: Array) -> Array:
        return backend.namespace(point).zeros_like(point)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> Array:
        """``model.initial_parameters(rng)``, on the space's array library."""
        theta = self.model.initial_parameters(rng)
        like = self.space.points if self.space.points is not None else getattr(self.space, "metric", None)
        return theta if like is None else backend.as_array_like(theta, like)

    def random_tangent_vector(self, point: Array, *, rng: np.random.Generator | int | None = None) -> Array:
        c = backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self.dim), point)
        return c / self.norm(point, c)

    def check_point(self, point: Array, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, (self.model.num_params,), name)


def _same(a: Array, b: Array) -> bool:
    """Equal arrays of the same library, shape and dtype (a cache hit)."""
    if type(a) is not type(b) or a.shape != b.shape or a.dtype != b.dtype:
        return False
    xp = backend.namespace(a)
    return bool(xp.all(a == b))

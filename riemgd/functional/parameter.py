"""``ParameterSpace``: the same model, optimized in parameter coordinates.

For comparison with natural gradient (the seed compares them): points are the
same ``θ``, but the metric is a fixed matrix ``M`` (``M = I`` by default), so
``GradientDescent`` is ``θ ← θ − α M⁻¹ ∇_θ L``, heavy ball and Nesterov are the
classical parameter-space methods, and ``embed(θ) = θ`` (momentum is formed
from parameter differences).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.functional.hessian import jacobian_transpose_derivative, loss_hessian_vector_product
from riemgd.manifolds.base import Manifold, check_array

Array = Any


class ParameterSpace(Manifold):
    """Parameters ``θ ∈ Rᵖ`` of a model manifold with the metric ``⟨a, b⟩ = aᵀ M b``.

    Functional losses still see the model: ``function_values(θ) = v_θ`` and
    ``pullback(θ, q) = Jᵀq`` come from the wrapped model manifold.

    Args:
        model_manifold: A :class:`~riemgd.functional.ModelManifold`.
        preconditioner: SPD ``(p, p)`` matrix ``M``, or positive ``(p,)``
            diagonal; ``None`` for ``M = I`` (plain gradient descent).
    """

    tangent_coordinates = True  # tangent vectors are coordinates in one space

    def __init__(self, model_manifold: Any, preconditioner: Array | None = None):
        for method in ("function_values", "pullback"):
            if not callable(getattr(model_manifold, method, None)):
                raise TypeError(f"model_manifold must be a ModelManifold, got {type(model_manifold).__name__}")
        p = model_manifold.dim
        self._factor = self._diagonal = None
        if preconditioner is not None:
            shape = tuple(getattr(preconditioner, "shape", ()))
            if shape == (p,):
                if backend.to_float(backend.namespace(preconditioner).min(preconditioner)) <= 0:
                    raise ValueError("preconditioner diagonal must be positive")
                self._diagonal = preconditioner
            elif shape == (p, p):
                self._factor = backend.cholesky(preconditioner)
                if self._factor is None:
                    raise ValueError("preconditioner must be symmetric positive definite")
            else:
                raise ValueError(f"preconditioner must have shape ({p},) or ({p}, {p}), got {shape}")
        self.model_manifold, self.preconditioner = model_manifold, preconditioner
        self.model, self.space = model_manifold.model, model_manifold.space
        super().__init__(f"ParameterSpace({model_manifold})", p)

    def function_values(self, point: Array) -> Array:
        return self.model_manifold.function_values(point)

    def pullback(self, point: Array, covector: Array) -> Array:
        return self.model_manifold.pullback(point, covector)

    def ambient_from_derivative(self, point: Array, covector: Array) -> Array:
        """A loss derivative ``q = ∂L/∂v`` in this manifold's ambient space ``Rᵖ``:
        the gradient ``M⁻¹ Jᵀ q`` (the functions ``v`` are not the points here)."""
        return self.ambient_gradient(point, self.pullback(point, covector))

    def begin_iteration(self, iteration: int | None = None) -> bool:
        return self.model_manifold.begin_iteration(iteration)

    def hold_points(self, count: int | None) -> None:
        self.model_manifold.hold_points(count)

    def _apply(self, vector: Array) -> Array:
        if self._diagonal is not None:
            return self._diagonal * vector
        return vector if self.preconditioner is None else self.preconditioner @ vector

    def inner_product(self, point: Array, tangent_vector_a: Array, tangent_vector_b: Array) -> Any:
        return backend.inner(tangent_vector_a, self._apply(tangent_vector_b))

    def projection(self, point: Array, vector: Array) -> Array:
        return vector

    def euclidean_to_riemannian_gradient(self, point: Array, euclidean_gradient: Array) -> Array:
        """``M⁻¹ ∇_θ L``."""
        if self._diagonal is not None:
            return euclidean_gradient / self._diagonal
        if self._factor is not None:
            return backend.cholesky_solve(self._factor, euclidean_gradient)
        return euclidean_gradient

    def euclidean_to_riemannian_hessian(
        self, point: Array, euclidean_gradient: Array, euclidean_hessian: Array, tangent_vector: Array
    ) -> Array:
        """``M⁻¹ ∇²_θ f[c]``: the metric is constant, so its Hessian is the coordinate one."""
        return self.euclidean_to_riemannian_gradient(point, euclidean_hessian)

    def loss_riemannian_hessian(self, loss: Any, point: Array, tangent_vector: Array) -> Array:
        """``M⁻¹ ∇²_θ f[c] = M⁻¹(Jᵀ ∂²L (J c) + D_c(Jᵀ) q)``, ``q = ∂L/∂v`` (see
        :mod:`riemgd.functional.hessian`; needs ``loss.hessian_vector_product``)."""
        manifold = self.model_manifold
        values = manifold.function_values(point)
        derivative = loss.derivative(values, self.space)
        direction = manifold.embedding(point, tangent_vector)
        gauss_newton = manifold.pullback(point, loss_hessian_vector_product(loss, values, self.space, direction))
        curvature = jacobian_transpose_derivative(self.model, self.space, point, tangent_vector, derivative)
        return self.euclidean_to_riemannian_gradient(point, gauss_newton + curvature)

    def retraction(self, point: Array, tangent_vector: Array) -> Array:
        """``θ + c``, made by the model manifold so that its cache trusts the new point."""
        return self.model_manifold.retraction(point, tangent_vector)

    def transport(self, point_a: Array, point_b: Array, tangent_vector_a: Array) -> Array:
        return tangent_vector_a

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> Array:
        return self.model_manifold.random_point(rng=rng)

    def random_tangent_vector(self, point: Array, *, rng: np.random.Generator | int | None = None) -> Array:
        c = backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self.dim), point)
        return c / self.norm(point, c)

    def check_point(self, point: Array, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, (self.dim,), name)

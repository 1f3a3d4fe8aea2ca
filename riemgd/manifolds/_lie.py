"""The formulas shared by ``SO(n)`` and ``U(n)``: tangent vectors as Lie-algebra coordinates."""

from __future__ import annotations

import math
from typing import Any

from riemgd import backend
from riemgd.manifolds._matrix import skew, sym, transpose
from riemgd.manifolds.base import Manifold, check_shape


class LieAlgebraCoordinates(Manifold):
    """A group ``{X : X*X = I}`` (``*`` the transpose for ``SO(n)``, the conjugate
    transpose for ``U(n)``) with the metric induced by the ambient Frobenius product and
    pymanopt's convention for tangent vectors: a tangent vector at ``X`` is an ``Ω`` of
    the Lie algebra (``Ω* = −Ω``) standing for the ambient direction ``XΩ``, so that
    ``⟨XΩ₁, XΩ₂⟩ = ⟨Ω₁, Ω₂⟩``:

    * ``P_X(V) = skew(X*V)``, ``grad f(X) = skew(X*∇f(X))``;
    * ``Hess f(X)[Ω] = skew(X*∇²f(X)[XΩ] − Ω sym(X*∇f(X)))`` (pymanopt's formula);
    * transport the identity (left translation is an isometry), ``dist = ‖log_X(Y)‖``,
      ``pair_mean(X, Y) = exp_X(½ log_X(Y))``.

    Subclasses set ``_adjoint``, ``_skew``, ``_sym`` (``*``, its skew and its symmetric
    part) and ``_shape``, ``_n``, ``_k``, and supply the retraction, ``exp``, ``log``,
    random draws and the membership test.
    """

    _adjoint = staticmethod(transpose)
    _skew = staticmethod(skew)
    _sym = staticmethod(sym)
    _shape: tuple[int, ...]
    _n: int
    _k: int

    @property
    def typical_dist(self) -> float:
        return math.pi * math.sqrt(self._n * self._k)

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        """``skew(X*V)``: the Lie-algebra coordinates of the projection of the ambient ``V``."""
        check_shape(point, self._shape, "point")
        check_shape(vector, self._shape, "vector")
        return self._skew(self._adjoint(point) @ vector)

    def to_tangent_space(self, point: Any, vector: Any) -> Any:
        """``skew(Ω)``: a Lie-algebra-shaped ``Ω`` made skew (pymanopt's meaning)."""
        check_shape(vector, self._shape, "vector")
        return self._skew(vector)

    def embedding(self, point: Any, tangent_vector: Any) -> Any:
        """The ambient direction ``X Ω`` of the tangent vector ``Ω``."""
        check_shape(tangent_vector, self._shape, "tangent_vector")
        return point @ tangent_vector

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``skew(X*∇²f(X)[XΩ] − Ω sym(X*∇f(X)))``; ``euclidean_hessian`` is the Euclidean
        Hessian applied to the ambient direction ``embedding(X, Ω) = XΩ``."""
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        check_shape(euclidean_hessian, self._shape, "euclidean_hessian")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        xa = self._adjoint(point)
        return self._skew(xa @ euclidean_hessian - tangent_vector @ self._sym(xa @ euclidean_gradient))

    def dist(self, point_a: Any, point_b: Any) -> Any:
        return self.norm(point_a, self.log(point_a, point_b))

    def pair_mean(self, point_a: Any, point_b: Any) -> Any:
        """The geodesic midpoint ``exp_a(½ log_a(b))``."""
        return self.exp(point_a, 0.5 * self.log(point_a, point_b))

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        """The identity: Lie-algebra coordinates are left-translation invariant."""
        check_shape(tangent_vector_a, self._shape, "tangent_vector_a")
        return tangent_vector_a

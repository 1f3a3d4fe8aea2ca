"""The complex circle ``{z ∈ C^n : |z_i| = 1}``, a product of ``n`` unit circles."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._complex import complex_normal
from riemgd.manifolds._matrix import positive_int
from riemgd.manifolds.base import Manifold, check_complex_array, check_shape, point_tolerance


class ComplexCircle(Manifold):
    """Complex vectors of unit-modulus entries, the Riemannian submanifold of
    ``C^n ≅ R^{2n}`` with the metric ``⟨u, v⟩ = Re Σ conj(u_i) v_i`` (pymanopt's
    ``ComplexCircle``). A tangent vector at ``z`` has ``Re(conj(z_i) u_i) = 0``,
    i.e. ``u_i = i r_i z_i`` with real ``r_i``. Entrywise:

    * ``P_z(u)_i = u_i − Re(conj(u_i) z_i) z_i``; Riemannian gradient ``P_z(∇f)``
    * ``Hess f(z)[u] = P_z(∇²f(z)[u] − Re(z_i conj(∇f_i)) u_i)``
    * ``R_z(u)_i = (z_i + u_i) / |z_i + u_i|``
    * ``exp_z(u)_i = z_i e^{i r_i}`` with ``r_i = Im(conj(z_i) u_i)`` (equal to
      ``cos|u_i| z_i + sin|u_i| u_i/|u_i|`` on tangent vectors)
    * ``log_z(w)_i = i θ_i z_i`` and ``dist(z, w) = ‖θ‖`` with the angle
      ``θ_i = arg(conj(z_i) w_i) ∈ (−π, π]``
    * transport by projection; ``pair_mean(z, w) = (z + w)/|z + w|`` entrywise.

    Args:
        n: Number of entries (circles).

    Differences from pymanopt: pymanopt 2.2.1's ``exp`` writes its complex
    result into a real array (it drops the imaginary part), riemgd's returns
    the point on the circle. ``log``/``dist`` use the angle ``arg(conj z w)``
    instead of ``arccos Re(conj z w)`` (same values, accurate for nearby
    points too; pymanopt's ``log`` also returns the unscaled projection where
    the distance is below 1e-6). ``zero_vector`` is complex (pymanopt's is real).
    """

    def __init__(self, n: int = 1):
        self._n = positive_int(n, "n")
        name = "Complex circle S^1" if self._n == 1 else f"Product manifold of complex circles (S^1)^{self._n}"
        super().__init__(name, self._n)

    @property
    def typical_dist(self) -> float:
        return math.pi * math.sqrt(self._n)

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(point, (self._n,), "point")
        check_shape(vector, (self._n,), "vector")
        xp = backend.namespace(point, vector)
        return vector - xp.real(xp.conj(vector) * point) * point

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, (self._n,), "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        # The Weingarten map of the circles: the normal part Re(z conj ∇f) z of the
        # gradient curves the manifold by −Re(z conj ∇f) u (Boumal 2023, §7.7).
        check_shape(euclidean_gradient, (self._n,), "euclidean_gradient")
        check_shape(euclidean_hessian, (self._n,), "euclidean_hessian")
        xp = backend.namespace(point, euclidean_gradient)
        curvature = xp.real(point * xp.conj(euclidean_gradient)) * tangent_vector
        return self.projection(point, euclidean_hessian - curvature)

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, (self._n,), "point")
        check_shape(tangent_vector, (self._n,), "tangent_vector")
        return self._normalize(point + tangent_vector)

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, (self._n,), "point")
        check_shape(tangent_vector, (self._n,), "tangent_vector")
        xp = backend.namespace(point, tangent_vector)
        rotation = xp.imag(xp.conj(point) * tangent_vector)
        return point * xp.exp(1j * xp.astype(rotation, point.dtype))

    def log(self, point_a: Any, point_b: Any) -> Any:
        return 1j * self._angles(point_a, point_b) * point_a

    def dist(self, point_a: Any, point_b: Any) -> Any:
        xp = backend.namespace(point_a, point_b)
        return xp.linalg.vector_norm(self._angles(point_a, point_b))

    def pair_mean(self, point_a: Any, point_b: Any) -> Any:
        """The midpoint of the shorter arc, ``(a + b)/|a + b|`` entrywise."""
        return self._normalize(point_a + point_b)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return self._normalize(complex_normal(backend.default_rng(rng), (self._n,)))

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        rates = backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self._n), point)
        u = 1j * rates * point  # u_i = i r_i z_i
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_complex_array(point, (self._n,), name)
        xp = backend.namespace(point)
        defect = backend.to_float(xp.max(xp.abs(xp.abs(point) - 1.0)))
        if defect > point_tolerance(atol, point):
            raise ValueError(f"{name} must have entries of unit modulus, got max ||z_i| − 1| = {defect:.3g}")

    @staticmethod
    def _normalize(z: Any) -> Any:
        return z / backend.namespace(z).abs(z)

    @staticmethod
    def _angles(point_a: Any, point_b: Any) -> Any:
        """``θ_i = arg(conj(a_i) b_i)`` by ``atan2``: accurate for close and far points alike."""
        xp = backend.namespace(point_a, point_b)
        ratio = xp.conj(point_a) * point_b
        return xp.atan2(xp.imag(ratio), xp.real(ratio))

"""The Poincaré ball model of hyperbolic space (``k`` balls stacked when ``k > 1``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import positive_int, stack_shape
from riemgd.manifolds._stacked import rowwise_inner, safe_ratio
from riemgd.manifolds.base import Manifold, check_array, check_shape


class PoincareBall(Manifold):
    """The open unit ball ``Bⁿ = {x ∈ Rⁿ : ‖x‖ < 1}`` with the hyperbolic metric
    (curvature −1), conformal to the Euclidean one (pymanopt's ``PoincareBall``).
    For ``k > 1`` a point is a ``(k, n)`` array, one ball per row, with the sum metric.

    With the conformal factor ``λ_x = 2/(1 − ‖x‖²)`` and Möbius addition
    ``x ⊕ y = ((1 + 2⟨x, y⟩ + ‖y‖²) x + (1 − ‖x‖²) y) / (1 + 2⟨x, y⟩ + ‖x‖²‖y‖²)``:

    * ``⟨u, v⟩_x = λ_x² ⟨u, v⟩``; every vector is tangent (``P = I``)
    * ``grad f = ∇f / λ_x²``; ``Hess f[u] = (⟨∇f, x⟩ u − ⟨x, u⟩ ∇f − ⟨∇f, u⟩ x + ∇²f[u]/λ_x) / λ_x``
      (Levi-Civita connection of the conformal metric, from the Koszul formula)
    * ``exp_x(u) = x ⊕ (tanh(λ_x ‖u‖/2) u/‖u‖)`` (also the retraction),
      ``log_x(y) = (2/λ_x) artanh(‖w‖) w/‖w‖`` with ``w = (−x) ⊕ y``
    * ``dist(x, y) = arccosh(1 + 2‖x − y‖²/((1 − ‖x‖²)(1 − ‖y‖²)))``, evaluated as
      ``2 arcsinh(‖x − y‖/√((1 − ‖x‖²)(1 − ‖y‖²)))`` (the same number, accurate for close points)
    * transport: parallel transport along the geodesic,
      ``P_{x→y} u = (λ_x/λ_y) gyr[y, −x] u`` (Ganea, Bécigneul & Hofmann 2018,
      with Ungar's gyration ``gyr[a, b] c = ⊖(a ⊕ b) ⊕ (a ⊕ (b ⊕ c))``, linear in ``c``)
    * ``pair_mean(x, y) = exp_x(log_x(y)/2)``, the geodesic midpoint.

    Differences from pymanopt: pymanopt 2.2.1 has no ``transport`` here
    (riemgd's is the parallel transport above); ``log(x, x)`` is 0 instead of
    NaN; ``dist`` uses the arcsinh form; ``random_point`` draws
    ``exp_0(v)`` for a Gaussian ``v`` with ``‖v‖_0 ~ χ_n`` (hyperbolic distance
    from the origin) instead of a Euclidean-uniform point of the ball, whose
    points crowd the boundary where ``λ_x`` blows up.

    Args:
        n: Dimension of the ball.
        k: Number of balls in the product (keyword-only, as in pymanopt).
    """

    tangent_coordinates = True  # every tangent space is Rⁿ

    def __init__(self, n: int, *, k: int = 1):
        n, k = positive_int(n, "n"), positive_int(k, "k")
        self._n, self._k = n, k
        self._shape = stack_shape(k, n)
        super().__init__(f"Poincare ball B({n})" + (f"^{k}" if k > 1 else ""), k * n)

    @property
    def typical_dist(self) -> float:
        return self.dim / 8

    def conformal_factor(self, point: Any) -> Any:
        """``λ_x = 2/(1 − ‖x‖²)`` for every ball, with a trailing axis of size 1."""
        return 2.0 / (1.0 - rowwise_inner(point, point))

    def mobius_addition(self, point_a: Any, point_b: Any) -> Any:
        """Möbius addition ``a ⊕ b`` (row by row for ``k > 1``)."""
        ab = rowwise_inner(point_a, point_b)
        aa = rowwise_inner(point_a, point_a)
        bb = rowwise_inner(point_b, point_b)
        return ((1.0 + 2.0 * ab + bb) * point_a + (1.0 - aa) * point_b) / (1.0 + 2.0 * ab + aa * bb)

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        factor = self.conformal_factor(point)
        return backend.inner(tangent_vector_a * (factor * factor), tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(vector, self._shape, "vector")
        return vector

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        factor = self.conformal_factor(point)
        return euclidean_gradient / (factor * factor)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(x)[u] = (⟨∇f, x⟩ u − ⟨x, u⟩ ∇f − ⟨∇f, u⟩ x + ∇²f[u]/λ_x) / λ_x``."""
        check_shape(point, self._shape, "point")
        check_shape(euclidean_gradient, self._shape, "euclidean_gradient")
        check_shape(euclidean_hessian, self._shape, "euclidean_hessian")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        g, u = euclidean_gradient, tangent_vector
        factor = self.conformal_factor(point)
        curvature = rowwise_inner(g, point) * u - rowwise_inner(point, u) * g - rowwise_inner(g, u) * point
        return (curvature + euclidean_hessian / factor) / factor

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        check_shape(point, self._shape, "point")
        check_shape(tangent_vector, self._shape, "tangent_vector")
        xp = backend.namespace(point, tangent_vector)
        half = 0.5 * self.conformal_factor(point)
        length = xp.sqrt(rowwise_inner(tangent_vector, tangent_vector))
        # tanh(λ‖u‖/2)/‖u‖ → λ/2 as u → 0
        zero = length == 0
        scale = xp.where(zero, half, xp.tanh(half * length) / xp.where(zero, xp.ones_like(length), length))
        return self.mobius_addition(point, scale * tangent_vector)

    retraction = exp

    def log(self, point_a: Any, point_b: Any) -> Any:
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        xp = backend.namespace(point_a, point_b)
        w = self.mobius_addition(-point_a, point_b)
        length = xp.sqrt(rowwise_inner(w, w))
        # artanh(‖w‖)/‖w‖ → 1 as w → 0
        return safe_ratio(xp.atanh(length), length, 1.0) * w * (2.0 / self.conformal_factor(point_a))

    def dist(self, point_a: Any, point_b: Any) -> Any:
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        xp = backend.namespace(point_a, point_b)
        difference = point_a - point_b
        denominator = (1.0 - rowwise_inner(point_a, point_a)) * (1.0 - rowwise_inner(point_b, point_b))
        distances = 2.0 * xp.asinh(xp.sqrt(rowwise_inner(difference, difference) / denominator))
        return xp.sqrt(xp.sum(distances * distances))

    def pair_mean(self, point_a: Any, point_b: Any) -> Any:
        """The geodesic midpoint ``exp_a(log_a(b)/2)``."""
        return self.exp(point_a, 0.5 * self.log(point_a, point_b))

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> Any:
        """Parallel transport ``(λ_a/λ_b) gyr[b, −a] u`` along the geodesic from ``a`` to ``b``."""
        check_shape(point_a, self._shape, "point_a")
        check_shape(point_b, self._shape, "point_b")
        check_shape(tangent_vector_a, self._shape, "tangent_vector_a")
        ratio = self.conformal_factor(point_a) / self.conformal_factor(point_b)
        return ratio * _gyration(point_b, -point_a, tangent_vector_a)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        # exp_0(v) = tanh(‖v‖) v/‖v‖ (λ_0 = 2); v = g/2 makes ‖v‖_0 = ‖g‖ ~ χ_n
        g = backend.default_rng(rng).standard_normal(self._shape)
        length = np.linalg.norm(g, axis=-1, keepdims=True)
        return np.tanh(0.5 * length) * g / length

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self._shape), point)
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, self._shape, name)
        xp = backend.namespace(point)
        largest = backend.to_float(xp.max(rowwise_inner(point, point)))
        if largest >= 1.0:
            raise ValueError(f"{name} must lie in the open unit ball, got a squared norm {largest:.6g} ≥ 1")


def _gyration(a: Any, b: Any, c: Any) -> Any:
    """Ungar's gyration ``gyr[a, b] c`` in closed form (curvature −1):
    ``c + 2(A a + B b)/D`` with ``A = −⟨a, c⟩‖b‖² + ⟨b, c⟩ + 2⟨a, b⟩⟨b, c⟩``,
    ``B = −⟨b, c⟩‖a‖² − ⟨a, c⟩``, ``D = 1 + 2⟨a, b⟩ + ‖a‖²‖b‖²``."""
    ab, ac, bc = rowwise_inner(a, b), rowwise_inner(a, c), rowwise_inner(b, c)
    aa, bb = rowwise_inner(a, a), rowwise_inner(b, b)
    coefficient_a = -ac * bb + bc + 2.0 * ab * bc
    coefficient_b = -bc * aa - ac
    return c + 2.0 * (coefficient_a * a + coefficient_b * b) / (1.0 + 2.0 * ab + aa * bb)

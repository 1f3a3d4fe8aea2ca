"""Unit spheres inside a linear subspace of ``Rⁿ`` or inside its orthogonal complement."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds.base import Manifold, check_array, check_shape, point_tolerance
from riemgd.manifolds.sphere import Sphere


class _SphereInSubspace(Manifold):
    """``{x ∈ W : ‖x‖ = 1}`` for a linear subspace ``W ⊂ Rⁿ`` with orthogonal
    projector ``P_W``: a great sphere of ``S^{n−1}``, with the induced metric.

    * ``P_x u = P_W(u − ⟨x, u⟩ x)``; ``grad f = P_x ∇f``
    * ``Hess f[u] = P_x ∇²f[u] − ⟨x, ∇f⟩ u`` (the sphere's Weingarten map; ``W`` is flat)
    * retraction, ``exp``, ``log``, ``dist`` and ``pair_mean`` are the sphere's
      (a great circle through two points of ``W`` stays in ``W``); transport by projection.

    The subspace is given by a matrix whose columns span a subspace ``U``;
    ``W`` is ``U`` or ``U^⊥``. Its orthonormal basis comes from the SVD of the
    matrix (rank: singular values above ``max(n, r) ε σ_max``), on the host.
    """

    _complement = False

    def __init__(self, matrix: Any):
        if not hasattr(matrix, "shape") or not hasattr(matrix, "dtype") or len(matrix.shape) != 2:
            raise ValueError(f"matrix must be a 2-dimensional array, got {type(matrix).__name__}")
        matrix = backend.to_numpy(matrix)
        n, r = matrix.shape
        if n < r:
            raise ValueError(f"matrix cannot have fewer rows than columns, got shape {matrix.shape}")
        if not np.issubdtype(matrix.dtype, np.floating) and not np.issubdtype(matrix.dtype, np.integer):
            raise TypeError(f"matrix must be a real array, got dtype {matrix.dtype}")
        if not np.all(np.isfinite(matrix)):
            raise ValueError("matrix contains NaN or Inf")
        self._matrix = np.array(matrix, dtype=np.float64)  # a private copy
        left, singular, _ = np.linalg.svd(self._matrix, full_matrices=False)
        rank = int(np.sum(singular > max(n, r) * np.finfo(np.float64).eps * (singular[0] if r else 0.0)))
        self._basis = left[:, :rank]  # orthonormal basis of U = range(matrix)
        self._n = n
        subspace = n - rank if self._complement else rank
        if subspace < 2:
            raise ValueError(
                f"the subspace the sphere lies in has dimension {subspace}; at least 2 is needed "
                "for a sphere of dimension ≥ 1"
            )
        self._sphere = Sphere(n)
        self._bases: dict[tuple[type, str], Any] = {}
        where = "orthogonal to" if self._complement else "intersecting"
        super().__init__(
            f"Sphere manifold of {n}-dimensional vectors {where} a {rank}-dimensional subspace", subspace - 1
        )

    @property
    def matrix(self) -> np.ndarray:
        """A copy of the matrix whose columns span ``U``."""
        return self._matrix.copy()

    @property
    def typical_dist(self) -> float:
        return math.pi

    def _basis_like(self, like: Any) -> Any:
        key = (type(like), str(like.dtype))
        if key not in self._bases:
            self._bases[key] = backend.as_array_like(self._basis, like)
        return self._bases[key]

    def _into_subspace(self, vector: Any) -> Any:
        """``P_W v``: ``Q Qᵀ v`` for ``W = U``, ``v − Q Qᵀ v`` for ``W = U^⊥``."""
        basis = self._basis_like(vector)
        inside = basis @ (basis.T @ vector)
        return vector - inside if self._complement else inside

    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        return backend.inner(tangent_vector_a, tangent_vector_b)

    def projection(self, point: Any, vector: Any) -> Any:
        check_shape(point, (self._n,), "point")
        check_shape(vector, (self._n,), "vector")
        return self._into_subspace(vector - backend.inner(point, vector) * point)

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        check_shape(euclidean_gradient, (self._n,), "euclidean_gradient")
        return self.projection(point, euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> Any:
        """``Hess f(x)[u] = P_x ∇²f(x)[u] − ⟨x, ∇f(x)⟩ u``."""
        check_shape(euclidean_gradient, (self._n,), "euclidean_gradient")
        check_shape(tangent_vector, (self._n,), "tangent_vector")
        return self.projection(point, euclidean_hessian) - backend.inner(point, euclidean_gradient) * tangent_vector

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        return self._sphere.retraction(point, tangent_vector)

    def exp(self, point: Any, tangent_vector: Any) -> Any:
        return self._sphere.exp(point, tangent_vector)

    def log(self, point_a: Any, point_b: Any) -> Any:
        return self._sphere.log(point_a, point_b)

    def dist(self, point_a: Any, point_b: Any) -> Any:
        return self._sphere.dist(point_a, point_b)

    def pair_mean(self, point_a: Any, point_b: Any) -> Any:
        """``(a + b)/‖a + b‖``, the midpoint of the great-circle arc."""
        check_shape(point_a, (self._n,), "point_a")
        check_shape(point_b, (self._n,), "point_b")
        total = point_a + point_b
        return total / backend.namespace(total).sqrt(backend.inner(total, total))

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        # P_W of an isotropic Gaussian is isotropic in W: uniform on the sphere once normalized
        x = self._into_subspace(backend.default_rng(rng).standard_normal(self._n))
        return x / np.linalg.norm(x)

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = self.projection(
            point, backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self._n), point)
        )
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, (self._n,), name)
        xp = backend.namespace(point)
        tolerance = point_tolerance(atol, point)
        norm = backend.to_float(xp.sqrt(backend.inner(point, point)))
        if abs(norm - 1.0) > tolerance:
            raise ValueError(f"{name} must have unit norm, got norm {norm:.6g}")
        outside = point - self._into_subspace(point)
        defect = backend.to_float(xp.sqrt(backend.inner(outside, outside)))
        if defect > tolerance:
            where = "orthogonal to" if self._complement else "in"
            raise ValueError(f"{name} must lie {where} the subspace, got a distance {defect:.3g} from it")


class SphereSubspaceIntersection(_SphereInSubspace):
    """Unit vectors of ``Rⁿ`` in the subspace ``U = range(matrix)``:
    ``{x ∈ U : ‖x‖ = 1}``, of dimension ``dim U − 1`` (pymanopt's ``SphereSubspaceIntersection``).

    * ``P_x u = Q Qᵀ (u − ⟨x, u⟩ x)`` with ``Q`` an orthonormal basis of ``U``
    * ``Hess f[u] = P_x ∇²f[u] − ⟨x, ∇f⟩ u``; the sphere's retraction,
      ``exp``, ``log``, ``dist``, ``pair_mean``; transport by projection.

    Differences from pymanopt: ``to_tangent_space`` is this projection
    (pymanopt 2.2.1's alias is bound to the full sphere's projection, which
    leaves the subspace); ``Q`` spans ``range(matrix)`` even when the matrix is
    rank deficient (pymanopt's QR factor then spans more); a subspace of
    dimension < 2 (a manifold of isolated points) is refused with a
    ``ValueError`` instead of a warning.

    Args:
        matrix: An ``n × r`` array (``n ≥ r``) whose columns span ``U``.
    """


class SphereSubspaceComplementIntersection(_SphereInSubspace):
    """Unit vectors of ``Rⁿ`` orthogonal to ``U = range(matrix)``:
    ``{x ∈ U^⊥ : ‖x‖ = 1}``, of dimension ``n − dim U − 1`` (pymanopt's
    ``SphereSubspaceComplementIntersection``).

    * ``P_x u = (I − Q Qᵀ)(u − ⟨x, u⟩ x)`` with ``Q`` an orthonormal basis of ``U``
    * ``Hess f[u] = P_x ∇²f[u] − ⟨x, ∇f⟩ u``; the sphere's retraction,
      ``exp``, ``log``, ``dist``, ``pair_mean``; transport by projection.

    Differences from pymanopt: as for :class:`SphereSubspaceIntersection`
    (``to_tangent_space``, rank-deficient matrices, complements of dimension < 2).

    Args:
        matrix: An ``n × r`` array (``n ≥ r``) whose columns span ``U``.
    """

    _complement = True

"""The manifold of ``m × n`` real matrices of rank ``k``, embedded in ``R^{m×n}``."""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._matrix import orthonormal_factor, row
from riemgd.manifolds.base import Manifold, check_array, point_tolerance
from riemgd.manifolds.product import ProductVector


class FixedRankPoint(ProductVector):
    """A point ``X = U diag(s) Vᵀ`` as the triple ``(u, s, vt)`` (a tuple; also
    readable as ``.u``, ``.s``, ``.vt``, as pymanopt's ``_FixedRankPoint``)."""

    @property
    def u(self) -> Any:
        return self[0]

    @property
    def s(self) -> Any:
        return self[1]

    @property
    def vt(self) -> Any:
        return self[2]


class FixedRankTangentVector(ProductVector):
    """A tangent vector ``(Up, M, Vp)`` standing for ``Ẋ = U M Vᵀ + Up Vᵀ + U Vpᵀ``
    (``UᵀUp = 0``, ``VᵀVp = 0``): a tuple with the arithmetic optimizers use, also
    readable as ``.Up``, ``.M``, ``.Vp`` (as pymanopt's ``_FixedRankTangentVector``)."""

    @property
    def Up(self) -> Any:  # pymanopt's names
        return self[0]

    @property
    def M(self) -> Any:
        return self[1]

    @property
    def Vp(self) -> Any:
        return self[2]


class FixedRankEmbedded(Manifold):
    """Real ``m × n`` matrices of rank ``k`` with the metric induced by ``R^{m×n}``
    (Vandereycken 2013), points kept as a thin SVD.

    A point is ``(u, s, vt)``: ``U`` (``m × k``, orthonormal columns), ``s``
    (``k`` positive singular values) and ``Vᵀ`` (``k × n``, orthonormal rows),
    ``X = U diag(s) Vᵀ`` (:meth:`embed`). A tangent vector is ``(Up, M, Vp)`` with
    ``UᵀUp = 0`` and ``VᵀVp = 0``; it stands for ``Ẋ = U M Vᵀ + Up Vᵀ + U Vpᵀ``
    (:meth:`embedding`). The three parts are orthogonal, so
    ``⟨Ẋ₁, Ẋ₂⟩ = ⟨Up₁, Up₂⟩ + ⟨M₁, M₂⟩ + ⟨Vp₁, Vp₂⟩``.

    * ``P_X(Z) = (Z V − U M, M = UᵀZV, ZᵀU − V Mᵀ)`` for an ambient ``Z``, given as an
      ``m × n`` array or factored as ``(A, S, B)`` with ``Z = A S Bᵀ`` (pymanopt's convention)
    * ``grad f``: the projection of an ``m × n`` Euclidean gradient, or, given the
      gradients ``(∂U, ∂s, ∂Vᵀ)`` of a cost written in the factors (what autograd
      returns for ``cost(point)``), pymanopt's formula from the derivative of the SVD
      (Townsend 2016): ``Up = (I − UUᵀ) ∂U S⁻¹``, ``Vp = (I − VVᵀ)(∂Vᵀ)ᵀ S⁻¹``,
      ``M = F∘(Uᵀ∂U − ∂UᵀU) S + S F∘(Vᵀ∂V − ∂VᵀV) + diag(∂s)``, ``F_ij = 1/(s_j² − s_i²)``
      (``i ≠ j``; a cost of the factors is smooth in ``X`` only while the singular values are distinct)
    * ``Hess f(X)[Ẋ] = P_X(∇²f(X)[Ẋ]) + ((I − UUᵀ) ∇f V_p S⁻¹, 0, (I − VVᵀ) ∇fᵀ U_p S⁻¹)``
      (the curvature term of Vandereycken 2013 and manopt's ``fixedrankembeddedfactory``),
      with the ``m × n`` Euclidean gradient ``∇f(X)`` and ``∇²f(X)[Ẋ]``
    * ``R_X(Ẋ)``: the rank-``k`` truncated SVD of ``X + Ẋ`` (the metric projection,
      second order; Absil & Malick 2012), from the SVD of a ``2k × 2k`` matrix;
      the new singular vectors are signed to align with the old ones, so that the
      factors move continuously along ``t ↦ R_X(tẊ)``
    * transport by projection, ``P_Y(Ẋ)``, through the factored ``Ẋ`` (``O((m + n)k²)``).

    Differences from pymanopt: :meth:`embedding` returns the ``m × n`` matrix ``Ẋ``
    (pymanopt: a factored triple); the retraction aligns the signs of the singular
    vectors with the input's and does not add ``ε`` to the singular values (the
    matrix it represents agrees with pymanopt's to round-off);
    :meth:`euclidean_to_riemannian_gradient` also accepts an ``m × n`` gradient;
    :meth:`euclidean_to_riemannian_hessian` exists (pymanopt has none);
    :meth:`random_point` draws singular values in ``(1, 2)`` (pymanopt: ``(0, 1)``). Host or
    device arrays alike (array-API routines only).

    Args:
        m: Number of rows.
        n: Number of columns.
        k: The rank, ``1 ≤ k ≤ min(m, n)``.
    """

    def __init__(self, m: int, n: int, k: int):
        if not all(int(v) == v for v in (m, n, k)) or not 1 <= k <= min(m, n):
            raise ValueError(f"m, n and k must be integers with 1 ≤ k ≤ min(m, n), got m={m}, n={n}, k={k}")
        self._m, self._n, self._k = int(m), int(n), int(k)
        self._tangent_shapes = self._shapes()
        super().__init__(f"Embedded manifold of {m}x{n} matrices of rank {k}", (m + n - k) * k, point_layout=3)

    @property
    def typical_dist(self) -> float:
        return float(self.dim)  # pymanopt's choice

    # ------------------------------------------------------------ helpers
    def _shapes(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        return (self._m, self._k), (self._k, self._k), (self._n, self._k)

    def _check_tangent(self, vector: Any, name: str) -> None:
        if not isinstance(vector, (tuple, list)) or len(vector) != 3:
            raise ValueError(f"{name} must be a tangent vector (Up, M, Vp), got {type(vector).__name__}")
        shapes = tuple(getattr(part, "shape", None) for part in vector)
        if shapes == self._tangent_shapes:  # the common case in an optimizer's loop, checked in one comparison
            return
        for shape, expected, label in zip(shapes, self._tangent_shapes, ("Up", "M", "Vp"), strict=True):
            if shape is None or tuple(shape) != expected:
                raise ValueError(f"{name}.{label} must have shape {expected}, got {shape}")

    def _check_ambient(self, vector: Any, name: str) -> None:
        shape = getattr(vector, "shape", None)
        if shape is None or tuple(shape) != (self._m, self._n):
            got = type(vector).__name__ if shape is None else f"shape {tuple(shape)}"
            raise ValueError(f"{name} must be an array of shape {(self._m, self._n)}, got {got}")

    def _project_factored(self, point: Any, left: Any, right_t: Any) -> FixedRankTangentVector:
        """``P_X(Z)`` for ``Z = left @ right_t`` without forming ``Z``."""
        u, _, vt = point
        zv = left @ (right_t @ vt.T)  # Z V
        ztu = right_t.T @ (left.T @ u)  # Zᵀ U
        m = u.T @ zv
        return FixedRankTangentVector((zv - u @ m, m, ztu - vt.T @ m.T))

    def _project_dense(self, point: Any, z: Any) -> FixedRankTangentVector:
        u, _, vt = point
        zv = z @ vt.T
        m = u.T @ zv
        return FixedRankTangentVector((zv - u @ m, m, z.T @ u - vt.T @ m.T))

    # ------------------------------------------------------------ the metric
    def inner_product(self, point: Any, tangent_vector_a: Any, tangent_vector_b: Any) -> Any:
        # ⟨Up₁, Up₂⟩ + ⟨M₁, M₂⟩ + ⟨Vp₁, Vp₂⟩, written out (an optimizer's loop calls it often)
        (up_a, m_a, vp_a), (up_b, m_b, vp_b) = tangent_vector_a, tangent_vector_b
        return backend.inner(up_a, up_b) + backend.inner(m_a, m_b) + backend.inner(vp_a, vp_b)

    def projection(self, point: Any, vector: Any) -> FixedRankTangentVector:
        """``P_X(Z)`` for an ambient ``Z``: an ``m × n`` array, or ``(A, S, B)`` with ``Z = A S Bᵀ``."""
        if isinstance(vector, FixedRankTangentVector):
            raise TypeError(
                "vector must be an ambient m x n matrix or a factored (A, S, B), not a tangent vector "
                "(Up, M, Vp); use embedding(point, vector) first, or to_tangent_space"
            )
        if isinstance(vector, (tuple, list)):
            if len(vector) != 3:
                raise ValueError(f"a factored vector must be (A, S, B) with Z = A S Bᵀ, got {len(vector)} arrays")
            a, s, b = vector
            return self._project_factored(point, a @ s, b.T)
        self._check_ambient(vector, "vector")
        return self._project_dense(point, vector)

    def to_tangent_space(self, point: Any, vector: Any) -> FixedRankTangentVector:
        """``(Up − UUᵀUp, M, Vp − VVᵀVp)``: a triple made tangent (pymanopt's meaning)."""
        self._check_tangent(vector, "vector")
        u, _, vt = point
        up, m, vp = vector
        return FixedRankTangentVector((up - u @ (u.T @ up), m, vp - vt.T @ (vt @ vp)))

    def euclidean_to_riemannian_gradient(self, point: Any, euclidean_gradient: Any) -> FixedRankTangentVector:
        """``P_X(∇f)`` for an ``m × n`` gradient; for the factor gradients ``(∂U, ∂s, ∂Vᵀ)``
        of a cost written in ``(u, s, vt)``, the SVD-derivative formula of the class docstring."""
        if not isinstance(euclidean_gradient, (tuple, list)):
            self._check_ambient(euclidean_gradient, "euclidean_gradient")
            return self._project_dense(point, euclidean_gradient)
        if len(euclidean_gradient) != 3:
            raise ValueError("euclidean_gradient must be an m x n array or the factor gradients (du, ds, dvt)")
        for part, shape, label in zip(
            euclidean_gradient, ((self._m, self._k), (self._k,), (self._k, self._n)), ("du", "ds", "dvt"), strict=True
        ):
            if tuple(getattr(part, "shape", ())) != shape:
                got = getattr(part, "shape", None)
                raise ValueError(f"euclidean_gradient {label} must have shape {shape}, got {got}")
        u, s, vt = point
        du, ds, dvt = euclidean_gradient
        xp = backend.namespace(u, du)
        utdu = u.T @ du
        vtdv = vt @ dvt.T  # Vᵀ ∂V with ∂V = (∂Vᵀ)ᵀ
        squares = s * s
        difference = squares - squares[:, None]  # s_j² − s_i² (s is 1-d: it broadcasts as a row)
        off_diagonal = xp.eye(self._k, dtype=u.dtype) == 0
        f = xp.where(off_diagonal, 1.0 / xp.where(off_diagonal, difference, xp.ones_like(difference)), 0.0)
        m = f * (utdu - utdu.T) * s + s[:, None] * (f * (vtdv - vtdv.T)) + xp.eye(self._k, dtype=u.dtype) * ds
        up = (du - u @ utdu) / s  # columns divided by s_j
        vp = (dvt.T - vt.T @ vtdv) / s
        return FixedRankTangentVector((up, m, vp))

    def euclidean_to_riemannian_hessian(
        self, point: Any, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: Any
    ) -> FixedRankTangentVector:
        """``P_X(∇²f[Ẋ]) + ((I − UUᵀ)∇f Vp S⁻¹, 0, (I − VVᵀ)∇fᵀ Up S⁻¹)`` with the ``m × n``
        Euclidean gradient ``∇f(X)`` and Hessian-vector product ``∇²f(X)[embedding(X, Ẋ)]``.

        The factor gradients ``(∂U, ∂s, ∂Vᵀ)`` do not determine the normal part of
        ``∇f(X)`` that the curvature term needs, so they are refused."""
        if isinstance(euclidean_gradient, (tuple, list)):
            raise TypeError(
                "euclidean_to_riemannian_hessian needs the m x n Euclidean gradient of the cost as a function of "
                "X = U diag(s) Vᵀ; factor gradients (du, ds, dvt) do not determine its normal part"
            )
        self._check_ambient(euclidean_gradient, "euclidean_gradient")
        self._check_ambient(euclidean_hessian, "euclidean_hessian")
        self._check_tangent(tangent_vector, "tangent_vector")
        u, s, vt = point
        up, m, vp = self._project_dense(point, euclidean_hessian)
        gvp = (euclidean_gradient @ tangent_vector[2]) / row(s)  # ∇f Vp S⁻¹
        gtup = (euclidean_gradient.T @ tangent_vector[0]) / row(s)  # ∇fᵀ Up S⁻¹
        return FixedRankTangentVector((up + gvp - u @ (u.T @ gvp), m, vp + gtup - vt.T @ (vt @ gtup)))

    # ---------------------------------------------------- moving on the manifold
    def retraction(self, point: Any, tangent_vector: Any) -> FixedRankPoint:
        self._check_tangent(tangent_vector, "tangent_vector")
        u, s, vt = point
        up, m, vp = tangent_vector
        xp = backend.namespace(u, up)
        k = self._k
        # X + Ẋ = [U Qu] T [V Qv]ᵀ with Up = Qu Ru, Vp = Qv Rv and T = [[S + M, Rvᵀ], [Ru, 0]]
        qu, ru = xp.linalg.qr(up)
        qv, rv = xp.linalg.qr(vp)
        top = backend.concat(xp, [xp.eye(k, dtype=u.dtype) * s + m, rv.T], axis=1)
        bottom = backend.concat(xp, [ru, xp.zeros((k, k), dtype=u.dtype)], axis=1)
        w, sigma, zt = xp.linalg.svd(backend.concat(xp, [top, bottom], axis=0))
        # the new factors are U' = [U Qu] W[:, :k] and V' = [V Qv] Zᵀ[:k]ᵀ; as UᵀQu = 0 and VᵀQv = 0,
        # ⟨u_j, u'_j⟩ + ⟨v_j, v'_j⟩ = W_jj + Zᵀ_jj: flip the pairs (u'_j, v'_j) that the SVD returned
        # with the opposite orientation to (U, V), in the small factors before the products
        alignment = xp.linalg.diagonal(w)[:k] + xp.linalg.diagonal(zt)[:k]
        ones = xp.ones_like(alignment)
        signs = xp.where(alignment < 0, -ones, ones)
        w = w[:, :k] * signs
        z = zt[:k] * signs[:, None]
        new_u = u @ w[:k] + qu @ w[k:]
        new_vt = z[:, :k] @ vt + z[:, k:] @ qv.T  # V'ᵀ = Zᵀ[:k] [V Qv]ᵀ
        return FixedRankPoint((new_u, sigma[:k], new_vt))

    def transport(self, point_a: Any, point_b: Any, tangent_vector_a: Any) -> FixedRankTangentVector:
        """``P_{X_b}(Ẋ)`` in the factors: with ``A = VᵀV_b`` and ``B = UᵀU_b`` (``k × k``),
        ``Ẋ V_b = U (M A + Vpᵀ V_b) + Up A``, ``Ẋᵀ U_b = V (Mᵀ B + Upᵀ U_b) + Vp B`` and
        ``M_b = U_bᵀ Ẋ V_b = Bᵀ (M A + Vpᵀ V_b) + (Upᵀ U_b)ᵀ A``
        (``O((m + n)k²)``, no ``m × n`` matrix formed)."""
        self._check_tangent(tangent_vector_a, "tangent_vector_a")
        u, _, vt = point_a
        u_b, _, vt_b = point_b
        up, m, vp = tangent_vector_a
        a = vt @ vt_b.T  # Vᵀ V_b
        b = u.T @ u_b  # Uᵀ U_b
        k_v = m @ a + (vt_b @ vp).T  # M A + Vpᵀ V_b
        up_ub = up.T @ u_b  # Upᵀ U_b
        zv = u @ k_v + up @ a  # Ẋ V_b
        ztu = vt.T @ (m.T @ b + up_ub) + vp @ b  # Ẋᵀ U_b
        m_b = b.T @ k_v + up_ub.T @ a
        return FixedRankTangentVector((zv - u_b @ m_b, m_b, ztu - vt_b.T @ m_b.T))

    # ---------------------------------------------------- the ambient space
    def embed(self, point: Any) -> Any:
        """``X = U diag(s) Vᵀ`` (``m × n``)."""
        u, s, vt = point
        return (u * s) @ vt

    def embedding(self, point: Any, tangent_vector: Any) -> Any:
        """``Ẋ = (U M + Up) Vᵀ + U Vpᵀ`` (``m × n``)."""
        self._check_tangent(tangent_vector, "tangent_vector")
        u, _, vt = point
        up, m, vp = tangent_vector
        return (u @ m + up) @ vt + u @ vp.T

    def zero_vector(self, point: Any) -> FixedRankTangentVector:
        xp = backend.namespace(point[0])
        dtype = point[0].dtype
        return FixedRankTangentVector(xp.zeros(shape, dtype=dtype) for shape in self._shapes())

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> FixedRankPoint:
        """``U``, ``V`` Haar-distributed frames and ``s`` uniform draws in ``(1, 2)``, decreasing.

        pymanopt draws ``s`` in ``(0, 1)``, where a singular value near 0 puts the
        point near the boundary of the manifold (curvature ``~ 1/s_k``)."""
        generator = backend.default_rng(rng)
        u = orthonormal_factor(generator.standard_normal((self._m, self._k)))
        s = np.sort(1.0 + generator.uniform(size=self._k))[::-1].copy()
        v = orthonormal_factor(generator.standard_normal((self._n, self._k)))
        return FixedRankPoint((u, s, v.T.copy()))

    def random_tangent_vector(
        self, point: Any, *, rng: np.random.Generator | int | None = None
    ) -> FixedRankTangentVector:
        generator = backend.default_rng(rng, stream=1)
        raw = FixedRankTangentVector(
            backend.as_array_like(generator.standard_normal(shape), point[0]) for shape in self._shapes()
        )
        u = self.to_tangent_space(point, raw)
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        if not isinstance(point, (tuple, list)) or len(point) != 3:
            raise ValueError(f"{name} must be a triple (u, s, vt), got {type(point).__name__}")
        u, s, vt = point
        check_array(u, (self._m, self._k), f"{name}.u")
        check_array(s, (self._k,), f"{name}.s")
        check_array(vt, (self._k, self._n), f"{name}.vt")
        xp = backend.namespace(u, s, vt)
        identity = xp.eye(self._k, dtype=u.dtype)
        for label, frame in (("u", u), ("vt", vt.T)):
            defect = backend.to_float(xp.max(xp.abs(frame.T @ frame - identity)))
            if defect > point_tolerance(atol, frame):
                raise ValueError(f"{name}.{label} must be orthonormal, got a Gram-matrix defect of {defect:.3g}")
        smallest = backend.to_float(xp.min(s))
        if smallest <= 0:
            raise ValueError(f"{name}.s must hold positive singular values (rank {self._k}), got min {smallest:.3g}")

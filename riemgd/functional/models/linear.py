"""Linear and quadratic models in a feature basis: the seed's toy manifolds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from riemgd import backend
from riemgd.functional.models.base import Array, Model, check_matrix, check_theta

Features = Callable[[Array], Array] | Array | None


def _feature_matrix(features: Features, x: Array, like: Array, columns: int | None = None) -> Array:
    """``Φ(x)`` of shape ``(m, K)``; ``None`` features mean ``Φ = I`` (the model
    returns its coefficient vector, as on a ``Weighted`` space). ``columns``:
    the ``K`` that ``B`` expects."""
    if features is None:
        return None
    phi = features(x) if callable(features) else features
    if callable(features) and "complex" in str(getattr(phi, "dtype", "")):
        raise TypeError(f"features must return real values, got complex dtype {phi.dtype}")
    if getattr(phi, "ndim", 0) != 2:
        raise ValueError(f"features must give an (m, K) matrix, got shape {getattr(phi, 'shape', None)}")
    if columns is not None and phi.shape[1] != columns:
        raise ValueError(f"features must give K = {columns} columns to match B, got shape {tuple(phi.shape)}")
    if not backend.is_finite(phi):
        raise ValueError("features contain NaN or Inf")
    return phi


class Linear(Model):
    """``v_θ(x) = θᵀ B Φ(x)``: a linear model in the features ``Φ = (Φ₁, …, Φ_K)``.

    Its Jacobian ``J = Φ(x) Bᵀ`` does not depend on ``θ``, so natural gradient
    with step 1 reaches the ``V``-orthogonal projection of the target in one step.

    Args:
        features: ``features(x) -> (m, K)`` array of basis functions at the
            points, a fixed ``(m, K)`` array, or ``None`` for ``Φ = I`` (the
            model's values are the coefficients ``Bᵀθ``, e.g. on a
            :class:`~riemgd.spaces.Weighted` space).
        B: ``(p, K)`` matrix; the identity (``p = K``) by default, which needs
            ``features`` given as an array (so that ``K`` is known).
    """

    def __init__(self, features: Features = None, B: Array | None = None):
        if features is not None and not callable(features):
            if getattr(features, "ndim", 0) != 2:
                raise ValueError(f"features must be callable, an (m, K) array, or None, got {type(features).__name__}")
            check_matrix(features, 2, "features", "an (m, K) array", finite=False)  # NaN: at evaluation
        if B is None:
            if features is None or callable(features):
                raise ValueError(
                    "give B when features is a function or None (the number of parameters is otherwise unknown)"
                )
            self.B = None
            self.num_params = features.shape[1]
        else:
            check_matrix(B, 2, "B", "a (p, K) matrix")
            if features is not None and not callable(features) and features.shape[1] != B.shape[1]:
                raise ValueError(
                    f"features must have K = {B.shape[1]} columns to match B {tuple(B.shape)}, "
                    f"got shape {tuple(features.shape)}"
                )
            self.B = B
            self.num_params = B.shape[0]
        self.features = features
        self._cache: tuple[Any, Array] | None = None

    constant_jacobian = True

    def _jacobian(self, theta: Array, x: Array) -> Array:
        # J = Φ(x) Bᵀ is independent of θ: keep the last one per point set
        if self._cache is not None and self._cache[0] is x:
            return self._cache[1]
        phi = _feature_matrix(self.features, x, theta, None if self.B is None else self.B.shape[1])
        if phi is None:  # Φ = I (B is then given)
            jac = self.B.T
        else:  # J = Φ Bᵀ, or Φ itself when B = I (no m·p² product)
            jac = phi if self.B is None else phi @ self.B.T
        self._cache = (x, jac)
        return jac

    def evaluate(
        self, theta: Array, x: Array, terms: Sequence[str] = ("value",), *, jacobian: bool = True
    ) -> tuple[list[Array], list[Array] | None]:
        if tuple(terms) != ("value",):
            raise ValueError(f"Linear models provide values only, not {tuple(terms)}; use Function or ShallowNetwork")
        check_theta(theta, self.num_params)
        jac = self._jacobian(theta, x)
        return [jac @ theta], ([jac] if jacobian else None)


class Quadratic(Linear):
    """``v_θ(x) = (θᵀB + ½ θᵀQθ) Φ(x)``: the seed's nonlinear (quadratic) manifold.

    The coefficients are ``c(θ)_k = Σᵢ Bᵢₖ θᵢ + ½ Σᵢⱼ Qᵢⱼₖ θᵢ θⱼ`` and the
    Jacobian is ``∂v/∂θᵢ = (Bᵢ + Qᵢθ) Φ(x)``, ``(Qᵢθ)_k = Σⱼ Qᵢⱼₖ θⱼ``
    (``Q`` is symmetrized in ``i, j``, which leaves ``v_θ`` unchanged).

    Args:
        features: As for :class:`Linear`.
        B: ``(p, K)`` matrix.
        Q: ``(p, p, K)`` array.
    """

    constant_jacobian = False  # ∂v/∂θ = (B + Qθ)Φ

    def __init__(self, features: Features, B: Array, Q: Array):
        super().__init__(features, B)
        p, k = B.shape
        if tuple(getattr(Q, "shape", ())) != (p, p, k):
            raise ValueError(f"Q must have shape ({p}, {p}, {k}) to match B, got {getattr(Q, 'shape', None)}")
        check_matrix(Q, 3, "Q", f"a ({p}, {p}, {k}) array")
        xp = backend.namespace(Q)
        self.Q = 0.5 * (Q + xp.permute_dims(Q, (1, 0, 2)))

    def _coefficients(self, theta: Array) -> tuple[Array, Array]:
        """``(c(θ), ∂c/∂θ)`` of shapes ``(K,)`` and ``(K, p)``."""
        xp = backend.namespace(theta)
        q_theta = xp.tensordot(theta, self.Q, axes=([0], [1]))  # (p, K): Σⱼ θⱼ Qᵢⱼₖ
        coefficients = self.B.T @ theta + 0.5 * (q_theta.T @ theta)
        return coefficients, (self.B + q_theta).T

    def evaluate(
        self, theta: Array, x: Array, terms: Sequence[str] = ("value",), *, jacobian: bool = True
    ) -> tuple[list[Array], list[Array] | None]:
        if tuple(terms) != ("value",):
            raise ValueError(f"Quadratic models provide values only, not {tuple(terms)}")
        check_theta(theta, self.num_params)
        coefficients, coefficient_jacobian = self._coefficients(theta)
        phi = _feature_matrix(self.features, x, theta, self.B.shape[1])
        if phi is None:
            return [coefficients], ([coefficient_jacobian] if jacobian else None)
        return [phi @ coefficients], ([phi @ coefficient_jacobian] if jacobian else None)

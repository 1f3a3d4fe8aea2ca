"""The Riemannian Hessian on a model manifold ``M = {v_θ = A(θ)} ⊂ V``.

In parameter coordinates, with ``J = ∂A/∂θ``, the metric ``G = JᵀKJ`` of a
space whose ``K`` does not depend on ``v``, and ``f = L ∘ A``:

* the coordinate Hessian of ``f`` is ``∇²_θ f[c] = Jᵀ ∂²L (J c) + D_c(Jᵀ) q``,
  ``q = ∂L/∂v``, where ``D_c(Jᵀ) r = Σ_j ⟨r, ∂²A[c, e_j]⟩ e_j`` is the
  curvature of the model (zero for a linear model);
* the pullback metric's Christoffel symbols of the first kind are
  ``Γ_{l,kj} = ⟨∂_l A, ∂_k∂_j A⟩_K``, so the Levi-Civita Hessian is
  ``Hess f[c] = G⁻¹(∇²_θ f[c] − D_c(Jᵀ)(K J grad f))``, ``grad f = G⁻¹ ∇_θ f``;
* together, for a functional loss, ``Hess f[c] = G⁻¹(Jᵀ ∂²L J c + D_c(Jᵀ)(K (∇L)^⊥))``
  with the normal part ``(∇L)^⊥ = ∇L − P_T ∇L = K⁻¹q − J grad f``: the
  Gauss–Newton part plus the curvature term ``⟨(∇L)^⊥, ∂²A[c, ·]⟩_K`` (the
  second fundamental form of ``M ⊂ V`` against the normal residual). With the
  full ``∇L`` in place of its normal part one gets ``G⁻¹∇²_θ f``, the
  parameter-coordinates Hessian; the two agree where ``grad f = 0``.

``G`` is the manifold's ``G_Λ = G + Λ``. The formula is exact for a constant
shift ``Λ`` (``damping=λ``); the rank-deficiency cutoff, whose ``Λ`` follows
``diag G(θ)``, and an adaptive damping schedule make it an approximation (the
derivative of ``Λ`` is neglected).

``D_c(Jᵀ) r`` is a central difference of the Jacobian along ``c``,
``(J(θ + h ĉ) − J(θ − h ĉ))ᵀ r ‖c‖_∞ / 2h`` with ``ĉ = c/‖c‖_∞`` and
``h = ε^{1/3} max(1, ‖θ‖_∞)``: error ``O(h²)`` (relative ``~1e-10``), and exact
up to round-off for models quadratic in ``θ`` (``Linear``, ``Quadratic``). It
evaluates two Jacobians per Hessian product, outside the manifold's point
cache (the points ``θ ± h ĉ`` are not kept).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd import backend

Array = Any


def jacobian_transpose_derivative(model: Any, space: Any, theta: Array, direction: Array, covector: Array) -> Array:
    """``D_c(J(θ)ᵀ) r = Σ_j ⟨r, ∂²A(θ)[c, e_j]⟩ e_j`` by central differences (module docstring)."""
    xp = backend.namespace(theta)
    scale = backend.to_float(xp.max(xp.abs(direction)))
    if scale == 0.0:
        return xp.zeros_like(theta)
    h = float(np.cbrt(np.finfo(float).eps)) * max(1.0, backend.to_float(xp.max(xp.abs(theta))))
    unit = direction / scale
    _, plus = space.evaluate(model, theta + h * unit, jacobian=True)
    _, minus = space.evaluate(model, theta - h * unit, jacobian=True)
    return (scale / (2.0 * h)) * (plus.T @ covector - minus.T @ covector)


def require_constant_metric(space: Any) -> None:
    """The Christoffel symbols above assume ``K`` independent of ``v``."""
    if not getattr(space, "constant_metric", True):
        raise NotImplementedError(
            f"the Riemannian Hessian on a model manifold needs a space whose metric does not depend on the "
            f"values; {type(space).__name__}'s does"
        )


def loss_hessian_vector_product(loss: Any, values: Array, space: Any, vector: Array) -> Array:
    """``∂²L(v)[w]``, the loss's Euclidean Hessian-vector product in the values."""
    product = getattr(loss, "hessian_vector_product", None)
    if product is None:
        raise NotImplementedError(f"the loss {type(loss).__name__} has no hessian_vector_product")
    return product(values, space, vector)

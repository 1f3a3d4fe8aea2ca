"""Products with the whitened Jacobian ``A = S J`` of a model manifold at one point,
for solvers that never factor the metric.

Two sources, one interface (``forward(c) = A c``, ``gram_apply(c) = AᵀA c``,
``pull(g) = Aᵀ S g = Jᵀ K g``, ``jvp(c) = J c``, ``vjp(q) = Jᵀ q``):

* :class:`ModelProducts` — Jacobian–vector and vector–Jacobian products of the
  model itself (``model.jvp(θ, x, c, operator=term)``,
  ``model.vjp(θ, x, r, operator=term)``, as :class:`~riemgd.models.MLP` has them),
  term by term in the layout of :meth:`Space.evaluate` (terms stacked, each
  output-major), with the metric applied as ``K v``: ``J`` is never formed;
  on chunked (dask) points the model's products run per chunk
  (:func:`riemgd.chunked.jvp`, :func:`riemgd.chunked.vjp`: ``Jᵀy = Σ_c J_cᵀ y_c``);
* :class:`MatrixProducts` — plain products with a formed ``A`` (any model);
  on chunked (dask) points ``A`` is chunked along samples and every product
  ``Aᵀ(·)`` is a per-chunk reduction brought to the client.

``K v`` without a factorization: :func:`metric_function` finds it for spaces
whose whitening is diagonal (``L2``, ``H1``: ``K = diag``), ``Weighted``
(``metric_apply``) and spaces with ``whiten_transpose`` (``Pullback``,
``HessianWeighted``: ``K v = Sᵀ(S v)``); other spaces use :class:`MatrixProducts`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riemgd import backend, chunked

Array = Any


def metric_function(space: Any, values: Array) -> Callable[[Array], Array] | None:
    """``v ↦ K v`` at ``values`` (``K = SᵀS``, the metric ``space.whiten`` factors), or
    None when the space gives no way to apply it to a vector."""
    from riemgd.functional.spaces.metrics import L2, Weighted

    if callable(getattr(space, "whiten_transpose", None)) and getattr(space, "transpose_available", True):
        return lambda v: space.whiten_transpose(values, space.whiten(values, v))  # K v = Sᵀ(S v)
    if type(space).whiten in (L2.whiten, Weighted.whiten) and type(space).metric_apply in (
        L2.metric_apply,
        Weighted.metric_apply,
    ):
        return lambda v: space.metric_apply(values, v)  # diagonal K, or Weighted's K itself
    return None


def has_products(model: Any, space: Any) -> bool:
    """Whether a model manifold of ``model`` on ``space`` can run matrix-free: the
    model has ``jvp`` and ``vjp``, the space uses the standard layout
    (:meth:`Space.evaluate`) and can apply its metric to a vector."""
    from riemgd.functional.spaces.base import Space

    if not (callable(getattr(model, "jvp", None)) and callable(getattr(model, "vjp", None))):
        return False
    if type(space).evaluate is not Space.evaluate or space.points is None:
        return False
    return metric_function(space, None) is not None


class ModelProducts:
    """``J c`` and ``Jᵀ q`` from the model's own products, ``J`` never formed.

    ``V`` stacks the space's terms ``t`` (``"value"``, ``"d0"``, …), each as the
    model's ``(m,)`` or ``(m, q)`` values flattened output-major (entry
    ``k m + i`` for output ``k`` at point ``i``): ``J c`` concatenates
    ``jvp(θ, x, c, operator=t)`` flattened so, and ``Jᵀ y = Σ_t vjp(θ, x, y_t, operator=t)``
    with the block ``y_t`` reshaped ``(q, m)ᵀ``.
    """

    diagonal = None  # diag(AᵀA) is not known without p products

    def __init__(self, model: Any, space: Any, theta: Array, values: Array):
        # a copy of θ: the point's cache state must not keep the point itself alive
        self.model, self.space, self.theta, self.values = model, space, theta + 0.0, values
        self.points, self.terms = space.points, tuple(space.terms)
        self._metric = metric_function(space, values)
        self.size = int(values.shape[0])
        self.outputs = int(getattr(model, "output_dim", 1))

    def jvp(self, c: Array) -> Array:
        """``J c``, shape ``(n,)`` (on chunked points, ``model.jvp`` per chunk)."""
        if backend.is_chunked(self.points):
            return chunked.jvp(self.model, self.theta, self.points, self.terms, c, self.outputs)
        xp = backend.namespace(self.theta)
        parts = []
        for term in self.terms:
            out = self.model.jvp(self.theta, self.points, c, operator=term)
            parts.append(xp.reshape(out.T if out.ndim == 2 else out, (-1,)))  # (m, q) → output-major
        return backend.concat(xp, parts) if len(parts) > 1 else parts[0]

    def vjp(self, y: Array) -> Array:
        """``Jᵀ y``, shape ``(p,)`` (on chunked points, ``Σ_c`` of ``model.vjp`` per chunk, computed)."""
        if backend.is_chunked(self.points):
            return chunked.vjp(self.model, self.theta, self.points, self.terms, y, self.outputs)
        xp = backend.namespace(self.theta)
        block = self.size // len(self.terms)
        m = block // self.outputs
        total = None
        for index, term in enumerate(self.terms):
            part = y[index * block : (index + 1) * block]
            if self.outputs > 1:
                part = xp.reshape(part, (self.outputs, m)).T  # output-major → (m, q)
            out = self.model.vjp(self.theta, self.points, part, operator=term)
            total = out if total is None else total + out
        return total

    def forward(self, c: Array) -> Array:
        """``A c = S (J c)``."""
        return self.space.whiten(self.values, self.jvp(c))

    def gram_apply(self, c: Array) -> Array:
        """``AᵀA c = Jᵀ K (J c)``: one JVP and one VJP."""
        return self.vjp(self._metric(self.jvp(c)))

    def pull(self, g: Array) -> Array:
        """``Aᵀ S g = Jᵀ K g`` for a function ``g ∈ V``."""
        return self.vjp(self._metric(g))


class MatrixProducts:
    """The same products with a formed ``A = S J`` (``(n, p)``, kept by reference)."""

    def __init__(self, whitened: Array, whiten: Callable[[Array], Array]):
        self.whitened, self._whiten = whitened, whiten
        self.size = int(whitened.shape[0])
        self._diagonal = None

    @property
    def diagonal(self) -> Array:
        """``D = diag(AᵀA)``, the squared column norms of ``A``."""
        if self._diagonal is None:
            self._diagonal = backend.gather(column_norms_squared(self.whitened))
        return self._diagonal

    def forward(self, c: Array) -> Array:
        return self.whitened @ c

    def gram_apply(self, c: Array) -> Array:
        return backend.gather(self.whitened.T @ (self.whitened @ c))  # Σ_c A_cᵀ(A_c c) on a chunked A

    def pull(self, g: Array) -> Array:
        return backend.gather(self.whitened.T @ self._whiten(g))


def column_norms_squared(a: Array) -> Array:
    """``Σ_i a_ij²`` per column, without an ``(n, p)`` temporary on numpy."""
    import numpy as np

    if isinstance(a, np.ndarray):
        return np.einsum("ij,ij->j", a, a)
    xp = backend.namespace(a)
    return xp.sum(a * a, axis=0)

"""Metrics of ``V`` on point sets: :class:`L2` (quadrature weights), :class:`H1`
(values and first derivatives), :class:`Weighted` (``Rⁿ`` with an SPD ``K``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.functional.spaces.base import Space, _check_weights, _Sampled, _shape_of, check_real_array

Array = Any


def _check_rows(array: Array, n: int, name: str = "vector") -> None:
    # a (1,) vector would broadcast against the weights without a word
    shape = getattr(array, "shape", None)
    if shape is None or len(shape) not in (1, 2) or shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},) or ({n}, p), one row per entry of V, got {_shape_of(array)}")


class L2(_Sampled):
    """Discrete ``L²(Ω, μ)``: ``⟨a, b⟩ = Σᵢ wᵢ a(xᵢ) b(xᵢ)``, ``K = diag(w)``.

    Args:
        points: Quadrature or sample points, shape ``(m,)`` or ``(m, d)``.
        weights: Positive weights ``(m,)``; default ``1/m`` (the seed's
            ``½‖u − v‖²_m = (1/2m) Σ (u − v)²``).
        outputs: Number of model outputs per point ``q`` (``V`` has ``n = q m``
            entries, output-major, each weighted by ``wᵢ``).
        batch_size: Use a random mini-batch of this many points per iteration
            (weights rescaled by ``m / batch_size``).
        sampler: ``sampler(rng) -> (points, weights)`` drawing fresh points per
            iteration (e.g. stochastic collocation with :func:`monte_carlo`).
        rng: Seed of ``batch_size``/``sampler``: a non-negative integer; a
            numpy ``Generator``, asked once, at construction, for a seed; or
            ``None`` (default), fresh entropy drawn once. The seed is kept as
            ``space.seed``; the sample of iteration ``k`` is drawn from
            ``SeedSequence(seed, spawn_key=(k,))``, so it depends only on
            ``(seed, k)`` and two runs from the same start agree.

    Threads may share a stochastic space: the current sample is kept per
    thread. ``copy.deepcopy`` and ``pickle`` give an independent space with
    the same seed. A space pickles when what you gave it does (a ``sampler``
    defined with ``lambda`` does not; define it with ``def`` at module level).
    """

    def __init__(
        self,
        points: Array,
        weights: Array | None = None,
        *,
        outputs: int = 1,
        batch_size: int | None = None,
        sampler: Callable[[np.random.Generator], tuple[Array, Array]] | None = None,
        rng: int | np.random.Generator | None = None,
    ):
        super().__init__(points, weights, batch_size=batch_size, sampler=sampler, rng=rng)
        if int(outputs) != outputs or outputs < 1:
            raise ValueError(f"outputs must be a positive integer, got {outputs}")
        self.outputs = int(outputs)

    @property
    def size(self) -> int:
        return self._diagonals()[0].shape[0]

    def _diagonal(self) -> Array:
        return self._diagonals()[0]

    def root(self) -> Array:
        """``diag S = √diag K``: the whitening is the row scaling ``S a``."""
        return self._diagonals()[1]

    def _diagonals(self) -> tuple[Array, Array]:
        """``diag K`` (the weights, repeated per output and term, ``n = q·t·m``
        entries) and its square root, computed once per sample (keyed on the
        sample's version)."""
        sample = self._current()
        cached = self.__dict__.get("_diagonal_cache")
        if cached is None or cached[0] != sample.version:
            xp, weights = backend.namespace(sample.weights), sample.weights
            reps = self.outputs * len(self.terms)
            # the weights once per term and output; a concatenation keeps dask's chunks (a reshape would merge them)
            diagonal = weights if reps == 1 else backend.concat(xp, [weights] * reps)
            cached = (sample.version, *backend.persist(diagonal, xp.sqrt(diagonal)))
            self.__dict__["_diagonal_cache"] = cached
        return cached[1], cached[2]

    def whiten(self, values: Array, array: Array) -> Array:
        root = self._diagonals()[1]
        _check_rows(array, root.shape[0])
        return root * array if array.ndim == 1 else root[:, None] * array

    def riesz(self, values: Array, covector: Array) -> Array:
        diagonal = self._diagonal()
        _check_rows(covector, diagonal.shape[0], "covector")
        return covector / diagonal

    def metric_apply(self, values: Array, array: Array) -> Array:
        diagonal = self._diagonal()
        _check_rows(array, diagonal.shape[0])
        return diagonal * array

    def __repr__(self) -> str:
        return f"L2({self.points.shape[0]} points, terms={self.terms})"


class H1(L2):
    """Discrete ``H¹``: ``⟨a, b⟩ = Σᵢ wᵢ [a(xᵢ) b(xᵢ) + ∇a(xᵢ)·∇b(xᵢ)]``.

    An element of ``V`` stacks the values and the ``d`` first partial
    derivatives at the points (``n = (1 + d) m``), so the Gram matrix is
    ``G = Σᵢ wᵢ (∂θv ∂θvᵀ + Σ_k ∂θ∂ₖv ∂θ∂ₖvᵀ)``. The model must provide x-derivatives.
    Arguments as for :class:`L2`.
    """

    def __init__(self, points: Array, weights: Array | None = None, **kwargs: Any):
        super().__init__(points, weights, **kwargs)
        if self.outputs != 1:
            raise ValueError("H1 supports scalar-valued models only (outputs=1)")
        self.terms = ("value", *tuple(f"d{k}" for k in range(self.dimension)))


class Weighted(Space):
    """``V = Rⁿ`` with ``⟨a, b⟩ = aᵀ K b`` (the seed's non-isotropic loss ``‖u − v‖_K``).

    Models on this space are evaluated with ``x = None`` and return the
    coefficient vector ``v ∈ Rⁿ`` directly.

    Args:
        metric: An SPD matrix ``K`` of shape ``(n, n)``, or positive weights
            ``(n,)`` for a diagonal ``K``.
    """

    def __init__(self, metric: Array):
        super().__init__()
        shape = tuple(getattr(metric, "shape", ()))
        if len(shape) in (1, 2):
            check_real_array(metric, "metric")
        if len(shape) == 1:
            _check_weights(metric, shape[0], "metric")
            self._diagonal, self._factor = metric, None
        elif len(shape) == 2 and shape[0] == shape[1]:
            if not backend.is_finite(metric):
                raise ValueError("metric contains NaN or Inf")
            xp = backend.namespace(metric)
            asymmetry = backend.to_float(xp.max(xp.abs(metric - metric.T)))
            if asymmetry > 1e-12 * max(1.0, backend.to_float(xp.max(xp.abs(metric)))):
                raise ValueError(f"metric must be symmetric, got max |K − Kᵀ| = {asymmetry:.3g}")
            factor = backend.cholesky(metric)
            if factor is None:
                raise ValueError("metric must be positive definite (its Cholesky factorization failed)")
            self._diagonal, self._factor = None, factor  # K = L Lᵀ, S = Lᵀ
        else:
            raise ValueError(f"metric must be an (n, n) SPD matrix or an (n,) weight vector, got {_shape_of(metric)}")
        self.metric = metric
        self._size = shape[0]

    @property
    def size(self) -> int:
        return self._size

    def whiten(self, values: Array, array: Array) -> Array:
        _check_rows(array, self._size)
        if self._factor is None:
            xp = backend.namespace(self._diagonal)
            root = xp.sqrt(self._diagonal)
            return root * array if array.ndim == 1 else root[:, None] * array
        return self._factor.T @ array

    def riesz(self, values: Array, covector: Array) -> Array:
        _check_rows(covector, self._size, "covector")
        if self._factor is None:
            return covector / self._diagonal
        return backend.cholesky_solve(self._factor, covector)

    def metric_apply(self, values: Array, array: Array) -> Array:
        _check_rows(array, self._size)
        return self._diagonal * array if self._factor is None else self.metric @ array

    def __repr__(self) -> str:
        return f"Weighted(n={self._size})"

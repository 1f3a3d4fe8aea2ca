"""The :class:`Space` interface and the sampled-points machinery shared by point spaces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from riemgd import backend

Array = Any


def _check_weights(weights: Array, m: int, name: str = "weights") -> None:
    if tuple(getattr(weights, "shape", ())) != (m,):
        raise ValueError(f"{name} must have shape ({m},), one per point, got {tuple(getattr(weights, 'shape', ()))}")
    if not backend.is_finite(weights):
        raise ValueError(f"{name} contains NaN or Inf")
    xp = backend.namespace(weights)
    if backend.to_float(xp.min(weights)) <= 0:
        raise ValueError(f"{name} must be positive")


class Space:
    """Base class of discretized spaces ``V`` (see the module docstring).

    Subclasses set ``terms`` (which values of the model make up an element of
    ``V``: ``"value"``, first derivatives ``"d0", "d1", …``, second derivatives
    ``"dd0", …``) and implement :meth:`whiten`, :meth:`riesz`.
    """

    terms: tuple[str, ...] = ("value",)
    points: Array = None

    def __init__(self) -> None:
        self.version = 0  # bumped when the points change, invalidating cached evaluations

    # --- metric
    def whiten(self, values: Array, array: Array) -> Array:
        """``S a`` with ``SᵀS = K`` (at ``values`` when ``K`` depends on the point).
        ``array`` is a V-vector ``(n,)`` or a stack of them ``(n, p)``."""
        raise NotImplementedError

    def riesz(self, values: Array, covector: Array) -> Array:
        """Riesz map ``K⁻¹ q``: the V-gradient whose inner products reproduce the
        derivative ``q`` of a loss, ``⟨K⁻¹q, h⟩_V = qᵀh``."""
        raise NotImplementedError

    def metric_apply(self, values: Array, array: Array) -> Array:
        """``K a``: the metric that measures a loss ``½‖u − v‖²_V`` (for
        :class:`HessianWeighted`, the base space's)."""
        raise NotImplementedError(f"{type(self).__name__} does not provide metric_apply")

    def inner(self, values: Array, a: Array, b: Array) -> Any:
        """``⟨a, b⟩_V = aᵀ K b``."""
        return backend.inner(self.whiten(values, a), self.whiten(values, b))

    # --- discretization
    def evaluate(self, model: Any, theta: Array, *, jacobian: bool = True) -> tuple[Array, Array | None]:
        """``(v, J)``: the model's discretized values ``(n,)`` and Jacobian ``(n, p)``.

        Multi-output values ``(m, q)`` (Jacobians ``(m, q, p)``) are laid out
        output-major, entry ``k m + i`` for output ``k`` at point ``i``, as the
        spaces' weights and the likelihood losses expect."""
        values, jacobians = model.evaluate(theta, self.points, self.terms, jacobian=jacobian)
        xp = backend.namespace(theta)
        flat = [xp.reshape(t.T if t.ndim == 2 else t, (-1,)) for t in values]  # (m, q) → output-major
        v = backend.concat(xp, flat) if len(flat) > 1 else flat[0]
        if not jacobian:
            return v, None
        p = theta.shape[0]
        parts = [xp.reshape(xp.permute_dims(j, (1, 0, 2)) if j.ndim == 3 else j, (-1, p)) for j in jacobians]
        return v, (backend.concat(xp, parts) if len(parts) > 1 else parts[0])

    def discretize(self, target: Any, *, name: str = "target") -> Array:
        """A target function as an element of ``V``: a callable is evaluated at
        the points (``"value"`` term only); an array must already have ``V``'s size."""
        if callable(target):
            if self.terms != ("value",):
                raise TypeError(f"{name}: give an array of the space's size for a space with terms {self.terms}")
            values = target(self.points)  # already at the current (batch) points
        else:
            values = self.restrict(target)
        if tuple(getattr(values, "shape", ())) != (self.size,):
            raise ValueError(f"{name} must have shape ({self.size},) to match the space, got {tuple(values.shape)}")
        if not backend.is_finite(values):
            raise ValueError(f"{name} contains NaN or Inf")
        return values

    def restrict(self, array: Array) -> Array:
        """An array given on all points, restricted to the current batch (identity
        for spaces without mini-batches)."""
        return array

    @property
    def size(self) -> int:
        """Dimension ``n`` of the discretized ``V``."""
        raise NotImplementedError

    # --- stochastic setting
    def resample(self, iteration: int | None = None) -> bool:
        """Draw this iteration's points; ``True`` if they changed (``False``
        for a deterministic space). A space shared by a manifold and a loss
        is drawn once per ``iteration`` (a token from :meth:`Problem.begin_iteration`)."""
        return False


class _Sampled(Space):
    """Points with positive quadrature weights, optionally resampled each iteration."""

    def __init__(
        self,
        points: Array,
        weights: Array | None,
        *,
        batch_size: int | None,
        sampler: Callable[[np.random.Generator], tuple[Array, Array]] | None,
        rng: int | np.random.Generator | None,
    ):
        super().__init__()
        if not hasattr(points, "shape") or points.ndim not in (1, 2) or points.shape[0] < 1:
            raise ValueError(f"points must be an array of shape (m,) or (m, d), got {getattr(points, 'shape', points)}")
        if not backend.is_finite(points):
            raise ValueError("points contains NaN or Inf")
        xp = backend.namespace(points)
        m = points.shape[0]
        if weights is None:
            weights = xp.full((m,), 1.0 / m, dtype=points.dtype)
        _check_weights(weights, m)
        if batch_size is not None and (int(batch_size) != batch_size or not 1 <= batch_size <= m):
            raise ValueError(f"batch_size must be an integer in [1, {m}], got {batch_size}")
        if sampler is not None and not callable(sampler):
            raise TypeError(f"sampler must be callable, got {type(sampler).__name__}")
        self.all_points, self.all_weights = points, weights
        self.points, self.weights = points, weights
        self.batch_size, self.sampler = batch_size, sampler
        self._rng = backend.default_rng(rng)
        self._batch = None
        self._drawn_for: int | None = None

    @property
    def dimension(self) -> int:
        """Dimension ``d`` of the domain."""
        return 1 if self.points.ndim == 1 else self.points.shape[1]

    def resample(self, iteration: int | None = None) -> bool:
        if iteration is not None and iteration == self._drawn_for:
            return False  # already drawn for this iteration (a space shared by manifold and loss)
        self._drawn_for = iteration
        if self.sampler is not None:
            points, weights = self.sampler(self._rng)
            self.points = backend.as_array_like(points, self.all_points)
            self.weights = backend.as_array_like(weights, self.all_weights)
        elif self.batch_size is not None:
            m = self.all_points.shape[0]
            self._batch = self._rng.choice(m, size=self.batch_size, replace=False)
            index = backend.as_array_like(self._batch, self.all_points)
            xp = backend.namespace(self.all_points)
            index = xp.astype(index, xp.int64)
            self.points = xp.take(self.all_points, index, axis=0)
            # mini-batch weights rescaled so that the batch estimates the full sum
            self.weights = xp.take(self.all_weights, index, axis=0) * (m / self.batch_size)
        else:
            return False
        self.version += 1
        return True

    def restrict(self, array: Array) -> Array:
        if self._batch is None or self.sampler is not None:
            return array
        per_point = array.shape[0] // self.all_points.shape[0]
        xp = backend.namespace(array)
        index = backend.as_array_like(self._batch, self.all_points)
        index = xp.astype(index, xp.int64)
        if per_point == 1:
            return xp.take(array, index, axis=0)
        blocks = xp.reshape(array, (per_point, -1))
        return xp.reshape(xp.take(blocks, index, axis=1), (-1,))

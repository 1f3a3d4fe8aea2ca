"""Discretized function spaces ``V``: where a model's functions live and are measured.

A space fixes how a model ``A(θ)`` is discretized (which values, at which
points) and the SPD metric ``K`` of ``V``. The model manifold only ever asks it
to *whiten*, ``a ↦ S a`` with ``SᵀS = K``, so that::

    G = Jᵀ K J = (S J)ᵀ (S J),        Jᵀ K g = (S J)ᵀ (S g),

and to apply the Riesz map ``K⁻¹`` that turns a loss derivative into a
V-gradient. A diagonal ``K`` (quadrature weights) costs a row scaling.

Spaces:

* :class:`L2` — ``L²(Ω, μ)`` on quadrature or sample points, ``K = diag(w)``.
* :class:`Weighted` — ``Rⁿ`` with ``⟨a, b⟩ = aᵀ K b``, ``K`` SPD or positive weights.
* :class:`H1` — values and first derivatives at points (Sobolev metric).
* :class:`Pullback` — an output-space metric ``G_z`` pulled back,
  ``G = Σᵢ wᵢ Jᵢᵀ G_z Jᵢ``: :class:`GaussianFisher`, :class:`BernoulliFisher`,
  :class:`CategoricalFisher`, or a loss Hessian (:class:`HessianWeighted`).

Point helpers: :func:`gauss_legendre`, :func:`gauss_legendre_box`,
:func:`monte_carlo`. A space built with ``batch_size`` (mini-batches of its
points) or ``sampler`` (fresh points each iteration) resamples at every
iteration of an optimizer, from a seeded generator.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from riemgd import backend

Array = Any


# ---------------------------------------------------------------- quadrature
def gauss_legendre(n: int, interval: tuple[float, float] = (0.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """``n``-point Gauss–Legendre rule on ``interval``: ``(points (n,), weights (n,))``,
    weights summing to the interval length (exact for polynomials of degree ``2n − 1``)."""
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n}")
    a, b = map(float, interval)
    if not b > a:
        raise ValueError(f"interval must satisfy a < b, got {interval}")
    nodes, weights = np.polynomial.legendre.leggauss(int(n))
    return a + (b - a) * (nodes + 1) / 2, weights * (b - a) / 2


def gauss_legendre_box(n: int | Sequence[int], box: Sequence[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Tensor Gauss–Legendre rule on a box ``[a₁, b₁] × … × [a_d, b_d]``:
    ``(points (N, d), weights (N,))``."""
    counts = [n] * len(box) if np.isscalar(n) else list(n)
    if len(counts) != len(box):
        raise ValueError(f"n must give one count per dimension of box ({len(box)}), got {n}")
    rules = [gauss_legendre(c, interval) for c, interval in zip(counts, box, strict=False)]
    grids = np.meshgrid(*(r[0] for r in rules), indexing="ij")
    weights = np.meshgrid(*(r[1] for r in rules), indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1), np.prod([w.ravel() for w in weights], axis=0)


def monte_carlo(
    n: int, box: Sequence[tuple[float, float]], rng: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform random points in a box with equal weights ``volume / n``:
    ``(points (n, d), weights (n,))`` (``points`` has shape ``(n,)`` in 1-D)."""
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n}")
    low, high = np.array([b[0] for b in box], float), np.array([b[1] for b in box], float)
    if not np.all(high > low):
        raise ValueError(f"box must satisfy a < b in every dimension, got {box}")
    points = backend.default_rng(rng).uniform(low, high, size=(int(n), len(box)))
    weights = np.full(int(n), np.prod(high - low) / n)
    return (points[:, 0] if len(box) == 1 else points), weights


# -------------------------------------------------------------------- spaces
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
        rng: Seed or generator for ``batch_size``/``sampler``.
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
        return self.outputs * len(self.terms) * self.points.shape[0]

    def _diagonal(self) -> Array:
        xp = backend.namespace(self.weights)
        reps = self.size // self.weights.shape[0]
        return self.weights if reps == 1 else xp.reshape(xp.tile(self.weights[None, :], (reps, 1)), (-1,))

    def whiten(self, values: Array, array: Array) -> Array:
        xp = backend.namespace(self.weights)
        root = xp.sqrt(self._diagonal())
        return root * array if array.ndim == 1 else root[:, None] * array

    def riesz(self, values: Array, covector: Array) -> Array:
        return covector / self._diagonal()

    def metric_apply(self, values: Array, array: Array) -> Array:
        return self._diagonal() * array

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
            raise ValueError(f"metric must be an (n, n) SPD matrix or an (n,) weight vector, got shape {shape}")
        self.metric = metric
        self._size = shape[0]

    @property
    def size(self) -> int:
        return self._size

    def whiten(self, values: Array, array: Array) -> Array:
        if self._factor is None:
            xp = backend.namespace(self._diagonal)
            root = xp.sqrt(self._diagonal)
            return root * array if array.ndim == 1 else root[:, None] * array
        return self._factor.T @ array

    def riesz(self, values: Array, covector: Array) -> Array:
        if self._factor is None:
            return covector / self._diagonal
        return backend.cholesky_solve(self._factor, covector)

    def metric_apply(self, values: Array, array: Array) -> Array:
        return self._diagonal * array if self._factor is None else self.metric @ array

    def __repr__(self) -> str:
        return f"Weighted(n={self._size})"


# ------------------------------------------------------------ output metrics
class OutputMetric:
    """A metric ``G_z`` on a model's outputs ``z`` at one sample, given by a
    factor ``S_z`` with ``S_zᵀ S_z = G_z`` (:meth:`whiten`)."""

    outputs: int = 1

    def whiten(self, z: Array, array: Array) -> Array:
        """``S_z a`` for outputs ``z`` of shape ``(m, q)`` and ``a`` of shape
        ``(m, q)`` or ``(m, q, p)``."""
        raise NotImplementedError

    def riesz(self, z: Array, covector: Array) -> Array:
        """``G_z⁻¹ q`` per sample."""
        raise NotImplementedError


class GaussianFisher(OutputMetric):
    """Fisher information of ``N(z, σ² I)`` in its mean ``z``: ``G_z = I / σ²``."""

    def __init__(self, variance: float = 1.0, outputs: int = 1):
        if not variance > 0:
            raise ValueError(f"variance must be positive, got {variance}")
        self.variance, self.outputs = float(variance), int(outputs)

    def whiten(self, z: Array, array: Array) -> Array:
        return array / math.sqrt(self.variance)

    def riesz(self, z: Array, covector: Array) -> Array:
        return covector * self.variance


class BernoulliFisher(OutputMetric):
    """Fisher information of a Bernoulli output in its logit ``z``:
    ``G_z = s(1 − s)``, ``s = 1 / (1 + e^{−z})``."""

    def _variance(self, z: Array) -> Array:
        xp = backend.namespace(z)
        s = 1.0 / (1.0 + xp.exp(-z))
        return s * (1.0 - s)

    def whiten(self, z: Array, array: Array) -> Array:
        root = backend.namespace(z).sqrt(self._variance(z))
        return root * array if array.ndim == z.ndim else root[..., None] * array

    def riesz(self, z: Array, covector: Array) -> Array:
        return covector / self._variance(z)


class CategoricalFisher(OutputMetric):
    """Fisher information of a categorical output in its logits ``z`` (``q`` classes):
    ``G_z = diag(p) − p pᵀ``, ``p = softmax(z)``, factored as
    ``S = diag(√p) − √p pᵀ`` (``SᵀS = G_z`` because ``Σ p = 1``). ``G_z`` is
    singular along ``(1, …, 1)`` (logits are defined up to a shift)."""

    def __init__(self, classes: int):
        if int(classes) != classes or classes < 2:
            raise ValueError(f"classes must be an integer ≥ 2, got {classes}")
        self.outputs = int(classes)

    @staticmethod
    def _probabilities(z: Array) -> Array:
        xp = backend.namespace(z)
        e = xp.exp(z - xp.max(z, axis=1, keepdims=True))
        return e / xp.sum(e, axis=1, keepdims=True)

    def whiten(self, z: Array, array: Array) -> Array:
        xp = backend.namespace(z)
        p = self._probabilities(z)
        if array.ndim == 2:
            return xp.sqrt(p) * (array - xp.sum(p * array, axis=1, keepdims=True))
        return xp.sqrt(p)[..., None] * (array - xp.sum(p[..., None] * array, axis=1, keepdims=True))

    def riesz(self, z: Array, covector: Array) -> Array:
        # the minimum-norm solution of (diag(p) − ppᵀ) g = q for q ⟂ 1 (derivatives
        # of log-likelihoods sum to zero over classes): g = q / p, shifted to mean zero
        xp = backend.namespace(z)
        g = covector / self._probabilities(z)
        return g - xp.mean(g, axis=1, keepdims=True)


class Pullback(L2):
    """``V`` carrying an output metric: ``G = Σᵢ wᵢ Jᵢᵀ G_z(zᵢ) Jᵢ``.

    Args:
        points: Inputs ``(m,)`` or ``(m, d)``.
        output_metric: :class:`GaussianFisher`, :class:`BernoulliFisher`,
            :class:`CategoricalFisher` or your own :class:`OutputMetric`.
        weights: Sample weights, default ``1/m``.
        **kwargs: ``batch_size``, ``sampler``, ``rng`` as for :class:`L2`.
    """

    def __init__(self, points: Array, output_metric: OutputMetric, weights: Array | None = None, **kwargs: Any):
        if not isinstance(output_metric, OutputMetric):
            raise TypeError(f"output_metric must be an OutputMetric, got {type(output_metric).__name__}")
        super().__init__(points, weights, outputs=output_metric.outputs, **kwargs)
        self.output_metric = output_metric

    def _per_sample(self, flat: Array) -> Array:
        # V is output-major: entry (k, i) is output k at sample i
        xp = backend.namespace(flat)
        m = self.points.shape[0]
        return xp.permute_dims(
            xp.reshape(flat, (self.outputs, m, *tuple(flat.shape[1:]))), (1, 0, *tuple(range(2, flat.ndim + 1)))
        )

    def _flatten(self, per_sample: Array) -> Array:
        xp = backend.namespace(per_sample)
        moved = xp.permute_dims(per_sample, (1, 0, *tuple(range(2, per_sample.ndim))))
        return xp.reshape(moved, (-1, *tuple(per_sample.shape[2:])))

    def whiten(self, values: Array, array: Array) -> Array:
        xp = backend.namespace(self.weights)
        root = xp.sqrt(self.weights)
        z = self._per_sample(values)
        whitened = self.output_metric.whiten(z, self._per_sample(array))
        scaled = root[:, None] * whitened if whitened.ndim == 2 else root[:, None, None] * whitened
        return self._flatten(scaled)

    def metric_apply(self, values: Array, array: Array) -> Array:
        raise NotImplementedError("a Pullback space has no fixed metric for a loss ½‖u − v‖²; use a likelihood loss")

    def riesz(self, values: Array, covector: Array) -> Array:
        z = self._per_sample(values)
        q = self._per_sample(covector) / self.weights[:, None]
        return self._flatten(self.output_metric.riesz(z, q))


class HessianWeighted(Space):
    """A space whose metric is a loss Hessian, ``K = H_L(v)`` (seed: the
    Hessian-weighted Gram ``G^H = Jᵀ H_L J``): the model is discretized as by
    ``base``, and ``hessian(v)`` returns the SPD ``(n, n)`` matrix ``H_L(v)``
    (e.g. ``lambda v: loss.hessian(v, base)``), factored by Cholesky at each point.

    Args:
        base: The space that discretizes the model.
        hessian: ``hessian(values) -> (n, n)`` SPD matrix.
        damping: ``λ ≥ 0`` added to the diagonal, ``H + λ I``, for Hessians that
            are only semi-definite.
    """

    def __init__(self, base: Space, hessian: Callable[[Array], Array], *, damping: float = 0.0):
        super().__init__()
        if not callable(hessian):
            raise TypeError(f"hessian must be callable, got {type(hessian).__name__}")
        if not damping >= 0:
            raise ValueError(f"damping must be non-negative, got {damping}")
        self.base, self.hessian, self.damping = base, hessian, float(damping)
        self.terms, self.points = base.terms, base.points
        self._cache: tuple[Any, Array] | None = None

    @property
    def size(self) -> int:
        return self.base.size

    def _factor(self, values: Array) -> Array:
        if self._cache is not None and self._cache[0] is values:
            return self._cache[1]
        xp = backend.namespace(values)
        h = self.hessian(values)
        if self.damping:
            h = h + self.damping * xp.eye(h.shape[0], dtype=h.dtype)
        factor = backend.cholesky(0.5 * (h + h.T))
        if factor is None:
            raise ValueError("the loss Hessian is not positive definite here; pass damping > 0 to HessianWeighted")
        self._cache = (values, factor)
        return factor

    def whiten(self, values: Array, array: Array) -> Array:
        return self._factor(values).T @ array

    def riesz(self, values: Array, covector: Array) -> Array:
        return backend.cholesky_solve(self._factor(values), covector)

    def discretize(self, target: Any, *, name: str = "target") -> Array:
        return self.base.discretize(target, name=name)

    def metric_apply(self, values: Array, array: Array) -> Array:
        return self.base.metric_apply(values, array)

    @property
    def version(self) -> int:
        return self.base.version

    @version.setter
    def version(self, value: int) -> None:
        pass

    def resample(self, iteration: int | None = None) -> bool:
        changed = self.base.resample(iteration)
        self.points = self.base.points
        return changed

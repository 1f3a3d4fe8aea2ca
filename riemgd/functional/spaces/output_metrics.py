"""Output-space metrics ``G_z`` (Fisher informations of output distributions) and
the spaces that pull them back, ``G = Σᵢ wᵢ Jᵢᵀ G_z Jᵢ``: :class:`Pullback`,
and :class:`HessianWeighted` (a loss Hessian as the output metric)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from riemgd import backend
from riemgd.functional.spaces.base import Space, _shape_of
from riemgd.functional.spaces.metrics import L2

Array = Any


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

    def whiten_transpose(self, z: Array, array: Array) -> Array:
        """``S_zᵀ a`` for ``a`` of shape ``(m, q)`` (so that ``G_z a = S_zᵀ(S_z a)``
        needs no matrix: the matrix-free solvers use it). Optional: without it a
        model manifold on this metric solves with a formed ``SJ``."""
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

    def whiten_transpose(self, z: Array, array: Array) -> Array:
        return array / math.sqrt(self.variance)  # S_z = I/σ is symmetric


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

    def whiten_transpose(self, z: Array, array: Array) -> Array:
        return backend.namespace(z).sqrt(self._variance(z)) * array  # S_z diagonal


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

    def whiten_transpose(self, z: Array, array: Array) -> Array:
        # Sᵀ y = √p ∘ y − p (√pᵀ y) for S = diag(√p) − √p pᵀ
        xp = backend.namespace(z)
        p = self._probabilities(z)
        root = xp.sqrt(p)
        return root * array - p * xp.sum(root * array, axis=1, keepdims=True)

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

    constant_metric = False  # G_z(z) follows the outputs

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

    @property
    def transpose_available(self) -> bool:
        """Whether the output metric gives ``S_zᵀ`` (:meth:`whiten_transpose` works)."""
        return type(self.output_metric).whiten_transpose is not OutputMetric.whiten_transpose

    def whiten_transpose(self, values: Array, array: Array) -> Array:
        """``Sᵀ y`` for a V-vector ``y`` (``(n,)``): ``√wᵢ S_z(zᵢ)ᵀ yᵢ`` per sample."""
        xp = backend.namespace(self.weights)
        z = self._per_sample(values)
        scaled = xp.sqrt(self.weights)[:, None] * self._per_sample(array)
        return self._flatten(self.output_metric.whiten_transpose(z, scaled))

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

    constant_metric = False  # K = H_L(v)

    def __init__(self, base: Space, hessian: Callable[[Array], Array], *, damping: float = 0.0):
        super().__init__()
        if not callable(hessian):
            raise TypeError(f"hessian must be callable, got {type(hessian).__name__}")
        if not damping >= 0:
            raise ValueError(f"damping must be non-negative, got {damping}")
        if not isinstance(base, Space):
            raise TypeError(f"base must be a riemgd.spaces.Space, got {type(base).__name__}")
        self.base, self.hessian, self.damping = base, hessian, float(damping)
        self.terms = base.terms
        self._cache: tuple[Any, Array] | None = None

    @property
    def size(self) -> int:
        return self.base.size

    def _factor(self, values: Array) -> Array:
        if self._cache is not None and self._cache[0] is values:
            return self._cache[1]
        xp = backend.namespace(values)
        h = self.hessian(values)
        n = self.base.size
        if tuple(getattr(h, "shape", ())) != (n, n):
            raise ValueError(f"hessian must return an ({n}, {n}) matrix, one row per entry of V, got {_shape_of(h)}")
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

    def whiten_transpose(self, values: Array, array: Array) -> Array:
        """``Sᵀ y = L y`` (``S = Lᵀ``, ``H = L Lᵀ``)."""
        return self._factor(values) @ array

    def discretize(self, target: Any, *, name: str = "target") -> Array:
        return self.base.discretize(target, name=name)

    def metric_apply(self, values: Array, array: Array) -> Array:
        return self.base.metric_apply(values, array)

    @property
    def points(self) -> Array:  # type: ignore[override]
        """The base space's current points."""
        return self.base.points

    @property
    def version(self) -> int:
        return self.base.version

    @version.setter
    def version(self, value: int) -> None:
        pass

    def resample(self, iteration: int | None = None) -> bool:
        return self.base.resample(iteration)

"""The :class:`Space` interface and the sampled-points machinery shared by point spaces.

Stochastic spaces (a mini-batch ``batch_size`` or a ``sampler``) draw the
sample of iteration ``k`` from ``numpy.random.SeedSequence(seed,
spawn_key=(k,))``, so that it depends only on ``(seed, k)``: two runs of the
same problem from the same start see the same samples, whichever ran before.
The current sample is kept per thread (threads may share a space); a copy
(``copy.deepcopy``, ``pickle``) is an independent space with the same seed.

Points given as a dask array chunked along samples (:mod:`riemgd.chunked`)
keep their chunks: weights and targets are chunked like them, the model is
called per chunk, and a mini-batch is drawn per chunk ``c``: ``b_c`` of the
``B = batch_size`` points, in proportion to the chunk's ``r_c`` rows, from
``SeedSequence(seed, spawn_key=(k, c))``, with weights scaled by ``r_c / b_c``
(an unbiased estimate of each chunk's sum: stratified sampling). No point
leaves its chunk.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from riemgd import backend, chunked

Array = Any

# Versions of samples, unique in the process, so that caches keyed on a
# space's version never mistake one thread's sample (or one copy's) for another's.
_VERSIONS = itertools.count(1)


def _shape_of(value: Any) -> str:
    """What a user gave, for an error message: its shape, or its type."""
    shape = getattr(value, "shape", None)
    if shape is None:
        if isinstance(value, (tuple, list)):
            return f"a {type(value).__name__} of {len(value)} items"
        return f"a {type(value).__name__}"
    return f"shape {tuple(shape)}"


def check_real_array(value: Any, name: str) -> None:
    """Raise ``ValueError`` unless ``value`` is an array, ``TypeError`` unless
    its dtype is real (floating, integer or boolean): complex data is refused
    up front instead of losing its imaginary part to a ``ComplexWarning`` later."""
    dtype = getattr(value, "dtype", None)
    if dtype is None or not hasattr(value, "shape"):
        raise ValueError(f"{name} must be an array, got {_shape_of(value)}")
    if "complex" in str(dtype):
        raise TypeError(f"{name} must be real, got complex dtype {dtype}")


def check_values(values: Any, size: int, name: str, what: str = "one value per point") -> None:
    """The first return of a user callable (a target, a source, boundary values):
    a real array of shape ``(size,)``; a column ``(size, 1)`` would broadcast."""
    if not hasattr(values, "shape") or not hasattr(values, "dtype"):
        raise TypeError(f"{name} must return an array of shape ({size},), {what}, got {_shape_of(values)}")
    check_real_array(values, name)
    if tuple(values.shape) != (size,):
        hint = " (a column: return a flat array, e.g. values[:, 0])" if tuple(values.shape) == (size, 1) else ""
        raise ValueError(f"{name} must have shape ({size},), {what}, got {tuple(values.shape)}{hint}")
    if not backend.is_finite(values):
        raise ValueError(f"{name} contains NaN or Inf")


def _check_weights(weights: Array, m: int, name: str = "weights") -> None:
    if tuple(getattr(weights, "shape", ())) != (m,):
        raise ValueError(f"{name} must have shape ({m},), one per point, got {_shape_of(weights)}")
    check_real_array(weights, name)
    if not backend.is_finite(weights):
        raise ValueError(f"{name} contains NaN or Inf")
    xp = backend.namespace(weights)
    smallest = backend.to_float(xp.min(weights))
    if smallest <= 0:
        raise ValueError(f"{name} must be positive, got a smallest entry {smallest:.3g}")


def _check_points(points: Any) -> None:
    if isinstance(points, tuple) and len(points) == 2 and all(hasattr(a, "shape") for a in points):
        raise ValueError(
            "points must be an array of shape (m,) or (m, d), got a tuple of two arrays; "
            "for a rule (points, weights) such as gauss_legendre(n) returns, write L2(*rule) or L2(points, weights)"
        )
    if not hasattr(points, "shape") or not hasattr(points, "dtype"):
        raise ValueError(f"points must be an array of shape (m,) or (m, d), got {_shape_of(points)}")
    check_real_array(points, "points")
    if points.ndim not in (1, 2) or points.shape[0] < 1:
        raise ValueError(f"points must be an array of shape (m,) or (m, d), got {_shape_of(points)}")
    if not backend.is_real_floating(points):
        raise TypeError(
            f"points must have a real floating dtype (float32 or float64), got {points.dtype}; "
            "convert them, e.g. points.astype(float)"
        )
    if not backend.is_finite(points):
        raise ValueError("points contains NaN or Inf")


def _entropy(rng: Any) -> int:
    """The seed of a stochastic space: an integer ``rng`` itself; for ``None``
    fresh entropy, drawn once; for a ``numpy.random.Generator`` one integer
    drawn from it, once, at construction."""
    if rng is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63))
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise TypeError(f"rng must be a non-negative integer seed, a numpy Generator or None, got {rng!r}")
    return int(rng)


class Space:
    """Base class of discretized spaces ``V`` (see the module docstring).

    Subclasses set ``terms`` (which values of the model make up an element of
    ``V``: ``"value"``, first derivatives ``"d0", "d1", …``, second derivatives
    ``"dd0", …``) and implement :meth:`whiten`, :meth:`riesz`.
    """

    terms: tuple[str, ...] = ("value",)
    points: Array = None
    #: ``K`` does not depend on the values ``v`` (what the Riemannian Hessian of a
    #: model manifold assumes); False for output metrics and loss Hessians.
    constant_metric: bool = True

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
        spaces' weights and the likelihood losses expect.

        On points given as a dask array (chunked along samples), the model is
        called once per chunk and ``(v, J)`` are dask arrays in the same layout,
        chunked like the points (:func:`riemgd.chunked.evaluate`)."""
        if chunked.is_chunked(self.points):
            outputs = getattr(self, "outputs", 1)
            return chunked.evaluate(model, theta, self.points, self.terms, jacobian=jacobian, outputs=outputs)
        values, jacobians = model.evaluate(theta, self.points, self.terms, jacobian=jacobian)
        xp = backend.namespace(theta)
        v = _output_major(xp, values)
        if not jacobian:
            return v, None
        p = theta.shape[0]
        parts = [xp.reshape(xp.permute_dims(j, (1, 0, 2)) if j.ndim == 3 else j, (-1, p)) for j in jacobians]
        return v, (backend.concat(xp, parts) if len(parts) > 1 else parts[0])

    def evaluate_along(self, model: Any, theta: Array, direction: Array, steps: Sequence[float]) -> Iterator | None:
        """The values ``v`` (laid out as by :meth:`evaluate`) at ``θ + t d`` for each ``t``
        of ``steps``, lazily, when the model evaluates along a line (``model.values_along``,
        which may return None); None otherwise and on chunked points."""
        along = getattr(model, "values_along", None)
        if along is None or chunked.is_chunked(self.points):
            return None
        lines = along(theta, direction, self.points, self.terms, steps)
        if lines is None:
            return None
        xp = backend.namespace(theta)
        return (_output_major(xp, values) for values in lines)

    def discretize(self, target: Any, *, name: str = "target") -> Array:
        """A target function as an element of ``V``: a callable is evaluated at
        the points (``"value"`` term only) and must return ``(m,)``; an array
        must already have ``V``'s size ``(n,)``. On chunked (dask) points, a
        callable is called once per chunk and the result is a persisted dask
        array chunked like the space's ``V``-vectors."""
        if callable(target):
            if self.terms != ("value",):
                raise TypeError(f"{name}: give an array of the space's size for a space with terms {self.terms}")
            if chunked.is_chunked(self.points):
                values = chunked.map_points(target, self.points, name=name)
            else:
                values = target(self.points)  # already at the current (batch) points
            check_values(values, self.size, name, "one value per point, to match the space")
            return backend.persist(values)
        check_values(target, self._full_size(), name, "to match the space")
        return backend.persist(self.restrict(target))

    def _full_size(self) -> int:
        """Size of an array given on all points (before restriction to a batch)."""
        return self.size

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
        for a deterministic space).

        ``iteration`` is the optimizer's iteration index ``k = 0, 1, 2, …``
        (forwarded by :meth:`Problem.begin_iteration`): the sample then
        depends only on ``(seed, k)``, and a space shared by a manifold and a
        loss is drawn once per ``k``. ``iteration=None`` draws the next sample
        of a running stream instead (seeded too, but depending on how many
        draws came before)."""
        return False


class _Sample(NamedTuple):
    """One draw of a sampled space: its points and weights, the batch indices
    (mini-batches), a process-unique version, and the iteration it was drawn for."""

    points: Array
    weights: Array
    batch: np.ndarray | tuple[np.ndarray, ...] | None  # a tuple of local indices per chunk on dask points
    version: int
    drawn_for: int | None


class _Sampled(Space):
    """Points with positive quadrature weights, optionally resampled each iteration.

    The current sample (``points``, ``weights``, ``version``) is per thread:
    each thread sees the sample it drew last (the full points before its first
    draw), so threads sharing a space do not see each other's mini-batches.
    """

    def __init__(
        self,
        points: Array,
        weights: Array | None,
        *,
        batch_size: int | None,
        sampler: Callable[[np.random.Generator], tuple[Array, Array]] | None,
        rng: int | np.random.Generator | None,
    ):
        _check_points(points)
        xp = backend.namespace(points)
        m = points.shape[0]
        if weights is None:
            weights = xp.full((m,), 1.0 / m, dtype=points.dtype)
        _check_weights(weights, m)
        if batch_size is not None and (
            isinstance(batch_size, bool) or int(batch_size) != batch_size or not 1 <= batch_size <= m
        ):
            raise ValueError(f"batch_size must be an integer in [1, {m}], got {batch_size}")
        if sampler is not None and not callable(sampler):
            raise TypeError(f"sampler must be callable, got {type(sampler).__name__}")
        if chunked.is_chunked(points):  # weights chunked like the points; mini-batches drawn per chunk
            if sampler is not None:
                raise ValueError(
                    "sampler is not supported on chunked (dask) points; use batch_size, whose mini-batches "
                    "are drawn per chunk, or draw new points yourself and build a new space"
                )
            # kept where they are computed (loaded): a chunk is then read from its worker's memory, not sent again
            points, weights = backend.persist(points, chunked.align(weights, points))
            if batch_size is not None:
                chunked.batch_sizes(points.chunks[0], int(batch_size))  # every chunk draws a point, or a clear error
        self.all_points, self.all_weights = points, weights
        self.batch_size, self.sampler = batch_size, sampler
        self.seed = _entropy(rng)  # give rng=space.seed to reproduce a space built with rng=None
        self._rng = np.random.default_rng(np.random.SeedSequence(self.seed))  # the iteration=None stream
        self._initial = _Sample(points, weights, None, 0, None)
        self._local = threading.local()
        super().__init__()

    # --- the current sample, per thread
    def _current(self) -> _Sample:
        return getattr(self._local, "sample", None) or self._initial

    def _update(self, **changes: Any) -> None:
        self._local.sample = self._current()._replace(**changes)

    @property
    def points(self) -> Array:  # type: ignore[override]
        """This thread's current points ``(m,)`` or ``(m, d)``."""
        return self._current().points

    @points.setter
    def points(self, value: Array) -> None:
        self._update(points=value)

    @property
    def weights(self) -> Array:
        """This thread's current weights ``(m,)``."""
        return self._current().weights

    @weights.setter
    def weights(self, value: Array) -> None:
        self._update(weights=value)

    @property
    def version(self) -> int:  # type: ignore[override]
        """Identifies this thread's current sample (changes with every draw)."""
        return self._current().version

    @version.setter
    def version(self, value: int) -> None:
        self._update(version=value)

    @property
    def _batch(self) -> np.ndarray | None:
        return self._current().batch

    # --- copies: a threading.local neither pickles nor deep-copies
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_initial"] = self._current()  # a copy starts from the sample the copying thread sees
        del state["_local"]
        state.pop("_diagonal_cache", None)  # keyed on a version of this process
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._initial = self._initial._replace(version=next(_VERSIONS))  # not a version of this process's caches
        self._local = threading.local()

    @property
    def dimension(self) -> int:
        """Dimension ``d`` of the domain."""
        return 1 if self.points.ndim == 1 else self.points.shape[1]

    def _full_size(self) -> int:
        if self.batch_size is None or self.sampler is not None:
            return self.size
        return self.size // self.points.shape[0] * self.all_points.shape[0]

    def resample(self, iteration: int | None = None) -> bool:
        """Draw this iteration's points (see :meth:`Space.resample`): the
        sample of iteration ``k`` comes from ``SeedSequence(seed, spawn_key=(k,))``."""
        if self.sampler is None and self.batch_size is None:
            return False
        if iteration is None:
            generator = self._rng
        else:
            if isinstance(iteration, bool) or not isinstance(iteration, (int, np.integer)) or iteration < 0:
                raise ValueError(f"iteration must be a non-negative integer or None, got {iteration!r}")
            if iteration == self._current().drawn_for:
                return False  # already drawn for this iteration (a space shared by manifold and loss)
            generator = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(int(iteration),)))
        if chunked.is_chunked(self.all_points):  # per chunk c, from SeedSequence(seed, spawn_key=(k, c))
            key = (int(iteration),) if iteration is not None else (int(generator.integers(2**63)), 1)
            batch = chunked.batch_indices(self.all_points.chunks[0], self.batch_size, self.seed, key)
            points, weights = backend.persist(
                chunked.take_rows(self.all_points, self.all_points, batch),
                chunked.take_rows(self.all_weights, self.all_points, batch, rescale=True),  # × rows / drawn
            )
            self._local.sample = _Sample(points, weights, batch, next(_VERSIONS), iteration)
            return True
        xp = backend.namespace(self.all_points)
        batch = None
        if self.sampler is not None:
            points, weights = self._draw(generator)
        else:
            m = self.all_points.shape[0]
            batch = generator.choice(m, size=self.batch_size, replace=False)
            index = xp.astype(backend.as_array_like(batch, self.all_points), xp.int64)
            points = xp.take(self.all_points, index, axis=0)
            # mini-batch weights rescaled so that the batch estimates the full sum
            weights = xp.take(self.all_weights, index, axis=0) * (m / self.batch_size)
        self._local.sample = _Sample(points, weights, batch, next(_VERSIONS), iteration)
        return True

    def _draw(self, generator: np.random.Generator) -> tuple[Array, Array]:
        """``sampler(generator)``, checked: points like the initial ones, one positive weight each."""
        drawn = self.sampler(generator)
        if not (isinstance(drawn, (tuple, list)) and len(drawn) == 2):
            raise TypeError(f"sampler must return a pair (points, weights), got {_shape_of(drawn)}")
        points = backend.as_array_like(drawn[0], self.all_points)
        weights = backend.as_array_like(drawn[1], self.all_weights)
        if points.ndim != self.all_points.ndim or tuple(points.shape[1:]) != tuple(self.all_points.shape[1:]):
            expected = "(m,)" if self.all_points.ndim == 1 else f"(m, {self.all_points.shape[1]})"
            raise ValueError(
                f"sampler must return points of shape {expected}, like the space's points, got {tuple(points.shape)}"
            )
        if tuple(weights.shape) != (points.shape[0],):
            raise ValueError(
                f"sampler must return one weight per point, shape ({points.shape[0]},), got {tuple(weights.shape)}"
            )
        return points, weights

    def restrict(self, array: Array) -> Array:
        batch = self._batch
        per_point = array.shape[0] // self.all_points.shape[0]
        if chunked.is_chunked(self.all_points):  # chunked like the points, then each chunk's batch rows
            if batch is None:
                return chunked.align(array, self.all_points, per_point)
            return chunked.take_rows(array, self.all_points, batch, segments=per_point)
        if batch is None or self.sampler is not None:
            return array
        xp = backend.namespace(array)
        index = xp.astype(backend.as_array_like(batch, self.all_points), xp.int64)
        if per_point == 1:
            return xp.take(array, index, axis=0)
        blocks = xp.reshape(array, (per_point, -1))
        return xp.reshape(xp.take(blocks, index, axis=1), (-1,))


def _output_major(xp: Any, values: list[Array]) -> Array:
    """One value array per term, ``(m,)`` or ``(m, q)``, as one vector of ``V``: terms one
    after the other, each output-major (entry ``k m + i`` for output ``k`` at point ``i``)."""
    flat = [xp.reshape(t.T if t.ndim == 2 else t, (-1,)) for t in values]
    return backend.concat(xp, flat) if len(flat) > 1 else flat[0]

"""Samples in chunks: the one place that knows dask arrays.

A space whose points (and weights, targets) are ``dask.array`` arrays chunked
along the samples makes a :class:`~riemgd.functional.ModelManifold` compute
chunk by chunk, on the active Dask scheduler (a ``distributed.Client`` if one
is running, else the threaded scheduler). Everything the natural gradient needs
is a sum over samples, so the mathematics does not change::

    G = Σ_c (S_c J_c)ᵀ (S_c J_c),     ∇_θL = Σ_c J_cᵀ q_c,     L = Σ_c L_c.

What is chunked and what is not:

* ``n``-sized data — the points, weights, discretized targets, the values
  ``v_θ``, the Jacobian ``J`` and ``S J`` (``n × p``), loss derivatives — are
  dask arrays with the points' row chunks, each chunk computed where it lives
  (the model is called on one chunk of points at a time, as a numpy or CuPy
  array: model code never sees a dask array). The manifold keeps ``v_θ`` and
  ``S J`` persisted (:func:`persist`), so a chunk is computed once per point
  and never leaves its worker;
* ``p``-sized and smaller results — ``G`` (``p × p``), ``(SJ)ᵀ b``, inner
  products, the cost — are reductions: one partial result per chunk, summed in
  a tree, brought to the client by :func:`gather` as an array of the chunks'
  library. ``θ``, tangent vectors and the Cholesky factor live on the client,
  where the ``p × p`` solve happens once per point.

Only :mod:`riemgd.backend` and the spaces call this module; dask is imported
on first use (an optional dependency: ``pip install riemgd[dask]``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

Array = Any


def is_chunked(x: Any) -> bool:
    """Whether ``x`` is a dask array (checked by type, without importing dask)."""
    return type(x).__module__.startswith("dask.")


def namespace() -> ModuleType:
    """dask.array under the array API standard's names (``array_api_compat.dask.array``):
    elementwise work on ``n``-sized arrays stays lazy and chunked."""
    import array_api_compat.dask.array as xp

    return xp


def meta(x: Array) -> Array:
    """An empty array of ``x``'s chunk library (numpy or CuPy) and dtype."""
    return x._meta


def gather(*arrays: Any) -> Any:
    """Compute (small) dask arrays on the active scheduler, as arrays of the chunks'
    library; other arguments are returned unchanged. One argument gives one result."""
    import dask

    lazy = [i for i, a in enumerate(arrays) if is_chunked(a)]
    results = list(arrays)
    if lazy:
        for i, value in zip(lazy, dask.compute(*(arrays[i] for i in lazy)), strict=True):
            results[i] = value
    return results[0] if len(results) == 1 else tuple(results)


def persist(*arrays: Any) -> Any:
    """Keep dask arrays computed in (distributed) memory, chunks where they were
    computed; other arguments are returned unchanged. Arrays persisted together
    share their common work (e.g. one model evaluation for ``v_θ`` and ``S J``)."""
    import dask

    lazy = [i for i, a in enumerate(arrays) if is_chunked(a)]
    results = list(arrays)
    if lazy:
        for i, value in zip(lazy, dask.persist(*(arrays[i] for i in lazy)), strict=True):
            results[i] = value
    return results[0] if len(results) == 1 else tuple(results)


def _one_column_chunk(x: Array) -> Array:
    """``x`` with a single chunk along every axis but the first (the samples)."""
    if x.ndim > 1 and any(len(c) > 1 for c in x.chunks[1:]):
        return x.rechunk({axis: -1 for axis in range(1, x.ndim)})
    return x


def gram(A: Array) -> Array:
    """``G = AᵀA = Σ_c A_cᵀ A_c`` for a dask ``A`` ``(n, p)`` chunked along rows:
    one :func:`riemgd.backend.gram` (BLAS ``syrk``) per chunk, the ``p × p``
    partial results summed in a tree and brought to the client."""
    from riemgd import backend

    A = _one_column_chunk(A)
    blocks, p = A.numblocks[0], A.shape[1]
    parts = A.map_blocks(backend.gram, chunks=((p,) * blocks, (p,)), dtype=A.dtype)
    return gather(parts.reshape((blocks, p, p)).sum(axis=0))


def inner(a: Array, b: Array) -> Any:
    """``Σ a_ij b_ij`` of dask arrays, computed (a scalar of the chunks' library)."""
    return gather((a * b).sum())


def segments_like(points: Array, segments: int) -> tuple[int, ...]:
    """Row chunks of a ``V``-vector made of ``segments`` blocks of one entry per point
    (terms × outputs, the layout of :meth:`Space.evaluate`): the points' chunks repeated."""
    return tuple(points.chunks[0]) * int(segments)


def align(array: Array, points: Array, segments: int = 1) -> Array:
    """``array`` (numpy, CuPy or dask) of length ``segments · m`` as a dask array
    chunked like the ``V``-vectors on ``points`` (see :func:`segments_like`)."""
    import dask.array as da

    chunks = (segments_like(points, segments), *((s,) for s in array.shape[1:]))
    if not is_chunked(array):
        return da.from_array(array, chunks=chunks)
    return array if array.chunks == chunks else array.rechunk(chunks)


def _model_key(model: Any) -> Any:
    """``model`` as one task of the graph, so that a worker receives it once per
    evaluation instead of once per chunk."""
    import dask

    return dask.delayed(model, name=f"riemgd-model-{uuid.uuid4().hex}", traverse=False)


def _evaluate_block(
    model: Any, theta: Array, block: Array, terms: tuple[str, ...], jacobian: bool, outputs: int
) -> tuple[Array, ...]:
    """The model on one chunk of points, laid out as :meth:`Space.evaluate` does for the
    whole set: for each term, its ``outputs`` value columns ``(c,)``, then (with
    ``jacobian``) as many Jacobian blocks ``(c, p)``."""
    values, jacobians = model.evaluate(theta, block, terms, jacobian=jacobian)
    rows, p = block.shape[0], theta.shape[0]
    columns: list[Array] = []
    for kind, parts, tail in (("values", values, ()), ("Jacobian", jacobians, (p,))):
        if kind == "Jacobian" and not jacobian:
            break
        for term, part in zip(terms, parts, strict=True):
            expected = (rows, *tail) if outputs == 1 else (rows, outputs, *tail)
            if tuple(part.shape) != expected:
                raise ValueError(
                    f"the model's {kind} of term {term!r} on a chunk of {rows} points must have shape "
                    f"{expected}, got {tuple(part.shape)}"
                )
            columns.extend([part] if outputs == 1 else [part[:, k] for k in range(outputs)])
    return tuple(columns)


def evaluate(
    model: Any, theta: Array, points: Array, terms: Sequence[str], *, jacobian: bool, outputs: int = 1
) -> tuple[Array, Array | None]:
    """``(v, J)`` of :meth:`Space.evaluate`, with the model called once per chunk of
    ``points`` (a dask array chunked along samples): dask arrays ``(n,)`` and
    ``(n, p)``, ``n = len(terms) · outputs · m``, term-major then output-major
    (entry ``k m + i`` for output ``k`` at point ``i``), chunked like the points."""
    import dask
    import dask.array as da

    terms = tuple(terms)
    points = _one_column_chunk(points)
    p, dtype = theta.shape[0], np.result_type(points.dtype, theta.dtype)
    like = meta(points)
    key = _model_key(model)
    blocks = points.to_delayed().ravel()
    evaluated = [
        dask.delayed(_evaluate_block, pure=True)(key, theta, block, terms, jacobian, outputs) for block in blocks
    ]
    segments = len(terms) * outputs

    def stacked(offset: int, tail: tuple[int, ...]) -> Array:
        columns = [
            da.from_delayed(result[offset + s], shape=(rows, *tail), dtype=dtype, meta=like)
            for s in range(segments)
            for result, rows in zip(evaluated, points.chunks[0], strict=True)
        ]
        return da.concatenate(columns, axis=0)

    values = stacked(0, ())
    return values, (stacked(segments, (p,)) if jacobian else None)


def _call_block(function: Callable[[Array], Array], block: Array, name: str) -> Array:
    values = function(block)
    if tuple(getattr(values, "shape", ())) != (block.shape[0],):
        raise ValueError(
            f"{name} must return one value per point, shape ({block.shape[0]},) on a chunk of "
            f"{block.shape[0]} points, got {getattr(values, 'shape', type(values).__name__)}"
        )
    return values


def map_points(function: Callable[[Array], Array], points: Array, *, name: str = "target") -> Array:
    """``function`` (of an ``(m,)`` or ``(m, d)`` array of points, returning ``(m,)``)
    called on each chunk of ``points``: a dask array ``(m,)`` chunked like them."""
    import dask
    import dask.array as da

    points = _one_column_chunk(points)
    like = meta(points)
    pieces = [
        da.from_delayed(
            dask.delayed(_call_block, pure=True)(function, block, name), shape=(rows,), dtype=points.dtype, meta=like
        )
        for block, rows in zip(points.to_delayed().ravel(), points.chunks[0], strict=True)
    ]
    return da.concatenate(pieces)


# --------------------------------------------------------------- mini-batches per chunk
def batch_sizes(chunk_rows: Sequence[int], batch_size: int) -> tuple[int, ...]:
    """How many of ``batch_size`` points each chunk draws: proportional to its rows,
    ``b_c = ⌊B r_c / m⌋`` plus one for the chunks with the largest remainders
    (ties to the first), so that ``Σ b_c = B``. Raises ``ValueError`` when a
    chunk would draw no point (its samples would then be missing from the estimate)."""
    rows = np.asarray(chunk_rows, dtype=np.int64)
    m = int(rows.sum())
    exact = batch_size * rows / m
    sizes = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - sizes), kind="stable")
    sizes[order[: batch_size - int(sizes.sum())]] += 1
    if np.any(sizes < 1):
        raise ValueError(
            f"batch_size must give every chunk of the points at least one point: {batch_size} points over "
            f"{len(rows)} chunks of sizes {tuple(int(r) for r in rows)} leave a chunk empty; "
            "use a larger batch_size or fewer, larger chunks"
        )
    return tuple(int(s) for s in sizes)


def batch_indices(
    chunk_rows: Sequence[int], batch_size: int, seed: int, key: tuple[int, ...]
) -> tuple[np.ndarray, ...]:
    """Per chunk ``c``, ``b_c`` distinct local row indices (sorted), drawn from
    ``default_rng(SeedSequence(seed, spawn_key=(*key, c)))``: the sample of a chunk
    depends only on the seed, the key (the iteration) and the chunk's index, not on
    the scheduler, the workers, or the other chunks."""
    indices = []
    for c, (rows, size) in enumerate(zip(chunk_rows, batch_sizes(chunk_rows, batch_size), strict=True)):
        generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(*key, c)))
        indices.append(np.sort(generator.choice(int(rows), size=size, replace=False)))
    return tuple(indices)


def _take(block: Array, index: np.ndarray, scale: float) -> Array:
    from riemgd import backend

    xp = backend.namespace(block)
    taken = xp.take(block, xp.asarray(backend.as_array_like(index, block), dtype=xp.int64), axis=0)
    return taken if scale == 1.0 else taken * scale


def take_rows(
    array: Array, points: Array, indices: Sequence[np.ndarray], *, segments: int = 1, rescale: bool = False
) -> Array:
    """Rows ``indices[c]`` of each chunk ``c`` of ``array`` (``segments`` blocks of one row
    per point, chunked like ``points``), taken where the chunk lives; with ``rescale``
    each chunk's rows are multiplied by ``r_c / b_c`` (rows over drawn), which makes a
    mini-batch of weights an unbiased estimate of every chunk's sum."""
    import dask
    import dask.array as da

    array = _one_column_chunk(align(array, points, segments))
    rows = points.chunks[0]
    tail = tuple(array.shape[1:])
    blocks = array.to_delayed().ravel()
    like = meta(array)
    pieces = []
    for s in range(segments):
        for c, index in enumerate(indices):
            scale = rows[c] / len(index) if rescale else 1.0
            task = dask.delayed(_take, pure=True)(blocks[s * len(rows) + c], index, scale)
            pieces.append(da.from_delayed(task, shape=(len(index), *tail), dtype=array.dtype, meta=like))
    return da.concatenate(pieces, axis=0)


# --------------------------------------------------------------- matrix-free products per chunk
def _jvp_block(model: Any, theta: Array, block: Array, terms: tuple[str, ...], c: Array, outputs: int) -> tuple:
    """``J_c c`` on one chunk: per term, its ``outputs`` columns ``(rows,)`` (the layout of :func:`evaluate`)."""
    columns: list[Array] = []
    for term in terms:
        out = model.jvp(theta, block, c, operator=term)
        columns.extend([out] if out.ndim == 1 else [out[:, k] for k in range(out.shape[1])])
    return tuple(columns)


def jvp(model: Any, theta: Array, points: Array, terms: Sequence[str], c: Array, outputs: int = 1) -> Array:
    """``J c`` (``(n,)``, chunked like the points) from ``model.jvp`` on each chunk, ``J`` never formed."""
    import dask
    import dask.array as da

    terms, points = tuple(terms), _one_column_chunk(points)
    dtype, like = np.result_type(points.dtype, theta.dtype), meta(points)
    key = _model_key(model)
    results = [
        dask.delayed(_jvp_block, pure=True)(key, theta, block, terms, c, outputs)
        for block in points.to_delayed().ravel()
    ]
    columns = [
        da.from_delayed(result[s], shape=(rows,), dtype=dtype, meta=like)
        for s in range(len(terms) * outputs)
        for result, rows in zip(results, points.chunks[0], strict=True)
    ]
    return da.concatenate(columns)


def _vjp_block(model: Any, theta: Array, block: Array, terms: tuple[str, ...], outputs: int, *pieces: Array) -> Array:
    """``J_cᵀ y_c = Σ_t vjp(θ, x_c, y_{c,t})`` on one chunk; ``pieces``: its rows of every segment."""
    from riemgd import backend

    xp = backend.namespace(block) if not isinstance(block, np.ndarray) else np
    total = None
    for t, term in enumerate(terms):
        part = pieces[t * outputs : (t + 1) * outputs]
        cotangent = part[0] if outputs == 1 else xp.stack(part, axis=1)  # output-major → (rows, q)
        out = model.vjp(theta, block, cotangent, operator=term)
        total = out if total is None else total + out
    return total[None, :]


def vjp(model: Any, theta: Array, points: Array, terms: Sequence[str], y: Array, outputs: int = 1) -> Array:
    """``Jᵀ y = Σ_c J_cᵀ y_c`` (``(p,)``, computed) from ``model.vjp`` on each chunk, summed in a tree."""
    import dask
    import dask.array as da

    terms, points = tuple(terms), _one_column_chunk(points)
    segments, blocks = len(terms) * outputs, points.numblocks[0]
    y = align(y, points, segments).to_delayed().ravel()
    key, p = _model_key(model), theta.shape[0]
    dtype, like = np.result_type(points.dtype, theta.dtype), meta(points)
    parts = [
        da.from_delayed(
            dask.delayed(_vjp_block, pure=True)(
                key, theta, block, terms, outputs, *(y[s * blocks + c] for s in range(segments))
            ),
            shape=(1, p),
            dtype=dtype,
            meta=like,
        )
        for c, block in enumerate(points.to_delayed().ravel())
    ]
    return gather(da.concatenate(parts, axis=0).sum(axis=0))

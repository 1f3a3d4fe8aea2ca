"""The one place that knows numpy from CuPy (and from other array-API libraries).

Every array operation in riemgd goes through the namespace returned by
:func:`namespace`, chosen from the arrays the user passes (never from a global
switch). The few operations that the array API standard does not provide
(triangular and Cholesky solves, scalar extraction, conversion from numpy) live
here, with one branch per library.

Supported namespaces:

* ``numpy`` arrays: numpy itself, with scipy for the dense linear algebra of a
  metric (Gram product, Cholesky factorization, triangular solves; see below);
* ``cupy`` arrays: ``array_api_compat.cupy`` (CuPy under the standard's
  names), with ``cupyx.scipy.linalg`` for triangular solves;
* ``dask.array`` arrays chunked along samples (:mod:`riemgd.chunked`):
  ``array_api_compat.dask.array``, lazy; :func:`gram` and :func:`inner` reduce
  per chunk and compute, :func:`gather` brings a small result to the client,
  :func:`persist` keeps ``n``-sized data on the workers;
* any other array exposing ``__array_namespace__`` (``array_api_strict``,
  used by the test suite because, like CuPy, it refuses to mix with numpy):
  the standard ``linalg`` extension only.

One BLAS for the metric's linear algebra (numpy arrays). numpy's and scipy's
wheels each bundle their own OpenBLAS with its own thread pool. After a
threaded call, a pool's threads keep spinning for a while, so a numpy product
immediately followed by a scipy factorization makes the two pools fight over
the cores. Measured by ``benchmarks/bench_blas.py`` (2 cores, default
threads): a 129 × 129 scipy Cholesky takes 0.12 ms (median) after a scipy
Gram product but 3.7 ms right after numpy's ``A.T @ A`` of a 1020 × 129
matrix, and a natural-gradient iteration (values, gradient, Gram product,
Cholesky, two solves) took 15 ms with the product in numpy against 0.66 ms
with it in scipy (4–22× over runs; limiting either library to one thread
also removes it). numpy alone is no cure: it has no triangular solve, and
its Cholesky plus two LU solves costs 4.4× scipy's Cholesky and ``potrs`` at
p = 129. So :func:`gram`
(``syrk``), :func:`cholesky` (``potrf``), :func:`cholesky_solve` (``potrs``)
and :func:`solve_triangular` (``trtrs``) all run in scipy's OpenBLAS; the
matrix-vector products of models and losses stay in numpy (memory-bound; at
n = 20000, p = 1000 the whole iterations differ by less than the noise,
though a Cholesky right after numpy's product still took 109 ms against 10).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import scipy.linalg  # imported once here, not inside the first timed solve
import scipy.linalg.blas

from riemgd import chunked

Array = Any


def _is_cupy(x: Any) -> bool:
    return type(x).__module__.startswith("cupy")


def namespace(*arrays: Any) -> ModuleType:
    """Array namespace of ``arrays`` (numpy for numpy arrays and Python scalars).

    Raises ``TypeError`` when the arrays come from different libraries, since
    riemgd never converts silently between devices.
    """
    if all(type(x) is np.ndarray for x in arrays):  # the common case, on every hot path
        return np
    found: ModuleType | None = None
    for x in arrays:
        if x is None or isinstance(x, (int, float, complex, np.generic)):
            continue
        if isinstance(x, (tuple, list)):
            xp = namespace(*x) if x else None
        elif isinstance(x, np.ndarray):
            xp = np
        elif _is_cupy(x):
            from array_api_compat import cupy as xp
        elif chunked.is_chunked(x):
            xp = chunked.namespace()
        elif hasattr(x, "__array_namespace__"):
            xp = x.__array_namespace__()
        else:
            raise TypeError(f"expected an array, got {type(x).__name__}")
        if xp is None:
            continue
        if found is not None and xp is not found:
            raise TypeError(
                f"arrays from different libraries were mixed: {found.__name__} "
                f"and {xp.__name__}; convert them to one library first"
            )
        found = xp
    return np if found is None else found


def to_float(x: Any) -> float:
    """A 0-d array (or scalar) as a Python float: the only device-to-host transfer
    riemgd makes, for scalars that steer control flow (line search, stopping)."""
    return float(x)


def as_array_like(x: Any, like: Array) -> Array:
    """``x`` (numpy array, list or scalar) as an array of ``like``'s library (for a
    dask ``like``, of its chunks' library: small arrays live on the client)."""
    if chunked.is_chunked(like):
        like = chunked.meta(like)
    xp = namespace(like)
    if xp is np:
        return np.asarray(x, dtype=like.dtype)
    if _is_cupy(like):
        return xp.asarray(x, dtype=like.dtype)
    return xp.asarray(np.asarray(x), dtype=like.dtype)


def to_numpy(x: Array) -> np.ndarray:
    """A host (numpy) copy of ``x``, for printing and plotting only."""
    if isinstance(x, np.ndarray):
        return x
    if chunked.is_chunked(x):
        return to_numpy(gather(x))
    if _is_cupy(x):
        return x.get()
    return np.from_dlpack(x)


def is_chunked(x: Any) -> bool:
    """Whether ``x`` is a dask array (chunked data, :mod:`riemgd.chunked`)."""
    return chunked.is_chunked(x)


def gather(x: Any) -> Any:
    """A (small) result of a chunked computation brought to the client: a dask array
    is computed on the active Dask scheduler, as an array of its chunks' library
    (numpy or CuPy); any other ``x`` is returned unchanged. Called where an
    ``n``-sized product reduces to ``p``-sized or scalar data (``(SJ)ᵀb``, ``G``)."""
    return chunked.gather(x) if chunked.is_chunked(x) else x


def persist(*arrays: Any) -> Any:
    """Dask arrays kept computed in (distributed) memory, each chunk where it was
    computed (see :func:`riemgd.chunked.persist`); other arrays unchanged. The model
    manifold persists what it caches per point (``v_θ``, ``S J``)."""
    if not any(chunked.is_chunked(a) for a in arrays):
        return arrays[0] if len(arrays) == 1 else arrays
    return chunked.persist(*arrays)


def concat(xp: ModuleType, arrays: list[Array], axis: int = 0) -> Array:
    """``concat`` under its standard name, or ``concatenate`` for older CuPy."""
    fn = getattr(xp, "concat", None) or xp.concatenate
    return fn(arrays, axis=axis)


_SYRK_MIN_COLUMNS = 65  # OpenBLAS 0.3.30/0.3.31 start threading syrk between p = 64 and p = 90


def gram(A: Array) -> Array:
    """Gram matrix ``G = Aᵀ A`` (``p × p``, symmetric, both triangles filled)
    of ``A`` of shape ``(n, p)``, in ``A``'s dtype.

    For float32/float64 numpy arrays with ``p > 64`` this is one BLAS ``syrk``
    (half the flops of a general product) from scipy's OpenBLAS, the library
    that then factorizes and solves with ``G`` (see the module docstring); a C-
    or Fortran-contiguous ``A`` is not copied. For ``p ≤ 64`` OpenBLAS runs
    ``syrk`` on one thread (no thread pool to contend with), and numpy's
    ``A.T @ A`` (also ``syrk``) saves the ~15 µs of scipy's wrapper and the
    mirroring. A dask ``A`` chunked along rows gives ``Σ_c A_cᵀ A_c``, one such
    product per chunk, computed (:func:`riemgd.chunked.gram`). Other arrays use ``A.T @ A``.
    """
    if chunked.is_chunked(A):
        return chunked.gram(A)
    if not (
        isinstance(A, np.ndarray)
        and A.ndim == 2
        and A.dtype in (np.float32, np.float64)
        and A.shape[0] > 0
        and A.shape[1] >= _SYRK_MIN_COLUMNS
    ):
        if isinstance(A, np.ndarray) and A.ndim == 2 and not (A.flags.c_contiguous or A.flags.f_contiguous):
            # numpy makes A.T @ A one syrk (both triangles equal) only on one contiguous buffer; of a
            # strided view it copies each operand and multiplies them as strangers (a gemm whose
            # triangles can differ in the last bit, as with OpenBLAS's Nehalem kernel)
            A = np.ascontiguousarray(A)
        return A.T @ A
    syrk = scipy.linalg.blas.get_blas_funcs("syrk", (A,))
    # syrk(trans=0): C = a aᵀ, syrk(trans=1): C = aᵀ a; a must be column-major to avoid a copy, and
    # A.T is column-major exactly when A is row-major
    a, trans = (A, 1) if A.flags.f_contiguous else (A.T, 0)
    p = A.shape[1]
    C = syrk(1.0, a, beta=0.0, c=np.zeros((p, p), dtype=A.dtype, order="F"), trans=trans, lower=1, overwrite_c=1)
    _mirror_lower(C)
    return C.T  # G is symmetric; its transpose is the row-major view numpy code expects


_MIRROR_BLOCK = 256  # block columns of 256 doubles: a block and its transpose stay in cache


def _mirror_lower(C: np.ndarray) -> None:
    """Fill the (zero) strict upper triangle of ``C`` with its lower one, ``C_ij = C_ji`` for
    ``i < j``, in place, one block column at a time (a whole-matrix transpose is cache-hostile)."""
    p = C.shape[0]
    for j in range(0, p, _MIRROR_BLOCK):
        k = min(j + _MIRROR_BLOCK, p)
        block = C[j:k, j:k]
        diagonal = block.diagonal().copy()
        block += block.T  # D + Dᵀ doubles the diagonal of the lower-triangular D; restored next
        np.fill_diagonal(block, diagonal)
        C[j:k, k:] = C[k:, j:k].T


def solve_triangular(L: Array, b: Array, *, lower: bool = True, trans: bool = False) -> Array:
    """Solve ``L y = b`` (or ``Lᵀ y = b`` when ``trans``) for triangular ``L``."""
    xp = namespace(L, b)
    if xp is np:
        trtrs = _TRTRS.get(L.dtype.char) if L.ndim == 2 and 1 <= b.ndim <= 2 and b.dtype == L.dtype else None
        if trtrs is None:
            return scipy.linalg.solve_triangular(L, b, lower=lower, trans=int(trans), check_finite=False)
        if L.shape[0] != L.shape[1] or b.shape[0] != L.shape[0]:  # LAPACK would read past b silently
            raise ValueError(f"solve_triangular needs a square L and b with as many rows: got {L.shape} and {b.shape}")
        if not L.flags.f_contiguous:  # LAPACK reads column-major: solve with Lᵀ, whose storage L is
            L, lower, trans = L.T, not lower, not trans
        x, info = trtrs(L, b, lower=int(lower), trans=int(trans))
        if info > 0:
            raise np.linalg.LinAlgError(f"singular triangular matrix: zero on the diagonal at index {info - 1}")
        if info < 0:
            raise ValueError(f"trtrs rejected its argument {-info}")
        return x
    if _is_cupy(L):
        import cupyx.scipy.linalg

        return cupyx.scipy.linalg.solve_triangular(L, b, lower=lower, trans=int(trans))
    A = xp.linalg.matrix_transpose(L) if trans else L
    if b.ndim == 1:
        return xp.linalg.solve(A, b[:, None])[:, 0]
    return xp.linalg.solve(A, b)


def cholesky_solve(L: Array, b: Array) -> Array:
    """Solve ``G x = b`` given the lower Cholesky factor ``L`` of ``G = L Lᵀ``:
    two triangular solves, ``L y = b`` then ``Lᵀ x = y`` (for numpy, both in one
    LAPACK ``potrs`` call)."""
    if isinstance(L, np.ndarray) and isinstance(b, np.ndarray):
        routines = _LAPACK.get(L.dtype.char) if b.dtype == L.dtype else None
        if routines is None:
            return scipy.linalg.cho_solve((L, True), b, check_finite=False)
        x, info = routines[1](L, b, lower=1)
        if info != 0:
            raise ValueError(f"potrs failed with info={info}")
        return x
    return solve_triangular(L, solve_triangular(L, b, lower=True), lower=True, trans=True)


# LAPACK's Cholesky routines called directly for real numpy arrays: scipy.linalg's
# wrappers add argument checks and array-API dispatch, about 20 µs a call, which is
# most of a natural-gradient iteration on a small model.
_LAPACK = {char: scipy.linalg.get_lapack_funcs(("potrf", "potrs"), dtype=np.dtype(char)) for char in ("f", "d")}
# The triangular solve likewise (LAPACK ``trtrs``, the routine scipy.linalg.solve_triangular
# calls, with the same arguments: the same floats, about 4 µs instead of 20 µs for 20 × 20).
_TRTRS = {char: scipy.linalg.get_lapack_funcs("trtrs", dtype=np.dtype(char)) for char in "fdFD"}


def cholesky(G: Array) -> Array | None:
    """Lower Cholesky factor of the symmetric matrix ``G``, or ``None`` if ``G``
    is not numerically positive definite (the factorization broke down)."""
    xp = namespace(G)
    if xp is np:
        routines = _LAPACK.get(G.dtype.char)
        if routines is None:
            try:
                return scipy.linalg.cholesky(G, lower=True, check_finite=False)
            except np.linalg.LinAlgError:
                return None
        factor, info = routines[0](G, lower=1, clean=1)  # info > 0: not positive definite
        return factor if info == 0 else None
    try:
        L = xp.linalg.cholesky(G)
    except Exception:  # numpy-like libraries raise their own LinAlgError
        return None
    # CuPy signals a failed factorization with NaN instead of raising.
    if not to_float(xp.all(xp.isfinite(L))):
        return None
    return L


def default_rng(seed: int | np.random.Generator | None = None, *, stream: int = 0) -> np.random.Generator:
    """A numpy random generator (random points are drawn on the host).

    An integer ``seed`` is combined with ``stream``, so that, e.g., a random
    tangent vector drawn with the seed of its base point is not built from
    the very draw that made the point (on a sphere it would project to zero).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([int(seed), stream] if stream else int(seed))


def is_finite(x: Any) -> bool:
    """True when every entry of ``x`` (array, scalar, or tuple of arrays) is finite."""
    if isinstance(x, (tuple, list)):
        return all(is_finite(part) for part in x)
    if isinstance(x, (int, float, np.generic)):
        return bool(np.isfinite(x))
    xp = namespace(x)
    return bool(xp.all(xp.isfinite(x)))


def is_real_floating(x: Array) -> bool:
    """True when ``x`` has a real floating dtype (float32 or float64)."""
    return str(x.dtype).rsplit(".", 1)[-1] in ("float32", "float64")


def is_complex_floating(x: Array) -> bool:
    """True when ``x`` has a complex floating dtype (complex64 or complex128)."""
    return str(x.dtype).rsplit(".", 1)[-1] in ("complex64", "complex128")


def inner(a: Array, b: Array) -> Any:
    """Frobenius inner product ``Σ a_ij b_ij`` (a 0-d array, or a numpy float);
    for complex arrays its real part ``Re Σ conj(a_ij) b_ij = Re tr(Aᴴ B)``, the
    real inner product of ``C^N`` seen as ``R^{2N}`` (pymanopt's convention),
    so the result is real for every input. For dask arrays (real), a chunked
    reduction, computed."""
    if isinstance(a, np.ndarray):
        value = np.vdot(a, b)  # conjugates a, a no-op for real arrays
        return value.real if isinstance(value, np.complexfloating) else value
    if chunked.is_chunked(a) or chunked.is_chunked(b):
        return chunked.inner(a, b)
    xp = namespace(a, b)
    if is_complex_floating(a) or is_complex_floating(b):
        return xp.real(xp.sum(xp.conj(a) * b))
    return xp.sum(a * b)

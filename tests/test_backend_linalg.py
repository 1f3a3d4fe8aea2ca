"""The backend's dense linear algebra (Gram product, Cholesky factor and solves)
against independent numpy/scipy references, for every layout and dtype it takes."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import scipy.linalg

from riemgd import backend
from riemgd.functional.gram import GramSolver

TOL = {np.float64: 1e-12, np.float32: 1e-5}


def matrix(n: int, p: int, dtype=np.float64, order: str = "C", seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.asarray(rng.standard_normal((n, p)), dtype=dtype, order=order)


def spd(p: int, dtype=np.float64, seed: int = 0) -> np.ndarray:
    a = matrix(3 * p, p, np.float64, seed=seed)
    return np.asarray(a.T @ a / (3 * p) + np.eye(p), dtype=dtype)


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(got, dtype=np.float64) - expected)) / max(np.max(np.abs(expected)), 1e-300))


# Gram product


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", ["C", "F"])
# p > 64 (scipy syrk, 520 in three mirror blocks) and p ≤ 64 (numpy)
@pytest.mark.parametrize("shape", [(1020, 129), (700, 520), (70, 65), (40, 7), (5, 9), (13, 1), (1, 6)])
def test_gram_is_the_full_symmetric_product(shape, order, dtype):
    a = matrix(*shape, dtype=dtype, order=order)
    expected = np.einsum("ki,kj->ij", a.astype(np.float64), a.astype(np.float64))  # Σ_k A_ki A_kj
    g = backend.gram(a)
    assert g.dtype == dtype and g.shape == (shape[1], shape[1])
    assert np.array_equal(g, g.T)  # both triangles filled, exactly symmetric
    assert relative_error(g, expected) <= TOL[dtype]


def test_gram_of_a_strided_view_and_an_empty_matrix():
    for a in (matrix(30, 12), matrix(300, 200)):
        # neither C- nor Fortran-contiguous (p = 6, numpy; p = 100, scipy), and Fortran order
        for view in (a[::2, 1::2], a[:, ::2], np.asfortranarray(a)):
            g = backend.gram(view)
            assert np.array_equal(g, g.T)  # on every BLAS kernel (a gemm of copies was not, on Nehalem's)
            assert relative_error(g, np.einsum("ki,kj->ij", view, view)) <= 1e-13
    for p in (4, 70):
        assert np.array_equal(backend.gram(np.zeros((0, p))), np.zeros((p, p)))


def test_gram_keeps_integer_dtypes_exact():
    a = np.arange(12).reshape(4, 3)
    assert np.array_equal(backend.gram(a), a.T @ a)


@pytest.mark.parametrize("order", ["C", "F"])
def test_gram_neither_copies_nor_mutates_its_argument(order):
    a = matrix(3000, 100, order=order)  # p > 64: the scipy syrk path
    before = a.copy()
    backend.gram(a)  # warm-up: scipy's wrapper caches are built outside the measurement
    tracemalloc.start()
    try:
        g = backend.gram(a)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # G and the mirroring's temporaries: a few p × p buffers, far below A's 2.4 MB
    assert peak < 4 * g.nbytes + 100_000 < a.nbytes
    assert np.array_equal(a, before)


def test_gram_solver_forms_the_metric_with_the_backend_product():
    sj = matrix(200, 17, seed=3)
    solver = GramSolver(sj, damping=0.0, rcond=1e-3)
    assert np.array_equal(solver.gram, solver.gram.T)
    assert relative_error(solver.gram, sj.T @ sj) <= 1e-13
    rhs = matrix(17, 1, seed=4)[:, 0]
    x = solver.solve(rhs)
    reference = scipy.linalg.solve(np.einsum("ki,kj->ij", sj, sj), rhs, assume_a="pos")
    assert relative_error(x, reference) <= 1e-12


# Cholesky and solves


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cholesky_is_numpys_lower_factor(dtype):
    g = spd(33, dtype)
    factor = backend.cholesky(g)
    assert factor.dtype == dtype
    assert np.array_equal(factor, np.tril(factor))
    assert relative_error(factor, np.linalg.cholesky(g.astype(np.float64))) <= TOL[dtype]


def test_cholesky_of_an_indefinite_matrix_is_none():
    g = spd(6)
    g[2, 2] = -1.0
    assert backend.cholesky(g) is None


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("columns", [None, 1, 4])
def test_cholesky_solve_matches_a_general_solve(columns, dtype):
    g = spd(25, dtype, seed=1)
    b = matrix(25, columns or 1, dtype=dtype, seed=2)
    b = b[:, 0] if columns is None else b
    b_before = b.copy()
    x = backend.cholesky_solve(backend.cholesky(g), b)
    assert x.dtype == dtype and x.shape == b.shape
    assert relative_error(x, np.linalg.solve(g.astype(np.float64), b.astype(np.float64))) <= 10 * TOL[dtype]
    assert np.array_equal(b, b_before)


@pytest.mark.parametrize("trans", [False, True])
@pytest.mark.parametrize("lower", [True, False])
def test_solve_triangular_matches_a_general_solve(lower, trans):
    factor = np.linalg.cholesky(spd(19, seed=5))
    t = factor if lower else factor.T
    b = matrix(19, 3, seed=6)
    x = backend.solve_triangular(t, b, lower=lower, trans=trans)
    assert relative_error(x, np.linalg.solve(t.T if trans else t, b)) <= 1e-12
    assert relative_error(x, scipy.linalg.solve_triangular(t, b, lower=lower, trans=int(trans))) <= 1e-14


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("trans", [False, True])
@pytest.mark.parametrize("lower", [True, False])
def test_solve_triangular_calls_lapack_as_scipy_does(dtype, order, trans, lower):
    """The direct LAPACK call gives scipy's floats, for either storage order, a
    vector or a matrix right-hand side, and a complex factor (``trans``: Lᵀ, not Lᴴ)."""
    rng = np.random.default_rng(9)
    raw = rng.standard_normal((9, 9)) + (1j * rng.standard_normal((9, 9)) if dtype is np.complex128 else 0)
    t = np.array(np.tril(raw) + 4 * np.eye(9), dtype=dtype, order=order)
    t = t if lower else np.array(t.T, order=order)
    for b in (rng.standard_normal(9).astype(dtype), rng.standard_normal((9, 4)).astype(dtype)):
        x = backend.solve_triangular(t, b, lower=lower, trans=trans)
        assert x.shape == b.shape and x.dtype == dtype
        assert np.array_equal(x, scipy.linalg.solve_triangular(t, b, lower=lower, trans=int(trans)))
        expected = np.linalg.solve(t.T if trans else t, b)
        tolerance = 1e-4 if dtype is np.float32 else 1e-12
        assert np.max(np.abs(x - expected)) <= tolerance * np.max(np.abs(expected))  # complex-safe


@pytest.mark.parametrize(("shape_l", "shape_b"), [((3, 3), (4,)), ((3, 3), (2, 2)), ((3, 4), (3,))])
def test_solve_triangular_rejects_mismatched_shapes(shape_l, shape_b):
    with pytest.raises(ValueError, match="square L and b with as many rows"):
        backend.solve_triangular(np.tril(np.ones(shape_l)), np.ones(shape_b))


def test_solve_triangular_rejects_a_singular_factor():
    factor = np.tril(np.ones((4, 4)))
    factor[2, 2] = 0.0
    with pytest.raises(np.linalg.LinAlgError, match="index 2"):
        backend.solve_triangular(factor, np.ones(4))


# array-API path (the CuPy-like branch)


def test_strict_arrays_take_the_standard_path():
    xs = pytest.importorskip("array_api_strict")
    a = matrix(30, 6, seed=7)
    g = backend.gram(xs.asarray(a))
    assert type(g).__module__.startswith("array_api_strict")
    assert relative_error(np.from_dlpack(g), backend.gram(a)) <= 1e-13
    factor = backend.cholesky(g)
    b = matrix(6, 1, seed=8)[:, 0]
    x = backend.cholesky_solve(factor, xs.asarray(b))
    assert relative_error(np.from_dlpack(x), np.linalg.solve(a.T @ a, b)) <= 1e-11

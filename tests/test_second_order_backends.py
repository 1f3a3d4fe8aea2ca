"""Trust regions and Riemannian Newton on the backend-agnostic path: array_api_strict
(which, like CuPy, refuses to mix with numpy) follows the numpy run iterate by iterate;
CuPy runs where a GPU is present."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import cupy_or_skip

import riemgd
from riemgd import backend

xs = pytest.importorskip("array_api_strict")

N = 12
A = np.diag(np.arange(1.0, N + 1.0)) + 0.1 * np.ones((N, N))


def rayleigh(matrix, preconditioned=False):
    """−xᵀAx with explicit Euclidean gradient and Hessian, in ``matrix``'s library;
    optionally the preconditioner ``P r = P_x(D⁻¹ r)``, ``D = diag(A)``."""
    inverse_diagonal = backend.as_array_like(1.0 / np.diag(A), matrix)

    def preconditioner(x, r):
        return riemgd.Sphere(N).projection(x, inverse_diagonal * r)

    return riemgd.Problem(
        riemgd.Sphere(N),
        lambda x: -x @ matrix @ x,
        euclidean_gradient=lambda x: -2.0 * (matrix @ x),
        euclidean_hessian=lambda x, u: -2.0 * (matrix @ u),
        preconditioner=preconditioner if preconditioned else None,
    )


SOLVERS = {
    "trust-regions": lambda **kw: riemgd.TrustRegions(**kw),
    "trust-regions-use-rand": lambda **kw: riemgd.TrustRegions(use_rand=True, rng=0, **kw),
    "newton": lambda **kw: riemgd.Newton(**kw),
}


def compare(make, to_library, tol, preconditioned=False):
    start = riemgd.Sphere(N).random_point(rng=3)
    kwargs = {"max_iterations": 6, "min_gradient_norm": 0.0, "min_step_size": 0.0, "log_verbosity": 1}
    reference = make(**kwargs).run(rayleigh(A, preconditioned), initial_point=start)
    result = make(**kwargs).run(rayleigh(to_library(A), preconditioned), initial_point=to_library(start))
    assert result.iterations == reference.iterations
    assert result.hessian_evaluations == reference.hessian_evaluations
    for key in ("cost", "gradient_norm"):
        np.testing.assert_allclose(result.log["iterations"][key], reference.log["iterations"][key], rtol=tol, atol=tol)
    for got, expected in zip(result.log["iterations"]["point"], reference.log["iterations"]["point"], strict=True):
        np.testing.assert_allclose(backend.to_numpy(got), expected, rtol=0, atol=tol)
    return result


@pytest.mark.parametrize("preconditioned", [False, True])
@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_second_order_solvers_on_strict_arrays_follow_numpy(name, preconditioned):
    result = compare(SOLVERS[name], xs.asarray, 1e-12, preconditioned)
    assert type(result.point).__module__.startswith("array_api_strict")


def test_autograd_hessian_on_strict_arrays_is_not_available():
    problem = riemgd.Problem(riemgd.Sphere(N), lambda x: -x @ x, euclidean_gradient=lambda x: -2.0 * x)
    x = xs.asarray(riemgd.Sphere(N).random_point(rng=0))
    with pytest.raises(NotImplementedError, match="euclidean_hessian="):
        problem.riemannian_hessian(x, x)


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_second_order_solvers_on_cupy_follow_numpy(name):
    cupy = cupy_or_skip()
    result = compare(SOLVERS[name], cupy.asarray, 1e-10)
    assert isinstance(result.point, cupy.ndarray)

"""The backend-agnostic path: array_api_strict (which, like CuPy, refuses to mix
with numpy) must give the numpy results; CuPy runs where a GPU is present."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import OPTIMIZERS, cupy_or_skip

import riemgd
from riemgd import backend

xs = pytest.importorskip("array_api_strict")

MANIFOLDS = {
    "sphere": lambda: riemgd.Sphere(7),
    "sphere-matrix": lambda: riemgd.Sphere(3, 2),
    "stiefel-qr": lambda: riemgd.Stiefel(6, 3),
    "stiefel-polar": lambda: riemgd.Stiefel(6, 3, retraction="polar"),
    "grassmann": lambda: riemgd.Grassmann(6, 2),
    "spd": lambda: riemgd.SymmetricPositiveDefinite(4),
    "euclidean": lambda: riemgd.Euclidean(4, 3),
    "symmetric-stack": lambda: riemgd.Symmetric(3, 2),
    "skew-symmetric": lambda: riemgd.SkewSymmetric(4),
    "positive-parallel": lambda: riemgd.Positive(3, 2, use_parallel_transport=True),
    "oblique": lambda: riemgd.Oblique(4, 3),
    "sphere-subspace": lambda: riemgd.SphereSubspaceIntersection(np.random.default_rng(7).standard_normal((6, 3))),
    "sphere-subspace-complement": lambda: riemgd.SphereSubspaceComplementIntersection(np.eye(6)[:, :2]),
    "elliptope": lambda: riemgd.Elliptope(5, 2),
    "poincare-stack": lambda: riemgd.PoincareBall(3, k=2),
    "stiefel-k2": lambda: riemgd.Stiefel(5, 2, k=2),
    "grassmann-k2": lambda: riemgd.Grassmann(5, 2, k=2),
    "spd-k2": lambda: riemgd.SymmetricPositiveDefinite(3, k=2),
    "so-k2": lambda: riemgd.SpecialOrthogonalGroup(3, k=2),
    "psd-fixed-rank": lambda: riemgd.PSDFixedRank(5, 2),
}


def is_strict(x) -> bool:
    return type(x).__module__.startswith("array_api_strict")


def host(x) -> np.ndarray:
    """A numpy copy of a strict array, through DLPack."""
    return np.from_dlpack(x)


def assert_strict_equals(strict_value, numpy_value, tol=1e-12):
    assert is_strict(strict_value), type(strict_value)
    expected = np.asarray(numpy_value, dtype=float)
    got = host(strict_value)
    assert got.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected))) if expected.size else 1.0)
    assert float(np.max(np.abs(got - expected))) <= tol * scale


@pytest.fixture(params=sorted(MANIFOLDS))
def case(request):
    rng = np.random.default_rng(sorted(MANIFOLDS).index(request.param))
    manifold = MANIFOLDS[request.param]()
    x = manifold.random_point(rng=rng)
    u = manifold.random_tangent_vector(x, rng=rng)
    v = manifold.random_tangent_vector(x, rng=rng)
    y = manifold.retraction(x, 0.5 * manifold.random_tangent_vector(x, rng=rng))
    g = rng.standard_normal(x.shape)
    return manifold, x, u, v, y, g


def test_manifold_operations_on_strict_arrays_match_numpy(case):
    manifold, x, u, v, y, g = case
    X, U, V, Y, G = (xs.asarray(a) for a in (x, u, v, y, g))
    assert_strict_equals(manifold.projection(X, G), manifold.projection(x, g))
    assert_strict_equals(
        manifold.euclidean_to_riemannian_gradient(X, G), manifold.euclidean_to_riemannian_gradient(x, g)
    )
    assert_strict_equals(manifold.retraction(X, U), manifold.retraction(x, u))
    assert_strict_equals(manifold.retraction(X, 0.3 * U), manifold.retraction(x, 0.3 * u))
    assert_strict_equals(manifold.transport(X, Y, U), manifold.transport(x, y, u))
    assert_strict_equals(manifold.inner_product(X, U, V), manifold.inner_product(x, u, v))
    assert_strict_equals(manifold.norm(X, U), manifold.norm(x, u))
    assert_strict_equals(manifold.zero_vector(X), np.zeros_like(x))
    H = xs.asarray(np.cos(g))  # a second ambient vector, standing for a Hessian-vector product
    assert_strict_equals(
        manifold.euclidean_to_riemannian_hessian(X, G, H, U),
        manifold.euclidean_to_riemannian_hessian(x, g, np.cos(g), u),
    )
    # random tangent vectors are drawn on the host and converted to the point's library
    w = manifold.random_tangent_vector(X, rng=3)
    assert_strict_equals(w, manifold.random_tangent_vector(x, rng=3))
    manifold.check_point(X)
    manifold.check_point(manifold.retraction(X, U))


def test_exp_log_dist_on_strict_arrays_match_numpy(case):
    manifold, x, u, _, _, _ = case
    X, U = xs.asarray(x), xs.asarray(u)
    try:
        y = manifold.exp(x, 0.4 * u)
    except NotImplementedError:
        pytest.skip(f"{type(manifold).__name__} has no exp")
    assert_strict_equals(manifold.exp(X, 0.4 * U), y)
    Y = xs.asarray(y)
    try:
        manifold.log(x, y)
    except NotImplementedError:
        return  # exp without a closed-form log (Stiefel)
    assert_strict_equals(manifold.log(X, Y), manifold.log(x, y), tol=1e-10)
    assert_strict_equals(manifold.dist(X, Y), manifold.dist(x, y), tol=1e-10)


def test_check_point_rejects_strict_points_off_the_manifold(case):
    manifold, x, *_ = case
    if isinstance(manifold, riemgd.Euclidean):
        bad = xs.asarray(np.full(x.shape, np.nan))
    elif isinstance(manifold, (riemgd.SymmetricPositiveDefinite, riemgd.Positive)):
        bad = xs.asarray(-x)
    elif isinstance(manifold, (riemgd.Symmetric, riemgd.SkewSymmetric)):
        bad = xs.asarray(x + np.triu(np.ones(x.shape[-2:])))  # neither symmetric nor skew
    elif isinstance(manifold, riemgd.PoincareBall):
        bad = xs.asarray(2.0 * x / np.linalg.norm(x, axis=-1, keepdims=True))  # outside the ball
    elif isinstance(manifold, riemgd.PSDFixedRank):
        bad = xs.asarray(np.concatenate([x[:, :1], x[:, :1]], axis=1))  # rank 1, not 2
    else:
        bad = xs.asarray(2.0 * x)
    with pytest.raises(ValueError, match="initial_point"):
        manifold.check_point(bad, name="initial_point")


# ----------------------------------------------------------- optimizers
N = 8
A = np.diag(np.arange(1.0, N + 1.0)) + 0.1 * np.ones((N, N))


def rayleigh(matrix):
    """−xᵀAx with an explicit Euclidean gradient, in whatever library ``matrix`` lives."""
    return riemgd.Problem(riemgd.Sphere(N), lambda x: -x @ matrix @ x, euclidean_gradient=lambda x: -2.0 * (matrix @ x))


def compare_runs(make, to_library, *, iterations, tol):
    """Run ``make()`` on numpy and on ``to_library`` arrays; compare every logged iterate."""
    x0 = riemgd.Sphere(N).random_point(rng=1)
    kwargs = {"max_iterations": iterations, "min_gradient_norm": 0.0, "min_step_size": 0.0, "log_verbosity": 1}
    reference = make(**kwargs).run(rayleigh(A), initial_point=x0)
    result = make(**kwargs).run(rayleigh(to_library(A)), initial_point=to_library(x0))
    assert result.iterations == reference.iterations == iterations
    assert isinstance(result.cost, float) and isinstance(result.gradient_norm, float)
    for key in ("cost", "gradient_norm"):
        np.testing.assert_allclose(result.log["iterations"][key], reference.log["iterations"][key], rtol=tol, atol=tol)
    np.testing.assert_allclose(
        result.log["iterations"]["step_size"][1:], reference.log["iterations"]["step_size"][1:], rtol=tol, atol=tol
    )
    for got, expected in zip(result.log["iterations"]["point"], reference.log["iterations"]["point"], strict=True):
        np.testing.assert_allclose(backend.to_numpy(got), expected, rtol=0, atol=tol)
    return result


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_on_strict_arrays_follow_numpy(name):
    # Armijo's interpolated first trial step divides a cost difference by the slope
    # and amplifies round-off by a factor of 3 to 7 per iteration (measured: 1e-15 at the
    # second step, 1.6e-12 and 4.4e-12 at the sixth on two BLAS kernels): compare 4 steps
    iterations = 4 if name == "gd-armijo" else 25
    result = compare_runs(OPTIMIZERS[name], xs.asarray, iterations=iterations, tol=1e-12)
    assert is_strict(result.point)
    assert all(is_strict(p) for p in result.log["iterations"]["point"])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_on_strict_arrays_reach_the_optimum(name):
    make = OPTIMIZERS[name]
    result = make(min_gradient_norm=1e-9, max_iterations=3000).run(
        rayleigh(xs.asarray(A)), initial_point=xs.asarray(riemgd.Sphere(N).random_point(rng=2))
    )
    optimum = np.linalg.eigvalsh(A)[-1]
    assert abs(result.cost + optimum) <= 1e-8 * optimum
    assert is_strict(result.point)


def test_product_of_strict_arrays():
    manifold = riemgd.Product([riemgd.Sphere(N), riemgd.Euclidean(2)])
    b = np.array([1.0, -1.0])

    def problem(matrix, target):
        return riemgd.Problem(
            manifold,
            lambda p: -p[0] @ matrix @ p[0] + 0.5 * ((p[1] - target) @ (p[1] - target)),
            euclidean_gradient=lambda p: (-2.0 * (matrix @ p[0]), p[1] - target),
        )

    x0 = (riemgd.Sphere(N).random_point(rng=3), np.zeros(2))
    kwargs = {"max_iterations": 15, "min_gradient_norm": 0.0, "min_step_size": 0.0}
    reference = riemgd.Nesterov(0.05, 0.5, **kwargs).run(problem(A, b), initial_point=x0)
    result = riemgd.Nesterov(0.05, 0.5, **kwargs).run(
        problem(xs.asarray(A), xs.asarray(b)), initial_point=tuple(xs.asarray(p) for p in x0)
    )
    assert result.cost == pytest.approx(reference.cost, rel=1e-12)
    for got, expected in zip(result.point, reference.point, strict=True):
        assert is_strict(got)
        np.testing.assert_allclose(host(got), expected, rtol=0, atol=1e-12)


# ----------------------------------------------------------- refusing to mix
def test_namespace_refuses_to_mix_numpy_and_strict():
    assert backend.namespace(np.ones(2), 1.0, None) is np
    assert backend.namespace(xs.ones(2), xs.zeros(3)) is xs
    assert backend.namespace((xs.ones(2), xs.zeros(3))) is xs
    with pytest.raises(TypeError, match="mixed"):
        backend.namespace(np.ones(2), xs.ones(2))
    with pytest.raises(TypeError, match="mixed"):
        backend.namespace(xs.ones(2), (xs.ones(1), np.ones(1)))
    with pytest.raises(TypeError, match="expected an array"):
        backend.namespace("not an array")


def test_manifold_operation_mixing_libraries_raises_type_error():
    manifold = riemgd.Sphere(4)
    rng = np.random.default_rng(0)
    x = manifold.random_point(rng=rng)
    u = manifold.random_tangent_vector(x, rng=rng)
    with pytest.raises(TypeError):
        manifold.inner_product(xs.asarray(x), xs.asarray(u), u)
    with pytest.raises(TypeError):
        manifold.projection(xs.asarray(x), u)


def test_autograd_on_strict_arrays_raises_clear_type_error():
    manifold = riemgd.Sphere(N)
    matrix = xs.asarray(A)
    problem = riemgd.Problem(manifold, lambda x: -x @ matrix @ x)  # no gradient: autograd
    x0 = xs.asarray(manifold.random_point(rng=0))
    with pytest.raises(TypeError, match="autograd") as info:
        riemgd.GradientDescent().run(problem, initial_point=x0)
    assert "euclidean_gradient" in str(info.value)
    with pytest.raises(TypeError, match="autograd"):
        problem.riemannian_gradient(x0)


# ----------------------------------------------------------- CuPy
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_on_cupy_follow_numpy(name):
    cupy = cupy_or_skip()
    iterations = 6 if name == "gd-armijo" else 25
    result = compare_runs(OPTIMIZERS[name], cupy.asarray, iterations=iterations, tol=1e-10)
    assert isinstance(result.point, cupy.ndarray)


def test_manifold_operations_on_cupy_match_numpy(case):
    cupy = cupy_or_skip()
    manifold, x, u, v, y, g = case
    X, U, V, Y, G = (cupy.asarray(a) for a in (x, u, v, y, g))
    for got, expected in [
        (manifold.projection(X, G), manifold.projection(x, g)),
        (manifold.retraction(X, U), manifold.retraction(x, u)),
        (manifold.transport(X, Y, U), manifold.transport(x, y, u)),
        (manifold.inner_product(X, U, V), manifold.inner_product(x, u, v)),
        (manifold.norm(X, U), manifold.norm(x, u)),
    ]:
        assert isinstance(got, cupy.ndarray)
        np.testing.assert_allclose(cupy.asnumpy(got), expected, rtol=1e-10, atol=1e-12)

"""Second-order geometry: Problem's Hessian-vector products and check_hessian.

Independent answers: the closed-form Riemannian Hessian of the Rayleigh quotient
on the sphere, ``Hess f(x)[u] = P_x(2Au) − 2(xᵀAx) u`` for ``f = xᵀAx``, and the
constant Hessian of a quadratic on Euclidean space.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces

N = 7
RNG = np.random.default_rng(11)
A = RNG.standard_normal((N, N))
A = A + A.T
B = RNG.standard_normal((N, N))
Q = B @ B.T + np.eye(N)  # SPD
b = RNG.standard_normal(N)


def rayleigh_cost(x):
    return x @ A @ x


def rayleigh_hessian(x, u):
    """Closed form: P_x(2Au) − 2(xᵀAx) u."""
    w = 2.0 * A @ u
    return w - (x @ w) * x - 2.0 * (x @ A @ x) * u


def quadratic_cost(x):
    return 0.5 * x @ Q @ x - b @ x


def sample(manifold, seed):
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    return x, manifold.random_tangent_vector(x, rng=rng)


# ------------------------------------------------------- Problem's Hessians
@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # autograd gradient and Hessian-vector product
        {"euclidean_gradient": lambda x: 2.0 * A @ x},  # autograd Hessian of the cost
        {"euclidean_gradient": lambda x: 2.0 * A @ x, "euclidean_hessian": lambda x, u: 2.0 * A @ u},
        {"riemannian_hessian": rayleigh_hessian},
    ],
    ids=["autograd", "autograd-hessian", "euclidean-hessian", "riemannian-hessian"],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_rayleigh_hessian_on_the_sphere_is_the_closed_form(kwargs, seed):
    manifold = riemgd.Sphere(N)
    problem = riemgd.Problem(manifold, rayleigh_cost, **kwargs)
    x, u = sample(manifold, seed)
    np.testing.assert_allclose(problem.riemannian_hessian(x, u), rayleigh_hessian(x, u), rtol=0, atol=1e-12)
    if "riemannian_hessian" not in kwargs:
        np.testing.assert_allclose(problem.euclidean_hessian(x, u), 2.0 * A @ u, rtol=0, atol=1e-12)


def test_quadratic_hessian_on_euclidean_is_the_matrix():
    manifold = riemgd.Euclidean(N)
    problem = riemgd.Problem(manifold, quadratic_cost)
    x, u = sample(manifold, 2)
    np.testing.assert_allclose(problem.riemannian_hessian(x, u), Q @ u, rtol=0, atol=1e-12)
    np.testing.assert_allclose(problem.euclidean_hessian_matrix(x), Q, rtol=0, atol=1e-12)


def test_autograd_hessian_on_a_product_manifold():
    """f(x, y) = xᵀAx + ½ yᵀQy − bᵀy on Sphere × Euclidean: each block as its manifold's closed form."""
    manifold = riemgd.Product([riemgd.Sphere(N), riemgd.Euclidean(N)])

    def cost(point):
        x, y = point
        return x @ A @ x + 0.5 * y @ Q @ y - b @ y

    problem = riemgd.Problem(manifold, cost)
    rng = np.random.default_rng(3)
    x, y = riemgd.Sphere(N).random_point(rng=rng), rng.standard_normal(N)
    u = riemgd.Sphere(N).random_tangent_vector(x, rng=rng)
    w = rng.standard_normal(N)
    product = problem.euclidean_hessian((x, y), riemgd.manifolds.ProductVector((u, w)))
    np.testing.assert_allclose(product[0], 2.0 * A @ u, atol=1e-12)
    np.testing.assert_allclose(product[1], Q @ w, atol=1e-12)


def test_gradient_memo_sees_an_in_place_edit():
    """∇f(x) is reused for the same unchanged point only: editing x in place is noticed."""
    manifold = riemgd.Sphere(N)
    problem = riemgd.Problem(manifold, rayleigh_cost, euclidean_gradient=lambda x: 2.0 * A @ x)
    x, u = sample(manifold, 4)
    first = problem.riemannian_hessian(x, u)
    y, v = sample(manifold, 5)
    x[:] = y  # same object, new contents
    np.testing.assert_allclose(problem.riemannian_hessian(x, v), rayleigh_hessian(y, v), atol=1e-12)
    assert not np.allclose(first, rayleigh_hessian(y, u))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"euclidean_gradient": lambda x: 2.0 * A @ x, "euclidean_hessian": lambda x, u: 2.0 * A @ u},
        {"riemannian_hessian": rayleigh_hessian},
    ],
    ids=["autograd", "euclidean-hessian", "riemannian-hessian"],
)
def test_hessian_operator_is_the_closed_form_at_its_point(kwargs):
    """``hessian_operator(x)`` applies Hess f(x) (the closed form) to every vector it is given."""
    manifold = riemgd.Sphere(N)
    problem = riemgd.Problem(manifold, rayleigh_cost, **kwargs)
    x, u = sample(manifold, 7)
    operator = problem.hessian_operator(x)
    for seed in (8, 9):
        v = manifold.random_tangent_vector(x, rng=seed)
        np.testing.assert_allclose(operator(v), rayleigh_hessian(x, v), rtol=0, atol=1e-12)
    np.testing.assert_allclose(operator(u), rayleigh_hessian(x, u), rtol=0, atol=1e-12)


def test_gradient_then_hessian_products_evaluate_the_euclidean_gradient_once():
    """After a first Hessian product, ``riemannian_gradient(x)`` leaves ∇f(x) for the
    products at x that follow (a trust-region iteration): one ∇f call per point."""
    calls = []

    def gradient(x):
        calls.append(x)
        return 2.0 * A @ x

    manifold = riemgd.Sphere(N)
    problem = riemgd.Problem(manifold, rayleigh_cost, euclidean_gradient=gradient)
    x, u = sample(manifold, 10)
    problem.riemannian_hessian(x, u)
    assert len(calls) == 1
    y, v = sample(manifold, 11)
    np.testing.assert_allclose(problem.riemannian_gradient(y), manifold.projection(y, 2.0 * A @ y), rtol=0, atol=1e-12)
    np.testing.assert_allclose(problem.hessian_operator(y)(v), rayleigh_hessian(y, v), rtol=0, atol=1e-12)
    w = manifold.projection(y, u)
    np.testing.assert_allclose(problem.riemannian_hessian(y, w), rayleigh_hessian(y, w), rtol=0, atol=1e-12)
    assert len(calls) == 2
    y[:] = x  # an in-place edit after the gradient: noticed, ∇f evaluated afresh
    np.testing.assert_allclose(problem.hessian_operator(y)(u), rayleigh_hessian(x, u), rtol=0, atol=1e-12)
    assert len(calls) == 3


def test_problem_with_autograd_hessian_pickles_and_copies():
    problem = riemgd.Problem(riemgd.Sphere(N), rayleigh_cost)
    x, u = sample(problem.manifold, 6)
    problem.riemannian_hessian(x, u)  # builds autograd's product and the memo
    for other in (pickle.loads(pickle.dumps(problem)), copy.deepcopy(problem)):
        np.testing.assert_allclose(other.riemannian_hessian(x, u), rayleigh_hessian(x, u), atol=1e-12)


# --------------------------------------------------------- where there is none
def test_no_hessian_for_a_riemannian_gradient_only_problem():
    manifold = riemgd.Sphere(N)
    problem = riemgd.Problem(manifold, rayleigh_cost, riemannian_gradient=lambda x: manifold.projection(x, 2 * A @ x))
    x, u = sample(manifold, 0)
    with pytest.raises(NotImplementedError, match="riemannian_hessian="):
        problem.riemannian_hessian(x, u)
    with pytest.raises(NotImplementedError, match="riemannian_hessian="):
        problem.euclidean_hessian(x, u)


X, W = spaces.gauss_legendre(8)


def line_features(t):
    return np.stack([np.ones_like(t), t], axis=1)


def line_manifold(weights=W):
    return riemgd.ModelManifold(models.Linear(line_features, np.eye(2)), spaces.L2(X, weights))


def test_no_hessian_for_a_metric_swap_problem():
    manifold, swap = line_manifold(), line_manifold(2.0 * W)
    problem = riemgd.Problem(manifold, losses.L2(np.exp(X)), gradient_manifold=swap)
    with pytest.raises(NotImplementedError, match="metric swap"):
        problem.riemannian_hessian(np.zeros(2), np.ones(2))


class SphereWithoutHessian(riemgd.Sphere):
    """A manifold that does not implement the conversion (the base class's default)."""

    euclidean_to_riemannian_hessian = riemgd.Manifold.euclidean_to_riemannian_hessian


def test_no_hessian_on_a_manifold_without_the_conversion():
    problem = riemgd.Problem(SphereWithoutHessian(N), rayleigh_cost)
    x, u = sample(problem.manifold, 0)
    with pytest.raises(NotImplementedError, match="SphereWithoutHessian does not implement 'euclidean_to_riemannian"):
        problem.riemannian_hessian(x, u)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"euclidean_hessian": lambda x, u: u, "riemannian_hessian": lambda x, u: u}, ValueError, "not both"),
        ({"riemannian_gradient": lambda x: x, "euclidean_hessian": lambda x, u: u}, ValueError, "riemannian_hessian"),
        ({"euclidean_hessian": 3.0}, TypeError, "euclidean_hessian must be callable"),
        ({"riemannian_hessian": "H"}, TypeError, "riemannian_hessian must be callable"),
    ],
    ids=["both", "euclidean-with-riemannian-gradient", "euclidean-not-callable", "riemannian-not-callable"],
)
def test_bad_hessian_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        riemgd.Problem(riemgd.Sphere(N), rayleigh_cost, **kwargs)


def test_functional_loss_refuses_a_euclidean_hessian():
    with pytest.raises(ValueError, match="functional loss"):
        riemgd.Problem(line_manifold(), losses.L2(np.exp(X)), euclidean_hessian=lambda theta, c: c)


# ------------------------------------------------------------- check_hessian
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("curve", ["retraction", "exp"])
def test_check_hessian_passes_on_the_rayleigh_quotient(seed, curve):
    # the sphere's (x + u)/‖x + u‖ is a second-order retraction: slope 3 along it too
    problem = riemgd.Problem(riemgd.Sphere(N), rayleigh_cost, riemannian_hessian=rayleigh_hessian)
    report = riemgd.check_hessian(problem, rng=seed, curve=curve)
    assert report.passed and report.slope_passed
    assert report.slope == pytest.approx(3.0, abs=0.1)
    assert report.expected_slope == 3.0
    assert report.symmetry_residual < 1e-13
    assert report.tangent_residual < 1e-13
    assert report.linearity_residual < 1e-13


def test_check_hessian_on_a_quadratic_is_at_round_off():
    """A quadratic equals its second-order model: the remainder is round-off everywhere."""
    report = riemgd.check_hessian(riemgd.Problem(riemgd.Euclidean(N), quadratic_cost), rng=0)
    assert report.passed
    assert np.all(report.errors < 1e-10)


def test_check_hessian_remainder_matches_a_hand_computed_one():
    manifold = riemgd.Sphere(N)
    x, u = sample(manifold, 7)
    report = riemgd.check_hessian(riemgd.Problem(manifold, rayleigh_cost), x, u)
    grad = manifold.projection(x, 2.0 * A @ x)
    curvature = u @ rayleigh_hessian(x, u)
    for t, error in zip(report.steps[::8], report.errors[::8], strict=True):
        y = (x + t * u) / np.linalg.norm(x + t * u)
        expected = abs(y @ A @ y - x @ A @ x - t * (grad @ u) - 0.5 * t * t * curvature)
        assert error == pytest.approx(expected, rel=1e-6, abs=1e-14)
    assert report.details["curvature"] == pytest.approx(curvature, rel=1e-12)


def scaled_hessian(x, u):
    return 2.0 * rayleigh_hessian(x, u)


def asymmetric_hessian(x, u):
    """The closed form plus a skew-symmetric part (tangent, but not self-adjoint)."""
    skew = np.triu(np.ones((N, N)), 1)
    skew = skew - skew.T
    w = rayleigh_hessian(x, u) + riemgd.Sphere(N).projection(x, skew @ riemgd.Sphere(N).projection(x, u))
    return w


def normal_hessian(x, u):
    """The closed form plus a normal component ⟨u, e₁⟩ x."""
    return rayleigh_hessian(x, u) + u[0] * x


def euclidean_only_hessian(x, u):
    """The Euclidean 2Au projected, without the curvature term −2(xᵀAx)u."""
    return riemgd.Sphere(N).projection(x, 2.0 * A @ u)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    ("hessian", "flag"),
    [
        (scaled_hessian, "slope"),
        (euclidean_only_hessian, "slope"),
        (asymmetric_hessian, "symmetry"),
        (normal_hessian, "tangent"),
    ],
    ids=["scaled", "no-curvature-term", "asymmetric", "normal-part"],
)
def test_check_hessian_flags_a_wrong_hessian(hessian, flag, seed):
    problem = riemgd.Problem(riemgd.Sphere(N), rayleigh_cost, riemannian_hessian=hessian)
    report = riemgd.check_hessian(problem, rng=seed)
    assert not report.passed
    if flag == "slope":
        assert not report.slope_passed
        assert report.slope == pytest.approx(2.0, abs=0.1)
    elif flag == "symmetry":
        assert report.symmetry_residual > 1e-3
    else:
        assert report.tangent_residual > 1e-3


def test_check_hessian_flags_a_nonlinear_hessian():
    problem = riemgd.Problem(
        riemgd.Sphere(N), rayleigh_cost, riemannian_hessian=lambda x, u: rayleigh_hessian(x, u) * (1 + u @ u)
    )
    assert riemgd.check_hessian(problem, rng=0).linearity_residual > 1e-3


def test_check_hessian_runs_on_a_pymanopt_problem():
    pymanopt = pytest.importorskip("pymanopt")
    manifold = pymanopt.manifolds.Sphere(N)

    @pymanopt.function.autograd(manifold)
    def cost(x):
        return x @ A @ x

    x, u = sample(riemgd.Sphere(N), 3)  # pymanopt's own random points ignore seeds
    report = riemgd.check_hessian(pymanopt.Problem(manifold, cost), x, u)
    assert report.passed
    assert report.slope == pytest.approx(3.0, abs=0.1)


def test_check_hessian_bad_curve():
    with pytest.raises(ValueError, match="curve"):
        riemgd.check_hessian(riemgd.Problem(riemgd.Sphere(N), rayleigh_cost), curve="geodesic")


def test_check_hessian_needs_a_hessian():
    manifold = riemgd.Sphere(N)
    problem = riemgd.Problem(manifold, rayleigh_cost, riemannian_gradient=lambda x: manifold.projection(x, 2 * A @ x))
    with pytest.raises(NotImplementedError, match="riemannian_hessian="):
        riemgd.check_hessian(problem, rng=0)

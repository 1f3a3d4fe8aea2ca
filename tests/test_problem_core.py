"""Problem: one gradient route chosen at construction, every manifold resampled, deep copies
and pickles that stand on their own; the typed ambient vector of model manifolds."""

import copy
import functools
import pickle

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces
from riemgd.functional.ambient import AmbientVector

X = np.linspace(0.0, 1.0, 20)
W = np.full(20, 1 / 20)


def monomials(x):
    return np.column_stack([np.ones_like(x), x, x**2])


def target(x):
    return np.sin(3.0 * x)


def sphere_cost(x):
    return x[0] ** 2 + 2.0 * x[1] ** 2 + 3.0 * x[2] ** 2  # autograd differentiates it


def l2_hessian(loss, space, values):
    return loss.hessian(values, space)


def linear_manifold(space=None):
    return riemgd.ModelManifold(models.Linear(monomials, np.eye(3)), space or spaces.L2(X, W))


# ------------------------------------------------- stochastic spaces, every manifold resampled
def hessian_weighted_problem(batch_size=5):
    space = spaces.L2(X, W, batch_size=batch_size, rng=3)
    loss = losses.L2(target)
    hessian = functools.partial(l2_hessian, loss, space)  # H_L = K at the batch points
    model = models.Linear(monomials, np.eye(3))
    gradient_manifold = riemgd.ModelManifold(model, spaces.HessianWeighted(space, hessian))
    return riemgd.Problem(riemgd.ModelManifold(model, space), loss, gradient_manifold=gradient_manifold), space


def test_stochastic_space_with_a_hessian_weighted_gradient_manifold():
    problem, space = hessian_weighted_problem()
    theta = np.array([0.3, -0.2, 0.5])
    for k in range(4):
        assert problem.begin_iteration(k)  # a new batch each iteration
        x, w = space.points, space.weights
        assert x.shape == (5,)
        J = monomials(x)  # the batch Jacobian; H_L = diag(w), so G^H = Jᵀ W J
        gradient = J.T @ (w * (J @ theta - target(x)))
        expected = np.linalg.solve(J.T @ (w[:, None] * J), gradient)
        np.testing.assert_allclose(problem.riemannian_gradient(theta), expected, rtol=1e-10)
    result = riemgd.GradientDescent(0.5, max_iterations=5).run(problem, initial_point=theta)
    assert result.iterations == 5 and np.isfinite(result.cost)


def test_begin_iteration_draws_each_owner_once_per_token():
    problem, space = hessian_weighted_problem()
    assert problem.begin_iteration(7)
    drawn = space.points.copy()
    assert not problem.begin_iteration(7)  # the same token: nothing drawn again
    np.testing.assert_array_equal(space.points, drawn)
    assert problem.begin_iteration(8)
    assert problem.begin_iteration()  # no token: the internal counter still works


def test_begin_iteration_forwards_the_token_to_a_pde_loss():
    space = spaces.L2(X, W, batch_size=6, rng=1)
    pde = losses.PDEResidual({"dd0": -1.0}, lambda x: np.ones_like(x), space, np.array([0.0, 1.0]))
    problem = riemgd.Problem(riemgd.ModelManifold(models.ShallowNetwork(1, 3), spaces.L2(X, W)), pde)
    assert problem.begin_iteration(0)  # the loss's collocation points are drawn
    assert not problem.begin_iteration(0)
    assert space.points.shape == (6,)


# ----------------------------------------------------------------- one route, chosen once
def test_route_is_chosen_at_construction():
    manifold = linear_manifold()
    assert riemgd.Problem(manifold, losses.L2(target)).route == "functional"
    assert riemgd.Problem(riemgd.Sphere(3), sphere_cost).route == "euclidean"
    riemannian = riemgd.Problem(riemgd.Sphere(3), sphere_cost, riemannian_gradient=lambda x: 0 * x)
    assert riemannian.route == "riemannian"
    swapped, _ = hessian_weighted_problem()
    assert swapped.route == "metric swap"


def test_dead_code_is_gone():
    assert not hasattr(losses.Loss, "gradient")
    assert not hasattr(losses.Loss, "bind")
    assert not hasattr(models.Model, "check_parameters")


# ---------------------------------------------------------------- deep copies and pickles
def test_deepcopy_gives_an_independent_problem():
    features = monomials(X)
    manifold = riemgd.ModelManifold(models.Linear(features), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(target(X)))
    theta = np.array([0.1, 0.2, 0.3])
    before = float(problem.cost(theta))
    copied = copy.deepcopy(problem)
    assert copied.manifold is not problem.manifold
    copied.manifold.model.features[:] *= 2.0  # the copy's own features: v = 2Φθ there
    fresh = np.array([0.4, -0.1, 0.2])
    v = features @ fresh
    assert float(problem.cost(fresh)) == pytest.approx(0.5 * np.sum(W * (v - target(X)) ** 2), rel=1e-12)
    assert float(copied.cost(fresh)) == pytest.approx(0.5 * np.sum(W * (2 * v - target(X)) ** 2), rel=1e-12)
    np.testing.assert_allclose(copied.euclidean_gradient(fresh), 2 * features.T @ (W * (2 * v - target(X))), rtol=1e-12)
    assert float(problem.cost(theta)) == before


def pickled_problems():
    pde_space = spaces.L2(X, W)
    return {
        "autograd": (riemgd.Problem(riemgd.Sphere(3), sphere_cost), np.array([0.6, 0.0, 0.8])),
        "loss": (riemgd.Problem(linear_manifold(), losses.L2(target)), np.array([0.1, 0.2, 0.3])),
        "metric swap": (hessian_weighted_problem(batch_size=None)[0], np.array([0.1, 0.2, 0.3])),
        "pde": (
            riemgd.Problem(
                riemgd.ModelManifold(models.ShallowNetwork(1, 3), pde_space),
                losses.PDEResidual({"dd0": -1.0}, np.ones_like, pde_space, np.array([0.0, 1.0])),
            ),
            models.ShallowNetwork(1, 3).initial_parameters(0),
        ),
    }


@pytest.mark.parametrize("name", sorted(pickled_problems()))
def test_problems_pickle_and_deepcopy(name):
    problem, point = pickled_problems()[name]
    cost, gradient = float(problem.cost(point)), problem.riemannian_gradient(point)
    for clone in (pickle.loads(pickle.dumps(problem)), copy.deepcopy(problem)):
        assert float(clone.cost(point)) == pytest.approx(cost, rel=1e-14)
        np.testing.assert_allclose(clone.riemannian_gradient(point), gradient, rtol=1e-12)


# ------------------------------------------------------------------- the ambient vector
def test_ambient_gradient_is_a_typed_vector_with_no_function_part():
    manifold = linear_manifold()
    theta, g = np.array([0.1, 0.2, 0.3]), np.array([1.0, -2.0, 0.5])
    ambient = manifold.ambient_gradient(theta, g)
    assert isinstance(ambient, AmbientVector)
    assert ambient.function is None and ambient.covector is g
    np.testing.assert_allclose(manifold.projection(theta, ambient), np.linalg.solve(manifold.gram(theta), g))


def test_ambient_vector_arithmetic_keeps_missing_parts_missing():
    q1, q2, f = np.array([1.0, 2.0]), np.array([-1.0, 4.0]), np.array([3.0, 0.0, 1.0])
    a, b = AmbientVector(None, q1), AmbientVector(f, None)
    assert (2.0 * a).function is None and (a * 2.0).function is None and (-a).function is None
    np.testing.assert_array_equal((2.0 * a).covector, 2 * q1)
    s = a + b
    np.testing.assert_array_equal(s.function, f)
    np.testing.assert_array_equal(s.covector, q1)
    d = b - a
    np.testing.assert_array_equal(d.covector, -q1)
    np.testing.assert_array_equal((a - AmbientVector(None, q2)).covector, q1 - q2)
    assert (a - AmbientVector(None, q2)).function is None
    mixed = f - 0.5 * a  # a plain V-vector is the function part
    np.testing.assert_array_equal(mixed.function, f)
    np.testing.assert_array_equal(mixed.covector, -0.5 * q1)
    np.testing.assert_array_equal((a / 2.0).covector, q1 / 2)


def test_projection_of_a_function_plus_a_parameter_gradient():
    # P_T of (g, q) is G⁻¹ (Jᵀ K g + q): the Nesterov step mixes v_k − v_{k−1} with ∇L(w_k)
    manifold = linear_manifold()
    theta = np.array([0.1, 0.2, 0.3])
    g, q = np.sin(5 * X), np.array([0.5, -1.0, 2.0])
    J = monomials(X)
    G = J.T @ (W[:, None] * J)
    expected = np.linalg.solve(G, J.T @ (W * g) + 0.7 * q)
    mixed = g - 0.7 * manifold.ambient_gradient(theta, -q)
    np.testing.assert_allclose(manifold.projection(theta, mixed), expected, rtol=1e-10)
    np.testing.assert_allclose(manifold.projection(theta, g), np.linalg.solve(G, J.T @ (W * g)), rtol=1e-10)

"""No silent failure: wrong shapes never broadcast, errors name the argument,
float32 stays float32, and spaces, models and losses pickle."""

from __future__ import annotations

import copy
import pickle
import re
import warnings

import autograd.numpy as anp
import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces

X, W = spaces.gauss_legendre(20)


def features(x):
    return np.stack([np.ones_like(x), np.sin(np.pi * x)], axis=1)


def target(x):
    return np.exp(x)


def column_of(x):
    return x[:, None]


# ----------------------------------------------- 1. wrong shapes never broadcast
def classical_manifolds():
    return {
        "sphere": riemgd.Sphere(5),
        "stiefel": riemgd.Stiefel(5, 2),
        "grassmann": riemgd.Grassmann(5, 2),
        "spd": riemgd.SymmetricPositiveDefinite(3),
        "euclidean": riemgd.Euclidean(5),
    }


def wrong_shape(u):
    """A vector the shape of ``u`` plus a trailing axis: (n,) → (n, 1), (n, p) → (n, p, 1);
    an SPD (3, 3) tangent vector becomes a (3, 1) column, which ``sym`` would broadcast."""
    if u.ndim == 2 and u.shape[0] == u.shape[1]:
        return u[:, :1]
    return u[..., None]


@pytest.mark.parametrize("name", sorted(classical_manifolds()))
@pytest.mark.parametrize("method", ["projection", "retraction", "transport", "euclidean_to_riemannian_gradient"])
def test_a_vector_of_the_wrong_shape_is_refused_not_broadcast(name, method):
    manifold = classical_manifolds()[name]
    x = manifold.random_point(rng=0)
    u = manifold.random_tangent_vector(x, rng=1)
    y = manifold.retraction(x, 0.1 * u)
    bad = wrong_shape(u)
    calls = {
        "projection": lambda: manifold.projection(x, bad),
        "retraction": lambda: manifold.retraction(x, bad),
        "transport": lambda: manifold.transport(x, y, bad),
        "euclidean_to_riemannian_gradient": lambda: manifold.euclidean_to_riemannian_gradient(x, bad),
    }
    with pytest.raises(ValueError, match=re.escape(f"must have shape {tuple(u.shape)}, got {tuple(bad.shape)}")):
        calls[method]()


def test_sphere_retraction_of_a_column_names_the_argument():
    sphere = riemgd.Sphere(5)
    x = sphere.random_point(rng=0)
    with pytest.raises(ValueError, match=r"tangent_vector must have shape \(5,\), got \(5, 1\)"):
        sphere.retraction(x, np.ones((5, 1)))


def test_product_refuses_a_tuple_with_a_missing_factor():
    product = riemgd.Product([riemgd.Sphere(3), riemgd.Euclidean(2)])
    x = product.random_point(rng=0)
    u = product.random_tangent_vector(x, rng=1)
    with pytest.raises(ValueError, match="2 arrays, one per factor, got 1 components"):
        product.retraction(x, (u[0],))  # zip would have returned a one-factor point
    with pytest.raises(ValueError, match=r"must have shape \(2,\), got \(2, 1\)"):
        product.retraction(x, (u[0], u[1][:, None]))


def test_euclidean_gradient_of_the_wrong_shape_is_reported_as_given():
    sphere = riemgd.Sphere(5)
    problem = riemgd.Problem(sphere, lambda x: float(x[0]), euclidean_gradient=lambda x: np.ones((5, 1)))
    with pytest.raises(ValueError, match="euclidean_gradient") as info:
        riemgd.GradientDescent(max_iterations=3).run(problem, initial_point=sphere.random_point(rng=0))
    assert "got (5, 1)" in str(info.value)
    assert "(5, 5)" not in str(info.value)  # the broadcast shape must never be what the user reads


def pde(source, boundary_values=0.0):
    return losses.PDEResidual({"value": 1.0}, source, spaces.L2(X, W), np.array([0.0, 1.0]), boundary_values)


def test_pde_source_returning_a_column_is_refused():
    with pytest.raises(ValueError, match=r"source must have shape \(20,\).*got \(20, 1\)"):
        pde(lambda x: np.sin(x)[:, None])


def test_pde_boundary_values_returning_a_column_are_refused():
    with pytest.raises(ValueError, match=r"boundary_values must have shape \(2,\).*got \(2, 1\)"):
        pde(np.sin, lambda x: np.cos(x)[:, None])
    with pytest.raises(TypeError, match="boundary_values must return an array"):
        pde(np.sin, lambda x: 1.0)


def test_pde_source_returning_a_scalar_is_refused():
    with pytest.raises(TypeError, match=r"source must return an array of shape \(20,\).*got a float"):
        pde(lambda x: 1.0)


def test_pde_cost_with_a_flat_source_matches_the_formula():
    # 𝓛v = v: L = ½ Σ wᵢ (v(xᵢ) − f(xᵢ))² + ½ Σ_b w_b (v(x_b) − g)², with w_b = 1/2
    network = models.ShallowNetwork(1, 3)
    theta = network.initial_parameters(rng=0)
    loss = pde(np.sin, 0.25)
    problem = riemgd.Problem(riemgd.ModelManifold(network, spaces.L2(X, W)), loss)
    v, vb = network(theta, X), network(theta, np.array([0.0, 1.0]))
    expected = 0.5 * np.sum(W * (v - np.sin(X)) ** 2) + 0.5 * np.sum(0.5 * (vb - 0.25) ** 2)
    assert problem.cost(theta) == pytest.approx(expected, rel=1e-13)


def test_model_manifold_retraction_refuses_a_column():
    manifold = riemgd.ModelManifold(models.Linear(features(X)), spaces.L2(X, W))
    with pytest.raises(ValueError, match=r"tangent_vector must have shape \(2,\), got \(2, 1\)"):
        manifold.retraction(np.zeros(2), np.ones((2, 1)))


@pytest.mark.parametrize(
    ("fun", "error", "match"),
    [
        (lambda x: 1.0, TypeError, r"target must return an array of shape \(20,\).*got a float"),
        (column_of, ValueError, r"target must have shape \(20,\).*got \(20, 1\)"),
        (lambda x: x + 1j, TypeError, "target must be real"),
    ],
    ids=["scalar", "column", "complex"],
)
def test_target_callable_returning_the_wrong_thing(fun, error, match):
    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(2)), spaces.L2(X, W))
    with pytest.raises(error, match=match):
        riemgd.Problem(manifold, losses.L2(fun))


# ---------------------------------------------- 2. clear messages, naming the argument
@pytest.mark.parametrize(
    "model",
    [
        models.Linear(features, np.eye(2)),
        models.Quadratic(features, np.eye(2), np.ones((2, 2, 2))),
        models.ShallowNetwork(1, 2),
        models.Function(lambda theta, x: theta[0] * x + theta[1], 2),
    ],
    ids=["linear", "quadratic", "network", "function"],
)
def test_model_evaluated_at_parameters_of_the_wrong_size(model):
    p = model.num_params
    with pytest.raises(ValueError, match=rf"theta must have shape \({p},\), one entry per parameter, got \({p + 1},\)"):
        model(np.zeros(p + 1), X)


def test_linear_features_array_not_matching_B_is_refused_at_construction():
    with pytest.raises(ValueError, match=r"features must have K = 3 columns to match B \(3, 3\), got shape \(20, 2\)"):
        models.Linear(features(X), np.eye(3))


def test_vector_of_the_wrong_size_for_a_weighted_space():
    manifold = riemgd.ModelManifold(models.Linear(None, np.eye(3)), spaces.Weighted(np.diag([1.0, 2.0, 3.0])))
    with pytest.raises(ValueError, match=r"vector must have shape \(3,\) or \(3, p\).*got shape \(4,\)"):
        manifold.projection(np.zeros(3), np.ones(4))
    l2 = riemgd.ModelManifold(models.Linear(features, np.eye(2)), spaces.L2(X, W))
    with pytest.raises(ValueError, match=r"vector must have shape \(20,\).*got shape \(1,\)"):
        l2.projection(np.zeros(2), np.ones(1))  # would broadcast against the weights


def test_hessian_of_the_wrong_size_for_hessian_weighted():
    space = spaces.HessianWeighted(spaces.L2(X, W), lambda v: np.eye(5))
    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(2)), space)
    with pytest.raises(ValueError, match=r"hessian must return an \(20, 20\) matrix.*got shape \(5, 5\)"):
        manifold.gram(np.zeros(2))


def test_composite_f_jacobian_of_the_wrong_size():
    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(2)), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.Composite(lambda v: v, target, lambda v: np.eye(5)))
    with pytest.raises(ValueError, match=r"f_jacobian must return an \(20, 20\) matrix"):
        problem.euclidean_gradient(np.zeros(2))
    problem = riemgd.Problem(manifold, losses.Composite(lambda v: v[:3], target, lambda v: np.eye(20)))
    with pytest.raises(ValueError, match=r"f must map V to V, shape \(20,\), got shape \(3,\)"):
        problem.cost(np.zeros(2))


def test_pymanopt_euclidean_gradient_of_the_wrong_shape():
    pymanopt = pytest.importorskip("pymanopt")
    for manifold, shape in [(pymanopt.manifolds.Sphere(5), (5,)), (pymanopt.manifolds.Stiefel(5, 2), (5, 2))]:

        @pymanopt.function.numpy(manifold)
        def cost(x):
            return float(np.sum(x))

        @pymanopt.function.numpy(manifold)
        def gradient(x):
            return np.ones(3)

        problem = pymanopt.Problem(manifold, cost, euclidean_gradient=gradient)
        with pytest.raises(ValueError, match=re.escape(f"euclidean_gradient must have shape {shape}, got (3,)")):
            riemgd.GradientDescent(max_iterations=2).run(problem)


def test_points_given_as_a_quadrature_rule_tuple():
    rule = spaces.gauss_legendre(20)
    with pytest.raises(ValueError, match=r"got a tuple of two arrays.*L2\(\*rule\)"):
        spaces.L2(rule)
    space = spaces.L2(*rule)  # the spelling the message gives works
    np.testing.assert_array_equal(space.weights, rule[1])


def test_integer_points_ask_for_floating_points_instead_of_complaining_about_weights():
    with pytest.raises(TypeError, match=r"points must have a real floating dtype.*got int64.*astype\(float\)"):
        spaces.L2(np.arange(5))
    space = spaces.L2(np.arange(5).astype(float))  # the fix the message gives: equal weights 1/m
    np.testing.assert_allclose(space.weights, 0.2)


@pytest.mark.parametrize(
    "make",
    [
        lambda: spaces.L2(X + 0j),
        lambda: spaces.H1(X + 0j),
        lambda: spaces.Pullback(X + 0j, spaces.BernoulliFisher()),
        lambda: spaces.L2(X, W + 0j),
        lambda: spaces.Weighted(np.eye(3) + 0j),
        lambda: models.Linear(features(X) + 0j),
        lambda: models.Linear(features, np.eye(2) + 0j),
        lambda: models.Quadratic(features, np.eye(2), np.ones((2, 2, 2)) + 0j),
        lambda: riemgd.Sphere(3).check_point(np.array([1.0, 0.0, 0.0]) + 0j),
    ],
    ids=["L2", "H1", "Pullback", "weights", "Weighted", "features", "B", "Q", "check_point"],
)
def test_complex_input_is_refused_up_front_without_a_complex_warning(make):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ComplexWarning would fail the test
        with pytest.raises(TypeError, match="complex"):
            make()


# -------------------------------------------------------------------- 3. float32
def float32_unit_vectors(n, count):
    rng = np.random.default_rng(0)
    for _ in range(count):
        x = rng.standard_normal(n).astype(np.float32)
        yield x / np.linalg.norm(x)


def test_float32_unit_vectors_are_on_the_sphere():
    sphere = riemgd.Sphere(50)
    vectors = list(float32_unit_vectors(50, 20))
    # the case that matters: float32 rounding puts ‖x‖ − 1 above the float64 tolerance 1e-8
    assert max(abs(float(np.linalg.norm(x.astype(np.float64))) - 1.0) for x in vectors) > 1e-8
    for x in vectors:
        sphere.check_point(x)
    with pytest.raises(ValueError, match="unit norm"):
        sphere.check_point(np.float32(1.001) * vectors[0])  # still far off: still refused


@pytest.mark.parametrize(
    "manifold",
    [riemgd.Stiefel(40, 3), riemgd.Grassmann(40, 3), riemgd.Product([riemgd.Sphere(50), riemgd.Euclidean(2)])],
    ids=["stiefel", "grassmann", "product"],
)
def test_float32_points_pass_the_point_check(manifold):
    rng = np.random.default_rng(1)
    for _ in range(10):
        if isinstance(manifold, riemgd.Product):
            v = rng.standard_normal(50).astype(np.float32)
            point = (v / np.linalg.norm(v), np.zeros(2, np.float32))
        else:
            point, _ = np.linalg.qr(rng.standard_normal((40, 3)).astype(np.float32))  # float32 QR
        manifold.check_point(point)


def test_float32_spd_matrix_passes_the_point_check():
    a = np.random.default_rng(2).standard_normal((6, 6)).astype(np.float32)
    spd = a @ a.T + np.eye(6, dtype=np.float32)
    riemgd.SymmetricPositiveDefinite(6).check_point(spd)


def dtypes(value):
    return tuple(a.dtype for a in value) if isinstance(value, tuple) else (value.dtype,)


def as_float32(value):
    if isinstance(value, tuple):
        return riemgd.manifolds.ProductVector(a.astype(np.float32) for a in value)
    return value.astype(np.float32)


@pytest.mark.parametrize(
    "manifold",
    [
        riemgd.Sphere(5),
        riemgd.Stiefel(5, 2),
        riemgd.Grassmann(5, 2),
        riemgd.SymmetricPositiveDefinite(3),
        riemgd.Euclidean(4),
        riemgd.Product([riemgd.Sphere(3), riemgd.Euclidean(2)]),
    ],
    ids=["sphere", "stiefel", "grassmann", "spd", "euclidean", "product"],
)
def test_float32_in_float32_out(manifold):
    x = as_float32(manifold.random_point(rng=0))
    u = manifold.random_tangent_vector(x, rng=1)
    g = as_float32(manifold.random_tangent_vector(manifold.random_point(rng=0), rng=2))
    y = manifold.retraction(x, u)
    results = {
        "random_tangent_vector": u,
        "projection": manifold.projection(x, g),
        "retraction": y,
        "transport": manifold.transport(x, y, u),
        "euclidean_to_riemannian_gradient": manifold.euclidean_to_riemannian_gradient(x, g),
        "zero_vector": manifold.zero_vector(x),
    }
    for method, value in results.items():
        assert all(d == np.float32 for d in dtypes(value)), f"{method} returned {dtypes(value)}"
    manifold.check_point(y)  # a float32 retraction lands on the manifold to float32 accuracy


# ------------------------------------------------------------------- 5. pickling
def hessian_of_identity(values):
    return np.eye(values.shape[0])


def affine(theta, x):
    return theta[0] + theta[1] * x


def twist(v):
    return anp.tanh(v)


def sampler(rng):
    return spaces.monte_carlo(8, [(0.0, 1.0)], rng)


SPACES = {
    "L2": lambda: spaces.L2(X, W),
    "H1": lambda: spaces.H1(X, W),
    "Weighted": lambda: spaces.Weighted(np.diag(np.arange(1.0, 21.0))),
    "Pullback": lambda: spaces.Pullback(X, spaces.CategoricalFisher(3)),
    "HessianWeighted": lambda: spaces.HessianWeighted(spaces.L2(X, W), hessian_of_identity, damping=0.1),
    "batch": lambda: spaces.L2(X, W, batch_size=5, rng=3),
    "sampler": lambda: spaces.L2(*sampler(np.random.default_rng(0)), sampler=sampler, rng=4),
}


@pytest.mark.parametrize("name", sorted(SPACES))
@pytest.mark.parametrize("clone", [pickle.loads, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_spaces_round_trip(name, clone):
    space = SPACES[name]()
    space.resample(2)
    copied = pickle.loads(pickle.dumps(space)) if clone is pickle.loads else copy.deepcopy(space)
    np.testing.assert_array_equal(copied.points, space.points)
    a = np.random.default_rng(5).standard_normal(space.size)
    values = np.zeros(space.size)
    np.testing.assert_array_equal(copied.whiten(values, a), space.whiten(values, a))
    assert copied.resample(7) == space.resample(7)
    np.testing.assert_array_equal(copied.points, space.points)  # the sample of (seed, 7) in both


MODELS = {
    "linear": lambda: models.Linear(features(X)),
    "linear-callable": lambda: models.Linear(features, np.eye(2)),
    "quadratic": lambda: models.Quadratic(features(X), np.eye(2), np.ones((2, 2, 2))),
    "network": lambda: models.ShallowNetwork(1, 4, "sigmoid"),
    "function": lambda: models.Function(affine, 2),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_round_trip(name):
    model = MODELS[name]()
    theta = np.linspace(-1.0, 1.0, model.num_params)
    before = model.evaluate(theta, X)
    copied = pickle.loads(pickle.dumps(model))
    after = copied.evaluate(theta, X)
    for a, b in zip(before[0] + before[1], after[0] + after[1], strict=True):
        np.testing.assert_array_equal(a, b)


def pde_loss():
    return losses.PDEResidual({"dd0": -0.1, "d0": 1.0}, np.ones_like, spaces.L2(X, W), np.array([0.0, 1.0]))


LOSSES = {
    "L2": lambda: losses.L2(target),
    "KL": lambda: losses.KL(target),
    "Composite": lambda: losses.Composite(twist, target),  # autograd's Df(v): not stored
    "PDEResidual": pde_loss,
    "energy_loss": lambda: pde_loss().energy_loss(),  # its target was a local closure
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_round_trip(name):
    network = models.ShallowNetwork(1, 3)
    theta = network.initial_parameters(rng=0)

    def problem_of(loss):
        # the energy loss lives on its PDE's residual manifold, rebuilt from the (copied) PDE
        if name == "energy_loss":
            return riemgd.Problem(loss.target.pde.energy_manifold(network), loss)
        return riemgd.Problem(riemgd.ModelManifold(network, spaces.L2(X, W)), loss)

    loss = LOSSES[name]()
    expected = problem_of(loss)
    problem = problem_of(pickle.loads(pickle.dumps(loss)))
    assert float(problem.cost(theta)) == pytest.approx(float(expected.cost(theta)), rel=1e-14)
    np.testing.assert_allclose(problem.euclidean_gradient(theta), expected.euclidean_gradient(theta), rtol=1e-13)

"""Bad input to model manifolds fails early and clearly, naming the argument."""

from __future__ import annotations

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces

X, W = spaces.gauss_legendre(12)


def features(x):
    return np.stack([np.ones_like(x), np.sqrt(2.0) * np.sin(2 * np.pi * x)], axis=1)


def target(x):
    return np.exp(x)


def optimizers():
    return {
        "gd": riemgd.GradientDescent(0.5),
        "gd-armijo": riemgd.GradientDescent(),
        "heavy-ball": riemgd.HeavyBall(0.3, 0.5),
        "heavy-ball-LG": riemgd.HeavyBall(0.3, -0.1, "LG"),
        "nesterov": riemgd.Nesterov(0.3, 0.5),
        "newton": riemgd.Newton(),
    }


OPTIMIZERS = sorted(optimizers())


class Counting:
    """A callable that counts its calls (to show no iteration ran)."""

    def __init__(self, fun):
        self.fun, self.calls = fun, 0

    def __call__(self, *args):
        self.calls += 1
        return self.fun(*args)


def run_without_iterating(name, problem, initial_point, error, match):
    """Run and expect ``error`` matching ``match`` before the first iterate is reported."""
    callback = Counting(lambda iterate: None)
    with pytest.raises(error, match=match):
        optimizers()[name].run(problem, initial_point=initial_point, callback=callback)
    assert callback.calls == 0


# ------------------------------------------------------------ points, weights
@pytest.mark.parametrize(
    "points",
    [np.zeros((3, 2, 2)), np.zeros(0), np.zeros((0, 2)), [0.1, 0.5, 0.9], np.array([0.1, np.nan, 0.9])],
    ids=["3-d", "empty", "empty-2d", "list", "nan"],
)
@pytest.mark.parametrize("space", [spaces.L2, spaces.H1, lambda p: spaces.Pullback(p, spaces.BernoulliFisher())])
def test_points_of_the_wrong_shape(space, points):
    with pytest.raises(ValueError, match="points"):
        space(points)


@pytest.mark.parametrize(
    "weights",
    [np.ones(W.size + 1), np.ones(W.size - 1), np.ones((W.size, 1)), np.ones((1, W.size)), 1.0, [1.0] * W.size],
    ids=["long", "short", "column", "row", "scalar", "list"],
)
@pytest.mark.parametrize("space", [spaces.L2, spaces.H1, lambda p, w: spaces.Pullback(p, spaces.GaussianFisher(), w)])
def test_weights_of_the_wrong_shape(space, weights):
    with pytest.raises(ValueError, match="weights") as info:
        space(X, weights)
    assert f"({W.size},)" in str(info.value)


@pytest.mark.parametrize(
    "change",
    [
        lambda w: -w,
        lambda w: np.where(np.arange(w.size) == 3, 0.0, w),
        lambda w: np.where(np.arange(w.size) == 3, np.nan, w),
    ],
    ids=["negative", "zero", "nan"],
)
def test_weights_not_positive(change):
    with pytest.raises(ValueError, match="weights"):
        spaces.L2(X, change(W))


def test_points_with_the_wrong_number_of_coordinates_for_the_network():
    problem = riemgd.Problem(riemgd.ModelManifold(models.ShallowNetwork(2, 3), spaces.L2(X, W)), losses.L2(target))
    for name in OPTIMIZERS:
        run_without_iterating(name, problem, np.zeros(13), ValueError, "points must have 2 coordinates")


# ------------------------------------------------------------ Weighted metric
@pytest.mark.parametrize(
    ("metric", "match"),
    [
        (np.array([[1.0, 2.0], [2.0, 1.0]]), "positive definite"),  # symmetric, eigenvalues 3 and −1
        (np.array([[1.0, 0.0], [0.0, 0.0]]), "positive definite"),  # singular
        (np.array([[2.0, 0.5], [0.0, 1.0]]), "symmetric"),
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), "NaN"),
        (np.ones((2, 3)), r"\(n, n\)"),
        (np.ones((2, 2, 2)), r"\(n, n\)"),
        (np.array([1.0, -1.0, 2.0]), "positive"),
        (np.array([1.0, 0.0, 2.0]), "positive"),
        ([[1.0, 0.0], [0.0, 1.0]], r"\(n, n\)"),
    ],
    ids=[
        "indefinite",
        "singular",
        "asymmetric",
        "nan",
        "rectangular",
        "3-d",
        "negative-diagonal",
        "zero-diagonal",
        "list",
    ],
)
def test_weighted_metric_not_spd(metric, match):
    with pytest.raises(ValueError, match="metric") as info:
        spaces.Weighted(metric)
    assert info.match(match)


# ------------------------------------------------------------------- targets
@pytest.mark.parametrize(
    "make_loss",
    [
        lambda u: losses.L2(u),
        lambda u: losses.KL(np.abs(u) + 1.0),
        lambda u: losses.Composite(lambda v: v**3, u),
    ],
    ids=["L2", "KL", "composite"],
)
@pytest.mark.parametrize(
    "bad",
    [np.ones(X.size + 1), np.ones((X.size, 1)), np.ones(3), lambda x: np.ones(x.size + 2)],
    ids=["long", "column", "short", "callable"],
)
def test_target_of_the_wrong_shape(make_loss, bad):
    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(2)), spaces.L2(X, W))
    loss = make_loss(bad(X) if callable(bad) else bad)
    with pytest.raises(ValueError, match="target") as info:
        riemgd.Problem(manifold, loss)
    assert f"({X.size},)" in str(info.value)


def test_target_of_the_wrong_shape_on_a_weighted_space():
    manifold = riemgd.ModelManifold(models.Linear(None, np.eye(3)), spaces.Weighted(np.array([1.0, 2.0, 3.0])))
    with pytest.raises(ValueError, match=r"target must have shape \(3,\)"):
        riemgd.Problem(manifold, losses.L2(np.ones(4)))


def test_callable_target_on_a_sobolev_space():
    manifold = riemgd.ModelManifold(models.ShallowNetwork(1, 3), spaces.H1(X, W))
    with pytest.raises(TypeError, match="target"):
        riemgd.Problem(manifold, losses.L2(target))
    with pytest.raises(ValueError, match=rf"target must have shape \({2 * X.size},\)"):
        riemgd.Problem(manifold, losses.L2(np.ones(X.size)))


def test_labels_of_the_wrong_shape():
    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(2)), spaces.Pullback(X, spaces.BernoulliFisher()))
    with pytest.raises(ValueError, match="target"):
        riemgd.Problem(manifold, losses.BernoulliLikelihood(np.ones(X.size - 1)))
    manifold = riemgd.ModelManifold(
        models.Function(lambda theta, x: np.outer(x, theta), 3), spaces.Pullback(X, spaces.CategoricalFisher(3))
    )
    with pytest.raises(ValueError, match=rf"target must have shape \({3 * X.size},\)"):
        riemgd.Problem(manifold, losses.CategoricalLikelihood(np.ones(X.size)))


@pytest.mark.parametrize(
    "bad",
    [np.where(np.arange(X.size) == 2, np.nan, 1.0), np.full(X.size, np.inf), lambda x: np.log(x - 0.5)],
    ids=["nan", "inf", "callable-nan"],
)
def test_target_not_finite(bad):
    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(2)), spaces.L2(X, W))
    with (
        pytest.warns(RuntimeWarning) if callable(bad) else _nothing(),
        pytest.raises(ValueError, match="target contains NaN or Inf"),
    ):
        riemgd.Problem(manifold, losses.L2(bad))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_kl_target_not_positive():
    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(2)), spaces.L2(X, W))
    with pytest.raises(ValueError, match="target must be a positive density"):
        riemgd.Problem(manifold, losses.KL(lambda x: x - 0.5))


# ------------------------------------------------------------------ features
@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(
    "bad_features",
    [
        lambda x: np.stack([np.ones_like(x), np.where(x > 0.5, np.nan, x)], axis=1),
        lambda x: np.stack([np.ones_like(x), np.full_like(x, np.inf)], axis=1),
        lambda x: np.ones_like(x),
    ],
    ids=["nan", "inf", "vector"],
)
def test_bad_features_fail_before_iterating(name, bad_features):
    features_calls = Counting(bad_features)
    manifold = riemgd.ModelManifold(models.Linear(features_calls, np.eye(2)), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(target))
    run_without_iterating(name, problem, np.zeros(2), ValueError, "features")
    assert features_calls.calls == 1


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(
    ("make_model", "point", "match"),
    [
        (lambda: models.Linear(features, np.ones((2, 3))), np.zeros(2), r"features must give K = 3 columns"),
        (
            lambda: models.Quadratic(features, np.ones((2, 3)), np.ones((2, 2, 3))),
            np.zeros(2),
            r"features must give K = 3 columns",
        ),
        (lambda: models.Linear(lambda x: features(x)[:-2], np.eye(2)), np.zeros(2), r"values must have shape \(12,\)"),
        (lambda: models.Linear(None, np.eye(3)), np.zeros(3), r"values must have shape \(12,\)"),
    ],
    ids=["linear-columns", "quadratic-columns", "rows", "coefficients-on-L2"],
)
def test_features_that_do_not_match(name, make_model, point, match):
    problem = riemgd.Problem(riemgd.ModelManifold(make_model(), spaces.L2(X, W)), losses.L2(target))
    run_without_iterating(name, problem, point, ValueError, match)


def test_coefficient_model_on_a_weighted_space_of_another_size():
    manifold = riemgd.ModelManifold(models.Linear(None, np.eye(2)), spaces.Weighted(np.array([1.0, 2.0, 3.0])))
    problem = riemgd.Problem(manifold, losses.L2(np.ones(3)))
    run_without_iterating("gd", problem, np.zeros(2), ValueError, r"values must have shape \(3,\)")


def test_features_array_with_nan():
    phi = features(X)
    phi[3, 1] = np.nan
    manifold = riemgd.ModelManifold(models.Linear(phi), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(target))
    run_without_iterating("gd", problem, np.zeros(2), ValueError, "features contain NaN")


@pytest.mark.parametrize(
    ("B", "match"),
    [(np.ones(2), "B must be a"), (np.array([[1.0, np.nan], [0.0, 1.0]]), "B contains NaN")],
    ids=["vector", "nan"],
)
def test_bad_coefficient_matrix(B, match):
    with pytest.raises(ValueError, match=match):
        models.Linear(features, B)


def test_quadratic_tensor_of_the_wrong_shape():
    with pytest.raises(ValueError, match="Q must have shape"):
        models.Quadratic(features, np.eye(2), np.ones((2, 2, 3)))


# ------------------------------------------------------------ user functions
def sine_model(theta, x):
    return theta[0] * np.sin(theta[1] * x)


def sine_jacobian(theta, x):
    return np.stack([np.sin(theta[1] * x), theta[0] * x * np.cos(theta[1] * x)], axis=1)


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(
    "jacobian",
    [
        lambda theta, x: sine_jacobian(theta, x).T,
        lambda theta, x: sine_jacobian(theta, x)[:, :1],
        lambda theta, x: sine_jacobian(theta, x)[:-1],
        lambda theta, x: sine_jacobian(theta, x).ravel(),
        lambda theta, x: None,
    ],
    ids=["transposed", "too-few-columns", "too-few-rows", "flat", "none"],
)
def test_function_jacobian_of_the_wrong_shape(name, jacobian):
    jacobian_calls = Counting(jacobian)
    manifold = riemgd.ModelManifold(models.Function(sine_model, 2, jacobian=jacobian_calls), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(target))
    run_without_iterating(name, problem, np.array([1.0, 2.0]), ValueError, r"jacobian must return shape \(12, 2\)")
    assert jacobian_calls.calls >= 1


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("size", [1, 3, X.size + 1])
def test_function_values_of_the_wrong_shape(name, size):
    def fun(theta, x):
        return theta[0] * np.ones(size)

    def jacobian(theta, x):
        return np.stack([np.ones(size), np.zeros(size)], axis=1)

    manifold = riemgd.ModelManifold(models.Function(fun, 2, jacobian=jacobian), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(target))
    match = rf"model's values must have shape \({X.size},\) to match the space, got \({size},\)"
    run_without_iterating(name, problem, np.ones(2), ValueError, match)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: models.Function("sin", 2), "fun must be callable"),
        (lambda: models.Function(sine_model, 0), "num_params"),
        (lambda: models.Function(sine_model, 2.5), "num_params"),
        (lambda: models.Function(sine_model, 2, jacobian=np.ones((12, 2))), "jacobian must be callable"),
        (lambda: models.ShallowNetwork(0, 3), "in_dim"),
        (lambda: models.ShallowNetwork(1, 0), "width"),
        (lambda: models.ShallowNetwork(1, 3, activation="relu"), "activation"),
    ],
)
def test_bad_model_arguments(make, match):
    with pytest.raises((TypeError, ValueError), match=match):
        make()


# ----------------------------------------------------------- initial points
@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(
    ("point", "error"),
    [
        (np.zeros(3), ValueError),
        (np.zeros((2, 1)), ValueError),
        (np.zeros(1), ValueError),
        (np.array([1.0, np.nan]), ValueError),
        (np.array([1, 2]), TypeError),
        ([1.0, 2.0], TypeError),
    ],
    ids=["long", "column", "short", "nan", "integer", "list"],
)
def test_initial_point_of_the_wrong_shape(name, point, error):
    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(2)), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(target))
    problem._cost = Counting(problem._cost)
    run_without_iterating(name, problem, point, error, "initial_point")
    assert problem._cost.calls == 0  # rejected before the cost was ever evaluated


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_initial_point_of_the_wrong_shape_on_parameter_space(name):
    manifold = riemgd.ParameterSpace(riemgd.ModelManifold(models.ShallowNetwork(1, 3), spaces.L2(X, W)))
    problem = riemgd.Problem(manifold, losses.L2(target))
    run_without_iterating(name, problem, np.zeros(12), ValueError, r"initial_point must have shape \(10,\)")


# ----------------------------------------------------- manifold and spaces
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"damping": -1.0}, "damping"),
        ({"damping": np.nan}, "damping"),
        ({"rcond": 0.0}, "rcond"),
        ({"rcond": 1.5}, "rcond"),
    ],
)
def test_bad_manifold_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        riemgd.ModelManifold(models.Linear(features, np.eye(2)), spaces.L2(X, W), **kwargs)


def test_model_and_space_of_the_wrong_type():
    with pytest.raises(TypeError, match="model"):
        riemgd.ModelManifold(features, spaces.L2(X, W))
    with pytest.raises(TypeError, match="space"):
        riemgd.ModelManifold(models.Linear(features, np.eye(2)), (X, W))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": X.size + 1}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"sampler": 3}, "sampler"),
        ({"outputs": 0}, "outputs"),
    ],
)
def test_bad_stochastic_arguments(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        spaces.L2(X, W, **kwargs)


def test_quadrature_arguments():
    with pytest.raises(ValueError, match="n must be a positive integer"):
        spaces.gauss_legendre(0)
    with pytest.raises(ValueError, match="interval"):
        spaces.gauss_legendre(4, (1.0, 0.0))
    with pytest.raises(ValueError, match="n must give one count per dimension"):
        spaces.gauss_legendre_box([3, 4, 5], [(0.0, 1.0), (0.0, 1.0)])
    with pytest.raises(ValueError, match="box"):
        spaces.monte_carlo(5, [(0.0, 1.0), (1.0, 1.0)])
    with pytest.raises(ValueError, match="variance"):
        spaces.GaussianFisher(0.0)
    with pytest.raises(ValueError, match="classes"):
        spaces.CategoricalFisher(1)
    with pytest.raises(TypeError, match="output_metric"):
        spaces.Pullback(X, np.eye(2))

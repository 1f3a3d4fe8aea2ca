"""Bad input fails early and clearly; runs that go wrong stop cleanly."""

from __future__ import annotations

import numpy as np
import pytest

import riemgd

N = 6
A = np.diag(np.arange(1.0, N + 1.0))


def rayleigh(manifold=None, **kwargs):
    manifold = manifold or riemgd.Sphere(N)
    if not kwargs:
        kwargs = {"euclidean_gradient": lambda x: -2.0 * A @ x}
    return riemgd.Problem(manifold, lambda x: -x @ A @ x, **kwargs)


def all_optimizers(**kwargs):
    return {
        "gd-fixed": riemgd.GradientDescent(0.1, **kwargs),
        "gd-armijo": riemgd.GradientDescent(**kwargs),
        "heavy-ball-LM": riemgd.HeavyBall(0.1, 0.5, "LM", **kwargs),
        "heavy-ball-FD": riemgd.HeavyBall(0.1, 0.5, "FD", **kwargs),
        "heavy-ball-LG": riemgd.HeavyBall(0.1, -0.05, "LG", **kwargs),
        "nesterov": riemgd.Nesterov(0.1, 0.5, **kwargs),
        "nesterov-function": riemgd.Nesterov(0.1, 0.5, restart="function", **kwargs),
        "nesterov-gradient": riemgd.Nesterov(0.1, 0.5, restart="gradient", **kwargs),
    }


OPTIMIZERS = sorted(all_optimizers())


class Evaluations:
    """Counts calls, to show that nothing was iterated before an error."""

    def __init__(self, fun):
        self.fun, self.calls = fun, 0

    def __call__(self, x):
        self.calls += 1
        return self.fun(x)


# ------------------------------------------------------------ before iterating
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_initial_point_off_the_manifold(name):
    cost = Evaluations(lambda x: -x @ A @ x)
    problem = riemgd.Problem(riemgd.Sphere(N), cost, euclidean_gradient=lambda x: -2.0 * A @ x)
    with pytest.raises(ValueError, match="initial_point"):
        all_optimizers()[name].run(problem, initial_point=2.0 * np.ones(N) / np.sqrt(N))
    with pytest.raises(ValueError, match="initial_point"):
        all_optimizers()[name].run(problem, initial_point=np.ones(N + 1) / np.sqrt(N + 1))
    assert cost.calls == 0


@pytest.mark.parametrize(
    ("manifold", "point"),
    [
        (riemgd.Stiefel(5, 2), np.ones((5, 2))),
        (riemgd.Grassmann(5, 2), np.ones((5, 2))),
        (riemgd.SymmetricPositiveDefinite(3), -np.eye(3)),
        (riemgd.SymmetricPositiveDefinite(3), np.triu(np.ones((3, 3)))),
        (riemgd.Euclidean(3), np.array([1.0, np.nan, 0.0])),
        (riemgd.Product([riemgd.Sphere(3), riemgd.Euclidean(2)]), (np.ones(3), np.zeros(2))),
    ],
    ids=["stiefel", "grassmann", "spd-negative", "spd-asymmetric", "euclidean-nan", "product"],
)
def test_initial_point_off_other_manifolds(manifold, point):
    problem = riemgd.Problem(manifold, lambda x: 0.0, riemannian_gradient=manifold.zero_vector)
    with pytest.raises(ValueError, match="initial_point"):
        riemgd.GradientDescent().run(problem, initial_point=point)


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize(
    "gradient",
    [
        {"euclidean_gradient": lambda x: np.ones(N - 1)},
        {"euclidean_gradient": lambda x: np.ones((N, 2))},
        {"riemannian_gradient": lambda x: np.ones(N + 1)},
        {"riemannian_gradient": lambda x: np.ones((N, 1))},
    ],
    ids=["euclidean-short", "euclidean-matrix", "riemannian-long", "riemannian-column"],
)
def test_gradient_of_the_wrong_shape(name, gradient):
    cost = Evaluations(lambda x: -x @ A @ x)
    problem = riemgd.Problem(riemgd.Sphere(N), cost, **gradient)
    with pytest.raises(ValueError, match="gradient"):
        all_optimizers()[name].run(problem, initial_point=riemgd.Sphere(N).random_point(rng=0))
    assert cost.calls <= 1  # the one evaluation of the check, no iteration


def test_euclidean_gradient_of_the_wrong_shape_on_stiefel():
    manifold = riemgd.Stiefel(5, 2)
    problem = riemgd.Problem(manifold, lambda X: np.sum(X), euclidean_gradient=lambda X: np.ones((2, 5)))
    with pytest.raises(ValueError, match="gradient"):
        riemgd.GradientDescent().run(problem, initial_point=manifold.random_point(rng=0))


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("cost", [lambda x: x, lambda x: np.outer(x, x), lambda x: [float(x[0])], lambda x: (1.0, 2.0)])
def test_cost_returning_a_non_scalar(name, cost):
    problem = riemgd.Problem(riemgd.Sphere(N), cost, euclidean_gradient=lambda x: x)
    with pytest.raises(ValueError, match="scalar"):
        all_optimizers()[name].run(problem, initial_point=riemgd.Sphere(N).random_point(rng=0))


def test_cost_not_finite_at_the_initial_point():
    problem = riemgd.Problem(riemgd.Sphere(N), lambda x: np.nan, euclidean_gradient=lambda x: x)
    with pytest.raises(ValueError, match="finite"):
        riemgd.GradientDescent().run(problem, initial_point=riemgd.Sphere(N).random_point(rng=0))


@pytest.mark.parametrize("step_size", [0.0, -0.1, float("nan")])
@pytest.mark.parametrize(
    "make",
    [
        lambda s: riemgd.GradientDescent(s),
        lambda s: riemgd.HeavyBall(s, 0.5),
        lambda s: riemgd.HeavyBall(s, -0.1, "LG"),
        lambda s: riemgd.Nesterov(s, 0.5),
    ],
    ids=["gd", "heavy-ball", "heavy-ball-LG", "nesterov"],
)
def test_non_positive_step_size(make, step_size):
    with pytest.raises(ValueError, match="step_size"):
        make(step_size)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, 1.5, float("nan")])
@pytest.mark.parametrize(
    "make",
    [
        lambda b: riemgd.HeavyBall(0.1, b, "LM"),
        lambda b: riemgd.HeavyBall(0.1, b, "FD"),
        lambda b: riemgd.Nesterov(0.1, b),
        lambda b: riemgd.Nesterov(0.1, b, restart="function"),
    ],
    ids=["LM", "FD", "nesterov", "nesterov-restart"],
)
def test_momentum_outside_unit_interval(make, momentum):
    with pytest.raises(ValueError, match="momentum"):
        make(momentum)


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.999])
def test_momentum_inside_unit_interval_is_accepted(momentum):
    assert riemgd.HeavyBall(0.1, momentum).momentum == momentum
    assert riemgd.Nesterov(0.1, momentum).momentum == momentum


def test_last_gradient_variant_takes_a_signed_momentum():
    for beta in (-0.05, -2.0, 0.0, 3.0):
        assert riemgd.HeavyBall(0.1, beta, "LG").momentum == beta
    for beta in (float("inf"), float("nan")):
        with pytest.raises(ValueError, match="momentum"):
            riemgd.HeavyBall(0.1, beta, "LG")
    with pytest.raises(TypeError, match="momentum"):
        riemgd.HeavyBall(0.1, "large", "LG")


@pytest.mark.parametrize("variant", ["lm", "Polyak", "", None])
def test_invalid_variant(variant):
    with pytest.raises(ValueError, match="variant"):
        riemgd.HeavyBall(0.1, 0.5, variant)


@pytest.mark.parametrize("restart", ["Function", "always", "", True])
def test_invalid_restart(restart):
    with pytest.raises(ValueError, match="restart"):
        riemgd.Nesterov(0.1, 0.5, restart=restart)


def test_problem_with_both_gradients():
    with pytest.raises(ValueError, match="gradient"):
        riemgd.Problem(
            riemgd.Sphere(N),
            lambda x: -x @ A @ x,
            euclidean_gradient=lambda x: -2.0 * A @ x,
            riemannian_gradient=lambda x: x,
        )


def test_problem_with_non_callables():
    with pytest.raises(TypeError, match="cost"):
        riemgd.Problem(riemgd.Sphere(N), 3.0)
    with pytest.raises(TypeError, match="euclidean_gradient"):
        riemgd.Problem(riemgd.Sphere(N), lambda x: 0.0, euclidean_gradient=np.ones(N))
    with pytest.raises(TypeError, match="manifold"):
        riemgd.Problem(object(), lambda x: 0.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"max_iterations": -1}, {"max_iterations": 2.5}, {"min_gradient_norm": -1.0}, {"max_time": 0.0}],
)
def test_invalid_stopping_arguments(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        riemgd.GradientDescent(**kwargs)


def test_callback_must_be_callable():
    with pytest.raises(TypeError, match="callback"):
        riemgd.GradientDescent().run(rayleigh(), initial_point=riemgd.Sphere(N).random_point(rng=0), callback=1)


# ------------------------------------------------------------- while iterating
def start_far_from_first_axis() -> np.ndarray:
    """A point with a small first coordinate, so the iterates travel towards e_N
    and pass through the region x_N > 0.9 only after some steps."""
    x = np.ones(N)
    x[-1] = 0.1
    return x / np.linalg.norm(x)


def poisoned(value):
    """Rayleigh quotient −xᵀAx whose cost (or gradient) is ``value`` where x_N > 0.9."""

    def cost(x):
        return value if x[-1] > 0.9 else -x @ A @ x

    return cost


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n != "gd-armijo"])
def test_non_finite_cost_mid_run_returns_last_finite_iterate(name, value):
    problem = riemgd.Problem(riemgd.Sphere(N), poisoned(value), euclidean_gradient=lambda x: -2.0 * A @ x)
    optimizer = all_optimizers(log_verbosity=1, max_iterations=500, min_gradient_norm=0.0)[name]
    result = optimizer.run(problem, initial_point=start_far_from_first_axis())
    assert result.reason == "non_finite"
    assert "NaN/Inf" in result.stopping_criterion
    assert result.iterations > 0  # it did iterate before the cost broke down
    log = result.log["iterations"]
    assert len(log["point"]) == result.iterations + 1
    np.testing.assert_array_equal(result.point, log["point"][-1])
    assert result.point[-1] <= 0.9  # the last finite iterate lies outside the poisoned region
    assert result.cost == -result.point @ A @ result.point
    assert all(np.isfinite(log["cost"]))


def test_armijo_line_search_backs_away_from_nan_but_stops_on_minus_inf():
    """A NaN trial cost fails the Armijo test (NaN ≤ c is false), so the search
    shrinks the step and stays in the finite region; −Inf passes it and is caught."""
    start = start_far_from_first_axis()
    problem = riemgd.Problem(riemgd.Sphere(N), poisoned(np.nan), euclidean_gradient=lambda x: -2.0 * A @ x)
    result = riemgd.GradientDescent(max_iterations=200).run(problem, initial_point=start)
    assert result.reason != "non_finite"
    assert 0.8 < result.point[-1] <= 0.9  # pressed against the boundary of the NaN region
    problem = riemgd.Problem(riemgd.Sphere(N), poisoned(-np.inf), euclidean_gradient=lambda x: -2.0 * A @ x)
    result = riemgd.GradientDescent(max_iterations=200, log_verbosity=1).run(problem, initial_point=start)
    assert result.reason == "non_finite"
    assert result.point[-1] <= 0.9
    np.testing.assert_array_equal(result.point, result.log["iterations"]["point"][-1])


def test_non_finite_cost_mid_run_fixed_step_is_followed_by_hand():
    """Gradient descent with a fixed step: the returned point is the last iterate
    x_k with finite cost, and x_{k+1} = R(x_k, −α grad) is the first poisoned one."""
    alpha = 0.1
    problem = riemgd.Problem(riemgd.Sphere(N), poisoned(np.nan), euclidean_gradient=lambda x: -2.0 * A @ x)
    result = riemgd.GradientDescent(alpha, min_gradient_norm=0.0).run(
        problem, initial_point=start_far_from_first_axis()
    )
    x = start_far_from_first_axis()
    for _ in range(result.iterations):
        g = -2.0 * A @ x
        g = g - (x @ g) * x
        x = (x - alpha * g) / np.linalg.norm(x - alpha * g)
        assert x[-1] <= 0.9
    np.testing.assert_allclose(result.point, x, rtol=0, atol=1e-13)
    g = -2.0 * A @ x
    g = g - (x @ g) * x
    following = (x - alpha * g) / np.linalg.norm(x - alpha * g)
    assert following[-1] > 0.9


# Arithmetic on Inf (inf − inf) may warn on the way to the NaN the run detects.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("value", [np.nan, np.inf])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_non_finite_gradient_mid_run(name, value):
    def gradient(x):
        return np.full(N, value) if x[-1] > 0.9 else -2.0 * A @ x

    problem = riemgd.Problem(riemgd.Sphere(N), lambda x: -x @ A @ x, euclidean_gradient=gradient)
    optimizer = all_optimizers(log_verbosity=1, max_iterations=500, min_gradient_norm=0.0)[name]
    result = optimizer.run(problem, initial_point=start_far_from_first_axis())
    assert result.reason == "non_finite"
    assert "NaN/Inf" in result.stopping_criterion
    assert result.iterations > 0
    np.testing.assert_array_equal(result.point, result.log["iterations"]["point"][-1])
    assert np.isfinite(result.gradient_norm)
    assert result.point[-1] <= 0.9 or name.startswith("nesterov")  # Nesterov evaluates ∇L at the look-ahead w_k


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("k", [0, 3])
def test_keyboard_interrupt_from_callback(name, k):
    seen = []

    def callback(iterate):
        seen.append(iterate.iteration)
        if iterate.iteration == k:
            raise KeyboardInterrupt

    optimizer = all_optimizers(log_verbosity=1, min_gradient_norm=0.0)[name]
    result = optimizer.run(rayleigh(), initial_point=start_far_from_first_axis(), callback=callback)
    assert result.reason == "interrupted"
    assert "interrupted" in result.stopping_criterion
    assert result.iterations == k
    assert seen == list(range(k + 1))
    log = result.log["iterations"]
    assert len(log["cost"]) == k + 1
    np.testing.assert_array_equal(result.point, log["point"][k])
    assert result.cost == log["cost"][k]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_callback_returning_true_stops_the_run(name):
    def callback(iterate):
        return iterate.iteration == 4

    optimizer = all_optimizers(min_gradient_norm=0.0)[name]
    result = optimizer.run(rayleigh(), initial_point=start_far_from_first_axis(), callback=callback)
    assert result.reason == "callback"
    assert "callback" in result.stopping_criterion
    assert result.iterations == 4


def test_callback_returning_none_or_false_does_not_stop():
    optimizer = riemgd.GradientDescent(0.1, max_iterations=7, min_gradient_norm=0.0)
    for value in (None, False):
        result = optimizer.run(rayleigh(), initial_point=start_far_from_first_axis(), callback=lambda it, v=value: v)
        assert result.reason == "max_iterations"
        assert result.iterations == 7


CASES = {
    "euclidean": (riemgd.Euclidean(N), lambda x: 0.5 * x @ A @ x, lambda x: A @ x),
    "sphere": (riemgd.Sphere(N), lambda x: -x @ A @ x, lambda x: -2.0 * A @ x),
    "stiefel": (riemgd.Stiefel(N, 2), lambda X: -np.trace(X.T @ A @ X), lambda X: -2.0 * A @ X),
    "grassmann": (riemgd.Grassmann(N, 2), lambda X: -np.trace(X.T @ A @ X), lambda X: -2.0 * A @ X),
    "spd": (
        riemgd.SymmetricPositiveDefinite(3),
        lambda X: np.trace(X) - np.log(np.linalg.det(X)),
        lambda X: np.eye(3) - np.linalg.inv(X),
    ),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_initial_point_is_not_mutated(name, case):
    manifold, cost, gradient = CASES[case]
    problem = riemgd.Problem(manifold, cost, euclidean_gradient=gradient)
    point = manifold.random_point(rng=1)
    copy = point.copy()
    optimizer = all_optimizers(max_iterations=5, min_gradient_norm=0.0, min_step_size=0.0)[name]
    result = optimizer.run(problem, initial_point=point)
    np.testing.assert_array_equal(point, copy)
    assert result.iterations == 5
    assert not np.array_equal(result.point, copy)  # it did move


def test_product_initial_point_is_not_mutated():
    manifold = riemgd.Product([riemgd.Sphere(3), riemgd.Euclidean(2)])
    problem = riemgd.Problem(
        manifold,
        lambda x: -x[0] @ A[:3, :3] @ x[0] + x[1] @ x[1],
        euclidean_gradient=lambda x: (-2 * A[:3, :3] @ x[0], 2 * x[1]),
    )
    point = [p.copy() for p in manifold.random_point(rng=2)]
    copies = [p.copy() for p in point]
    for optimizer in all_optimizers(max_iterations=5, min_gradient_norm=0.0).values():
        optimizer.run(problem, initial_point=point)
        for p, c in zip(point, copies, strict=True):
            np.testing.assert_array_equal(p, c)


# ------------------------------------------------------------ optional methods
@pytest.mark.parametrize(
    ("manifold", "method", "args"),
    [
        (riemgd.Stiefel(4, 2), "dist", 2),
        (riemgd.Stiefel(4, 2), "pair_mean", 2),  # Stiefel has exp (pymanopt's formula) but no log or midpoint
        (riemgd.Stiefel(4, 2), "log", 2),
        (riemgd.Manifold("bare", 1), "projection", 2),
        (riemgd.Manifold("bare", 1), "retraction", 2),
    ],
)
def test_optional_method_names_class_and_method(manifold, method, args):
    x = np.linalg.qr(np.random.default_rng(0).standard_normal((4, 2)))[0]
    with pytest.raises(NotImplementedError) as info:
        getattr(manifold, method)(*([x] * args))
    message = str(info.value)
    assert type(manifold).__name__ in message
    assert repr(method) in message or method in message.split()

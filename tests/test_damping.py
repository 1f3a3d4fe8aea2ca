"""Damping schedules: the Levenberg–Marquardt gain ratio ρ = (f(x) − f(x⁺)) / (−(gᵀs + ½ sᵀGs))
against hand computation, the λ updates, and the manifold's after_step hook."""

from __future__ import annotations

import math

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces
from riemgd.functional import AdaptiveDamping
from riemgd.functional.damping import gain_ratio

X, W = spaces.gauss_legendre(30)


def target(x):
    return np.exp(x) * np.sin(2 * x)


def features(x):
    return np.column_stack([np.ones_like(x), x, x**2, x**3])


def linear_problem(damping, solver="parameter"):
    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(4)), spaces.L2(X, W), damping=damping, solver=solver)
    return riemgd.Problem(manifold, losses.L2(target))


def test_gain_ratio_by_hand():
    # f = 10 → 7 with gᵀs = −4, sᵀGs = 2: predicted decrease 4 − 1 = 3, ρ = 1
    assert gain_ratio(10.0, 7.0, -4.0, 2.0) == 1.0
    assert gain_ratio(10.0, 9.0, -4.0, 2.0) == pytest.approx(1 / 3)
    assert math.isnan(gain_ratio(10.0, 9.0, 1.0, 2.0))  # the model predicts an increase: undefined


def test_adaptive_damping_updates():
    schedule = AdaptiveDamping(1e-2, increase=2.0, decrease=0.5, minimum=1e-3, maximum=4e-2)
    assert schedule.update(0.9) == 5e-3  # ρ > 3/4: damp less
    assert schedule.update(0.5) == 5e-3  # in between: keep
    assert schedule.update(math.nan) == 5e-3  # undefined: keep
    assert schedule.update(0.1) == 1e-2  # ρ < 1/4: damp more
    assert schedule.update(-math.inf) == 2e-2
    assert schedule.update(-1.0) == 4e-2 and schedule.update(-1.0) == 4e-2  # clipped at maximum
    for _ in range(10):
        schedule.update(1.0)
    assert schedule.value == 1e-3  # clipped at minimum
    schedule.reset()
    assert schedule.value == 1e-2 and math.isnan(schedule.ratio)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"initial": 0.0}, "initial"),
        ({"increase": 1.0}, "increase"),
        ({"decrease": 1.5}, "decrease"),
        ({"minimum": 1.0}, "minimum"),
        ({"low": 0.8}, "low"),
    ],
)
def test_adaptive_damping_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AdaptiveDamping(**kwargs)
    with pytest.raises(TypeError, match="initial"):
        AdaptiveDamping("1e-3")


@pytest.mark.parametrize("solver", ["parameter", "sample", "cg"])
def test_on_linear_least_squares_the_gain_ratio_is_one(solver):
    # f(θ + s) − f(θ) = ∇Lᵀs + ½ sᵀ JᵀWJ s exactly: ρ = 1 for any step, so λ shrinks
    schedule = AdaptiveDamping(1e-2)
    problem = linear_problem(schedule, solver)
    manifold = problem.manifold
    theta = np.array([0.3, -1.0, 2.0, 0.5])
    gradient = problem.riemannian_gradient(theta)
    step = -0.7 * gradient
    new = manifold.retraction(theta, step)
    whitened = manifold._whitened(theta)
    manifold.after_step(theta, step, gradient, problem.cost(theta), problem.cost(new))
    J = features(X)
    g = J.T @ (W * (J @ theta - target(X)))
    predicted = -(g @ step + 0.5 * step @ (J.T @ (W[:, None] * J)) @ step)
    actual = float(problem.cost(theta) - problem.cost(new))
    assert actual / predicted == pytest.approx(1.0, rel=1e-12)
    assert schedule.ratio == pytest.approx(1.0, rel=1e-10)
    assert manifold.damping == pytest.approx(1e-2 * 2 / 3, rel=1e-15)
    # the new λ is in the metric; the Jacobian data were kept
    assert manifold._whitened(theta) is whitened
    np.testing.assert_allclose(manifold.solver(theta).shift, np.full(4, 1e-2 * 2 / 3), rtol=1e-15)
    G = J.T @ (W[:, None] * J) + manifold.damping * np.eye(4)
    expected = np.linalg.solve(G, g)
    if solver == "cg":  # CG stops at a relative residual of 1e-10, a normwise bound: its small
        # components carry errors of the size of the large ones' round-off (1.5e-10 of -0.013 here)
        assert np.linalg.norm(problem.riemannian_gradient(theta) - expected) <= 1e-10 * np.linalg.norm(expected)
    else:
        np.testing.assert_allclose(problem.riemannian_gradient(theta), expected, rtol=1e-10)


def test_gain_ratio_of_a_network_step_by_hand():
    x = np.linspace(-1, 1, 40)
    model = models.MLP((1, 5, 1))
    schedule = AdaptiveDamping(1e-3)
    manifold = riemgd.ModelManifold(model, spaces.L2(x), damping=schedule)
    problem = riemgd.Problem(manifold, losses.L2(np.sin(3 * x)))
    theta = model.initial_parameters(0)
    gradient = problem.riemannian_gradient(theta)
    step = -1.5 * gradient
    cost, new_cost = float(problem.cost(theta)), float(problem.cost(theta + step))
    manifold.after_step(theta, step, gradient, cost, new_cost)
    values, J = manifold.space.evaluate(model, theta)
    w = manifold.space.weights
    g = J.T @ (w * (values - np.sin(3 * x)))
    rho = (cost - new_cost) / -(g @ step + 0.5 * (J @ step) @ (w * (J @ step)))
    assert schedule.ratio == pytest.approx(rho, rel=1e-9)
    factor = 2 / 3 if rho > 0.75 else (1.5 if rho < 0.25 else 1.0)
    assert manifold.damping == pytest.approx(1e-3 * factor, rel=1e-15)


def test_after_step_without_the_new_cost_or_a_schedule_changes_nothing():
    problem = linear_problem(AdaptiveDamping(1e-2))
    theta = np.zeros(4)
    gradient = problem.riemannian_gradient(theta)
    solver = problem.manifold.solver(theta)
    problem.manifold.after_step(theta, -gradient, gradient, problem.cost(theta), None)
    problem.manifold.after_step(theta, -gradient, None, problem.cost(theta), 0.0)
    assert problem.manifold.damping == 1e-2 and problem.manifold.solver(theta) is solver
    problem.manifold.after_step(theta, -gradient, gradient, problem.cost(theta), math.inf)
    assert problem.manifold.damping == pytest.approx(1.5e-2)  # a non-finite f(x⁺): ρ = −∞
    constant = linear_problem(1e-2).manifold
    solver = constant.solver(theta)
    constant.after_step(theta, -gradient, gradient, 1.0, 2.0)
    assert constant.damping == 1e-2 and constant.solver(theta) is solver
    riemgd.Sphere(3).after_step(np.array([1.0, 0, 0]), np.zeros(3), np.zeros(3), 1.0, 0.5)  # base: a no-op


def test_the_optimizer_loop_feeds_the_schedule():
    # linear least squares: ρ = 1 at every Armijo step, so λ shrinks by 2/3 per accepted step
    schedule = AdaptiveDamping(1e-2)
    problem = linear_problem(schedule)
    result = riemgd.GradientDescent(max_iterations=3, min_gradient_norm=0).run(problem, initial_point=np.zeros(4))
    assert result.iterations == 3
    assert problem.manifold.damping == pytest.approx(1e-2 * (2 / 3) ** 3, rel=1e-12)


def test_the_loop_measures_the_new_cost_for_the_schedule_under_a_constant_step():
    """A constant step evaluates no f(x⁺) itself; the loop does, for a manifold that wants
    feedback, and reuses it as the next iterate's cost (one cost evaluation per iteration)."""
    schedule = AdaptiveDamping(1e-2)
    problem = linear_problem(schedule)
    result = riemgd.GradientDescent(0.5, max_iterations=4, min_gradient_norm=0).run(problem, initial_point=np.zeros(4))
    assert result.iterations == 4
    assert problem.manifold.damping == pytest.approx(1e-2 * (2 / 3) ** 4, rel=1e-12)
    assert result.cost_evaluations == 5

"""riemgd's warnings for dishonest stops: not converged at the budget, a gradient
exactly zero where the cost still changes, a cost blown up by a fixed step;
and no warning on healthy runs."""

from __future__ import annotations

import warnings

import autograd.numpy as anp
import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces
from riemgd.diagnostics import (
    COST_GROWTH_FACTOR,
    NOT_CONVERGED_FACTOR,
    CostIncreaseWarning,
    NotConvergedWarning,
    RiemgdWarning,
    ZeroGradientWarning,
)
from riemgd.optimizers import Armijo, GridSearch

N = 6
A = np.diag(np.arange(1.0, N + 1.0)) + 0.2 * np.ones((N, N))


def rayleigh() -> riemgd.Problem:
    return riemgd.Problem(riemgd.Sphere(N), lambda x: -x @ A @ x, euclidean_gradient=lambda x: -2.0 * A @ x)


def start() -> np.ndarray:
    return riemgd.Sphere(N).random_point(rng=0)


def test_the_category_is_a_user_warning_of_riemgds_own():
    assert riemgd.RiemgdWarning is RiemgdWarning and issubclass(RiemgdWarning, UserWarning)
    for category in (NotConvergedWarning, ZeroGradientWarning, CostIncreaseWarning):
        assert issubclass(category, RiemgdWarning)


# ------------------------------------------------------ (a) not converged
def test_budget_spent_far_from_the_tolerance_warns():
    with pytest.warns(NotConvergedWarning, match=r"max_iterations \(5 iterations\)"):
        result = riemgd.GradientDescent(0.05, max_iterations=5).run(rayleigh(), initial_point=start())
    assert result.gradient_norm > NOT_CONVERGED_FACTOR * 1e-6


def test_not_converged_factor_is_the_documented_threshold():
    """The warning fires exactly when ‖grad f‖ > 100 · min_gradient_norm."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RiemgdWarning)
        result = riemgd.GradientDescent(0.05, max_iterations=5).run(rayleigh(), initial_point=start())
    gradient_norm = result.gradient_norm
    with warnings.catch_warnings():
        warnings.simplefilter("error", RiemgdWarning)  # just inside the factor: silent
        riemgd.GradientDescent(0.05, max_iterations=5, min_gradient_norm=gradient_norm / 99).run(
            rayleigh(), initial_point=start()
        )
    with pytest.warns(NotConvergedWarning):
        riemgd.GradientDescent(0.05, max_iterations=5, min_gradient_norm=gradient_norm / 101).run(
            rayleigh(), initial_point=start()
        )


def test_a_fixed_budget_min_gradient_norm_zero_is_not_warned_about():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RiemgdWarning)
        riemgd.GradientDescent(0.05, max_iterations=5, min_gradient_norm=0.0).run(rayleigh(), initial_point=start())


def readme_network():
    x, w = spaces.gauss_legendre(64)
    manifold = riemgd.ModelManifold(models.ShallowNetwork(1, 8), spaces.L2(x, w))
    return manifold, riemgd.Problem(manifold, losses.L2(lambda x: np.sin(2 * np.pi * x)))


def test_a_step_rule_that_finds_no_step_far_from_the_tolerance_warns():
    """Nesterov with the grid search from seed 0: no grid step lowers the cost, the
    step is 0 and the run stops on min_step_size with ‖grad‖ ≈ 0.2."""
    manifold, problem = readme_network()
    with pytest.warns(NotConvergedWarning, match="min_step_size"):
        result = riemgd.Nesterov(GridSearch(), 0.5, restart="function").run(
            problem, initial_point=manifold.random_point(rng=0)
        )
    assert result.reason == "min_step_size" and result.step_size == 0.0
    assert result.gradient_norm > 0.1


def test_a_line_search_stopped_by_the_costs_round_off_is_not_warned_about():
    """Rayleigh quotient on Sphere(200): Armijo stops on min_step_size at ‖grad‖ ≈ 2e-7, 200×
    the requested 1e-9, where ‖grad‖² ≈ 5e-14 is at the round-off of |f| ≈ 14 — converged
    to the precision of the cost (relative error 1e-15), not stalled."""
    n = 200
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((n, n))
    matrix = (matrix + matrix.T) / 2
    problem = riemgd.Problem(riemgd.Sphere(n), lambda x: -x @ matrix @ x, euclidean_gradient=lambda x: -2 * matrix @ x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RiemgdWarning)
        result = riemgd.GradientDescent(max_iterations=5000, min_gradient_norm=1e-9).run(
            problem, initial_point=riemgd.Sphere(n).random_point(rng=0)
        )
    assert result.reason == "min_step_size" and result.gradient_norm > NOT_CONVERGED_FACTOR * 1e-9
    assert result.cost == pytest.approx(-np.linalg.eigvalsh(matrix)[-1], rel=1e-13)


# ------------------------------------------- (b) exactly zero, not stationary
def bumps(theta, x):
    """Three Gaussian bumps, 9 parameters: amplitudes a, centres c, inverse widths s."""
    a, c, s = theta[0:3], theta[3:6], theta[6:9]
    return anp.sum(a[None, :] * anp.exp(-((s[None, :] * (x[:, None] - c[None, :])) ** 2)), axis=1)


def target(x):
    return np.exp(-50 * (x - 0.3) ** 2) - 0.5 * np.exp(-80 * (x - 0.7) ** 2)


def bump_problem():
    x, w = spaces.gauss_legendre(64)
    manifold = riemgd.ModelManifold(models.Function(bumps, 9), spaces.L2(x, w))
    return manifold, riemgd.Problem(manifold, losses.L2(target)), 0.5 * np.sum(w * target(x) ** 2)


@pytest.mark.parametrize("make", [lambda: riemgd.GradientDescent(0.5), lambda: riemgd.Nesterov(0.5, 0.5)])
def test_collapsed_gaussian_bumps_are_no_success(make):
    """The issue's case: a fixed step 0.5 sends the widths to zero in one step, every
    bump underflows to 0 on the grid, J = 0 and the natural gradient is exactly 0.0,
    at the cost of the zero function, ½‖u‖²."""
    manifold, problem, cost_of_zero = bump_problem()
    with pytest.warns(ZeroGradientWarning, match="exactly 0.0"):
        result = make().run(problem, initial_point=manifold.random_point(rng=1))
    assert result.reason == "min_gradient_norm" and result.gradient_norm == 0.0
    assert result.cost == pytest.approx(cost_of_zero, rel=1e-12)  # v_θ = 0: nothing fitted
    np.testing.assert_array_equal(manifold.embed(result.point), 0.0)


def test_bumps_with_a_healthy_start_raise_no_warning():
    manifold, problem, cost_of_zero = bump_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RiemgdWarning)
        result = riemgd.GradientDescent().run(problem, initial_point=manifold.random_point(rng=4))  # Armijo
    assert result.reason == "min_gradient_norm" and result.cost < 0.2 * cost_of_zero


def test_an_exactly_stationary_point_with_a_constant_offset_is_not_flagged():
    """f(x) = ‖x − 1‖² + 5 on R³: GD with step ½ lands exactly on x = 1, where
    the gradient is exactly 0 and the cost 5 — a true minimum (the ambient gradient is 0 too)."""
    problem = riemgd.Problem(riemgd.Euclidean(3), lambda x: anp.sum((x - 1.0) ** 2) + 5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RiemgdWarning)
        result = riemgd.GradientDescent(0.5).run(problem, initial_point=np.zeros(3))
    assert result.gradient_norm == 0.0 and result.cost == 5.0 and result.iterations == 1


def test_a_start_exactly_at_an_eigenvector_is_not_flagged():
    """At e₁ the Riemannian gradient of −xᵀAx on the sphere is exactly 0: a stationary point
    (a maximum of the cost here). A matrix manifold's ambient gradient is the embedded
    Riemannian gradient, so nothing says the point is not stationary: no warning."""
    problem = riemgd.Problem(riemgd.Sphere(3), lambda x: -x @ np.diag([1.0, 2.0, 3.0]) @ x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RiemgdWarning)
        result = riemgd.GradientDescent().run(problem, initial_point=np.array([1.0, 0.0, 0.0]))
    assert result.iterations == 0 and result.gradient_norm == 0.0


# ------------------------------------------------------ (c) cost blown up
def test_a_fixed_step_that_blows_the_cost_up_warns_and_suggests_a_line_search():
    manifold, problem = readme_network()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = riemgd.GradientDescent(2.0, max_iterations=50, log_verbosity=1).run(
            problem, initial_point=manifold.random_point(rng=3)
        )
    growth = [w for w in caught if issubclass(w.category, CostIncreaseWarning)]
    assert len(growth) == 1 and "line search" in str(growth[0].message)
    costs = result.history["cost"]
    assert costs[-1] - costs[0] > COST_GROWTH_FACTOR * abs(costs[0])  # 0.377 → 729


def test_a_transient_rise_is_reported_too():
    """The README's former Nesterov(0.5, 0.5, restart="function"): 0.377 → 53.7 at the
    first step, then down to 4e-9 — lucky: from seed 4 the same run jumps to 1e4 and
    ends on the plateau v = 0 (cost ½‖u‖² = 0.25)."""
    manifold, problem = readme_network()
    for seed, final in ((3, 1e-8), (4, 0.26)):
        with pytest.warns(CostIncreaseWarning, match="before the run came back"):
            result = riemgd.Nesterov(0.5, 0.5, restart="function", log_verbosity=1).run(
                problem, initial_point=manifold.random_point(rng=seed)
            )
        costs = result.history["cost"]
        assert max(costs) > 100 * costs[0] and result.cost < final


@pytest.mark.parametrize(("iterations", "warns"), [(3, False), (4, True)])
def test_cost_growth_factor_is_the_documented_threshold(iterations, warns):
    """f(x) = x² with the fixed step 1.2: x ← (1 − 2.4) x, f ← 1.96 f per step;
    f_k − f_0 > 10 f_0 first at k = 4 (1.96³ = 7.5, 1.96⁴ = 14.8)."""
    assert 1.96**3 - 1 < COST_GROWTH_FACTOR < 1.96**4 - 1
    problem = riemgd.Problem(riemgd.Euclidean(1), lambda x: anp.sum(x**2))
    optimizer = riemgd.GradientDescent(1.2, max_iterations=iterations, min_gradient_norm=0.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer.run(problem, initial_point=np.ones(1))
    growth = [w for w in caught if issubclass(w.category, CostIncreaseWarning)]
    assert len(growth) == int(warns)
    if warns:
        assert "iteration 4" in str(growth[0].message)


def test_a_line_search_on_the_same_problem_is_not_warned_about():
    problem = riemgd.Problem(riemgd.Euclidean(1), lambda x: anp.sum(x**2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RiemgdWarning)
        riemgd.GradientDescent(Armijo(initial_step_size=1.2)).run(problem, initial_point=np.ones(1))


# ---------------------------------------------------------- healthy runs
def test_healthy_runs_raise_no_riemgd_warning():
    manifold, problem = readme_network()
    sphere = riemgd.Problem(riemgd.Sphere(10), lambda x: -x @ np.diag(np.arange(1.0, 11.0)) @ x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RiemgdWarning)
        fit = riemgd.Nesterov(Armijo(), 0.5).run(problem, initial_point=manifold.random_point(rng=3))
        rayleigh_run = riemgd.Nesterov(0.05, 0.9, restart="function").run(sphere)
        plain = riemgd.GradientDescent().run(rayleigh(), initial_point=start())
    assert fit.reason == rayleigh_run.reason == plain.reason == "min_gradient_norm"
    assert fit.cost < 1e-8 and rayleigh_run.cost == pytest.approx(-10.0, rel=1e-10)


def test_warnings_point_at_the_callers_line():
    with pytest.warns(NotConvergedWarning) as caught:
        riemgd.GradientDescent(0.05, max_iterations=2).run(rayleigh(), initial_point=start())
    assert caught[0].filename == __file__

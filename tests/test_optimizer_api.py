"""Optimizer results, logging, printing and stopping; the update formulas
checked against the same iterations written out by hand in numpy."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import OPTIMIZERS as ALL_OPTIMIZERS

import riemgd

N = 6
A = np.diag(np.arange(1.0, N + 1.0)) + 0.2 * np.ones((N, N))


def rayleigh():
    return riemgd.Problem(riemgd.Sphere(N), lambda x: -x @ A @ x, euclidean_gradient=lambda x: -2.0 * A @ x)


def start() -> np.ndarray:
    return riemgd.Sphere(N).random_point(rng=0)


OPTIMIZERS = {name: make for name, make in ALL_OPTIMIZERS.items() if name != "nesterov-gradient"}
NAMES = sorted(OPTIMIZERS)


# ------------------------------------------------------------- results, logs
@pytest.mark.parametrize("name", NAMES)
def test_result_fields(name):
    result = OPTIMIZERS[name](max_iterations=10, min_gradient_norm=0.0).run(rayleigh(), initial_point=start())
    for field in ("point", "cost", "iterations", "stopping_criterion", "time", "gradient_norm", "log"):
        assert hasattr(result, field), field
    assert isinstance(result, riemgd.OptimizerResult)
    assert result.iterations == 10
    assert result.log is None  # log_verbosity=0
    assert result.cost == pytest.approx(-result.point @ A @ result.point, rel=1e-14)
    assert result.time >= 0.0
    assert isinstance(result.stopping_criterion, str) and "max_iterations" in result.stopping_criterion
    assert result.reason == "max_iterations"
    assert result.cost_evaluations >= result.iterations


@pytest.mark.parametrize("name", NAMES)
def test_log_has_one_entry_per_iterate(name):
    result = OPTIMIZERS[name](max_iterations=12, min_gradient_norm=0.0, log_verbosity=1).run(
        rayleigh(), initial_point=start()
    )
    log = result.log["iterations"]
    for key in ("point", "cost", "gradient_norm", "step_size", "time"):
        assert len(log[key]) == result.iterations + 1, key
    np.testing.assert_array_equal(log["point"][0], start())
    np.testing.assert_array_equal(log["point"][-1], result.point)
    assert log["cost"][-1] == result.cost
    assert log["gradient_norm"][-1] == result.gradient_norm
    for point, cost in zip(log["point"], log["cost"], strict=True):
        assert cost == pytest.approx(-point @ A @ point, rel=1e-14)
    assert np.isnan(log["step_size"][0])  # no step led to the initial point
    assert all(s > 0 for s in log["step_size"][1:])
    assert all(t1 >= t0 for t0, t1 in zip(log["time"], log["time"][1:], strict=False))
    assert result.log["stopping_criteria"]["max_iterations"] == 12
    assert result.log["optimizer"] == type(OPTIMIZERS[name]()).__name__


def test_logged_step_sizes_are_the_step_lengths():
    """For fixed-step gradient descent the step is α‖grad f(x_{k−1})‖."""
    alpha = 0.05
    result = riemgd.GradientDescent(alpha, max_iterations=5, min_gradient_norm=0.0, log_verbosity=1).run(
        rayleigh(), initial_point=start()
    )
    log = result.log["iterations"]
    for k in range(1, 6):
        x = log["point"][k - 1]
        g = -2.0 * A @ x
        g = g - (x @ g) * x
        assert log["step_size"][k] == pytest.approx(alpha * np.linalg.norm(g), rel=1e-12)
        assert log["gradient_norm"][k - 1] == pytest.approx(np.linalg.norm(g), rel=1e-12)


ROW = re.compile(r"^\s*(\d+)\s+[+-]\d\.\d+e[+-]\d+\s")


@pytest.mark.parametrize("name", NAMES)
def test_verbosity_two_prints_one_row_per_iteration(name, capsys):
    result = OPTIMIZERS[name](max_iterations=7, min_gradient_norm=0.0, verbosity=2).run(
        rayleigh(), initial_point=start()
    )
    lines = capsys.readouterr().out.splitlines()
    rows = [int(m.group(1)) for m in map(ROW.match, lines) if m]
    assert rows == list(range(result.iterations + 1))
    assert "iteration" in lines[0] and "cost" in lines[0]
    assert lines[-1] == result.stopping_criterion


@pytest.mark.parametrize("name", NAMES)
def test_verbosity_one_prints_a_summary_only(name, capsys):
    result = OPTIMIZERS[name](max_iterations=7, min_gradient_norm=0.0, verbosity=1).run(
        rayleigh(), initial_point=start()
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines == [result.stopping_criterion]
    assert "7 iterations" in lines[0]


def test_verbosity_zero_prints_nothing(capsys):
    riemgd.Nesterov(0.05, 0.5, max_iterations=7).run(rayleigh(), initial_point=start())
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ stopping
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("max_iterations", [0, 1, 9])
def test_max_iterations(name, max_iterations):
    result = OPTIMIZERS[name](max_iterations=max_iterations, min_gradient_norm=0.0, log_verbosity=1).run(
        rayleigh(), initial_point=start()
    )
    assert result.reason == "max_iterations"
    assert result.iterations == max_iterations
    assert len(result.log["iterations"]["cost"]) == max_iterations + 1
    if max_iterations == 0:
        np.testing.assert_array_equal(result.point, start())


@pytest.mark.parametrize("name", NAMES)
def test_min_gradient_norm(name):
    threshold = 1e-4
    result = OPTIMIZERS[name](min_gradient_norm=threshold, max_iterations=5000, log_verbosity=1).run(
        rayleigh(), initial_point=start()
    )
    assert result.reason == "min_gradient_norm"
    assert "min_gradient_norm" in result.stopping_criterion
    norms = result.log["iterations"]["gradient_norm"]
    assert norms[-1] < threshold
    assert all(g >= threshold for g in norms[:-1])  # it stopped at the first such iterate
    # the reported norm is the Riemannian gradient norm at the returned point, computed here by hand
    x = result.point
    g = -2.0 * A @ x
    true_norm = np.linalg.norm(g - (x @ g) * x)
    if not name.startswith("nesterov"):  # Nesterov reports ‖P_{T_k}∇L(w_k)‖ at the look-ahead point
        assert result.gradient_norm == pytest.approx(true_norm, rel=1e-10)
    assert true_norm < 10 * threshold
    assert result.cost == pytest.approx(-np.linalg.eigvalsh(A)[-1], rel=1e-7)


def test_min_gradient_norm_at_the_initial_point_stops_immediately():
    v = np.linalg.eigh(A)[1][:, -1]
    result = riemgd.HeavyBall(0.05, 0.5, min_gradient_norm=1e-6).run(rayleigh(), initial_point=v)
    assert result.reason == "min_gradient_norm"
    assert result.iterations == 0
    np.testing.assert_array_equal(result.point, v)


def test_min_step_size():
    result = riemgd.GradientDescent(0.05, min_gradient_norm=0.0, min_step_size=1e-3, log_verbosity=1).run(
        rayleigh(), initial_point=start()
    )
    assert result.reason == "min_step_size"
    steps = result.log["iterations"]["step_size"]
    assert steps[-1] < 1e-3 and all(s >= 1e-3 for s in steps[1:-1])


def test_max_time():
    result = riemgd.GradientDescent(
        0.05, min_gradient_norm=0.0, min_step_size=0.0, max_iterations=10**9, max_time=0.05
    ).run(rayleigh(), initial_point=start())
    assert result.reason == "max_time"
    assert 0.05 <= result.time < 5.0


# ---------------------------------------------------- updates written by hand
def logged_points(optimizer, problem, x0, steps):
    optimizer.max_iterations, optimizer.min_gradient_norm, optimizer.min_step_size = steps, 0.0, 0.0
    optimizer.log_verbosity = 1
    result = optimizer.run(problem, initial_point=x0)
    assert result.iterations == steps
    return result.log["iterations"]["point"]


@pytest.mark.parametrize(
    ("manifold", "cost", "egrad", "retract", "project"),
    [
        (
            riemgd.Sphere(N),
            lambda x: -x @ A @ x,
            lambda x: -2.0 * A @ x,
            lambda x, u: (x + u) / np.linalg.norm(x + u),
            lambda x, g: g - (x @ g) * x,
        ),
        (
            riemgd.Stiefel(N, 2),
            lambda X: -np.trace(X.T @ A @ X @ np.diag([2.0, 1.0])),
            lambda X: -2.0 * A @ X @ np.diag([2.0, 1.0]),
            # qf(Y): Q of Y = QR with a positive diagonal of R
            lambda X, U: np.linalg.qr(X + U)[0] * np.sign(np.diag(np.linalg.qr(X + U)[1])),
            lambda X, G: G - X @ (X.T @ G + G.T @ X) / 2,
        ),
    ],
    ids=["sphere", "stiefel"],
)
def test_fixed_step_gradient_descent_is_the_hand_written_iteration(manifold, cost, egrad, retract, project):
    alpha = 0.05
    x0 = manifold.random_point(rng=4)
    problem = riemgd.Problem(manifold, cost, euclidean_gradient=egrad)
    points = logged_points(riemgd.GradientDescent(alpha), problem, x0, 8)
    x = x0
    for k in range(1, 9):
        x = retract(x, -alpha * project(x, egrad(x)))  # x_{k+1} = R(x_k, −α grad f(x_k))
        np.testing.assert_allclose(points[k], x, rtol=0, atol=1e-13)


def quadratic(seed: int = 5, n: int = 5):
    """f(θ) = ½θᵀQθ − bᵀθ on R^n."""
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((n, n))
    Q = m @ m.T / n + np.eye(n)
    b = rng.standard_normal(n)
    problem = riemgd.Problem(
        riemgd.Euclidean(n), lambda t: 0.5 * t @ Q @ t - b @ t, euclidean_gradient=lambda t: Q @ t - b
    )
    return problem, (lambda t: Q @ t - b), rng.standard_normal(n)


@pytest.mark.parametrize("variant", ["LM", "FD"])
def test_heavy_ball_on_euclidean_space_is_polyak(variant):
    """θ_{k+1} = θ_k + β(θ_k − θ_{k−1}) − α∇f(θ_k), θ_{−1} = θ_0."""
    alpha, beta, steps = 0.1, 0.7, 15
    problem, gradient, theta0 = quadratic()
    points = logged_points(riemgd.HeavyBall(alpha, beta, variant), problem, theta0, steps)
    previous, theta = theta0, theta0
    for k in range(1, steps + 1):
        previous, theta = theta, theta + beta * (theta - previous) - alpha * gradient(theta)
        np.testing.assert_allclose(points[k], theta, rtol=0, atol=1e-13)


def test_heavy_ball_last_gradient_on_euclidean_space():
    """θ_{k+1} = θ_k + β∇f(θ_{k−1}) − α∇f(θ_k), with ∇f(θ_{−1}) := 0 (signed β)."""
    alpha, beta, steps = 0.1, -0.03, 15
    problem, gradient, theta0 = quadratic(6)
    points = logged_points(riemgd.HeavyBall(alpha, beta, "LG"), problem, theta0, steps)
    theta, previous_gradient = theta0, np.zeros_like(theta0)
    for k in range(1, steps + 1):
        g = gradient(theta)
        theta, previous_gradient = theta + beta * previous_gradient - alpha * g, g
        np.testing.assert_allclose(points[k], theta, rtol=0, atol=1e-13)


def test_nesterov_on_euclidean_space_is_classical():
    """y_k = θ_k + β(θ_k − θ_{k−1}), θ_{k+1} = y_k − α∇f(y_k), θ_{−1} = θ_0."""
    alpha, beta, steps = 0.1, 0.8, 15
    problem, gradient, theta0 = quadratic(7)
    points = logged_points(riemgd.Nesterov(alpha, beta), problem, theta0, steps)
    previous, theta = theta0, theta0
    for k in range(1, steps + 1):
        y = theta + beta * (theta - previous)
        previous, theta = theta, y - alpha * gradient(y)
        np.testing.assert_allclose(points[k], theta, rtol=0, atol=1e-13)


def test_nesterov_function_restart_on_euclidean_space():
    """With restart="function", a step that raises f is replaced by θ_k − α∇f(θ_k)."""
    # 30 steps: later the costs agree to round-off and the restart test becomes a coin toss
    alpha, beta, steps = 0.1, 0.95, 30
    problem, gradient, theta0 = quadratic(8)

    def f(t):
        return float(problem.cost(t))

    points = logged_points(riemgd.Nesterov(alpha, beta, restart="function"), problem, theta0, steps)
    previous, theta, restarts = theta0, theta0, 0
    for k in range(1, steps + 1):
        y = theta + beta * (theta - previous)
        candidate = y - alpha * gradient(y)
        if k > 1 and f(candidate) > f(theta):
            candidate, restarts = theta - alpha * gradient(theta), restarts + 1
        previous, theta = theta, candidate
        np.testing.assert_allclose(points[k], theta, rtol=0, atol=1e-12)
    assert restarts > 0  # β = 0.95 overshoots: the restart branch was exercised

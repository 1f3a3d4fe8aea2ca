"""Direction rules × step-size rules, and the run loop that owns them.

Each rule is checked against the same iteration written out by hand, or
against the property it promises (Armijo's sufficient decrease, the grid's
best step, the norm bound); the loop against its contract (sampling tokens,
evaluation counts, faults that keep the work done).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import riemgd
from riemgd.optimizers import (
    Armijo,
    ConjugateGradientDirection,
    GridSearch,
    LBFGSDirection,
    Momentum,
    NesterovMomentum,
    NormConstrained,
    Optimizer,
    RiemannianGradient,
    Wolfe,
)

N = 6
A = np.diag(np.arange(1.0, N + 1.0)) + 0.2 * np.ones((N, N))
TOP = np.linalg.eigvalsh(A)[-1]


def cost(x):
    return -x @ A @ x


def egrad(x):
    return -2.0 * A @ x


def rayleigh():
    return riemgd.Problem(riemgd.Sphere(N), cost, euclidean_gradient=egrad)


def start() -> np.ndarray:
    return riemgd.Sphere(N).random_point(rng=0)


def rgrad(x):
    g = egrad(x)
    return g - (x @ g) * x


def retract(x, u):
    return (x + u) / np.linalg.norm(x + u)


STEP_RULES = {
    "constant": lambda: 0.05,
    "armijo": Armijo,
    "grid": GridSearch,
    "norm": lambda: NormConstrained(0.1, 0.2),
    "wolfe": Wolfe,
}
DIRECTIONS = {
    "gradient": RiemannianGradient,
    "LM": lambda: Momentum(0.5, "LM"),
    "FD": lambda: Momentum(0.5, "FD"),
    "LG": lambda: Momentum(-0.02, "LG"),
    "nesterov": lambda: NesterovMomentum(0.5),
    "nesterov-function": lambda: NesterovMomentum(0.5, "function"),
    "cg": ConjugateGradientDirection,
    "lbfgs": LBFGSDirection,
}


# ------------------------------------------------------------ every combination
@pytest.mark.parametrize("step", sorted(STEP_RULES))
@pytest.mark.parametrize("direction", sorted(DIRECTIONS))
def test_every_direction_with_every_step_size_finds_the_top_eigenvalue(direction, step):
    optimizer = Optimizer(DIRECTIONS[direction](), STEP_RULES[step](), max_iterations=3000, min_gradient_norm=1e-7)
    result = optimizer.run(rayleigh(), initial_point=start())
    assert result.reason in ("min_gradient_norm", "min_step_size"), result.stopping_criterion
    assert abs(result.cost + TOP) < 1e-9 * TOP


@pytest.mark.parametrize(
    "make",
    [
        lambda rule: riemgd.GradientDescent(rule),
        lambda rule: riemgd.HeavyBall(rule, 0.5),
        lambda rule: riemgd.HeavyBall(rule, 0.5, "FD"),
        lambda rule: riemgd.Nesterov(rule, 0.5, restart="function"),
    ],
)
@pytest.mark.parametrize("rule", [Armijo, GridSearch, lambda: NormConstrained(0.1, 0.2)])
def test_named_methods_take_a_step_rule_for_step_size(make, rule):
    result = make(rule()).run(rayleigh(), initial_point=start())
    assert abs(result.cost + TOP) < 1e-9 * TOP


# ------------------------------------------------------------ step rules by hand
def test_grid_search_takes_the_best_grid_step_by_hand():
    """x_{k+1} = R(x_k, −t* grad), t* = argmin over {1, ½, …, 2^{1−K}} of f; no step if none lowers f."""
    trials = 8
    result = riemgd.GradientDescent(GridSearch(trials), max_iterations=6, log_verbosity=1).run(
        rayleigh(), initial_point=start()
    )
    x = start()
    for point in result.log["iterations"]["point"][1:]:
        g = rgrad(x)
        candidates = [retract(x, -(0.5**k) * g) for k in range(trials)]
        values = [cost(c) for c in candidates]
        best = int(np.argmin(values))
        x = candidates[best] if values[best] < cost(x) else x
        np.testing.assert_allclose(point, x, rtol=0, atol=1e-13)


def test_grid_search_keeps_the_point_when_no_step_lowers_the_cost():
    a, x = np.eye(N)[0], start()
    # f(y) = aᵀy with the gradient's sign flipped: −grad = P_x a points uphill, and every
    # step R_x(t P_x a), t ∈ (0, 1], turns x towards a, raising f
    problem = riemgd.Problem(riemgd.Sphere(N), lambda y: a @ y, euclidean_gradient=lambda y: -a)
    result = riemgd.GradientDescent(GridSearch(5), max_iterations=3).run(problem, initial_point=x)
    assert result.reason == "min_step_size"
    np.testing.assert_array_equal(result.point, x)


def test_norm_constrained_steps_have_length_min_of_eta_norm_and_radius():
    eta, radius = 0.1, 0.05
    result = riemgd.GradientDescent(NormConstrained(eta, radius), max_iterations=40, log_verbosity=1).run(
        rayleigh(), initial_point=start()
    )
    log = result.log["iterations"]
    for k in range(1, len(log["point"])):
        expected = min(eta * np.linalg.norm(rgrad(log["point"][k - 1])), radius)
        assert log["step_size"][k] == pytest.approx(expected, rel=1e-12)
    assert min(log["step_size"][1:]) < radius  # both branches of the min were taken
    assert max(log["step_size"][1:]) == pytest.approx(radius, rel=1e-12)


@pytest.mark.parametrize("make", [lambda: Momentum(0.8), lambda: NesterovMomentum(0.8), RiemannianGradient])
def test_armijo_decrease_holds_at_every_step_even_with_momentum(make):
    """f(x_{k+1}) ≤ f(x_k) + c t Df(x_k)[d] < f(x_k): a line search never goes uphill, momentum or not."""
    result = Optimizer(make(), Armijo(), max_iterations=200, log_verbosity=1, min_gradient_norm=1e-9).run(
        rayleigh(), initial_point=start()
    )
    costs = np.array(result.log["iterations"]["cost"])
    far = costs[:-1] + TOP > 1e-10  # above round-off, where the slope term c t Df[d] is resolved
    assert np.all(np.diff(costs)[far] < 0)
    assert np.all(np.diff(costs) <= 2 * np.finfo(float).eps * TOP)  # and never up beyond round-off
    assert abs(result.cost + TOP) < 1e-9 * TOP


def test_momentum_under_a_line_search_restarts_on_an_ascent_direction():
    """With β close to 1 the transported momentum soon points uphill; the loop
    then drops it (Momentum.restart) before calling the line search."""
    rule = Momentum(0.99)
    restarts = []
    original = rule.restart
    rule.restart = lambda: (restarts.append(1), original())[1]
    optimizer = Optimizer(rule, Armijo(), max_iterations=300, min_gradient_norm=1e-9)
    result = optimizer.run(rayleigh(), initial_point=start())
    assert restarts, "expected at least one restart"
    assert abs(result.cost + TOP) < 1e-9 * TOP


def test_constant_step_momentum_under_line_search_scaling_by_hand():
    """d_k = β T(p_{k−1}) / t_{k−1} − grad, p_k = t_k d_k: with NormConstrained steps (t varies), by hand."""
    eta, radius, beta = 0.2, 0.1, 0.5
    result = Optimizer(Momentum(beta), NormConstrained(eta, radius), max_iterations=15, log_verbosity=1).run(
        rayleigh(), initial_point=start()
    )
    x, p, t_prev = start(), None, None
    for point in result.log["iterations"]["point"][1:]:
        g = rgrad(x)
        d = -g if p is None else beta * (p - (x @ p) * x) / t_prev - g  # transport = projection onto T_x
        t = min(eta, radius / np.linalg.norm(d))
        p, t_prev = t * d, t
        x = retract(x, p)
        np.testing.assert_allclose(point, x, rtol=0, atol=1e-13)


# ------------------------------------------------------------ Nesterov at round-off
def test_nesterov_function_restart_does_not_stall_at_round_off():
    """Rayleigh quotient on Sphere(500), α = 1/(2‖A‖₂), β = 0.9: riemgd 0.1 ran 20000 iterations at a cost
    error of 3e-14 because cost differences at round-off let an unstable momentum step through."""
    rng = np.random.default_rng(0)
    n = 500
    B = rng.standard_normal((n, n))
    B = (B + B.T) / 2
    problem = riemgd.Problem(riemgd.Sphere(n), lambda x: -x @ B @ x, euclidean_gradient=lambda x: -2 * B @ x)
    x0 = rng.standard_normal(n)
    x0 /= np.linalg.norm(x0)
    optimizer = riemgd.Nesterov(1 / (2 * np.linalg.norm(B, 2)), 0.9, restart="function", min_gradient_norm=1e-7)
    optimizer.max_iterations = 3000
    result = optimizer.run(problem, initial_point=x0)
    assert result.reason == "min_gradient_norm", result.stopping_criterion
    top = np.linalg.eigvalsh(B)[-1]
    assert result.cost + top < 1e-12 * top


# ------------------------------------------------------------ the loop's contract
class Spy(riemgd.Problem):
    """A Rayleigh problem that records the sampling tokens it is handed and
    changes its 'sample' (a scale of the cost) on every iteration."""

    def __init__(self):
        super().__init__(riemgd.Sphere(N), self._cost, euclidean_gradient=self._egrad)
        self.tokens, self.scale = [], 1.0

    def _cost(self, x):
        return self.scale * cost(x)

    def _egrad(self, x):
        return self.scale * egrad(x)

    def begin_iteration(self, iteration=None):
        self.tokens.append(iteration)
        self.scale = 1.0 + 0.1 * (iteration % 2)
        return True


@pytest.mark.parametrize("make", [lambda: riemgd.GradientDescent(), lambda: riemgd.Nesterov(0.05, 0.5, "function")])
def test_loop_draws_sample_k_and_measures_the_cost_on_it(make):
    spy = Spy()
    result = make().run(spy, initial_point=start(), callback=None)
    iterations = result.iterations
    assert spy.tokens[: iterations + 1] == list(range(iterations + 1))
    log_run = make()
    log_run.log_verbosity = 1
    spy = Spy()
    result = log_run.run(spy, initial_point=start())
    log = result.log["iterations"]
    for k, (x, value) in enumerate(zip(log["point"], log["cost"], strict=True)):
        assert value == pytest.approx((1.0 + 0.1 * (k % 2)) * cost(x), rel=1e-14)  # the cost on sample k


def test_evaluation_counts_of_fixed_step_gradient_descent():
    result = riemgd.GradientDescent(0.05, max_iterations=10, min_gradient_norm=0).run(rayleigh(), initial_point=start())
    assert result.iterations == 10
    assert result.cost_evaluations == 11  # one per iterate
    assert result.gradient_evaluations == 11


class Boom(Exception):
    pass


def test_an_exception_mid_run_keeps_the_work_done():
    calls = []

    def failing_cost(x):
        calls.append(1)
        if len(calls) > 6:  # the check at the start (its f(x₀) is the loop's), then iterates 1…5
            raise Boom("the user's cost broke")
        return cost(x)

    problem = riemgd.Problem(riemgd.Sphere(N), failing_cost, euclidean_gradient=egrad)
    with pytest.raises(Boom) as info:
        riemgd.GradientDescent(0.05, min_gradient_norm=0).run(problem, initial_point=start())
    partial = info.value.partial_result
    assert partial.reason == "error"
    assert partial.iterations == 5
    x = start()
    for _ in range(5):
        x = retract(x, -0.05 * rgrad(x))
    np.testing.assert_allclose(partial.point, x, rtol=0, atol=1e-14)
    assert partial.cost == pytest.approx(cost(x), rel=1e-14)


def test_an_exception_from_the_callback_mid_run_keeps_the_work_done():
    def callback(iterate):
        if iterate.iteration == 3:
            raise Boom("the user's callback broke")

    with pytest.raises(Boom) as info:
        riemgd.HeavyBall(0.05, 0.5).run(rayleigh(), initial_point=start(), callback=callback)
    assert info.value.partial_result.iterations == 3


def test_ctrl_c_before_the_first_iterate_is_a_keyboard_interrupt():
    calls = []

    def interrupted_cost(x):
        calls.append(1)
        if len(calls) == 1:  # in the initial check, before the first iterate is recorded
            raise KeyboardInterrupt
        return cost(x)

    problem = riemgd.Problem(riemgd.Sphere(N), interrupted_cost, euclidean_gradient=egrad)
    with pytest.raises(KeyboardInterrupt):
        riemgd.GradientDescent(0.05).run(problem, initial_point=start())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("rule", [Armijo, lambda: GridSearch(6)])
def test_nan_met_inside_a_line_search_is_reported_as_non_finite(rule):
    x0 = start()

    def nan_away_from_start(x):
        return cost(x) if np.array_equal(x, x0) else np.nan

    problem = riemgd.Problem(riemgd.Sphere(N), nan_away_from_start, euclidean_gradient=egrad)
    result = riemgd.GradientDescent(rule()).run(problem, initial_point=x0)
    assert result.reason == "non_finite", result.stopping_criterion
    np.testing.assert_array_equal(result.point, x0)


# ------------------------------------------------------------ bad values, before any work
@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: riemgd.GradientDescent(np.inf), ValueError, "step_size must be a positive finite number"),
        (lambda: riemgd.HeavyBall("0.1", 0.5), TypeError, "step_size must be a positive number or a step-size rule"),
        (lambda: riemgd.Nesterov(0.1, "0.5"), TypeError, "momentum must be a real number"),
        (lambda: Armijo(max_backtracks=-1), ValueError, "max_backtracks must be a non-negative integer"),
        (lambda: riemgd.GradientDescent(max_iterations=np.nan), ValueError, "max_iterations must be a non-negative"),
        (lambda: riemgd.GradientDescent(max_iterations=None), TypeError, "max_iterations must be a real number"),
        (lambda: riemgd.GradientDescent(verbosity="loud"), TypeError, "verbosity must be a real number"),
        (lambda: GridSearch(0), ValueError, "trials must be a positive integer"),
        (lambda: NormConstrained(radius=-1.0), ValueError, "radius must be a positive finite number"),
        (lambda: Optimizer(direction="gradient"), TypeError, "direction must be a riemgd DirectionRule"),
        (lambda: Momentum(0.5, inner=0.1), TypeError, "inner must be a DirectionRule"),
        (lambda: NesterovMomentum(0.5, restart_tolerance=-1.0), ValueError, "restart_tolerance must be"),
    ],
)
def test_bad_arguments_are_rejected_with_their_name(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_a_callback_returning_an_array_is_a_clear_error():
    with pytest.raises(TypeError, match="callback must return None or a bool") as info:
        riemgd.GradientDescent(0.05).run(rayleigh(), initial_point=start(), callback=lambda it: it.point)
    assert info.value.partial_result.iterations == 0


def test_optimizers_with_rules_pickle():
    optimizer = riemgd.Optimizer(Momentum(0.5, "FD"), GridSearch(7), max_iterations=5)
    clone = pickle.loads(pickle.dumps(optimizer))
    a = optimizer.run(rayleigh(), initial_point=start())
    b = clone.run(rayleigh(), initial_point=start())
    np.testing.assert_array_equal(a.point, b.point)

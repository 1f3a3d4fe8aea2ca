"""Riemannian conjugate gradients: every β rule against closed-form optima (a strongly
convex quadratic, n-step termination under an exact line search, the Rayleigh
quotient), Powell's restart against steepest descent, the preconditioner against
the Newton step, pymanopt's iterates step for step, and natural-gradient CG on a
model manifold against scipy's least squares."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize

import riemgd
from riemgd.optimizers import ConjugateGradientDirection, Step, StepSize, Wolfe
from riemgd.optimizers.conjugate_gradient import BETA_RULES

N = 8
RNG = np.random.default_rng(0)
Q, _ = np.linalg.qr(RNG.standard_normal((N, N)))
A = (Q * np.linspace(1.0, 10.0, N)) @ Q.T
A = 0.5 * (A + A.T)
B = RNG.standard_normal(N)
SOLUTION = np.linalg.solve(A, B)


def quadratic() -> riemgd.Problem:
    """f(x) = ½xᵀAx − bᵀx, minimized by A⁻¹b."""
    return riemgd.Problem(
        riemgd.Euclidean(N), lambda x: 0.5 * x @ A @ x - B @ x, euclidean_gradient=lambda x: A @ x - B
    )


class ExactQuadraticStep(StepSize):
    """The exact minimizer along d of the quadratic: t* = −⟨g, d⟩ / ⟨d, A d⟩."""

    needs_slope = True

    def __call__(self, problem, point, cost, direction):
        d = direction.step(1.0)
        t = -direction.slope / (d @ A @ d)
        return Step(point + t * d, t * d, t)


@pytest.mark.parametrize("rule", BETA_RULES)
def test_every_rule_under_wolfe_minimizes_a_strongly_convex_quadratic(rule):
    result = riemgd.ConjugateGradient(rule, min_gradient_norm=1e-10, max_iterations=500).run(
        quadratic(), initial_point=np.zeros(N)
    )
    assert result.reason in ("min_gradient_norm", "min_step_size"), result.stopping_criterion
    np.testing.assert_allclose(result.point, SOLUTION, rtol=0, atol=1e-8)


@pytest.mark.parametrize("rule", BETA_RULES)
def test_with_an_exact_line_search_every_rule_terminates_in_n_steps(rule):
    """On a quadratic with exact steps all five β coincide (linear CG): x_n = A⁻¹b."""
    result = riemgd.ConjugateGradient(
        rule, line_searcher=ExactQuadraticStep(), max_iterations=N, min_gradient_norm=0
    ).run(quadratic(), initial_point=np.zeros(N))
    assert result.iterations == N
    np.testing.assert_allclose(result.point, SOLUTION, rtol=0, atol=1e-10 * np.linalg.norm(SOLUTION))


def test_an_exact_preconditioner_turns_the_first_step_into_newtons():
    """With P = A⁻¹, d₀ = −A⁻¹(Ax₀ − b) and the exact step t = 1 land on A⁻¹b."""
    problem = riemgd.Problem(
        riemgd.Euclidean(N),
        lambda x: 0.5 * x @ A @ x - B @ x,
        euclidean_gradient=lambda x: A @ x - B,
        preconditioner=lambda x, g: np.linalg.solve(A, g),
    )
    result = riemgd.ConjugateGradient(line_searcher=ExactQuadraticStep(), max_iterations=1, min_gradient_norm=0).run(
        problem, initial_point=np.ones(N)
    )
    np.testing.assert_allclose(result.point, SOLUTION, rtol=0, atol=1e-12)


def test_powell_restart_at_zero_is_steepest_descent():
    """orth_value = 0 restarts at every step (β = 0): the iterates of GradientDescent with the same rule."""
    x0 = riemgd.Sphere(N).random_point(rng=1)
    problem = riemgd.Problem(riemgd.Sphere(N), lambda x: x @ A @ x, euclidean_gradient=lambda x: 2.0 * A @ x)
    cg = riemgd.ConjugateGradient(orth_value=0.0, line_searcher=Wolfe(c2=0.9), max_iterations=25, log_verbosity=1)
    gd = riemgd.GradientDescent(Wolfe(c2=0.9), max_iterations=25, log_verbosity=1)
    ours, theirs = (m.run(problem, initial_point=x0).log["iterations"]["point"] for m in (cg, gd))
    assert len(ours) == len(theirs) > 10
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)


@pytest.mark.parametrize("rule", BETA_RULES)
def test_every_rule_finds_the_smallest_eigenvector_on_the_sphere(rule):
    n = 30
    rng = np.random.default_rng(2)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    M = (q * np.append(1.0, np.linspace(2.0, 5.0, n - 1))) @ q.T
    M = 0.5 * (M + M.T)
    problem = riemgd.Problem(riemgd.Sphere(n), lambda x: x @ M @ x, euclidean_gradient=lambda x: 2.0 * M @ x)
    result = riemgd.ConjugateGradient(rule, min_gradient_norm=1e-9, max_iterations=2000).run(
        problem, initial_point=riemgd.Sphere(n).random_point(rng=rng)
    )
    assert result.reason in ("min_gradient_norm", "min_step_size"), result.stopping_criterion
    values, vectors = np.linalg.eigh(M)
    assert abs(result.cost - values[0]) < 1e-12
    assert abs(abs(result.point @ vectors[:, 0]) - 1.0) < 1e-9


# ------------------------------------------------------------ against pymanopt
def _pymanopt_problem(pymanopt, manifold, cost, gradient):
    decorate = pymanopt.function.numpy(manifold)
    return pymanopt.Problem(manifold, decorate(cost), euclidean_gradient=decorate(gradient))


@pytest.mark.parametrize("rule", ["FletcherReeves", "PolakRibiere", "HestenesStiefel", "HagerZhang"])
def test_iterates_coincide_with_pymanopt_on_the_sphere(rule):
    """Same β rule, pymanopt's own AdaptiveLineSearcher, same start: the same points, step by step."""
    pymanopt = pytest.importorskip("pymanopt")
    from pymanopt.optimizers.line_search import AdaptiveLineSearcher

    n = 12
    rng = np.random.default_rng(3)
    M = rng.standard_normal((n, n))
    M = 0.5 * (M + M.T)

    def cost(x):
        return x @ M @ x

    def gradient(x):
        return 2.0 * M @ x

    x0 = riemgd.Sphere(n).random_point(rng=rng)
    iterations = 40
    theirs = pymanopt.optimizers.ConjugateGradient(
        beta_rule=rule, max_iterations=iterations, min_gradient_norm=1e-13, verbosity=0, log_verbosity=1
    ).run(_pymanopt_problem(pymanopt, pymanopt.manifolds.Sphere(n), cost, gradient), initial_point=x0)
    optimizer = riemgd.ConjugateGradient(
        rule, line_searcher=AdaptiveLineSearcher(), max_iterations=iterations, min_gradient_norm=1e-13, log_verbosity=1
    )
    ours = optimizer.run(riemgd.Problem(riemgd.Sphere(n), cost, euclidean_gradient=gradient), initial_point=x0)
    expected, got = theirs.log["iterations"]["point"], ours.log["iterations"]["point"]
    # compare while the cost is above round-off: below it, a 1e-16 difference may flip an Armijo decision
    minimum = np.linalg.eigvalsh(M)[0]
    compared = [k for k, x in enumerate(expected) if cost(x) - minimum > 1e-10 * abs(minimum)]
    assert len(compared) >= 15 and len(got) > compared[-1]
    for k in compared:
        np.testing.assert_allclose(got[k], expected[k], rtol=0, atol=1e-12, err_msg=f"iterate {k}")


def test_liu_storey_coincides_with_pymanopt_on_euclidean():
    """Liu–Storey's denominator differs from pymanopt's off Euclidean space (module docstring); on it they agree."""
    pymanopt = pytest.importorskip("pymanopt")
    from pymanopt.optimizers.line_search import BackTrackingLineSearcher

    def cost(x):
        return 0.5 * x @ A @ x - B @ x + 0.1 * np.sum(x**4)

    def gradient(x):
        return A @ x - B + 0.4 * x**3

    x0 = np.ones(N)
    theirs = pymanopt.optimizers.ConjugateGradient(
        beta_rule="LiuStorey",
        line_searcher=BackTrackingLineSearcher(),
        max_iterations=25,
        min_gradient_norm=1e-13,
        verbosity=0,
        log_verbosity=1,
    ).run(_pymanopt_problem(pymanopt, pymanopt.manifolds.Euclidean(N), cost, gradient), initial_point=x0)
    ours = riemgd.ConjugateGradient(
        "LiuStorey",
        line_searcher=BackTrackingLineSearcher(),
        max_iterations=25,
        min_gradient_norm=1e-13,
        log_verbosity=1,
    ).run(riemgd.Problem(riemgd.Euclidean(N), cost, euclidean_gradient=gradient), initial_point=x0)
    expected, got = theirs.log["iterations"]["point"], ours.log["iterations"]["point"]
    assert len(got) >= 20
    for a, b in zip(got[:20], expected[:20], strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


def test_a_pymanopt_problem_runs_and_reaches_the_top_eigenvalue():
    pymanopt = pytest.importorskip("pymanopt")
    manifold = pymanopt.manifolds.Sphere(N)
    problem = _pymanopt_problem(pymanopt, manifold, lambda x: -x @ A @ x, lambda x: -2.0 * A @ x)
    result = riemgd.ConjugateGradient(min_gradient_norm=1e-9).run(
        problem, initial_point=riemgd.Sphere(N).random_point(rng=4)
    )
    assert abs(result.cost + np.linalg.eigvalsh(A)[-1]) < 1e-11


# ------------------------------------------------------------ function space
def _model_problem():
    """½ Σ wᵢ (v_θ(xᵢ) − u(xᵢ))² for the quadratic model of tests/conftest.py and a target off the model."""
    from riemgd import losses, models, spaces

    x, w = spaces.gauss_legendre(16)

    def features(x):
        return np.stack([np.ones_like(x), np.sqrt(2) * np.sin(2 * np.pi * x), np.sqrt(2) * np.cos(2 * np.pi * x)], 1)

    Qm = 0.1 * np.random.default_rng(5).standard_normal((3, 3, 3))
    manifold = riemgd.ModelManifold(models.Quadratic(features, np.eye(3), Qm), spaces.L2(x, w))
    target = 0.3 + 0.5 * np.sin(2 * np.pi * x) - 0.2 * np.cos(2 * np.pi * x) + 0.05 * x**2
    problem = riemgd.Problem(manifold, losses.L2(target))
    # the same minimization in θ, by scipy (independent of riemgd's metric and transports)
    reference = scipy.optimize.least_squares(
        lambda theta: np.sqrt(w) * (manifold.embed(theta) - target), np.zeros(3), xtol=1e-15, ftol=1e-15, gtol=1e-15
    )
    return problem, reference.x, 0.5 * float(np.sum(reference.fun**2))


@pytest.mark.parametrize("make", [lambda **kw: riemgd.ConjugateGradient(**kw), lambda **kw: riemgd.LBFGS(**kw)])
def test_natural_gradient_cg_and_lbfgs_on_a_model_manifold_match_least_squares(make):
    problem, theta, optimum = _model_problem()
    result = make(min_gradient_norm=1e-10, max_iterations=500).run(problem, initial_point=np.zeros(3))
    assert result.reason in ("min_gradient_norm", "min_step_size"), result.stopping_criterion
    assert abs(result.cost - optimum) <= 1e-10 * optimum
    np.testing.assert_allclose(result.point, theta, rtol=0, atol=1e-6)


# ------------------------------------------------------------ arguments
def test_pymanopt_arguments_and_defaults():
    optimizer = riemgd.ConjugateGradient()
    assert optimizer.beta_rule == "HestenesStiefel" and optimizer.orth_value == math.inf
    assert isinstance(optimizer.line_searcher, Wolfe) and optimizer.line_searcher.c2 == 0.4
    assert riemgd.ConjugateGradient("FletcherReeves").line_searcher.c2 < 0.5  # FR needs c₂ < ½ for descent


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: riemgd.ConjugateGradient("PolakRibierePlus"), ValueError, "beta_rule must be one of"),
        (lambda: riemgd.ConjugateGradient(orth_value=-1.0), ValueError, "orth_value must be a non-negative"),
        (lambda: riemgd.ConjugateGradient(line_searcher="wolfe"), TypeError, "line_searcher must be a positive number"),
        (lambda: riemgd.LBFGS(memory=0), ValueError, "memory must be a positive integer"),
        (lambda: riemgd.LBFGS(cautious=-1.0), ValueError, "cautious must be a non-negative"),
    ],
)
def test_bad_arguments_are_rejected_with_their_name(make, error, match):
    with pytest.raises(error, match=match):
        make()


class _RecordingStep(StepSize):
    """A fixed step t = 0.1 that, as a line search, needs the slope: records ⟨grad f, d⟩ of every direction it gets."""

    needs_slope = True

    def __init__(self):
        self.slopes = []

    def __call__(self, problem, point, cost, direction):
        self.slopes.append(direction.slope)
        vector = direction.step(0.1)
        return Step(problem.manifold.retraction(point, vector), vector, 0.1)


def test_an_ascent_direction_is_restarted_to_minus_the_gradient():
    """With crude fixed steps Fletcher–Reeves produces ascent directions; the loop must
    restart each one (β = 0), so that every direction handed to the step rule descends."""
    n = 10
    M = np.diag(np.linspace(1.0, 20.0, n))
    problem = riemgd.Problem(riemgd.Sphere(n), lambda x: x @ M @ x, euclidean_gradient=lambda x: 2.0 * M @ x)
    step = _RecordingStep()
    optimizer = riemgd.ConjugateGradient("FletcherReeves", line_searcher=step, max_iterations=60, min_gradient_norm=0)
    restarts = []
    optimizer.direction.restart = lambda: (restarts.append(1), ConjugateGradientDirection.restart(optimizer.direction))
    optimizer.run(problem, initial_point=riemgd.Sphere(n).random_point(rng=6))
    assert restarts  # the case is meaningful: ascent directions did occur
    assert len(step.slopes) == 60 and max(step.slopes) < 0


def test_a_pymanopt_problems_preconditioner_is_used():
    """P = A⁻¹ given to a pymanopt problem on Euclidean: the exact first step lands on A⁻¹b, as riemgd's own."""
    pymanopt = pytest.importorskip("pymanopt")
    manifold = pymanopt.manifolds.Euclidean(N)
    decorate = pymanopt.function.numpy(manifold)
    problem = pymanopt.Problem(
        manifold,
        decorate(lambda x: 0.5 * x @ A @ x - B @ x),
        euclidean_gradient=decorate(lambda x: A @ x - B),
        preconditioner=lambda x, g: np.linalg.solve(A, g),
    )
    result = riemgd.ConjugateGradient(line_searcher=ExactQuadraticStep(), max_iterations=1, min_gradient_norm=0).run(
        problem, initial_point=np.ones(N)
    )
    np.testing.assert_allclose(result.point, SOLUTION, rtol=0, atol=1e-12)

"""L-BFGS: the two-loop recursion against the dense BFGS inverse-Hessian update (the
limited memory, the cautious skip and the scaling γ included), and the solver
against closed-form optima."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import riemgd
from riemgd.optimizers import LBFGSDirection, Step

N = 6


class _Given:
    """A "problem" on Euclidean(N) whose gradient at the k-th point is a given vector:
    the rule sees only gradients at points, so any sequence of pairs can be fed to it."""

    def __init__(self, gradients):
        self.manifold = riemgd.Euclidean(N)
        self.gradients = gradients  # id(point) → gradient

    def riemannian_gradient(self, point):
        return self.gradients[id(point)]


def dense_direction(pairs, gradient, cautious, memory):
    """−H g with H from the BFGS update H⁺ = (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ, ρ = 1/sᵀy, of
    H₀ = γI, γ = sᵀy/yᵀy of the newest kept pair, over the last ``memory`` pairs that pass
    the cautious test sᵀy > θ ‖g_old‖ sᵀs, oldest first."""
    kept = [(s, y) for s, y, g_old in pairs if s @ y > cautious * np.linalg.norm(g_old) * (s @ s) and s @ y > 0]
    kept = kept[-memory:]
    if not kept:
        return -gradient
    s_new, y_new = kept[-1]
    H = (s_new @ y_new) / (y_new @ y_new) * np.eye(N)
    for s, y in kept:
        rho = 1.0 / (s @ y)
        V = np.eye(N) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    return -H @ gradient


def drive(rule, points, gradients):
    """Feed the steps x_k → x_{k+1} to the rule; return its direction at the last point."""
    problem = _Given({id(x): g for x, g in zip(points, gradients, strict=True)})
    rule.start(problem, points[0])
    direction = None
    for x, new in itertools.pairwise(points):
        direction = rule(problem, x)
        rule.accept(problem, x, Step(new, new - x, 1.0))
    return rule(problem, points[-1]), direction


@pytest.mark.parametrize("memory", [1, 3, 20])
def test_two_loop_equals_the_dense_bfgs_inverse_hessian_product_on_a_convex_function(memory):
    """f(x) = Σ exp(aᵢᵀx) + ½‖x‖² (strongly convex: every pair has sᵀy > 0) along random steps."""
    rng = np.random.default_rng(memory)
    a = rng.standard_normal((4, N)) / 2

    def gradient(x):
        return a.T @ np.exp(a @ x) + x

    points = [rng.standard_normal(N)]
    for _ in range(8):
        points.append(points[-1] + 0.5 * rng.standard_normal(N))
    gradients = [gradient(x) for x in points]
    direction, _ = drive(LBFGSDirection(memory, cautious=0.0), points, gradients)
    pairs = [(points[k + 1] - points[k], gradients[k + 1] - gradients[k], gradients[k]) for k in range(8)]
    np.testing.assert_allclose(direction.descent, dense_direction(pairs, gradients[-1], 0.0, memory), rtol=1e-12)
    assert direction.initial_step == 1.0  # the quasi-Newton unit step is proposed to the line search


@pytest.mark.parametrize("cautious", [0.0, 1e-4, 0.5])
def test_pairs_failing_the_cautious_test_are_skipped(cautious):
    """Arbitrary gradients: some pairs have sᵀy ≤ 0 or fail θ‖g‖sᵀs; the dense update skips the same ones."""
    rng = np.random.default_rng(7)
    points = [rng.standard_normal(N)]
    for _ in range(10):
        points.append(points[-1] + rng.standard_normal(N))
    gradients = [rng.standard_normal(N) for _ in points]
    pairs = [(points[k + 1] - points[k], gradients[k + 1] - gradients[k], gradients[k]) for k in range(10)]
    skipped = sum(not (s @ y > cautious * np.linalg.norm(g) * (s @ s) and s @ y > 0) for s, y, g in pairs)
    assert 0 < skipped < 10  # the case is meaningful
    direction, _ = drive(LBFGSDirection(4, cautious=cautious), points, gradients)
    np.testing.assert_allclose(direction.descent, dense_direction(pairs, gradients[-1], cautious, 4), rtol=1e-12)


def test_the_first_direction_and_the_one_after_a_restart_are_minus_the_gradient():
    rng = np.random.default_rng(8)
    points = [rng.standard_normal(N) for _ in range(4)]
    gradients = [rng.standard_normal(N) + 3.0 * x for x in points]
    rule = LBFGSDirection(5)
    problem = _Given({id(x): g for x, g in zip(points, gradients, strict=True)})
    rule.start(problem, points[0])
    first = rule(problem, points[0])
    np.testing.assert_array_equal(first.descent, -gradients[0])
    assert first.initial_step is None  # no curvature yet: the line search picks the first step
    rule.accept(problem, points[0], Step(points[1], points[1] - points[0], 1.0))
    rule(problem, points[1])
    rule.restart()
    again = rule(problem, points[1])
    np.testing.assert_array_equal(again.descent, -gradients[1])


def test_lbfgs_minimizes_a_strongly_convex_quadratic():
    rng = np.random.default_rng(9)
    q, _ = np.linalg.qr(rng.standard_normal((20, 20)))
    A = (q * np.geomspace(1.0, 1e3, 20)) @ q.T
    A = 0.5 * (A + A.T)
    b = rng.standard_normal(20)
    problem = riemgd.Problem(
        riemgd.Euclidean(20), lambda x: 0.5 * x @ A @ x - b @ x, euclidean_gradient=lambda x: A @ x - b
    )
    # near x* the steps shrink with the error (≈ 1e-10 at ‖g‖ ≈ 1e-8 here), so the default
    # min_step_size = 1e-10 would end the run wherever round-off happens to put that step;
    # with 1e-14 the run must reach the gradient tolerance, and then ‖x − x*‖ ≤ ‖g‖/λ_min = 1e-10
    result = riemgd.LBFGS(min_gradient_norm=1e-10, min_step_size=1e-14, max_iterations=1000).run(
        problem, initial_point=np.zeros(20)
    )
    assert result.reason == "min_gradient_norm", result.stopping_criterion
    np.testing.assert_allclose(result.point, np.linalg.solve(A, b), rtol=0, atol=1e-10)


def test_lbfgs_finds_the_smallest_eigenvector_on_the_sphere():
    n = 40
    rng = np.random.default_rng(10)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    M = (q * np.append(0.5, np.linspace(1.0, 6.0, n - 1))) @ q.T
    M = 0.5 * (M + M.T)
    problem = riemgd.Problem(riemgd.Sphere(n), lambda x: x @ M @ x, euclidean_gradient=lambda x: 2.0 * M @ x)
    result = riemgd.LBFGS(min_gradient_norm=1e-9, max_iterations=1000).run(
        problem, initial_point=riemgd.Sphere(n).random_point(rng=rng)
    )
    values, vectors = np.linalg.eigh(M)
    assert abs(result.cost - values[0]) < 1e-12
    assert abs(abs(result.point @ vectors[:, 0]) - 1.0) < 1e-9

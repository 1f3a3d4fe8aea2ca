"""Riemannian trust regions: the known optimum, superlinear convergence, pymanopt's
iterate counts, the preconditioner, rejected steps and NaN.

Independent answers: the top eigenvector of ``A`` from ``numpy.linalg.eigh``
(the minimizer of ``−xᵀAx`` on the sphere), ``Q⁻¹b`` by ``numpy.linalg.solve``,
and pymanopt 2.2.1's ``TrustRegions`` on the same problem from the same start.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import riemgd
from riemgd.optimizers import TruncatedCGDirection, TrustRadius, TrustRegionStep

N = 40


def spectrum_matrix(seed: int, n: int = N) -> np.ndarray:
    """Symmetric, eigenvalues in [1, 3] and a separated top eigenvalue 6."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = (q * np.append(np.linspace(1.0, 3.0, n - 1), 6.0)) @ q.T
    return 0.5 * (a + a.T)


def rayleigh(A: np.ndarray, **kwargs) -> riemgd.Problem:
    return riemgd.Problem(riemgd.Sphere(A.shape[0]), lambda x: -x @ A @ x, **kwargs)


def explicit_rayleigh(A: np.ndarray) -> riemgd.Problem:
    return rayleigh(A, euclidean_gradient=lambda x: -2.0 * A @ x, euclidean_hessian=lambda x, u: -2.0 * A @ u)


def assert_top_eigenvector(A: np.ndarray, result) -> None:
    eigenvalues, vectors = np.linalg.eigh(A)
    assert abs(result.cost + eigenvalues[-1]) <= 1e-12 * eigenvalues[-1]
    assert abs(abs(result.point @ vectors[:, -1]) - 1.0) < 1e-12
    assert abs(np.linalg.norm(result.point) - 1.0) < 1e-14


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("hessian", ["autograd", "explicit"])
def test_rayleigh_quotient_converges_to_the_top_eigenvector(seed, hessian):
    A = spectrum_matrix(seed)
    problem = rayleigh(A) if hessian == "autograd" else explicit_rayleigh(A)
    start = riemgd.Sphere(N).random_point(rng=seed + 10)
    result = riemgd.TrustRegions(min_gradient_norm=1e-11).run(problem, initial_point=start)
    assert result.reason == "min_gradient_norm", result.stopping_criterion
    assert_top_eigenvector(A, result)
    assert result.hessian_evaluations > 0
    assert result.cost == pytest.approx(float(problem.cost(result.point)), rel=1e-15)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_convergence_is_superlinear(seed):
    """Near the optimum ‖g_{k+1}‖ / ‖g_k‖ → 0: with θ = 1, ‖g_{k+1}‖ ≤ C ‖g_k‖²."""
    A = spectrum_matrix(seed)
    result = riemgd.TrustRegions(min_gradient_norm=1e-13, log_verbosity=1).run(
        explicit_rayleigh(A), initial_point=riemgd.Sphere(N).random_point(rng=seed)
    )
    norms = np.array(result.log["iterations"]["gradient_norm"])
    steps = np.array(result.log["iterations"]["step_size"])
    norms = norms[np.isfinite(steps) | (np.arange(len(norms)) == 0)]  # one entry per accepted point
    # pairs (‖g_k‖, ‖g_{k+1}‖) in the local regime whose successor is still above round-off
    pairs = np.array([(a, b) for a, b in itertools.pairwise(norms) if 1e-6 < a < 0.1])
    assert len(pairs) >= 2
    ratios = pairs[:, 1] / pairs[:, 0]
    assert np.all(np.diff(ratios) < 0), ratios  # the contraction factor keeps shrinking
    assert np.all(pairs[:, 1] <= pairs[:, 0] ** 2), pairs  # quadratic, with constant ≤ 1 here


def test_matches_pymanopt_trust_regions():
    pymanopt = pytest.importorskip("pymanopt")
    for seed in range(3):
        A = spectrum_matrix(seed, n=100)
        start = riemgd.Sphere(100).random_point(rng=seed)
        manifold = pymanopt.manifolds.Sphere(100)

        @pymanopt.function.numpy(manifold)
        def cost(x, A=A):
            return -x @ A @ x

        @pymanopt.function.numpy(manifold)
        def gradient(x, A=A):
            return -2.0 * A @ x

        @pymanopt.function.numpy(manifold)
        def hessian(x, u, A=A):
            return -2.0 * A @ u

        problem = pymanopt.Problem(manifold, cost, euclidean_gradient=gradient, euclidean_hessian=hessian)
        solver = pymanopt.optimizers.TrustRegions(verbosity=0, min_gradient_norm=1e-10)
        theirs = solver.run(problem, initial_point=start)
        ours = riemgd.TrustRegions(min_gradient_norm=1e-10).run(explicit_rayleigh(A), initial_point=start)
        assert_top_eigenvector(A, ours)
        assert abs(ours.cost - theirs.cost) <= 1e-12 * abs(theirs.cost)
        assert abs(ours.iterations - theirs.iterations) <= 2, (ours.iterations, theirs.iterations)


def test_quadratic_on_euclidean_is_solved_by_one_newton_step():
    """Inside the region, tCG solves Q η = −g exactly (κ tiny): x₁ = Q⁻¹b."""
    rng = np.random.default_rng(0)
    B = rng.standard_normal((6, 6))
    Q, b = B @ B.T + np.eye(6), rng.standard_normal(6)
    problem = riemgd.Problem(riemgd.Euclidean(6), lambda x: 0.5 * x @ Q @ x - b @ x)
    optimizer = riemgd.TrustRegions(kappa=1e-12, max_iterations=1, min_gradient_norm=0.0, Delta_bar=1e3, Delta0=1e3)
    result = optimizer.run(problem, initial_point=np.zeros(6))
    np.testing.assert_allclose(result.point, np.linalg.solve(Q, b), rtol=1e-9, atol=1e-12)


def ill_conditioned_quadratic():
    """½ xᵀQx − bᵀx with Q = diag(1 … 10⁴) (condition number 10⁴)."""
    diagonal = np.logspace(0, 4, 30)
    b = np.ones(30)

    def cost(x):
        return 0.5 * x @ (diagonal * x) - b @ x

    return diagonal, b, cost


def test_preconditioner_is_used_and_cuts_inner_iterations():
    diagonal, b, cost = ill_conditioned_quadratic()
    calls = []

    def preconditioner(x, r):
        calls.append(1)
        return r / diagonal  # P = Q⁻¹, exact

    manifold = riemgd.Euclidean(30)
    plain = riemgd.Problem(manifold, cost)
    preconditioned = riemgd.Problem(manifold, cost, preconditioner=preconditioner)
    options = {"min_gradient_norm": 1e-9, "max_iterations": 200}
    without = riemgd.TrustRegions(**options).run(plain, initial_point=np.zeros(30))
    with_p = riemgd.TrustRegions(**options).run(preconditioned, initial_point=np.zeros(30))
    for result in (without, with_p):
        assert result.reason == "min_gradient_norm"
        np.testing.assert_allclose(result.point, b / diagonal, rtol=1e-8)
    assert calls  # the hook was called
    assert with_p.hessian_evaluations < without.hessian_evaluations / 3, (
        with_p.hessian_evaluations,
        without.hessian_evaluations,
    )


def test_preconditioner_is_used_by_pymanopt_problems_too():
    pymanopt = pytest.importorskip("pymanopt")
    diagonal, b, _ = ill_conditioned_quadratic()
    manifold = pymanopt.manifolds.Euclidean(30)

    @pymanopt.function.autograd(manifold)
    def cost(x):
        return 0.5 * x @ (diagonal * x) - b @ x

    calls = []

    def preconditioner(x, r):
        calls.append(1)
        return r / diagonal

    problem = pymanopt.Problem(manifold, cost, preconditioner=preconditioner)
    result = riemgd.TrustRegions(min_gradient_norm=1e-9).run(problem, initial_point=np.zeros(30))
    np.testing.assert_allclose(result.point, b / diagonal, rtol=1e-8)
    assert calls


def barrier_problem():
    """f(x) = Σ xᵢ − log xᵢ on R⁵ (minimum at x = 1); NaN for xᵢ ≤ 0."""

    def cost(x):
        if np.any(x <= 0):
            return np.nan
        return np.sum(x - np.log(x))

    return riemgd.Problem(
        riemgd.Euclidean(5),
        cost,
        euclidean_gradient=lambda x: 1.0 - 1.0 / x,
        euclidean_hessian=lambda x, u: u / x**2,
    )


def test_nan_proposals_are_rejected_and_the_run_still_converges():
    result = riemgd.TrustRegions(min_gradient_norm=1e-10, log_verbosity=1, Delta_bar=50.0, Delta0=50.0).run(
        barrier_problem(), initial_point=np.full(5, 5.0)
    )  # from x > 2 the Newton step 2x − x² leaves the domain
    steps = np.array(result.log["iterations"]["step_size"][1:])
    assert np.isnan(steps).any()  # a proposal left the domain and was rejected
    assert result.reason == "min_gradient_norm", result.stopping_criterion
    np.testing.assert_allclose(result.point, np.ones(5), atol=1e-9)


def test_nan_everywhere_stops_cleanly_with_the_last_finite_point():
    start = np.full(5, 0.5)
    problem = riemgd.Problem(
        riemgd.Euclidean(5),
        lambda x: 0.0 if np.array_equal(x, start) else np.nan,
        euclidean_gradient=lambda x: np.ones(5),
        euclidean_hessian=lambda x, u: u,
    )
    result = riemgd.TrustRegions(max_iterations=100).run(problem, initial_point=start)
    assert result.reason == "non_finite"
    assert 20 < result.iterations < 40  # the radius shrank by 4 each time until below eps Δ̄
    np.testing.assert_array_equal(result.point, start)
    assert result.cost == 0.0


def test_nan_hessian_stops_cleanly():
    A = spectrum_matrix(0)
    calls = {"n": 0}

    def hessian(x, u):
        calls["n"] += 1
        return np.full(N, np.nan) if calls["n"] > 8 else -2.0 * A @ u

    problem = rayleigh(A, euclidean_gradient=lambda x: -2.0 * A @ x, euclidean_hessian=hessian)
    result = riemgd.TrustRegions(min_gradient_norm=1e-14).run(
        problem, initial_point=riemgd.Sphere(N).random_point(rng=0)
    )
    assert result.reason == "non_finite"
    assert result.iterations >= 1
    assert math.isfinite(result.cost)
    assert result.cost == pytest.approx(float(problem.cost(result.point)), rel=1e-15)


def test_rejected_steps_do_not_stop_on_min_step_size():
    """A large initial radius forces rejections first; min_step_size must not end the run there."""
    A = spectrum_matrix(1)
    result = riemgd.TrustRegions(min_gradient_norm=1e-10, min_step_size=1e-3, log_verbosity=1).run(
        explicit_rayleigh(A), initial_point=riemgd.Sphere(N).random_point(rng=4), Delta0=math.pi
    )
    steps = np.array(result.log["iterations"]["step_size"][1:])
    assert np.isnan(steps).any()
    assert result.reason in ("min_gradient_norm", "min_step_size")
    assert_top_eigenvector(A, result)


def test_rejection_reuses_the_gradient():
    A = spectrum_matrix(1)
    result = riemgd.TrustRegions(min_gradient_norm=1e-10, log_verbosity=1).run(
        explicit_rayleigh(A), initial_point=riemgd.Sphere(N).random_point(rng=4), Delta0=math.pi
    )
    accepted = int(np.isfinite(np.array(result.log["iterations"]["step_size"][1:])).sum())
    assert accepted < result.iterations  # there were rejections
    assert result.gradient_evaluations == accepted + 1  # one gradient per point, none per rejection


def test_use_rand_converges():
    A = spectrum_matrix(2)
    result = riemgd.TrustRegions(use_rand=True, rng=0, min_gradient_norm=1e-10).run(
        explicit_rayleigh(A), initial_point=riemgd.Sphere(N).random_point(rng=5)
    )
    assert_top_eigenvector(A, result)


def test_run_arguments_override_the_constructor_for_one_run():
    A = spectrum_matrix(0)
    optimizer = riemgd.TrustRegions(min_gradient_norm=1e-10, max_iterations=500)
    start = riemgd.Sphere(N).random_point(rng=1)
    full = optimizer.run(explicit_rayleigh(A), initial_point=start)
    one_inner = optimizer.run(explicit_rayleigh(A), initial_point=start, maxinner=1)
    # one CG step per iteration: a Cauchy-point method, linearly convergent, many more iterations
    assert one_inner.hessian_evaluations == one_inner.iterations
    assert one_inner.iterations > 2 * full.iterations
    assert_top_eigenvector(A, one_inner)
    again = optimizer.run(explicit_rayleigh(A), initial_point=start)
    assert again.iterations == full.iterations and again.hessian_evaluations == full.hessian_evaluations


def test_radius_defaults_follow_the_manifold():
    radius = TrustRadius()
    radius.reset(riemgd.Sphere(5))
    assert radius.bound == pytest.approx(math.pi) and radius.value == pytest.approx(math.pi / 8)
    radius = TrustRadius(2.0)
    radius.reset(riemgd.Sphere(5))
    assert radius.value == 0.25
    radius = TrustRadius(2.0, 1.5)
    radius.reset(riemgd.Euclidean(5))
    assert (radius.bound, radius.value) == (2.0, 1.5)


def test_a_problem_without_hessian_fails_before_iterating():
    A = spectrum_matrix(0)
    manifold = riemgd.Sphere(N)
    problem = riemgd.Problem(
        manifold, lambda x: -x @ A @ x, riemannian_gradient=lambda x: manifold.projection(x, -2.0 * A @ x)
    )
    calls = []
    with pytest.raises(NotImplementedError, match="riemannian_hessian="):
        riemgd.TrustRegions().run(problem, initial_point=manifold.random_point(rng=0), callback=calls.append)
    assert not calls


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"kappa": 1.5}, ValueError, "kappa"),
        ({"theta": -1.0}, ValueError, "theta"),
        ({"rho_prime": 0.5}, ValueError, "rho_prime"),
        ({"rho_regularization": -1.0}, ValueError, "rho_regularization"),
        ({"max_inner_iterations": 0}, ValueError, "max_inner_iterations"),
        ({"min_inner_iterations": -1}, ValueError, "min_inner_iterations"),
        ({"Delta_bar": 0.0}, ValueError, "Delta_bar"),
        ({"Delta0": "big"}, TypeError, "Delta0"),
        ({"use_rand": 1}, TypeError, "use_rand"),
        ({"miniter": -2}, ValueError, "miniter"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        riemgd.TrustRegions(**kwargs)


def test_bad_run_arguments():
    problem = explicit_rayleigh(spectrum_matrix(0))
    with pytest.raises(ValueError, match="maxinner"):
        riemgd.TrustRegions().run(problem, maxinner=0)
    with pytest.raises(ValueError, match="Delta_bar"):
        riemgd.TrustRegions().run(problem, Delta_bar=-1.0)


def test_trust_region_rules_compose_with_the_loop():
    """The same solver spelled as Optimizer(direction, step_size)."""
    A = spectrum_matrix(0)
    radius = TrustRadius()
    optimizer = riemgd.Optimizer(TruncatedCGDirection(radius), TrustRegionStep(radius), min_gradient_norm=1e-10)
    start = riemgd.Sphere(N).random_point(rng=2)
    composed = optimizer.run(explicit_rayleigh(A), initial_point=start)
    named = riemgd.TrustRegions(min_gradient_norm=1e-10).run(explicit_rayleigh(A), initial_point=start)
    assert composed.iterations == named.iterations
    np.testing.assert_array_equal(composed.point, named.point)


def test_trust_region_step_after_a_gradient_direction():
    """TrustRegionStep builds the model with one Hessian product for a direction without one."""
    A = spectrum_matrix(0)
    radius = TrustRadius()

    class ShrunkGradient(riemgd.optimizers.RiemannianGradient):
        """−grad f, cut to the trust radius."""

        def __call__(self, problem, point):
            if math.isnan(radius.value):
                radius.reset(problem.manifold)
            direction = super().__call__(problem, point)
            scale = min(0.1, radius.value / float(direction.norm))  # step 0.1: below 2/λ_max(Hess)
            direction.descent = scale * direction.descent
            direction._norm, direction._slope = None, None
            return direction

    optimizer = riemgd.Optimizer(ShrunkGradient(), TrustRegionStep(radius), min_gradient_norm=1e-8, max_iterations=5000)
    result = optimizer.run(explicit_rayleigh(A), initial_point=riemgd.Sphere(N).random_point(rng=3))
    assert result.reason == "min_gradient_norm"
    eigenvalues = np.linalg.eigvalsh(A)
    assert abs(result.cost + eigenvalues[-1]) <= 1e-10 * eigenvalues[-1]


def test_use_rand_with_a_seed_repeats_the_run():
    A = spectrum_matrix(2)
    optimizer = riemgd.TrustRegions(use_rand=True, rng=3, min_gradient_norm=1e-10)
    start = riemgd.Sphere(N).random_point(rng=6)
    first = optimizer.run(explicit_rayleigh(A), initial_point=start)
    second = optimizer.run(explicit_rayleigh(A), initial_point=start)
    np.testing.assert_array_equal(first.point, second.point)
    assert first.hessian_evaluations == second.hessian_evaluations


def test_a_callback_returning_a_numpy_bool_stops_the_run():
    """numpy 2 names its boolean type ``bool`` (numpy 1: ``bool_``): both stop a run."""
    A = spectrum_matrix(0)
    target = -np.linalg.eigvalsh(A)[-1] * (1 - 1e-6)
    result = riemgd.TrustRegions(min_gradient_norm=0.0).run(
        explicit_rayleigh(A), initial_point=riemgd.Sphere(N).random_point(rng=1), callback=lambda it: it.cost <= target
    )
    assert result.reason == "callback"
    assert result.cost <= target


def test_identity_preconditioner_gives_the_run_without_one():
    """A problem without a preconditioner skips the identity calls in CG; given the
    identity explicitly, the run takes the same iterates (same steps, same counts)."""
    n = 30
    rng = np.random.default_rng(5)
    a = rng.standard_normal((n, n))
    a = a + a.T
    manifold = riemgd.Sphere(n)
    kwargs = {"euclidean_gradient": lambda x: -2.0 * a @ x, "euclidean_hessian": lambda x, u: -2.0 * a @ u}
    plain = riemgd.Problem(manifold, lambda x: -x @ a @ x, **kwargs)
    identity = riemgd.Problem(manifold, lambda x: -x @ a @ x, preconditioner=lambda x, u: u, **kwargs)
    assert not plain.has_preconditioner and identity.has_preconditioner
    x0 = manifold.random_point(rng=rng)
    solver = riemgd.TrustRegions(max_iterations=8, min_gradient_norm=0.0)
    runs = [solver.run(p, initial_point=x0) for p in (plain, identity)]
    np.testing.assert_array_equal(runs[0].point, runs[1].point)
    assert runs[0].hessian_evaluations == runs[1].hessian_evaluations > 8
    np.testing.assert_allclose(abs(runs[0].point @ np.linalg.eigh(a)[1][:, -1]), 1.0, atol=1e-10)

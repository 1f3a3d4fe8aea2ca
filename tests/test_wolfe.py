"""The strong Wolfe line search: its two conditions checked by hand at every accepted
step, its accuracy on a quadratic against the exact minimizer, its bookkeeping
(the trial gradient handed to the next iteration, never evaluated twice), and the
loop's hand-over rules (a new sample, a pymanopt line searcher)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import riemgd
from riemgd.optimizers import Armijo, RiemannianGradient, Wolfe

N = 8
A = np.diag(np.linspace(1.0, 6.0, N)) + 0.3 * np.ones((N, N))


def sphere_gradient_of(matrix, x):
    """grad f for f(x) = xᵀMx on the sphere, by hand: (I − xxᵀ) 2Mx."""
    g = 2.0 * matrix @ x
    return g - (x @ g) * x


def sphere_gradient(x):
    return sphere_gradient_of(A, x)


def rayleigh() -> riemgd.Problem:
    return riemgd.Problem(riemgd.Sphere(N), lambda x: x @ A @ x, euclidean_gradient=lambda x: 2.0 * A @ x)


def check_wolfe(x, d, step, c1, c2):
    """f(R(td)) ≤ f(x) + c₁ t ⟨g, d⟩ and |⟨grad f(R(td)), P_{x⁺} d⟩| ≤ c₂ |⟨g, d⟩|, all by hand."""
    t = step.size
    new = (x + t * d) / np.linalg.norm(x + t * d)
    np.testing.assert_allclose(step.point, new, rtol=0, atol=1e-14)
    slope0 = sphere_gradient(x) @ d
    assert new @ A @ new <= x @ A @ x + c1 * t * slope0
    transported = d - (new @ d) * new  # projection transport onto T_{x⁺}
    assert abs(sphere_gradient(new) @ transported) <= c2 * abs(slope0)
    np.testing.assert_allclose(step.gradient, sphere_gradient(new), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("c2", [0.1, 0.9])
@pytest.mark.parametrize("length", [1e-4, 1.0, 50.0])  # first trials far too short, about right, far too long
def test_both_wolfe_conditions_hold_at_the_accepted_step(c2, length):
    problem = rayleigh()
    rng = np.random.default_rng(0)
    for _ in range(10):
        x = riemgd.Sphere(N).random_point(rng=rng)
        direction = RiemannianGradient()(problem, x)
        rule = Wolfe(1e-4, c2, initial_step_size=length)
        step = rule(problem, x, x @ A @ x, direction)
        assert step.size > 0
        check_wolfe(x, direction.step(1.0), step, 1e-4, c2)


def test_on_a_quadratic_the_step_is_within_c2_of_the_exact_minimizer():
    """φ(t) = f(x + td) is quadratic: φ'(t) = φ'(0) + t dᵀAd, so |φ'(t)| ≤ c₂|φ'(0)| means |t − t*| ≤ c₂ t*."""
    rng = np.random.default_rng(1)
    b = rng.standard_normal(N)
    problem = riemgd.Problem(
        riemgd.Euclidean(N), lambda x: 0.5 * x @ A @ x - b @ x, euclidean_gradient=lambda x: A @ x - b
    )
    for _ in range(5):
        x = rng.standard_normal(N)
        d = -(A @ x - b) + 0.5 * rng.standard_normal(N)  # not the gradient: any descent direction
        direction = riemgd.optimizers.Direction(d, 1.0, A @ x - b, manifold=problem.manifold, point=x)
        exact = -((A @ x - b) @ d) / (d @ A @ d)
        if exact <= 0:
            continue
        step = Wolfe(1e-4, 1e-3, initial_step_size=7.0)(problem, x, problem.cost(x), direction)
        assert abs(step.size - exact) <= 1e-3 * exact


def test_the_trial_gradient_is_handed_over_and_never_evaluated_twice():
    """Count every gradient evaluation by its point: with Wolfe, each point's gradient is
    computed once, and the loop's counters agree with the wrappers' (the input check included)."""
    seen, costs = [], []

    def gradient(x):
        seen.append(x.tobytes())
        return 2.0 * A @ x

    def cost(x):
        costs.append(1)
        return x @ A @ x

    problem = riemgd.Problem(riemgd.Sphere(N), cost, euclidean_gradient=gradient)
    x0 = riemgd.Sphere(N).random_point(rng=3)
    result = riemgd.LBFGS(min_gradient_norm=1e-9).run(problem, initial_point=x0)
    assert result.reason in ("min_gradient_norm", "min_step_size")
    assert abs(result.cost - np.linalg.eigvalsh(A)[0]) < 1e-10
    # no point twice, x₀ included (the loop reuses the input check's f(x₀) and grad f(x₀))
    assert len(seen) == len(set(seen))
    assert result.gradient_evaluations == len(seen)
    assert result.cost_evaluations == len(costs)
    # L-BFGS under Wolfe: about one cost and one gradient per iteration
    assert result.gradient_evaluations <= 1.3 * result.iterations + 2


class _Drifting(riemgd.Problem):
    """f_k(x) = ½‖x − c_k‖² with a centre c_k redrawn at every iteration (a new "sample")."""

    def __init__(self):
        self.centre = np.zeros(3)
        super().__init__(
            riemgd.Euclidean(3),
            lambda x: 0.5 * np.sum((x - self.centre) ** 2),
            euclidean_gradient=lambda x: x - self.centre,
        )

    def begin_iteration(self, iteration=None):
        self.centre = np.array([1.0, -2.0, 0.5]) * (1 + (iteration or 0) % 3)
        return True


def test_a_new_sample_drops_the_handed_over_gradient():
    """After a new draw, the gradient norm the iterate reports is ‖x_k − c_k‖ on the new sample."""
    problem = _Drifting()
    reported = []

    def callback(iterate):
        reported.append((iterate.gradient_norm, float(np.linalg.norm(iterate.point - problem.centre))))

    riemgd.GradientDescent(Wolfe(), max_iterations=6).run(
        problem, initial_point=np.array([3.0, 1.0, -1.0]), callback=callback
    )
    assert len(reported) == 7
    for got, expected in reported:
        assert got == pytest.approx(expected, rel=1e-14, abs=1e-14)


def test_gradient_descent_under_wolfe_satisfies_both_conditions_on_every_step():
    """Along a whole run: each x_{k+1} = R(x_k − t g) with t read off the points
    (x ⊥ g, so x_{k+1} ∝ x − t g gives t = −⟨x_{k+1}, g⟩ / (‖g‖² ⟨x_{k+1}, x⟩)), and both
    conditions checked for that t by hand."""
    c1, c2 = 1e-4, 0.5
    result = riemgd.GradientDescent(Wolfe(c1, c2), min_gradient_norm=1e-6, log_verbosity=1).run(
        rayleigh(), initial_point=riemgd.Sphere(N).random_point(rng=4)
    )
    assert abs(result.cost - np.linalg.eigvalsh(A)[0]) < 1e-11
    points = result.log["iterations"]["point"]
    assert len(points) > 5
    for x, new in itertools.pairwise(points):
        g = sphere_gradient(x)
        t = -(new @ g) / ((g @ g) * (new @ x))
        assert t > 0
        slope0 = -(g @ g)
        assert new @ A @ new <= x @ A @ x + c1 * t * slope0 + 1e-15
        transported = -g + (new @ g) * new  # P_{x⁺}(−g)
        assert abs(sphere_gradient(new) @ transported) <= c2 * abs(slope0) * (1 + 1e-9)


def test_no_step_along_an_ascent_direction_or_from_a_stationary_point():
    problem = rayleigh()
    x = riemgd.Sphere(N).random_point(rng=5)
    g = sphere_gradient(x)
    uphill = riemgd.optimizers.Direction(g, 1.0, g, manifold=problem.manifold, point=x)
    step = Wolfe()(problem, x, x @ A @ x, uphill)
    assert step.vector is None and step.size == 0.0
    # a stationary point in floating point too: e₁ is an exact eigenvector of a diagonal matrix, so
    # grad f(e₁) = 2Ae₁ − (e₁ᵀ2Ae₁)e₁ = 0 exactly (an eigenvector from eigh leaves a round-off
    # gradient, along which a search may find round-off-sized decreases)
    diagonal = np.diag(np.linspace(1.0, 6.0, N))
    stationary = riemgd.Problem(
        riemgd.Sphere(N), lambda x: x @ diagonal @ x, euclidean_gradient=lambda x: 2 * diagonal @ x
    )
    vector = np.eye(N)[0]
    assert not np.any(sphere_gradient_of(diagonal, vector))
    result = riemgd.GradientDescent(Wolfe(), min_gradient_norm=0.0).run(stationary, initial_point=vector)
    assert result.reason == "min_step_size" and result.iterations == 1


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_met_inside_the_search_is_reported_as_non_finite():
    x0 = riemgd.Sphere(N).random_point(rng=6)
    problem = riemgd.Problem(
        riemgd.Sphere(N),
        lambda x: x @ A @ x if np.array_equal(x, x0) else np.nan,
        euclidean_gradient=lambda x: 2 * A @ x,
    )
    result = riemgd.GradientDescent(Wolfe()).run(problem, initial_point=x0)
    assert result.reason == "non_finite"
    np.testing.assert_array_equal(result.point, x0)


def test_a_pymanopt_line_searcher_is_accepted_and_gives_pymanopt_iterates():
    """riemgd GD with pymanopt's BackTrackingLineSearcher against pymanopt's SteepestDescent (which uses it)."""
    pymanopt = pytest.importorskip("pymanopt")
    from pymanopt.optimizers.line_search import BackTrackingLineSearcher

    x0 = riemgd.Sphere(N).random_point(rng=7)
    manifold = pymanopt.manifolds.Sphere(N)
    theirs = pymanopt.optimizers.SteepestDescent(max_iterations=15, verbosity=0, log_verbosity=1).run(
        pymanopt.Problem(
            manifold,
            pymanopt.function.numpy(manifold)(lambda x: x @ A @ x),
            euclidean_gradient=pymanopt.function.numpy(manifold)(lambda x: 2.0 * A @ x),
        ),
        initial_point=x0,
    )
    searcher = BackTrackingLineSearcher()
    ours = riemgd.GradientDescent(searcher, max_iterations=15, log_verbosity=1).run(rayleigh(), initial_point=x0)
    assert searcher._oldf0 is None  # the caller's searcher is copied, never used itself
    expected = theirs.log["iterations"]["point"]
    got = ours.log["iterations"]["point"]
    assert len(got) >= 15
    for a, b in zip(got[:15], expected[:15], strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)


def test_a_callback_may_return_a_numpy_bool():
    x0 = riemgd.Sphere(N).random_point(rng=8)
    result = riemgd.GradientDescent(Armijo()).run(
        rayleigh(), initial_point=x0, callback=lambda it: np.float64(it.cost) < 1e9
    )
    assert result.reason == "callback" and result.iterations == 0


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Wolfe(0.5, 0.4), "c1 must be smaller than c2"),
        (lambda: Wolfe(c2=1.0), "c2 must lie in"),
        (lambda: Wolfe(expansion=1.0), "expansion must be greater than 1"),
        (lambda: Wolfe(max_evaluations=0), "max_evaluations must be a positive integer"),
        (lambda: Wolfe(optimism=0.5), "optimism must be at least 1"),
        (lambda: Wolfe(max_growth=0.5), "max_growth must be at least 1"),
        (lambda: Wolfe(first_trial="exact"), "first_trial must be one of"),
        (lambda: Wolfe(cost_noise=-1.0), "cost_noise must be a non-negative"),
    ],
)
def test_bad_arguments_are_rejected_with_their_name(make, match):
    with pytest.raises(ValueError, match=match):
        make()

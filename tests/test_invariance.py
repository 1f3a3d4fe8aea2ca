"""Natural gradient is invariant under θ → Dθ (D diagonal), and so are riemgd's defaults: the
rank test and the soft cutoff of the Gram solver judge the Jacobi-equilibrated Gram matrix.
Also: float32 stays float32."""

import functools

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces

X, W = spaces.gauss_legendre(40)


def target(x):
    return np.exp(x) * np.sin(2.0 * x)


def scaled_features(scale):
    def features(x):
        return np.column_stack([scale * np.ones_like(x), x, x**2 / scale])  # columns of J scaled by D

    return features


def problem_for(scale, **kwargs):
    model = models.Linear(scaled_features(scale), np.eye(3))
    return riemgd.Problem(riemgd.ModelManifold(model, spaces.L2(X, W), **kwargs), losses.L2(target))


THETA0 = np.array([0.3, -1.0, 2.0])


def trajectory(scale, optimizer):
    # the same initial function: φ₀ = D⁻¹ θ₀ with D = diag(s, 1, 1/s)
    phi0 = THETA0 / np.array([scale, 1.0, 1.0 / scale])
    result = optimizer.run(problem_for(scale), initial_point=phi0)
    points = result.log["iterations"]["point"]
    return np.array([scaled_features(scale)(X) @ p for p in points]), np.array(result.log["iterations"]["cost"])


@pytest.mark.parametrize("scale", [1e3, 1e4, 1e6])
@pytest.mark.parametrize("rule", ["fixed", "armijo"])
def test_natural_gradient_trajectories_are_reparametrization_invariant(scale, rule):
    # Armijo's first trial step divides the last cost decrease by the slope: once the cost has
    # converged to round-off (here after ~8 iterations) that quotient is round-off too, so the
    # line search is compared over the iterations before
    iterations = 20 if rule == "fixed" else 6

    def optimizer():
        kwargs = {"max_iterations": iterations, "min_gradient_norm": 0, "min_step_size": 0, "log_verbosity": 1}
        return riemgd.GradientDescent(0.3, **kwargs) if rule == "fixed" else riemgd.GradientDescent(**kwargs)

    reference_values, reference_costs = trajectory(1.0, optimizer())
    values, costs = trajectory(scale, optimizer())
    # The equilibrated Gram matrix is the same for every s, with a condition number of ~1e2;
    # Cholesky's error is governed by it (van der Sluis), so each step agrees to ~κ ε ≈ 1e-14
    # relative, and the contraction of the iteration keeps the differences from growing.
    assert len(costs) == len(reference_costs) == iterations + 1
    np.testing.assert_allclose(values, reference_values, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(costs, reference_costs, rtol=1e-9)
    assert costs[-1] < 0.5 * costs[0]


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e6])
def test_the_cutoff_decision_is_scale_invariant(scale):
    well = problem_for(scale).manifold
    theta = THETA0 / np.array([scale, 1.0, 1.0 / scale])
    assert not well.solver(theta).regularized  # [1, x, x²] is well conditioned once equilibrated

    def duplicated(x):
        return np.column_stack([np.ones_like(x), x, scale * x])  # rank 2 of 3 at every scale

    manifold = riemgd.ModelManifold(models.Linear(duplicated, np.eye(3)), spaces.L2(X, W))
    solver = manifold.solver(np.ones(3))
    assert solver.regularized
    J = duplicated(X)
    G = J.T @ (W[:, None] * J)
    D = np.diag(G)
    # the metric is G + rcond² max(D, τ max D), τ = 1 by default: (rcond σ_max)² I
    np.testing.assert_allclose(solver.shift, manifold.rcond**2 * np.full(3, D.max()), rtol=1e-12)
    g = target(X)
    c = manifold.projection(np.ones(3), g)
    expected = np.linalg.solve(G + np.diag(solver.shift), J.T @ (W * g))
    np.testing.assert_allclose(c, expected, rtol=1e-6)
    # with τ = 0 the cutoff rcond² D is covariant: the function step J G_Λ⁻¹ Jᵀ W g is the
    # same as for the unscaled columns [1, x, x]
    covariant = riemgd.ModelManifold(models.Linear(duplicated, np.eye(3)), spaces.L2(X, W), cutoff_floor=0.0)
    unscaled = riemgd.ModelManifold(
        models.Linear(functools.partial(divided, duplicated, scale), np.eye(3)), spaces.L2(X, W), cutoff_floor=0.0
    )
    assert covariant.solver(np.ones(3)).regularized and unscaled.solver(np.ones(3)).regularized
    np.testing.assert_allclose(covariant.solver(np.ones(3)).shift, manifold.rcond**2 * D, rtol=1e-12)
    step = covariant.embedding(np.ones(3), covariant.projection(np.ones(3), g))
    reference = unscaled.embedding(np.ones(3), unscaled.projection(np.ones(3), g))
    np.testing.assert_allclose(step, reference, rtol=1e-8, atol=1e-12)


def divided(features, scale, x):
    return features(x) / np.array([1.0, 1.0, scale])


def test_damping_stays_an_explicit_identity_shift():
    manifold = problem_for(1.0, damping=1e-2).manifold
    solver = manifold.solver(THETA0)
    assert not solver.regularized
    np.testing.assert_allclose(solver.shift, np.full(3, 1e-2), rtol=0, atol=0)


def test_a_zero_column_does_not_crash():
    def features(x):
        return np.column_stack([np.ones_like(x), x, np.zeros_like(x)])

    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(3)), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(target))
    gradient = problem.riemannian_gradient(np.ones(3))
    assert manifold.solver(np.ones(3)).regularized and np.all(np.isfinite(gradient))
    assert gradient[2] == 0.0
    J = features(X)
    G, g = J.T @ (W[:, None] * J), J.T @ (W * (J @ np.ones(3) - target(X)))
    shift = manifold.solver(np.ones(3)).shift
    assert np.all(shift > 0)
    np.testing.assert_allclose(gradient, np.linalg.solve(G + np.diag(shift), g), rtol=1e-10)
    # the Tikhonov solution is within shift/σ² of the least-squares one on the two live columns
    exact = np.linalg.lstsq(np.sqrt(W)[:, None] * J[:, :2], np.sqrt(W) * (J @ np.ones(3) - target(X)), rcond=None)[0]
    np.testing.assert_allclose(gradient[:2], exact, rtol=1e-4)


# ------------------------------------------------------------------------------- float32
@pytest.mark.parametrize("regularized", [False, True])
def test_float32_stays_float32(regularized):
    x, w = X.astype(np.float32), W.astype(np.float32)
    linear = models.Linear(scaled_features(1.0), np.eye(3, dtype=np.float32))
    model = models.ShallowNetwork(1, 12) if regularized else linear
    manifold = riemgd.ModelManifold(model, spaces.L2(x, w))
    problem = riemgd.Problem(manifold, losses.L2(lambda t: np.sin(3 * t)))
    theta = model.initial_parameters(0).astype(np.float32)
    assert manifold.solver(theta).regularized == regularized
    c = problem.riemannian_gradient(theta)
    results = {
        "gradient": c,
        "embed": manifold.embed(theta),
        "gram": manifold.gram(theta),
        "shift": manifold.solver(theta).shift,
        "projection": manifold.projection(theta, manifold.embed(theta)),
        "ambient": manifold.projection(theta, problem.ambient_gradient(theta)),
        "norm": manifold.norm(theta, c),
        "inner": manifold.inner_product(theta, c, c),
        "retraction": manifold.retraction(theta, c),
        "transport": manifold.transport(theta, manifold.retraction(theta, c), c),
        "zero": manifold.zero_vector(theta),
    }
    for name, value in results.items():
        assert np.asarray(value).dtype == np.float32, name
    parameter = riemgd.ParameterSpace(manifold)
    problem = riemgd.Problem(parameter, losses.L2(lambda t: np.sin(3 * t)))
    assert problem.riemannian_gradient(theta).dtype == np.float32
    assert parameter.random_tangent_vector(theta, rng=0).dtype == np.float32

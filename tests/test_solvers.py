"""Three solvers of the metric G_Λ = (SJ)ᵀ(SJ) + Λ (parameter p×p Cholesky, sample n×n
kernel, matrix-free CG) and the "auto" rule: same answers as a dense numpy solve, same
optimizer trajectories, reparametrization invariance, dtypes, and CG's memory and
its never forming J."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces
from riemgd.functional.ambient import AmbientVector
from riemgd.functional.solvers import CGSolver, GramSolver, NystromPreconditioner, SampleSolver, choose_solver
from riemgd.functional.spaces.output_metrics import CategoricalFisher, Pullback

SOLVERS = ["parameter", "sample", "cg", "auto"]
TIGHT = {"cg_tolerance": 1e-13}  # CG stops at a relative residual: solution error ≲ κ · tol


# ------------------------------------------------------------------ settings
def linear_setting(n, p, damping, seed=0):
    rng = np.random.default_rng(seed)
    x, w = np.linspace(-1.0, 1.0, n), rng.uniform(0.5, 1.5, n) / n
    features = rng.standard_normal((n, p))
    return models.Linear(features), spaces.L2(x, w), damping


def mlp_setting():
    rng = np.random.default_rng(1)
    points = rng.uniform(-1.0, 1.0, (25, 2))
    return models.MLP((2, 6, 6, 2)), spaces.L2(points, outputs=2), 1e-3  # n = 50 < p = 74


def h1_setting():
    x, w = spaces.gauss_legendre(30)
    return models.MLP((1, 4, 1)), spaces.H1(x, w), 1e-4  # n = 60 > p = 13


def fisher_setting():
    rng = np.random.default_rng(2)
    points = rng.uniform(-1.0, 1.0, (30, 2))
    return models.MLP((2, 5, 3)), Pullback(points, CategoricalFisher(3)), 1e-2  # n = 90 > p = 33


SETTINGS = {
    "linear-wide": lambda: linear_setting(40, 90, 5e-2),
    "linear-tall": lambda: linear_setting(120, 15, 0.0),
    "mlp-wide": mlp_setting,
    "mlp-h1-tall": h1_setting,
    "fisher-categorical": fisher_setting,
}


def dense(space, model, theta):
    """(v, J, S) from the model's analytic Jacobian and the whitening applied to I."""
    values, jacobian = space.evaluate(model, theta)
    return values, jacobian, space.whiten(values, np.eye(space.size))


def equilibrated_condition(space, model, theta, damping):
    """κ(D^{-1/2} G_Λ D^{-1/2}), ``D = diag G_Λ``: the condition number of the Jacobi-preconditioned
    metric that CG iterates on, which turns its residual tolerance into an error bound."""
    _, J, S = dense(space, model, theta)
    A = S @ J
    G = A.T @ A + damping * np.eye(model.num_params)
    d = np.sqrt(np.diag(G))
    return np.linalg.cond(G / np.outer(d, d))


def solve_tolerance(solver, kappa):
    """The relative error a solve may carry: round-off (κ ε ≪ 1e-10 here) for the factorizations;
    for CG, stopped at a relative residual ``tol`` in the preconditioned norm, ``κ · tol``."""
    return max(1e-10, kappa * TIGHT["cg_tolerance"]) if solver == "cg" else 1e-10


def points_for(model, seed):
    theta = model.initial_parameters(seed)
    return theta, theta + 0.1 * np.random.default_rng(seed + 10).standard_normal(theta.size)


# ------------------------------------------------------------------ 1. agreement with numpy
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_solver_matches_the_dense_solve(name, solver):
    model, space, damping = SETTINGS[name]()
    manifold = riemgd.ModelManifold(model, space, damping=damping, solver=solver, **TIGHT)
    a, b = points_for(model, 3)
    rng = np.random.default_rng(5)
    g, q, c, u = (rng.standard_normal(k) for k in (space.size, model.num_params, model.num_params, model.num_params))
    _, Ja, Sa = dense(space, model, a)
    _, Jb, Sb = dense(space, model, b)
    Aa, Ab = Sa @ Ja, Sb @ Jb
    eye = np.eye(model.num_params)
    Ga, Gb = Aa.T @ Aa + damping * eye, Ab.T @ Ab + damping * eye
    assert not manifold.solver(a).regularized and not manifold.solver(b).regularized  # well conditioned
    np.testing.assert_array_equal(manifold.solver(a).shift, np.full(model.num_params, damping))
    expected = {
        "projection": (manifold.projection(a, g), np.linalg.solve(Ga, Aa.T @ (Sa @ g))),
        "natural gradient": (manifold.euclidean_to_riemannian_gradient(a, q), np.linalg.solve(Ga, q)),
        "ambient": (manifold.projection(a, AmbientVector(g, q)), np.linalg.solve(Ga, Aa.T @ (Sa @ g) + q)),
        "transport": (manifold.transport(a, b, c), np.linalg.solve(Gb, Ab.T @ (Sb @ (Ja @ c)))),
        "embedding": (manifold.embedding(a, c), Ja @ c),
        "pullback": (manifold.pullback(a, g), Ja.T @ g),
    }
    kappa = max(equilibrated_condition(space, model, point, damping) for point in (a, b))
    tolerance = solve_tolerance(solver, kappa)  # 1.3e-8 for CG on mlp-h1-tall, κ ≈ 1.3e5
    for what, (got, reference) in expected.items():
        np.testing.assert_allclose(
            got, reference, rtol=tolerance, atol=tolerance * np.abs(reference).max(), err_msg=what
        )
    inner = float(manifold.inner_product(a, c, u))
    assert inner == pytest.approx((Aa @ c) @ (Aa @ u) + damping * c @ u, rel=1e-12)
    assert float(manifold.norm(a, c)) ** 2 == pytest.approx(c @ Ga @ c, rel=1e-12)


def test_the_sample_solver_is_used_below_p_and_the_parameter_one_above():
    wide = riemgd.ModelManifold(*linear_setting(40, 90, 5e-2)[:2], damping=5e-2, solver="sample")
    tall = riemgd.ModelManifold(*linear_setting(120, 15, 0.0)[:2], solver="sample")
    theta_wide, theta_tall = np.zeros(90), np.zeros(15)
    assert isinstance(wide.solver(theta_wide), SampleSolver)
    assert isinstance(tall.solver(theta_tall), GramSolver)  # n ≥ p: the n×n kernel would be singular
    assert wide.solver(theta_wide).factor.shape == (40, 40)


# ------------------------------------------------------------------ 2. the cutoff means the same
def test_without_damping_below_p_every_solver_applies_the_same_cutoff():
    model, space, _ = linear_setting(30, 70, 0.0)
    theta, g = np.zeros(70), np.random.default_rng(0).standard_normal(30)
    J, S = model.features, np.diag(np.sqrt(space.weights))
    D = np.sum((S @ J) ** 2, axis=0)
    shift = 1e-6 * D.max()  # rcond² max D: the isotropic cutoff (τ = 1)
    reference = np.linalg.solve((S @ J).T @ (S @ J) + shift * np.eye(70), (S @ J).T @ (S @ g))
    for solver in ("parameter", "sample", "cg"):
        manifold = riemgd.ModelManifold(model, space, solver=solver, **TIGHT)
        assert manifold.solver(theta).regularized, solver
        np.testing.assert_allclose(manifold.solver(theta).shift, np.full(70, shift), rtol=1e-12, err_msg=solver)
        c = manifold.projection(theta, g)
        np.testing.assert_allclose(c, reference, rtol=1e-8, atol=1e-8 * np.abs(reference).max(), err_msg=solver)


@pytest.mark.parametrize("factor", [0.1, 10.0])
def test_sample_and_parameter_cutoff_decisions_agree_away_from_the_threshold(factor):
    # equal column norms D_i = 1: the threshold is λ = rcond²/(1 − rcond²) (sample.structural_cutoff)
    rng = np.random.default_rng(3)
    features = rng.standard_normal((20, 50))
    features /= np.linalg.norm(features, axis=0)
    space = spaces.L2(np.linspace(0, 1, 20), np.ones(20))
    damping = factor * 1e-6 / (1 - 1e-6)
    decisions = {
        solver: riemgd.ModelManifold(models.Linear(features), space, damping=damping, solver=solver)
        .solver(np.zeros(50))
        .regularized
        for solver in ("parameter", "sample", "cg")
    }
    assert decisions == dict.fromkeys(decisions, factor < 1), decisions


def test_cg_switches_the_cutoff_on_when_it_does_not_converge():
    # duplicated columns (rank 2 of 3, n ≥ p): a generic covector has a null-space part, CG cannot
    # converge, so the cutoff comes on and the answer is the parameter solver's (same D, same Λ)
    # (with a consistent right-hand side first CG may converge and keep the cutoff off: documented)
    x, w = spaces.gauss_legendre(40)

    def duplicated(t):
        return np.column_stack([np.ones_like(t), t, 2.0 * t])

    q = np.array([1.0, -2.0, 0.5])
    parameter = riemgd.ModelManifold(models.Linear(duplicated, np.eye(3)), spaces.L2(x, w), solver="parameter")
    cg = riemgd.ModelManifold(models.Linear(duplicated, np.eye(3)), spaces.L2(x, w), solver="cg", **TIGHT)
    natural = cg.euclidean_to_riemannian_gradient(np.ones(3), q)
    assert cg.solver(np.ones(3)).regularized and parameter.solver(np.ones(3)).regularized
    np.testing.assert_allclose(cg.solver(np.ones(3)).shift, parameter.solver(np.ones(3)).shift, rtol=1e-12)
    np.testing.assert_allclose(natural, parameter.euclidean_to_riemannian_gradient(np.ones(3), q), rtol=1e-8)


def test_matrix_free_cutoff_uses_the_power_method_estimate_of_sigma_max():
    x = np.linspace(-1, 1, 12)
    model = models.MLP((1, 8, 1))  # p = 25 > n = 12: rank-deficient, λ = 0 → cutoff on
    manifold = riemgd.ModelManifold(model, spaces.L2(x), solver="cg")
    theta = model.initial_parameters(0)
    solver = manifold.solver(theta)
    assert isinstance(solver, CGSolver) and solver.regularized
    _, J, S = dense(manifold.space, model, theta)
    sigma2 = np.linalg.norm(S @ J, 2) ** 2
    assert 0.99 * sigma2 <= solver.scale <= sigma2 * (1 + 1e-12)  # σ̂² ≤ σ², close after 20 steps
    np.testing.assert_allclose(solver.shift, np.full(25, 1e-6 * solver.scale), rtol=1e-12)
    q = np.random.default_rng(0).standard_normal(25)
    natural = manifold.euclidean_to_riemannian_gradient(theta, q)
    np.testing.assert_allclose((S @ J).T @ (S @ J) @ natural + solver.shift * natural, q, rtol=1e-6, atol=1e-8)


# ------------------------------------------------------------------ 3. trajectories
def run(optimizer, name, solver):
    model, space, damping = SETTINGS[name]()
    manifold = riemgd.ModelManifold(model, space, damping=damping, solver=solver, **TIGHT)
    target = np.sin(np.arange(space.size) / 7.0)
    problem = riemgd.Problem(manifold, losses.L2(target))
    result = optimizer.run(problem, initial_point=model.initial_parameters(1))  # max D / min D ≲ 3e4 on the way
    return np.array(result.log["iterations"]["point"]), np.array(result.log["iterations"]["cost"])


OPTIMIZERS = {
    # Armijo's first trial divides a cost decrease by the slope, round-off once converged: 4 steps
    "gd-armijo": lambda: riemgd.GradientDescent(max_iterations=4, min_gradient_norm=0, log_verbosity=1),
    "gd-fixed": lambda: riemgd.GradientDescent(0.5, max_iterations=8, min_gradient_norm=0, log_verbosity=1),
    "heavy-ball-lm": lambda: riemgd.HeavyBall(0.5, 0.5, "LM", max_iterations=8, min_gradient_norm=0, log_verbosity=1),
    "nesterov": lambda: riemgd.Nesterov(0.5, 0.5, max_iterations=8, min_gradient_norm=0, log_verbosity=1),
}


@pytest.mark.parametrize("name", ["linear-wide", "mlp-wide"])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_trajectories_agree_across_solvers(optimizer, name):
    # every step solves with the same G_Λ; the solvers differ by round-off (Cholesky, κ ε) and by CG's
    # stopping at a relative residual 1e-13 (error ≲ κ · 1e-13 per solve, κ measured along the
    # trajectory: ≈ 2e4 on mlp-wide): the errors of 8 steps of a contracting iteration add up, to
    # within 1e-9 relative for the factorizations and 8 κ · 1e-13 for CG
    reference, costs = run(OPTIMIZERS[optimizer](), name, "parameter")
    model, space, damping = SETTINGS[name]()
    kappa = max(equilibrated_condition(space, model, point, damping) for point in reference)
    for solver in ("sample", "cg"):
        points, other_costs = run(OPTIMIZERS[optimizer](), name, solver)
        assert points.shape == reference.shape
        tolerance = max(1e-9, len(reference) * solve_tolerance(solver, kappa))
        np.testing.assert_allclose(
            points, reference, rtol=tolerance, atol=tolerance * np.abs(reference).max(), err_msg=solver
        )
        np.testing.assert_allclose(other_costs, costs, rtol=tolerance, err_msg=solver)
    assert costs[-1] < costs[0]


# ------------------------------------------------------------------ 4. reparametrization invariance
X40, W40 = spaces.gauss_legendre(40)


def scaled_features(scale):
    def features(x):
        return np.column_stack([scale * np.ones_like(x), x, x**2 / scale])

    return features


@pytest.mark.parametrize("solver", ["parameter", "sample", "cg"])
@pytest.mark.parametrize("scale", [1e3, 1e6])
def test_natural_gradient_is_reparametrization_invariant_with_every_solver(scale, solver):
    # θ = Dφ, D = diag(s, 1, 1/s): the function trajectory does not depend on s (CG: the Jacobi
    # preconditioner and the M⁻¹-norm stopping test make its iterates invariant too)
    def trajectory(s):
        model = models.Linear(scaled_features(s), np.eye(3))
        manifold = riemgd.ModelManifold(model, spaces.L2(X40, W40), solver=solver, **TIGHT)
        problem = riemgd.Problem(manifold, losses.L2(lambda x: np.exp(x) * np.sin(2 * x)))
        phi0 = np.array([0.3, -1.0, 2.0]) / np.array([s, 1.0, 1.0 / s])
        optimizer = riemgd.GradientDescent(0.3, max_iterations=15, min_gradient_norm=0, log_verbosity=1)
        result = optimizer.run(problem, initial_point=phi0)
        return np.array([scaled_features(s)(X40) @ p for p in result.log["iterations"]["point"]])

    np.testing.assert_allclose(trajectory(scale), trajectory(1.0), rtol=1e-9, atol=1e-10)


# ------------------------------------------------------------------ 5. the auto rule, names, errors
@pytest.mark.parametrize(
    ("n", "p", "matrix_free", "budget", "expected"),
    [
        (1000, 10, True, 2**31, "parameter"),
        (10, 1000, True, 2**31, "sample"),
        (100, 100, False, 2**31, "parameter"),
        (20000, 50000, True, 2**31, "cg"),  # J = 8 GB
        (20000, 50000, False, 2**31, "sample"),  # CG would need J anyway
        (100, 10, True, 1000.0, "cg"),
    ],
)
def test_auto_rule(n, p, matrix_free, budget, expected):
    assert choose_solver(n, p, matrix_free=matrix_free, memory_budget=budget) == expected


def test_auto_choice_is_shown_in_the_manifold():
    x = np.linspace(-1, 1, 10)
    tall = riemgd.ModelManifold(models.MLP((1, 3, 1)), spaces.L2(np.linspace(-1, 1, 100)))
    wide = riemgd.ModelManifold(models.MLP((1, 8, 1)), spaces.L2(x))
    small_budget = riemgd.ModelManifold(models.MLP((1, 8, 1)), spaces.L2(x), memory_budget=100)
    linear = riemgd.ModelManifold(models.Linear(np.ones((10, 30))), spaces.L2(x), memory_budget=100)
    assert [m.solver_name for m in (tall, wide, small_budget, linear)] == ["parameter", "sample", "cg", "sample"]
    assert "solver='cg'" in str(small_budget) and "solver='cg'" in repr(small_budget)
    assert "solver='sample'" in str(wide)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"solver": "cholesky"}, "solver must be one of"),
        ({"solver": None}, "solver must be one of"),
        ({"memory_budget": 0}, "memory_budget"),
        ({"cg_tolerance": 0.0}, "cg_tolerance"),
        ({"cg_max_iterations": 0}, "cg_max_iterations"),
        ({"rank": 2.5}, "rank"),
        ({"rank": 1000}, "rank must be at most"),
        ({"preconditioner": "jacobi"}, "preconditioner"),
        ({"damping": "adaptive"}, "damping must be"),
        ({"damping": -1.0}, "damping must be"),
    ],
)
def test_bad_solver_arguments_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        riemgd.ModelManifold(models.MLP((1, 3, 1)), spaces.L2(np.linspace(0, 1, 5)), **kwargs)


# ------------------------------------------------------------------ 6. dtypes
@pytest.mark.parametrize("solver", ["parameter", "sample", "cg"])
@pytest.mark.parametrize("width", [2, 12])  # n = 20 > p = 7, and n < p = 37
def test_float32_stays_float32(solver, width):
    x = np.linspace(-1, 1, 20, dtype=np.float32)
    model = models.MLP((1, width, 1))
    manifold = riemgd.ModelManifold(model, spaces.L2(x), damping=1e-2, solver=solver)
    problem = riemgd.Problem(manifold, losses.L2(lambda t: np.sin(3 * t)))
    theta = model.initial_parameters(0).astype(np.float32)
    c = problem.riemannian_gradient(theta)
    results = {
        "gradient": c,
        "shift": manifold.solver(theta).shift,
        "projection": manifold.projection(theta, manifold.embed(theta)),
        "norm": manifold.norm(theta, c),
        "inner": manifold.inner_product(theta, c, c),
        "transport": manifold.transport(theta, manifold.retraction(theta, c), c),
        "embedding": manifold.embedding(theta, c),
    }
    for name, value in results.items():
        assert np.asarray(value).dtype == np.float32, name
    reference = riemgd.ModelManifold(model, spaces.L2(x.astype(float)), damping=1e-2, solver="parameter")
    exact = riemgd.Problem(reference, losses.L2(lambda t: np.sin(3 * t))).riemannian_gradient(theta.astype(float))
    np.testing.assert_allclose(c, exact, rtol=2e-3, atol=2e-3 * np.abs(exact).max())  # float32 accuracy


# ------------------------------------------------------------------ 7. CG: no Jacobian, little memory
class SpyMLP(models.MLP):
    """An MLP that counts the Jacobians it is asked for."""

    jacobians = 0

    def evaluate(self, theta, x, terms=("value",), *, jacobian=True):
        SpyMLP.jacobians += bool(jacobian)
        return super().evaluate(theta, x, terms, jacobian=jacobian)

    def evaluate_operator(self, theta, x, operator, *, jacobian=True):
        SpyMLP.jacobians += bool(jacobian)
        return super().evaluate_operator(theta, x, operator, jacobian=jacobian)


def test_cg_never_asks_a_model_with_products_for_its_jacobian():
    x = np.linspace(-1, 1, 30)
    manifold = riemgd.ModelManifold(SpyMLP((1, 6, 1)), spaces.H1(x), damping=1e-3, solver="cg")
    problem = riemgd.Problem(manifold, losses.L2(np.concatenate([np.sin(3 * x), 3 * np.cos(3 * x)])))
    SpyMLP.jacobians = 0
    for optimizer in (
        riemgd.GradientDescent(max_iterations=4),
        riemgd.HeavyBall(0.1, 0.3, "LM", max_iterations=4),
        riemgd.Nesterov(0.1, 0.3, max_iterations=4),
    ):
        result = optimizer.run(problem, initial_point=manifold.model.initial_parameters(0))
        assert np.isfinite(result.cost) and result.iterations == 4
    assert SpyMLP.jacobians == 0
    assert all(state.jacobian is None and state.whitened is None for state in manifold._states)
    # the same model on the parameter solver does form J (the spy works)
    parameter = riemgd.ModelManifold(SpyMLP((1, 6, 1)), spaces.H1(x), damping=1e-3, solver="parameter")
    parameter.euclidean_to_riemannian_gradient(np.zeros(19), np.ones(19))
    assert SpyMLP.jacobians > 0


def test_cg_peak_memory_is_well_below_one_jacobian():
    m, model = 4000, models.MLP((1, 80, 80, 1))  # p = 6801: J would take 218 MB
    x = np.linspace(-1, 1, m)
    manifold = riemgd.ModelManifold(model, spaces.L2(x), damping=1e-3, solver="cg", cg_max_iterations=30)
    problem = riemgd.Problem(manifold, losses.L2(np.sin(3 * x)))
    theta = model.initial_parameters(0)
    jacobian_bytes = m * model.num_params * 8
    tracemalloc.start()
    try:
        gradient = problem.riemannian_gradient(theta)
        manifold.norm(theta, gradient)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.all(np.isfinite(gradient))
    # an MLP product holds a few (m, width) arrays per layer, m · 80 · 8 B = 2.6 MB each (O(m · width)
    # against J's O(m · width²)), and CG a few p-vectors
    assert peak < 0.2 * jacobian_bytes, peak / jacobian_bytes


# ------------------------------------------------------------------ 8. Nyström
def test_nystrom_sketch_is_exact_for_a_low_rank_gram_and_speeds_up_cg():
    rng = np.random.default_rng(0)
    # a Gram with a fast-decaying spectrum: 10 large eigenvalues, the rest tiny
    Q, _ = np.linalg.qr(rng.standard_normal((60, 60)))
    eigenvalues = np.concatenate([np.logspace(3, 1, 10), np.full(50, 1e-3)])
    G = (Q * eigenvalues) @ Q.T
    low = (Q[:, :10] * eigenvalues[:10]) @ Q[:, :10].T
    sketch = NystromPreconditioner(lambda c: low @ c, np.zeros(60), rank=12)
    approximation = (sketch.basis * sketch.eigenvalues) @ sketch.basis.T
    np.testing.assert_allclose(approximation, low, atol=1e-9 * eigenvalues[0])  # rank ≤ k: exact
    # on a model manifold: Nyström-preconditioned CG reaches the same answer in fewer iterations
    features = rng.standard_normal((200, 60)) @ np.diag(np.sqrt(eigenvalues)) @ Q.T / np.sqrt(200)
    space = spaces.L2(np.linspace(0, 1, 200), np.ones(200))
    q, theta = rng.standard_normal(60), np.zeros(60)
    results = {}
    for preconditioner in (None, "nystrom"):  # None: Jacobi, D is known for a Linear model
        manifold = riemgd.ModelManifold(
            models.Linear(features),
            space,
            solver="cg",
            preconditioner=preconditioner,
            rank=15,
            damping=0.1,
            cg_max_iterations=2000,
            **TIGHT,
        )
        results[preconditioner] = (manifold.euclidean_to_riemannian_gradient(theta, q), manifold.solver(theta))
    J = features
    expected = np.linalg.solve(J.T @ J + 0.1 * np.eye(60), q)
    for c, solver in results.values():
        assert solver.converged and not solver.regularized
        np.testing.assert_allclose(c, expected, rtol=1e-9)
    assert results["nystrom"][1].iterations < results[None][1].iterations
    assert np.allclose(G, G.T)


# ------------------------------------------------------------------ 9. PDE energy manifolds
def poisson(model_factory=models.MLP):
    interior = spaces.L2(np.linspace(0.05, 0.95, 20))
    pde = losses.PDEResidual({"dd0": -1.0}, lambda t: np.pi**2 * np.sin(np.pi * t), interior, np.array([0.0, 1.0]))
    return pde, model_factory((1, 5, 1))


@pytest.mark.parametrize("solver", ["parameter", "sample", "cg"])
def test_energy_manifold_takes_every_solver(solver):
    pde, model = poisson()
    manifold = pde.energy_manifold(model, damping=1e-3, solver=solver, **TIGHT)
    assert manifold.solver_name == solver
    theta = model.initial_parameters(0)
    problem = riemgd.Problem(manifold, pde.energy_loss())
    r, rb, jr, jb = pde.residuals(model, theta, jacobian=True)
    J = np.vstack([jr, jb])
    w = np.concatenate([pde.interior.weights, pde.penalty * pde.boundary.weights])
    gradient = jr.T @ (pde.interior.weights * r) + pde.penalty * jb.T @ (pde.boundary.weights * rb)
    expected = np.linalg.solve(J.T @ (w[:, None] * J) + 1e-3 * np.eye(model.num_params), gradient)
    assert not manifold.solver(theta).regularized
    np.testing.assert_allclose(problem.riemannian_gradient(theta), expected, rtol=1e-8, atol=1e-10)


def test_energy_manifold_cg_uses_products_only():
    pde, model = poisson(SpyMLP)
    manifold = pde.energy_manifold(model, damping=1e-6, solver="cg")
    problem = riemgd.Problem(manifold, pde.energy_loss())
    SpyMLP.jacobians = 0
    riemgd.GradientDescent(max_iterations=3).run(problem, initial_point=model.initial_parameters(0))
    assert SpyMLP.jacobians == 0


def test_whiten_transpose_of_the_categorical_pullback():
    rng = np.random.default_rng(0)
    space = Pullback(rng.uniform(-1, 1, (7, 2)), CategoricalFisher(3))
    values = rng.standard_normal(space.size)
    S = space.whiten(values, np.eye(space.size))
    y = rng.standard_normal(space.size)
    np.testing.assert_allclose(space.whiten_transpose(values, y), S.T @ y, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ 10. array API (the CuPy path)
@pytest.mark.parametrize("solver", ["parameter", "sample", "cg"])
@pytest.mark.parametrize(("width", "damping"), [(3, 0.0), (12, 1e-2)])  # n = 20 > p = 10, n < p = 37
def test_every_solver_runs_on_array_api_strict(solver, width, damping):
    xs = pytest.importorskip("array_api_strict")
    x, model = np.linspace(-1, 1, 20), models.MLP((1, width, 1))
    theta = model.initial_parameters(0)
    results = []
    for convert in (np.asarray, xs.asarray):
        manifold = riemgd.ModelManifold(model, spaces.L2(convert(x)), damping=damping, solver=solver, **TIGHT)
        problem = riemgd.Problem(manifold, losses.L2(convert(np.sin(3 * x))))
        point = convert(theta)
        gradient = problem.riemannian_gradient(point)
        moved = manifold.transport(point, manifold.retraction(point, gradient), gradient)
        results.append([np.from_dlpack(a) if convert is xs.asarray else a for a in (gradient, moved)])
        if convert is xs.asarray:
            assert type(gradient).__module__.startswith("array_api_strict")
    for strict, reference in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(strict, reference, rtol=1e-8, atol=1e-10 * np.abs(reference).max())


@pytest.mark.parametrize("kind", ["gram", "sample"])
def test_factorized_solvers_take_functions_through_the_spaces_whitening(kind):
    """``solve_function(g, q) = G_Λ⁻¹ ((SJ)ᵀ S g + q)`` against the dense solve, on both
    factorized solvers (the manifold's projection calls it whatever the solver)."""
    rng = np.random.default_rng(11)
    n, p = (30, 8) if kind == "gram" else (8, 30)
    root = rng.uniform(0.5, 2.0, n)  # S = diag(root)
    jacobian = rng.standard_normal((n, p))
    whitened = root[:, None] * jacobian
    g, q, damping = rng.standard_normal(n), rng.standard_normal(p), 0.3
    make = GramSolver if kind == "gram" else SampleSolver
    solver = make(whitened, damping, 1e-12, whiten=lambda f: root * f)
    dense = whitened.T @ whitened + damping * np.eye(p)
    expected = np.linalg.solve(dense, whitened.T @ (root * g) + q)
    np.testing.assert_allclose(solver.solve_function(g, q), expected, rtol=1e-10)
    np.testing.assert_allclose(solver.solve_function(None, q), np.linalg.solve(dense, q), rtol=1e-10)
    with pytest.raises(TypeError, match="whiten"):
        make(whitened, damping, 1e-12).solve_function(g, q)

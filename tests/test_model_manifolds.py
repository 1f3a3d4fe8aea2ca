"""Model manifolds against independent answers: the seed's statements, pinned.

Every expected value here comes from the test's own numpy: closed forms,
weighted least squares (``numpy.linalg.lstsq``), finite differences, or the
formulas of the seed written out (never from a riemgd run). The numbered
sections follow the seed talk (Nouy & Somacal, "Natural gradient descent with
momentum", SMAI 2025): orthonormal and biased features, the non-isotropic
metric, Newton, the quadratic manifold, reparameterization invariance and
escaping a local minimum.
"""

from __future__ import annotations

import itertools

import autograd.numpy as anp
import numpy as np
import pytest
from conftest import cupy_or_skip

import riemgd
from riemgd import losses, models, spaces

X, W = spaces.gauss_legendre(20)  # 20 nodes on [0, 1]: the products below integrate to round-off
SQRT2 = np.sqrt(2.0)


def features(x):
    """The seed's orthonormal basis ``Φ = [1, √2 sin 2πx]``."""
    return np.stack([np.ones_like(x), SQRT2 * np.sin(2 * np.pi * x)], axis=1)


def features3(x):
    """``[1, √2 sin 2πx, √2 cos 2πx]``, orthonormal in L²(0, 1)."""
    return np.stack([np.ones_like(x), SQRT2 * np.sin(2 * np.pi * x), SQRT2 * np.cos(2 * np.pi * x)], axis=1)


def target(x):
    """A target outside span Φ."""
    return np.exp(x) + np.cos(5 * x)


THETA0 = np.array([-1.0, 2.0])  # start of the linear-model runs
B_BIASED = np.array([[1.0, 0.9], [0.2, 1.6]])  # invertible, far from orthogonal
K_SPD = np.array([[2.0, 0.6, 0.3], [0.6, 1.0, -0.2], [0.3, -0.2, 0.5]])
B_WEIGHTED = np.array([[1.0, 0.5, -0.3], [0.4, 1.2, 0.8]])  # (p, n) = (2, 3): u ∈ R³ is not in the span


def points_of(result):
    return np.array(result.log["iterations"]["point"])


def run(optimizer, problem, theta0):
    return optimizer.run(problem, initial_point=theta0)


def whitened_lstsq(J, K, u):
    """``argmin_θ (Jθ − u)ᵀ K (Jθ − u)`` by ``numpy.linalg.lstsq`` on ``Lᵀ J θ = Lᵀ u`` (``K = L Lᵀ``)."""
    L = np.linalg.cholesky(K)
    theta, *_ = np.linalg.lstsq(L.T @ J, L.T @ u, rcond=None)
    return theta


def linear_setting(kind):
    """``(manifold, J, K, u)`` with ``J``, ``K`` and ``u`` written out independently of riemgd."""
    if kind == "L2":
        manifold = riemgd.ModelManifold(models.Linear(features, B_BIASED), spaces.L2(X, W))
        return manifold, features(X) @ B_BIASED.T, np.diag(W), target(X)
    manifold = riemgd.ModelManifold(models.Linear(None, B_WEIGHTED), spaces.Weighted(K_SPD))
    return manifold, B_WEIGHTED.T, K_SPD, np.array([1.0, -2.0, 0.5])


def loss_target(kind, u):
    return losses.L2(target if kind == "L2" else u)


def collinearity_residual(a, b):
    """``‖b − (b·â) â‖ / ‖b‖``: 0 when ``b`` is parallel to ``a``."""
    unit = a / np.linalg.norm(a)
    return np.linalg.norm(b - (b @ unit) * unit) / np.linalg.norm(b)


# ---------------------------------------------------- 1. orthonormal features
def momentum_optimizers(iterations, step=0.3):
    kwargs = {"max_iterations": iterations, "log_verbosity": 1, "min_gradient_norm": 0.0}
    return {
        "gd": riemgd.GradientDescent(step, **kwargs),
        "heavy-ball-LM": riemgd.HeavyBall(step, 0.5, "LM", **kwargs),
        "heavy-ball-FD": riemgd.HeavyBall(step, 0.5, "FD", **kwargs),
        "heavy-ball-LG": riemgd.HeavyBall(step, -0.2, "LG", **kwargs),
        "nesterov": riemgd.Nesterov(step, 0.5, **kwargs),
    }


@pytest.mark.parametrize("name", sorted(momentum_optimizers(1)))
def test_orthonormal_features_parameter_space_equals_natural_gradient(name):
    phi = features(X)
    np.testing.assert_allclose(phi.T @ (W[:, None] * phi), np.eye(2), atol=1e-13)  # G = I: Φ orthonormal
    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(2)), spaces.L2(X, W))
    np.testing.assert_allclose(manifold.gram(np.zeros(2)), np.eye(2), atol=1e-13)
    theta0 = np.array([2.0, -1.5])
    natural = run(momentum_optimizers(12)[name], riemgd.Problem(manifold, losses.L2(target)), theta0)
    parameter = run(
        momentum_optimizers(12)[name], riemgd.Problem(riemgd.ParameterSpace(manifold), losses.L2(target)), theta0
    )
    assert len(natural.log["iterations"]["point"]) == 13
    np.testing.assert_allclose(points_of(natural), points_of(parameter), rtol=0, atol=1e-12)


# ------------------------------------- 2, 3. biased features, non-isotropic K
@pytest.mark.parametrize("kind", ["L2", "Weighted"])
def test_natural_gradient_step_one_reaches_the_projection(kind):
    manifold, J, K, u = linear_setting(kind)
    theta_star = whitened_lstsq(J, K, u)
    theta0 = THETA0
    problem = riemgd.Problem(manifold, loss_target(kind, u))
    result = run(riemgd.GradientDescent(1.0, max_iterations=1, log_verbosity=1), problem, theta0)
    np.testing.assert_allclose(manifold.embed(result.point), J @ theta_star, atol=1e-10)
    np.testing.assert_allclose(result.point, theta_star, atol=1e-10)
    r = u - J @ theta_star
    assert result.cost == pytest.approx(0.5 * r @ K @ r, rel=1e-10)
    # G = Jᵀ K J (the seed's G = B K Bᵀ with B's rows the coefficients of ∂A/∂θᵢ)
    np.testing.assert_allclose(manifold.gram(theta0), J.T @ K @ J, rtol=1e-12, atol=1e-14)
    if kind == "Weighted":
        np.testing.assert_allclose(manifold.gram(theta0), B_WEIGHTED @ K_SPD @ B_WEIGHTED.T, rtol=1e-12)


@pytest.mark.parametrize("kind", ["L2", "Weighted"])
def test_parameter_gd_misses_the_projection(kind):
    manifold, J, K, u = linear_setting(kind)
    v_star = J @ whitened_lstsq(J, K, u)
    theta0 = THETA0
    problem = riemgd.Problem(riemgd.ParameterSpace(manifold), loss_target(kind, u))
    result = run(riemgd.GradientDescent(0.1, max_iterations=1, log_verbosity=1), problem, theta0)
    v0, v1 = J @ theta0, J @ result.point
    # no step size along the parameter-gradient direction reaches v*: the ray {v0 + s (v1 − v0)} misses it
    d = v1 - v0
    s = (d @ K @ (v_star - v0)) / (d @ K @ d)
    miss = v0 + s * d - v_star
    assert np.sqrt(miss @ K @ miss) > 0.3 * np.sqrt((v0 - v_star) @ K @ (v0 - v_star))


@pytest.mark.parametrize("kind", ["L2", "Weighted"])
def test_natural_gradient_path_is_a_straight_line(kind):
    manifold, J, K, u = linear_setting(kind)
    v_star = J @ whitened_lstsq(J, K, u)
    theta0 = THETA0
    step, iterations = 0.3, 6
    natural = run(
        riemgd.GradientDescent(step, max_iterations=iterations, log_verbosity=1),
        riemgd.Problem(manifold, loss_target(kind, u)),
        theta0,
    )
    v = np.array([manifold.embed(theta) for theta in points_of(natural)])
    for k in range(2, iterations + 1):
        assert collinearity_residual(v[1] - v[0], v[k] - v[0]) < 1e-10
        # closed form: v_k − v* = (1 − s)^k (v_0 − v*)
        np.testing.assert_allclose(v[k] - v_star, (1 - step) ** k * (v[0] - v_star), atol=1e-10)
    parameter = run(
        riemgd.GradientDescent(step, max_iterations=iterations, log_verbosity=1),
        riemgd.Problem(riemgd.ParameterSpace(manifold), loss_target(kind, u)),
        theta0,
    )
    w = np.array([J @ theta for theta in points_of(parameter)])
    assert max(collinearity_residual(w[1] - w[0], w[k] - w[0]) for k in range(2, iterations + 1)) > 1e-2


# --------------------------------------------------------- 4. Newton
@pytest.mark.parametrize("kind", ["L2", "Weighted"])
@pytest.mark.parametrize("step", [1.0, 0.4])
def test_natural_gradient_equals_newton_for_linear_models(kind, step):
    manifold, J, K, u = linear_setting(kind)
    theta0 = THETA0
    problem = riemgd.Problem(manifold, loss_target(kind, u))
    kwargs = {"max_iterations": 5, "log_verbosity": 1, "min_gradient_norm": 0.0, "min_step_size": 0.0}
    natural = run(riemgd.GradientDescent(step, **kwargs), problem, theta0)
    newton = run(riemgd.Newton(step, damping=0.0, **kwargs), problem, theta0)
    np.testing.assert_allclose(points_of(natural), points_of(newton), rtol=1e-7, atol=1e-9)
    # and both follow the closed form θ_k − θ* = (1 − s)^k (θ_0 − θ*)
    theta_star = whitened_lstsq(J, K, u)
    expected = np.array([theta_star + (1 - step) ** k * (theta0 - theta_star) for k in range(6)])
    np.testing.assert_allclose(points_of(natural), expected, atol=1e-10)


# ------------------------------------------------ 5. quadratic-model transport
Q_RNG = np.random.default_rng(5)
B_QUAD = np.array([[1.0, 0.3, -0.4], [0.2, 0.8, 0.5]])
Q_QUAD = Q_RNG.standard_normal((2, 2, 3))


def quadratic_values(theta, phi):
    """``(θᵀB + ½ θᵀQθ) Φ`` written out with einsum (phi ``None``: the coefficients)."""
    coefficients = B_QUAD.T @ theta + 0.5 * np.einsum("ijk,i,j->k", Q_QUAD, theta, theta)
    return coefficients if phi is None else phi @ coefficients


def central_jacobian(fun, theta, h=1e-5):
    return np.stack([(fun(theta + h * e) - fun(theta - h * e)) / (2 * h) for e in np.eye(theta.size)], axis=1)


@pytest.mark.parametrize("kind", ["L2", "Weighted"])
def test_quadratic_transport_is_the_cross_gram_formula(kind):
    if kind == "L2":
        manifold = riemgd.ModelManifold(models.Quadratic(features3, B_QUAD, Q_QUAD), spaces.L2(X, W))
        phi, K = features3(X), np.diag(W)
    else:
        manifold = riemgd.ModelManifold(models.Quadratic(None, B_QUAD, Q_QUAD), spaces.Weighted(K_SPD))
        phi, K = None, K_SPD
    rng = np.random.default_rng(1)
    for _ in range(3):
        theta_a, theta_b, c = rng.standard_normal((3, 2))
        np.testing.assert_allclose(manifold.embed(theta_a), quadratic_values(theta_a, phi), rtol=1e-12, atol=1e-13)
        # central differences are exact (to round-off) for a quadratic map
        J_a = central_jacobian(lambda t: quadratic_values(t, phi), theta_a)
        J_b = central_jacobian(lambda t: quadratic_values(t, phi), theta_b)
        G_b, G_ba = J_b.T @ K @ J_b, J_b.T @ K @ J_a
        np.testing.assert_allclose(manifold.gram(theta_b), G_b, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(manifold.transport(theta_a, theta_b, c), np.linalg.solve(G_b, G_ba @ c), rtol=1e-7)
        # transport is the identity from a point to itself
        np.testing.assert_allclose(manifold.transport(theta_a, theta_a, c), c, rtol=1e-10)


# --------------------------------------------- 6. reparameterization invariance
C_REPARAM = np.array([[2.0, 1.0], [0.5, 1.5]])


def reparameterized_models(kind):
    """Two parameterizations of one manifold: ``θ' = C⁻ᵀθ`` maps the first onto the second."""
    if kind == "linear":
        return models.Linear(features, B_BIASED), models.Linear(features, C_REPARAM @ B_BIASED)
    # θᵀB + ½θᵀQθ with θ = Cᵀθ': B' = C B, Q'_{ij·} = Σ C_ia C_jb Q_ab·
    Q_prime = np.einsum("ia,jb,abk->ijk", C_REPARAM, C_REPARAM, Q_QUAD)
    return models.Quadratic(features3, B_QUAD, Q_QUAD), models.Quadratic(features3, C_REPARAM @ B_QUAD, Q_prime)


def reparam_optimizers():
    kwargs = {"max_iterations": 8, "log_verbosity": 1, "min_gradient_norm": 0.0, "min_step_size": 0.0}
    return {
        "natural-gradient": riemgd.GradientDescent(0.3, **kwargs),
        "heavy-ball-LM": riemgd.HeavyBall(0.3, 0.6, "LM", **kwargs),
        "heavy-ball-FD": riemgd.HeavyBall(0.3, 0.6, "FD", **kwargs),
        "heavy-ball-LG": riemgd.HeavyBall(0.3, -0.1, "LG", **kwargs),
        "nesterov": riemgd.Nesterov(0.3, 0.6, **kwargs),
    }


@pytest.mark.parametrize("kind", ["linear", "quadratic"])
@pytest.mark.parametrize("name", sorted(reparam_optimizers()))
def test_reparameterization_invariance(kind, name):
    model, model_prime = reparameterized_models(kind)
    theta0 = np.array([0.8, -0.4])
    theta0_prime = np.linalg.solve(C_REPARAM.T, theta0)  # θ' = C⁻ᵀ θ
    manifold = riemgd.ModelManifold(model, spaces.L2(X, W))
    manifold_prime = riemgd.ModelManifold(model_prime, spaces.L2(X, W))
    np.testing.assert_allclose(manifold.embed(theta0), manifold_prime.embed(theta0_prime), atol=1e-12)
    first = run(reparam_optimizers()[name], riemgd.Problem(manifold, losses.L2(target)), theta0)
    second = run(reparam_optimizers()[name], riemgd.Problem(manifold_prime, losses.L2(target)), theta0_prime)
    v = np.array([manifold.embed(t) for t in points_of(first)])
    v_prime = np.array([manifold_prime.embed(t) for t in points_of(second)])
    assert len(v) == len(v_prime) == 9
    assert np.linalg.norm(v[-1] - v[0]) > 0.1  # the run moved
    np.testing.assert_allclose(v, v_prime, atol=1e-9)
    np.testing.assert_allclose(points_of(second), np.linalg.solve(C_REPARAM.T, points_of(first).T).T, atol=1e-9)


@pytest.mark.parametrize("kind", ["linear", "quadratic"])
def test_parameter_gd_is_not_reparameterization_invariant(kind):
    model, model_prime = reparameterized_models(kind)
    theta0 = np.array([0.8, -0.4])
    theta0_prime = np.linalg.solve(C_REPARAM.T, theta0)
    manifold = riemgd.ModelManifold(model, spaces.L2(X, W))
    manifold_prime = riemgd.ModelManifold(model_prime, spaces.L2(X, W))
    optimizer = riemgd.GradientDescent(0.05, max_iterations=8, log_verbosity=1)
    first = run(optimizer, riemgd.Problem(riemgd.ParameterSpace(manifold), losses.L2(target)), theta0)
    second = run(optimizer, riemgd.Problem(riemgd.ParameterSpace(manifold_prime), losses.L2(target)), theta0_prime)
    v = np.array([manifold.embed(t) for t in points_of(first)])
    v_prime = np.array([manifold_prime.embed(t) for t in points_of(second)])
    assert np.abs(v[-1] - v_prime[-1]).max() > 1e-2


# --------------------------------------------------- 7. escaping a local minimum
ESCAPE_U = (1.0, 2.0)  # target coefficients along b and b⊥: minima near θ = −1 (worse) and θ ≈ 1.366 (better)


def escape_problem():
    b, b_perp = np.array([1.0, 0.0]), np.array([0.0, 1.0])  # orthonormal in coefficient space
    # v_θ = θ b·Φ + θ² b⊥·Φ: a Quadratic model with p = 1, B = bᵀ, ½ Q = b⊥
    model = models.Quadratic(features, b[None, :], 2.0 * b_perp[None, None, :])
    u = ESCAPE_U[0] * features(X)[:, 0] + ESCAPE_U[1] * features(X)[:, 1]
    manifold = riemgd.ModelManifold(model, spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(u))
    grid = np.linspace(-4.0, 4.0, 400_001)
    phi = features(X)
    costs = np.concatenate(
        [
            0.5 * (((u[None, :] - chunk[:, None] * (phi @ b) - chunk[:, None] ** 2 * (phi @ b_perp)) ** 2) @ W)
            for chunk in np.array_split(grid, 200)
        ]
    )
    return problem, grid, costs


def test_escaping_a_local_minimum():
    problem, grid, costs = escape_problem()
    local = [i for i in range(1, grid.size - 1) if costs[i] < costs[i - 1] and costs[i] < costs[i + 1]]
    assert len(local) == 2  # two minima: the better one at θ > 0, the worse one at θ < 0
    best, worse = min(local, key=lambda i: costs[i]), max(local, key=lambda i: costs[i])
    assert grid[best] > 0 > grid[worse] and costs[worse] > costs[best] + 1.0
    theta0 = np.array([-3.0])  # in the basin of the worse minimum
    kwargs = {"max_iterations": 400, "min_gradient_norm": 1e-10}
    natural = run(riemgd.GradientDescent(0.1, **kwargs), problem, theta0)
    assert natural.point[0] == pytest.approx(grid[worse], abs=1e-3)
    assert natural.cost == pytest.approx(costs[worse], abs=1e-8)
    for optimizer in (
        riemgd.HeavyBall(0.1, 0.9, "LM", **kwargs),
        riemgd.HeavyBall(0.1, 0.9, "FD", **kwargs),
        riemgd.Nesterov(0.1, 0.9, **kwargs),
    ):
        result = run(optimizer, problem, theta0)
        assert result.point[0] == pytest.approx(grid[best], abs=1e-3), optimizer
        assert result.cost == pytest.approx(costs[best], abs=1e-8), optimizer
        assert result.cost >= costs.min() - 1e-9


# ----------------------------------------------------- 8. gradients everywhere
class GaussianLikelihood(losses.Loss):
    """``Σᵢ wᵢ (zᵢ − yᵢ)² / 2σ²``: the likelihood matching :class:`~riemgd.spaces.GaussianFisher`
    (riemgd ships none; the L2 loss needs a space with a fixed metric)."""

    def __init__(self, labels, variance):
        self.target, self.variance = labels, variance

    def value(self, values, space):
        r = values - self.discretized_target(space)
        return 0.5 * np.sum(space.weights * r * r) / self.variance

    def derivative(self, values, space):
        return space.weights * (values - self.discretized_target(space)) / self.variance


RNG = np.random.default_rng(42)
X2 = RNG.uniform(-1.0, 1.0, (30, 2))
LABELS = (RNG.uniform(size=30) < 1 / (1 + np.exp(-(0.5 + 2 * X2[:, 0] - X2[:, 1])))).astype(float)
CLASSES = 3
CLASS_LABELS = RNG.integers(0, CLASSES, 30)
ONE_HOT = np.eye(CLASSES)[CLASS_LABELS]  # (m, q)
BOX_POINTS, BOX_WEIGHTS = spaces.gauss_legendre_box(4, [(0.0, 1.0), (0.0, 1.0)])


def design(x):
    return np.column_stack([np.ones(x.shape[0]), x])


def softmax_logits(theta, x):
    return anp.dot(design(x), anp.reshape(theta, (3, CLASSES)))  # (m, q)


def user_function(theta, x):
    return theta[0] * anp.sin(theta[1] * x) + theta[2] * x**2


def user_function_jacobian(theta, x):
    return np.stack([np.sin(theta[1] * x), theta[0] * x * np.cos(theta[1] * x), x**2], axis=1)


def h1_target(x):
    return np.concatenate([np.sin(3 * x), 3 * np.cos(3 * x)])


def h1_target_2d(x):
    return np.concatenate([np.sin(x[:, 0]) * x[:, 1], np.cos(x[:, 0]) * x[:, 1], np.sin(x[:, 0])])


A_WEIGHTED = np.array([[1.0, 0.3], [-0.5, 1.0], [0.2, 0.7]])


def case(model, space, loss, **kwargs):
    return riemgd.Problem(riemgd.ModelManifold(model, space, **kwargs), loss)


GRADIENT_CASES = {
    "linear-L2": lambda: case(models.Linear(features, B_BIASED), spaces.L2(X, W), losses.L2(target)),
    "linear-L2-default-weights": lambda: case(models.Linear(features3, np.eye(3)), spaces.L2(X), losses.L2(target)),
    "linear-weighted": lambda: case(models.Linear(None, B_WEIGHTED), spaces.Weighted(K_SPD), losses.L2(np.ones(3))),
    "linear-weighted-diagonal": lambda: case(
        models.Linear(None, B_WEIGHTED), spaces.Weighted(np.array([1.0, 2.0, 0.5])), losses.L2(np.ones(3))
    ),
    "quadratic-L2": lambda: case(models.Quadratic(features3, B_QUAD, Q_QUAD), spaces.L2(X, W), losses.L2(target)),
    "quadratic-weighted": lambda: case(
        models.Quadratic(None, B_QUAD, Q_QUAD), spaces.Weighted(K_SPD), losses.L2(np.array([0.5, -1.0, 2.0]))
    ),
    "network-L2": lambda: case(models.ShallowNetwork(1, 4), spaces.L2(X, W), losses.L2(target)),
    "network-sigmoid-L2": lambda: case(models.ShallowNetwork(1, 4, "sigmoid"), spaces.L2(X, W), losses.L2(target)),
    "network-2d-L2": lambda: case(
        models.ShallowNetwork(2, 3), spaces.L2(BOX_POINTS, BOX_WEIGHTS), losses.L2(lambda x: np.sin(x[:, 0]) * x[:, 1])
    ),
    "network-H1": lambda: case(models.ShallowNetwork(1, 4), spaces.H1(X, W), losses.L2(h1_target(X))),
    "network-2d-H1": lambda: case(
        models.ShallowNetwork(2, 3), spaces.H1(BOX_POINTS, BOX_WEIGHTS), losses.L2(h1_target_2d(BOX_POINTS))
    ),
    "function-L2": lambda: case(models.Function(user_function, 3), spaces.L2(X, W), losses.L2(target)),
    "function-L2-jacobian": lambda: case(
        models.Function(user_function, 3, jacobian=user_function_jacobian), spaces.L2(X, W), losses.L2(target)
    ),
    "function-H1": lambda: case(models.Function(user_function, 3), spaces.H1(X, W), losses.L2(h1_target(X))),
    "function-weighted": lambda: case(
        models.Function(lambda theta, x: anp.dot(A_WEIGHTED, anp.tanh(theta)), 2),
        spaces.Weighted(K_SPD),
        losses.L2(np.array([0.3, -0.2, 0.6])),
    ),
    "gaussian-fisher": lambda: case(
        models.ShallowNetwork(2, 3),
        spaces.Pullback(X2, spaces.GaussianFisher(0.5)),
        GaussianLikelihood(np.sin(X2[:, 0]), 0.5),
    ),
    "bernoulli-fisher-linear": lambda: case(
        models.Linear(design, np.eye(3)),
        spaces.Pullback(X2, spaces.BernoulliFisher()),
        losses.BernoulliLikelihood(LABELS),
    ),
    "bernoulli-fisher-network": lambda: case(
        models.ShallowNetwork(2, 3), spaces.Pullback(X2, spaces.BernoulliFisher()), losses.BernoulliLikelihood(LABELS)
    ),
    "categorical-fisher": lambda: case(
        models.Function(softmax_logits, 3 * CLASSES),
        spaces.Pullback(X2, spaces.CategoricalFisher(CLASSES)),
        losses.CategoricalLikelihood(ONE_HOT.T.reshape(-1)),
    ),
    "kl-positive-model": lambda: case(
        models.Function(lambda theta, x: anp.exp(anp.dot(features(x), theta)), 2),
        spaces.L2(X, W),
        losses.KL(lambda x: 1.0 + x**2),
    ),
    "composite": lambda: case(
        models.Linear(features, B_BIASED), spaces.L2(X, W), losses.Composite(lambda v: v + 0.3 * v**3, target)
    ),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_check_gradient_passes(name):
    problem = GRADIENT_CASES[name]()
    manifold = problem.manifold
    theta = 0.5 * manifold.random_point(rng=3)
    result = riemgd.check_gradient(problem, theta, rng=4)
    assert result.passed, (name, result.slope)


def network_values(theta, x, width, activation):
    """``Σⱼ aⱼ σ(wⱼ·x + bⱼ) + c`` written out from the documented packing ``θ = (W, b, a, c)``."""
    d = x.shape[1]
    W_, b, a, c = (
        theta[: width * d].reshape(width, d),
        theta[width * d : width * (d + 1)],
        theta[-width - 1 : -1],
        theta[-1],
    )
    z = x @ W_.T + b
    sigma = np.tanh(z) if activation == "tanh" else 1 / (1 + np.exp(-z))
    return sigma @ a + c


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_shallow_network_jacobians_and_x_derivatives(activation):
    width = 3
    net = models.ShallowNetwork(2, width, activation)
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(net.num_params)
    x = rng.uniform(-1, 1, (6, 2))
    terms = ("value", "d0", "d1", "dd0", "dd1")
    values, jacobians = net.evaluate(theta, x, terms)
    np.testing.assert_allclose(values[0], network_values(theta, x, width, activation), rtol=1e-13, atol=1e-14)
    for term, jacobian in zip(terms, jacobians, strict=True):

        def term_values(t, term=term):
            return net.evaluate(t, x, (term,), jacobian=False)[0][0]

        np.testing.assert_allclose(jacobian, central_jacobian(term_values, theta), rtol=1e-6, atol=1e-8)
    h = 1e-5
    for k in range(2):
        e = h * np.eye(2)[k]

        def value_at(y):
            return network_values(theta, y, width, activation)

        first = (value_at(x + e) - value_at(x - e)) / (2 * h)
        np.testing.assert_allclose(values[1 + k], first, rtol=1e-7, atol=1e-9)
        second = (value_at(x + 1e2 * e) - 2 * value_at(x) + value_at(x - 1e2 * e)) / (1e2 * h) ** 2
        np.testing.assert_allclose(values[3 + k], second, rtol=1e-5, atol=1e-6)
        d_first = net.evaluate(theta, x + e, (f"d{k}",), jacobian=False)[0][0]
        d_first -= net.evaluate(theta, x - e, (f"d{k}",), jacobian=False)[0][0]
        np.testing.assert_allclose(values[3 + k], d_first / (2 * h), rtol=1e-7, atol=1e-9)


def test_shallow_network_one_dimensional_points_match_column_points():
    net = models.ShallowNetwork(1, 4)
    theta = net.initial_parameters(2)
    values, jacobians = net.evaluate(theta, X, ("value", "d0", "dd0"))
    values_2d, jacobians_2d = net.evaluate(theta, X[:, None], ("value", "d0", "dd0"))
    for a, b in zip(values + jacobians, values_2d + jacobians_2d, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(values[0], network_values(theta, X[:, None], 4, "tanh"), rtol=1e-13)


# --------------------------------------------------------------- Fisher
def test_bernoulli_fisher_natural_gradient_is_fisher_scoring():
    problem = GRADIENT_CASES["bernoulli-fisher-linear"]()
    phi, y, w = design(X2), LABELS, np.full(X2.shape[0], 1 / X2.shape[0])
    theta = np.array([0.2, -0.5, 0.8])
    s = 1 / (1 + np.exp(-phi @ theta))
    F = phi.T @ ((w * s * (1 - s))[:, None] * phi)  # Fisher information Σ wᵢ sᵢ(1 − sᵢ) φᵢφᵢᵀ
    gradient = phi.T @ (w * (s - y))
    nll = np.sum(w * (np.log1p(np.exp(phi @ theta)) - y * (phi @ theta)))
    assert problem.cost(theta) == pytest.approx(nll, rel=1e-12)
    np.testing.assert_allclose(problem.euclidean_gradient(theta), gradient, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(problem.manifold.gram(theta), F, rtol=1e-12)
    np.testing.assert_allclose(problem.riemannian_gradient(theta), np.linalg.solve(F, gradient), rtol=1e-10)
    # step 1: Fisher scoring (= Newton for the canonical link) converges to the maximum likelihood
    result = riemgd.GradientDescent(1.0, max_iterations=20, min_gradient_norm=1e-12).run(problem, initial_point=theta)
    s = 1 / (1 + np.exp(-phi @ result.point))
    assert np.abs(phi.T @ (w * (s - y))).max() < 1e-11
    assert result.iterations < 12


def test_categorical_fisher_natural_gradient_by_hand():
    problem = GRADIENT_CASES["categorical-fisher"]()
    m = X2.shape[0]
    w = np.full(m, 1 / m)
    theta = np.random.default_rng(7).standard_normal(3 * CLASSES)
    Z = design(X2) @ theta.reshape(3, CLASSES)  # logits (m, q)
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    nll = -np.sum(w * np.sum(ONE_HOT * np.log(P), axis=1))
    assert problem.cost(theta) == pytest.approx(nll, rel=1e-12)
    # per-sample Jacobian of the logits: ∂z_ik/∂Θ_jl = φ_ij δ_kl, θ = vec(Θ) row-major
    J = np.einsum("ij,kl->ikjl", design(X2), np.eye(CLASSES)).reshape(m, CLASSES, 3 * CLASSES)
    F = sum(w[i] * J[i].T @ (np.diag(P[i]) - np.outer(P[i], P[i])) @ J[i] for i in range(m))
    gradient = sum(w[i] * J[i].T @ (P[i] - ONE_HOT[i]) for i in range(m))
    np.testing.assert_allclose(problem.euclidean_gradient(theta), gradient, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(problem.manifold.gram(theta), F, rtol=1e-10, atol=1e-14)
    # F is singular along a common shift of the logits: the solver adds the soft cutoff
    # λ = (rcond σ_max)² (σ_max² ≈ max diag F), and the gradient is orthogonal to the null space,
    # so the result is the Tikhonov solution, within λ/σ² of the pseudo-inverse one
    solver = problem.manifold.solver(theta)
    shift = problem.manifold.rcond**2 * np.max(np.diag(F))
    assert solver.regularized and solver.shift == pytest.approx(np.full(F.shape[0], shift), rel=1e-10)
    natural = problem.riemannian_gradient(theta)
    np.testing.assert_allclose(natural, np.linalg.solve(F + shift * np.eye(F.shape[0]), gradient), rtol=1e-8)
    pseudo = np.linalg.pinv(F, rcond=1e-8, hermitian=True) @ gradient
    np.testing.assert_allclose(natural, pseudo, rtol=1e-3, atol=1e-3 * np.abs(pseudo).max())


# --------------------------------------------------------- rank deficiency
def duplicated_features(x):
    phi = features(x)
    return np.column_stack([phi, phi[:, 1]])  # [1, √2 sin 2πx, √2 sin 2πx]: rank 2 of 3


def duplicated_network_point():
    net = models.ShallowNetwork(1, 2)
    theta = net.initial_parameters(3).copy()
    theta[1], theta[3], theta[5] = theta[0], theta[2], theta[4]  # neuron 1 := neuron 0 (W, b, a)
    return net, theta


def rank_deficient_settings():
    net, theta = duplicated_network_point()
    wide = models.ShallowNetwork(1, 8)
    few = np.array([0.1, 0.4, 0.6, 0.9])
    return {
        "linear-duplicated-features": (models.Linear(duplicated_features, np.eye(3)), spaces.L2(X, W), np.ones(3)),
        "network-duplicated-neuron": (net, spaces.L2(X, W), theta),
        "network-overparameterized": (wide, spaces.L2(few), wide.initial_parameters(1)),
        "network-zero-output-layer": (
            models.ShallowNetwork(1, 3),
            spaces.L2(X, W),
            np.concatenate([[1.0, 3.0, -2.0], [0.1, -0.2, 0.3], np.zeros(3), [0.5]]),
        ),
    }


@pytest.mark.parametrize("name", sorted(rank_deficient_settings()))
def test_rank_deficient_jacobian(name):
    model, space, theta = rank_deficient_settings()[name]
    manifold = riemgd.ModelManifold(model, space)
    J = central_jacobian(lambda t: model(t, space.points), theta)  # finite differences of the values
    SJ = np.sqrt(space.weights)[:, None] * J
    singular = np.linalg.svd(SJ, compute_uv=False)
    rank = int(np.sum(singular > 1e-8 * singular[0]))
    assert rank < theta.size
    solver = manifold.solver(theta)
    assert solver.regularized  # numerically singular: the Tikhonov soft cutoff is on
    G = SJ.T @ SJ
    shift = manifold.rcond**2 * np.max(np.diag(G))  # (rcond σ_max)² with σ_max² ≈ max diag G
    assert solver.shift == pytest.approx(np.full(theta.size, shift), rel=1e-6)
    g = np.random.default_rng(0).standard_normal(space.size)
    c = manifold.projection(theta, g)
    assert np.all(np.isfinite(c))
    expected = np.linalg.solve(G + shift * np.eye(theta.size), SJ.T @ (np.sqrt(space.weights) * g))
    np.testing.assert_allclose(c, expected, rtol=1e-4, atol=1e-6 * np.abs(expected).max())
    # J c is the Tikhonov-filtered projection: in the singular basis SJ = U Σ Vᵀ its components
    # are σ²/(σ² + λ) times those of the least-squares projection of S g, and 0 off range(SJ)
    u_basis, sigma, _ = np.linalg.svd(SJ, full_matrices=False)
    coordinates = u_basis.T @ (np.sqrt(space.weights) * g)
    filtered = u_basis @ (sigma**2 / (sigma**2 + shift) * coordinates)
    np.testing.assert_allclose(SJ @ c, filtered, atol=1e-6 * np.linalg.norm(coordinates))
    # the metric is G + λI throughout: ⟨grad, u⟩ reproduces the directional derivative
    u = np.random.default_rng(1).standard_normal(theta.size)
    assert float(manifold.inner_product(theta, c, u)) == pytest.approx(
        c @ (G + shift * np.eye(theta.size)) @ u, rel=1e-6
    )
    assert float(manifold.norm(theta, c)) ** 2 == pytest.approx(c @ (G + shift * np.eye(theta.size)) @ c, rel=1e-6)
    # natural gradient runs without NaN
    problem = riemgd.Problem(manifold, losses.L2(np.sin(3 * space.points)))
    result = riemgd.GradientDescent(0.5, max_iterations=5).run(problem, initial_point=theta)
    assert np.all(np.isfinite(result.point)) and result.reason != "non_finite"


def test_rank_deficient_linear_model_converges_to_the_projection():
    # duplicated features: G is singular; with the soft cutoff λ = (rcond σ_max)² each natural
    # gradient step with step 1 shrinks the residual's resolved components by λ/(σ² + λ)
    manifold = riemgd.ModelManifold(models.Linear(duplicated_features, np.eye(3)), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(target))
    J, sw = duplicated_features(X), np.sqrt(W)
    coefficients, *_ = np.linalg.lstsq(sw[:, None] * J, sw * target(X), rcond=None)
    one = riemgd.GradientDescent(1.0, max_iterations=1).run(problem, initial_point=np.array([1.0, 2.0, -1.0]))
    start_error = np.linalg.norm(sw * (J @ np.array([1.0, 2.0, -1.0]) - J @ coefficients))
    assert np.linalg.norm(sw * (manifold.embed(one.point) - J @ coefficients)) < 1e-5 * start_error
    three = riemgd.GradientDescent(1.0, max_iterations=3, min_gradient_norm=0).run(problem, initial_point=one.point)
    np.testing.assert_allclose(manifold.embed(three.point), J @ coefficients, atol=1e-12)


@pytest.mark.parametrize("damping", [1e-3, 0.1, 2.0])
@pytest.mark.parametrize("duplicated", [False, True])
def test_damping_solves_the_shifted_gram(damping, duplicated):
    phi_fun = duplicated_features if duplicated else features3
    B = np.array([[1.0, 0.2, 0.0], [0.3, 1.0, -0.4], [0.0, 0.5, 1.2]])
    manifold = riemgd.ModelManifold(models.Linear(phi_fun, B), spaces.L2(X, W), damping=damping)
    J = phi_fun(X) @ B.T
    G = J.T @ (W[:, None] * J)
    theta, g = np.array([0.3, -1.0, 0.4]), np.array([1.0, -2.0, 0.5])
    expected = np.linalg.solve(G + damping * np.eye(3), g)
    np.testing.assert_allclose(manifold.euclidean_to_riemannian_gradient(theta, g), expected, rtol=1e-9)
    np.testing.assert_allclose(manifold.gram(theta), G, rtol=1e-12, atol=1e-14)  # gram stays undamped
    assert not manifold.solver(theta).regularized


# ------------------------------------------------------------ stochastic
def stochastic_run(space_kwargs, seed):
    space = spaces.L2(X, W, rng=seed, **space_kwargs)
    manifold = riemgd.ModelManifold(models.Linear(features, B_BIASED), space)
    problem = riemgd.Problem(manifold, losses.L2(target))
    seen = []

    def record(iterate):
        seen.append((space.points.copy(), space.weights.copy()))

    optimizer = riemgd.GradientDescent(0.2, max_iterations=6, log_verbosity=1)
    result = optimizer.run(problem, initial_point=np.array([1.0, -1.0]), callback=record)
    return seen, result


def sampler(rng):
    return spaces.monte_carlo(8, [(0.0, 1.0)], rng)


@pytest.mark.parametrize("space_kwargs", [{"batch_size": 5}, {"sampler": sampler}], ids=["batch", "sampler"])
def test_stochastic_spaces_resample_every_iteration(space_kwargs):
    seen, result = stochastic_run(space_kwargs, seed=11)
    assert len(seen) == 7 and len(result.log["iterations"]["point"]) == 7  # the callback sees every iterate
    size = 5 if "batch_size" in space_kwargs else 8
    for (points, weights), (next_points, _) in itertools.pairwise(seen):
        assert points.shape == (size,) and weights.shape == (size,)
        assert not np.array_equal(points, next_points)
    for points, weights in seen:
        if "batch_size" in space_kwargs:
            index = [int(np.flatnonzero(X == p)[0]) for p in points]
            assert len(set(index)) == 5  # drawn without replacement from the full set
            np.testing.assert_allclose(weights, W[index] * X.size / 5)  # rescaled to estimate the full sum
        else:
            assert np.all((points >= 0) & (points <= 1))
            np.testing.assert_allclose(weights, 1 / 8)
    again, result_again = stochastic_run(space_kwargs, seed=11)
    for (p, w), (q, v) in zip(seen, again, strict=True):
        np.testing.assert_array_equal(p, q)
        np.testing.assert_array_equal(w, v)
    np.testing.assert_array_equal(points_of(result), points_of(result_again))
    assert result.log["iterations"]["cost"] == result_again.log["iterations"]["cost"]
    other, _ = stochastic_run(space_kwargs, seed=12)
    assert any(not np.array_equal(p, q) for (p, _), (q, _) in zip(seen, other, strict=True))


# ------------------------------------------------------------------- PDE
EPSILON = 0.1


def pde_setting():
    x, w = spaces.gauss_legendre(40)
    interior = spaces.L2(x, w)
    pde = losses.PDEResidual(
        {"dd0": -EPSILON, "d0": 1.0}, lambda x: np.ones_like(x), interior, np.array([0.0, 1.0]), penalty=1.0
    )
    return pde, interior, models.ShallowNetwork(1, 10)


def pde_loss_by_hand(theta, x, w, width=10):
    """½ Σ wᵢ (−ε v'' + v' − 1)² + ½ · ½ Σ_b v(x_b)², with the network's derivatives written out."""
    W_, b, a, c = theta[:width], theta[width : 2 * width], theta[2 * width : 3 * width], theta[-1]
    t = np.tanh(np.outer(x, W_) + b)
    d1 = (1 - t**2) @ (a * W_)
    d2 = (-2 * t * (1 - t**2)) @ (a * W_**2)
    r = -EPSILON * d2 + d1 - 1.0
    boundary = np.tanh(np.outer([0.0, 1.0], W_) + b) @ a + c
    return 0.5 * np.sum(w * r**2) + 0.5 * np.sum(0.5 * boundary**2)


def test_pde_residual_gradient_and_energy_loss():
    pde, interior, net = pde_setting()
    theta = net.initial_parameters(0)
    # full-rank metrics: parameter space, the energy manifold, and the L² Gram solved exactly
    for manifold, loss in (
        (riemgd.ParameterSpace(riemgd.ModelManifold(net, interior)), pde),
        (riemgd.ModelManifold(net, interior, rcond=1e-9), pde),
        (pde.energy_manifold(net), pde.energy_loss()),
    ):
        problem = riemgd.Problem(manifold, loss)
        result = riemgd.check_gradient(problem, theta, rng=1)
        assert result.passed, (manifold, result.slope)
    plain = riemgd.Problem(riemgd.ModelManifold(net, interior), pde)
    energy = riemgd.Problem(pde.energy_manifold(net), pde.energy_loss())
    for seed in range(3):
        theta = net.initial_parameters(seed)
        expected = pde_loss_by_hand(theta, interior.points, interior.weights)
        assert plain.cost(theta) == pytest.approx(expected, rel=1e-12)
        assert energy.cost(theta) == pytest.approx(expected, rel=1e-12)
        np.testing.assert_allclose(energy.euclidean_gradient(theta), plain.euclidean_gradient(theta), rtol=1e-10)


def test_energy_natural_gradient_solves_the_convection_diffusion_problem():
    pde, interior, net = pde_setting()
    theta0 = net.initial_parameters(0)
    problem = riemgd.Problem(pde.energy_manifold(net), pde.energy_loss())
    result = riemgd.GradientDescent(max_iterations=100).run(problem, initial_point=theta0)
    initial = pde_loss_by_hand(theta0, interior.points, interior.weights)
    assert pde_loss_by_hand(result.point, interior.points, interior.weights) < 1e-4 * initial
    x = np.linspace(0, 1, 101)
    exact = x - (np.exp((x - 1) / EPSILON) - np.exp(-1 / EPSILON)) / (1 - np.exp(-1 / EPSILON))
    assert np.abs(net(result.point, x) - exact).max() < 1e-3


# ------------------------------------------------------------------ CuPy
def any_features(x):
    import cupy

    xp = cupy.get_array_module(x)
    return xp.stack([xp.ones_like(x), SQRT2 * xp.sin(2 * np.pi * x)], axis=1)


def any_target(x):
    import cupy

    xp = cupy.get_array_module(x)
    return xp.exp(x) + xp.cos(5 * x)


@pytest.mark.parametrize("name", ["linear", "network"])
def test_builtin_models_run_on_cupy(name):
    cupy = cupy_or_skip()

    def setting(to):
        if name == "linear":
            model = models.Linear(any_features, to(B_BIASED))
        else:
            model = models.ShallowNetwork(1, 5)
        return riemgd.Problem(riemgd.ModelManifold(model, spaces.L2(to(X), to(W))), losses.L2(any_target))

    theta0 = models.ShallowNetwork(1, 5).initial_parameters(0) if name == "network" else np.array([1.0, -1.0])
    optimizer = riemgd.GradientDescent(0.5, max_iterations=10, log_verbosity=1)
    on_host = optimizer.run(setting(np.asarray), initial_point=theta0)
    on_device = optimizer.run(setting(cupy.asarray), initial_point=cupy.asarray(theta0))
    assert isinstance(on_device.point, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(on_device.point), on_host.point, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(on_device.log["iterations"]["cost"], on_host.log["iterations"]["cost"], rtol=1e-9)


# ------------------------------------------------- a shifted metric G + λI
@pytest.mark.parametrize("damping", [0.0, 1e-2])
def test_shifted_metric_keeps_gradient_and_transport_contracts(damping):
    # an 8-neuron network on 12 points: G is numerically singular, so the solver shifts it
    x, w = spaces.gauss_legendre(12)
    manifold = riemgd.ModelManifold(models.ShallowNetwork(1, 8), spaces.L2(x, w), damping=damping)
    rng = np.random.default_rng(4)
    theta, other = manifold.random_point(rng=1), manifold.random_point(rng=2)
    solver = manifold.solver(theta)
    assert np.all(solver.shift > 0) and (solver.regularized or damping > 0)
    J = central_jacobian(lambda t: manifold.model(t, x), theta)
    G = manifold.gram(theta)
    np.testing.assert_allclose(G, J.T @ (w[:, None] * J), atol=1e-8 * np.abs(G).max())  # G = JᵀWJ
    G_shifted = G + np.diag(solver.shift)
    gradient = rng.standard_normal(theta.size)
    natural = manifold.euclidean_to_riemannian_gradient(theta, gradient)
    np.testing.assert_allclose(G_shifted @ natural, gradient, rtol=1e-5, atol=1e-8 * np.abs(gradient).max())
    # P_T of the ambient gradient is the Riemannian gradient, at the point and transported elsewhere
    for where in (theta, other):
        projected = manifold.projection(where, manifold.ambient_gradient(theta, gradient))
        np.testing.assert_allclose(projected, manifold.euclidean_to_riemannian_gradient(where, gradient), rtol=1e-12)
    # transport carries the function J c (the seed's P_{T_b} p): G_λ⁻¹ G c at the same point
    c = rng.standard_normal(theta.size)
    expected = np.linalg.solve(G_shifted, G @ c)
    np.testing.assert_allclose(manifold.transport(theta, theta, c), expected, rtol=1e-6, atol=1e-8 * np.abs(c).max())


def test_embedding_of_a_matrix_is_the_jacobian_column_by_column():
    """``embedding(θ, C)`` for a (p, k) matrix of tangent vectors is ``J C``, here ``J`` itself
    for ``C = I``: the model's own θ-Jacobian at the space's points."""
    from riemgd import models, spaces

    x, w = spaces.gauss_legendre(12)
    model = models.ShallowNetwork(1, 4)
    manifold = riemgd.ModelManifold(model, spaces.L2(x, w))
    theta = model.initial_parameters(rng=3)
    manifold.embed(theta)
    _, (jacobian,) = model.evaluate(theta, x, ("value",))
    np.testing.assert_allclose(manifold.embedding(theta, np.eye(model.num_params)), jacobian, rtol=1e-13, atol=1e-15)
    c = np.random.default_rng(0).standard_normal((model.num_params, 3))
    columns = np.stack([manifold.embedding(theta, c[:, j]) for j in range(3)], axis=1)
    np.testing.assert_allclose(manifold.embedding(theta, c), columns, rtol=1e-13, atol=1e-15)

"""The Riemannian Hessian on model manifolds, against finite differences.

Independent answer: the Hessian bilinear form of the Levi-Civita connection in
coordinates, ``H(c, c') = ∂²f[c, c'] − ⟨grad f, Γ(c, c')⟩_G``, with ``∂²f`` from
central differences of the parameter gradient ``∇_θ f`` and the Christoffel
symbols from the Koszul formula on central differences of ``G(θ) = manifold.gram(θ)``,
``Γ_l(c, c') = ½(D_c G[c', e_l] + D_{c'} G[c, e_l] − D_{e_l} G[c, c'])``.
None of it uses the model's second derivatives that the implementation forms.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces

X, W = spaces.gauss_legendre(16)
P = 2  # parameters, fewer than the 3 features: M is a curved surface in span Φ


def features(x):  # orthonormal in L²(0, 1)
    return np.stack([np.ones_like(x), np.sqrt(2) * np.sin(2 * np.pi * x), np.sqrt(2) * np.cos(2 * np.pi * x)], 1)


B = np.array([[1.0, 0.3, -0.4], [0.2, 0.8, 0.5]])
Q3 = 0.6 * np.random.default_rng(5).standard_normal((P, P, 3))


def quadratic_manifold(space=None):
    return riemgd.ModelManifold(models.Quadratic(features, B, Q3), space or spaces.L2(X, W))


def target(x):
    return np.exp(x) * np.sin(3 * x)  # not on the manifold: a nonzero normal residual


def koszul_hessian_form(manifold, gradient_of_f, theta, c, c2, h=1e-5):
    """H(c, c') = ∂²f[c, c'] − ⟨grad f, Γ(c, c')⟩_G, by central differences (module docstring)."""
    second = c2 @ (gradient_of_f(theta + h * c) - gradient_of_f(theta - h * c)) / (2 * h)

    def dG(direction):
        return (manifold.gram(theta + h * direction) - manifold.gram(theta - h * direction)) / (2 * h)

    gamma = np.array(
        [
            0.5 * (c2 @ dG(c) @ e + c @ dG(c2) @ e - c @ dG(e) @ c2)  # Γ_{l}(c, c') of the first kind
            for e in np.eye(theta.size)
        ]
    )
    natural = np.linalg.solve(manifold.gram(theta), gradient_of_f(theta))  # grad f = G⁻¹∇f
    return second - natural @ gamma  # ⟨grad f, G⁻¹γ⟩_G = grad fᵀ γ


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_functional_loss_hessian_matches_the_koszul_form(seed):
    manifold = quadratic_manifold()
    problem = riemgd.Problem(manifold, losses.L2(target))
    rng = np.random.default_rng(seed)
    theta, c, c2 = 0.5 * rng.standard_normal(P), rng.standard_normal(P), rng.standard_normal(P)
    expected = koszul_hessian_form(manifold, problem.euclidean_gradient, theta, c, c2)
    got = float(manifold.inner_product(theta, c, problem.riemannian_hessian(theta, c2)))
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-8)
    # the curvature term matters here: the Gauss–Newton part alone is off
    gauss_newton = manifold.embedding(theta, c) @ (W * manifold.embedding(theta, c2))
    assert abs(gauss_newton - expected) > 1e-3 * abs(expected)


def cost_on_parameters(theta):
    return np.sum(np.sin(theta)) + 0.3 * theta @ theta


def test_plain_cost_hessian_on_a_model_manifold_matches_the_koszul_form():
    """A cost f(θ) given directly (autograd): Hess = G⁻¹(∇²f − D(Jᵀ)(KJ grad f))."""
    manifold = quadratic_manifold()
    problem = riemgd.Problem(manifold, cost_on_parameters)
    rng = np.random.default_rng(7)
    theta, c, c2 = 0.5 * rng.standard_normal(P), rng.standard_normal(P), rng.standard_normal(P)
    expected = koszul_hessian_form(manifold, problem.euclidean_gradient, theta, c, c2)
    got = float(manifold.inner_product(theta, c, problem.riemannian_hessian(theta, c2)))
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("seed", [0, 1])
def test_model_hessian_is_self_adjoint_and_linear(seed):
    problem = riemgd.Problem(quadratic_manifold(), losses.L2(target))
    theta = 0.5 * np.random.default_rng(seed).standard_normal(P)
    report = riemgd.check_hessian(problem, theta, rng=seed)
    assert report.symmetry_residual < 1e-8
    assert report.linearity_residual < 1e-8


def test_at_a_zero_residual_optimum_the_hessian_is_the_identity():
    """L = ½‖v − v_θ*‖²_K at θ*: grad f = 0 and Hess f = G⁻¹ JᵀKJ = I."""
    manifold = quadratic_manifold()
    theta_star = np.array([0.3, -0.2])
    problem = riemgd.Problem(manifold, losses.L2(np.array(manifold.embed(theta_star))))
    for c in np.eye(P):
        np.testing.assert_allclose(problem.riemannian_hessian(theta_star, c), c, atol=1e-9)


def test_linear_model_hessian_has_no_curvature_term():
    manifold = riemgd.ModelManifold(models.Linear(features, B), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(target))
    rng = np.random.default_rng(2)
    theta, c = rng.standard_normal(P), rng.standard_normal(P)
    np.testing.assert_allclose(problem.riemannian_hessian(theta, c), c, atol=1e-12)  # G⁻¹ G c


@pytest.mark.parametrize(
    "loss",
    [losses.KL(lambda x: 1.0 + x**2), losses.L2(target)],
    ids=["KL", "L2"],
)
def test_parameter_space_hessian_is_the_coordinate_hessian(loss):
    """ParameterSpace (flat metric M = I): Hess f = ∇²_θ f, by central differences of ∇_θ f."""
    manifold = riemgd.ParameterSpace(quadratic_manifold())
    problem = riemgd.Problem(manifold, loss)
    theta = np.array([0.4, 0.1])
    c = np.array([0.3, -1.0])
    h = 1e-5
    expected = (problem.euclidean_gradient(theta + h * c) - problem.euclidean_gradient(theta - h * c)) / (2 * h)
    np.testing.assert_allclose(problem.riemannian_hessian(theta, c), expected, rtol=1e-6, atol=1e-9)


def test_kl_loss_hessian_on_a_model_manifold_matches_the_koszul_form():
    manifold = quadratic_manifold()
    problem = riemgd.Problem(manifold, losses.KL(lambda x: 1.0 + x**2))
    theta = np.array([1.5, 0.4])
    assert np.all(manifold.embed(theta) > 0)  # v_θ > 0 on [0, 1], where KL is finite
    c, c2 = np.array([0.2, 1.0]), np.array([-0.5, 0.3])
    expected = koszul_hessian_form(manifold, problem.euclidean_gradient, theta, c, c2)
    got = float(manifold.inner_product(theta, c, problem.riemannian_hessian(theta, c2)))
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-8)


def test_riemannian_newton_on_a_quadratic_model_manifold_converges_quadratically():
    manifold = quadratic_manifold()
    problem = riemgd.Problem(manifold, losses.L2(target))
    start = np.array([0.3, 0.0])
    options = {"min_gradient_norm": 1e-12, "max_iterations": 30, "log_verbosity": 1}
    riemannian = riemgd.Newton(method="riemannian", **options).run(problem, initial_point=start)
    parameters = riemgd.Newton(method="parameters", **options).run(problem, initial_point=start)
    assert riemannian.reason == "min_gradient_norm", riemannian.stopping_criterion
    np.testing.assert_allclose(riemannian.point, parameters.point, atol=1e-9)  # the same critical point
    norms = np.array(riemannian.log["iterations"]["gradient_norm"])
    pairs = [(a, b) for a, b in itertools.pairwise(norms) if 1e-5 < a < 1e-1]
    assert pairs and all(b <= 10 * a**2 for a, b in pairs), norms


def test_trust_regions_on_a_model_manifold_reach_the_least_squares_fit():
    manifold = quadratic_manifold()
    problem = riemgd.Problem(manifold, losses.L2(target))
    result = riemgd.TrustRegions(min_gradient_norm=1e-10).run(problem, initial_point=np.array([0.3, 0.0]))
    assert result.reason == "min_gradient_norm"
    # first-order condition of the fit: the residual u − v is K-orthogonal to the tangent space J
    theta = result.point
    residual = target(X) - manifold.embed(theta)
    assert np.abs(manifold._jacobian(theta).T @ (W * residual)).max() < 1e-10


def test_output_metric_space_has_no_model_hessian():
    space = spaces.HessianWeighted(spaces.L2(X, W), lambda v: np.diag(W), damping=0.0)
    manifold = quadratic_manifold(space)
    problem = riemgd.Problem(manifold, losses.L2(target))
    with pytest.raises(NotImplementedError, match="does not depend on the"):
        problem.riemannian_hessian(np.zeros(P), np.ones(P))


def test_loss_without_hessian_product_falls_back_in_newton():
    """Composite has only a Gauss–Newton matrix, no exact product: Newton keeps parameter coordinates."""
    loss = losses.Composite(lambda v: v + 0.1 * v**3, target)
    problem = riemgd.Problem(quadratic_manifold(), loss)
    with pytest.raises(NotImplementedError, match="hessian_vector_product"):
        problem.riemannian_hessian(np.zeros(P), np.ones(P))
    options = {"max_iterations": 3, "min_gradient_norm": 0.0, "min_step_size": 0.0, "log_verbosity": 1}
    start = np.array([0.3, 0.0])
    auto = riemgd.Newton(**options).run(problem, initial_point=start)
    parameters = riemgd.Newton(method="parameters", **options).run(problem, initial_point=start)
    for got, expected in zip(auto.log["iterations"]["point"], parameters.log["iterations"]["point"], strict=True):
        np.testing.assert_array_equal(got, expected)

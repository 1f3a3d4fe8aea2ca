"""SPRING against a hand-written loop of Goldshlager, Abrahamsen & Lin's formula,
``φ_k = μφ_{k−1} + Jᵀ(JJᵀ + λI)⁻¹(r − μJφ_{k−1})``, ``θ_{k+1} = θ_k + η_k φ_k``."""

from __future__ import annotations

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces
from riemgd.optimizers import GridSearch, NormConstrained, SpringMomentum

N, P = 30, 60  # fewer samples than parameters: J has a kernel, where SPRING's momentum lives
MU = 0.9


def least_squares(damping: float):
    rng = np.random.default_rng(4)
    x = np.linspace(0.0, 1.0, N)
    features = rng.standard_normal((N, P)) / np.sqrt(P)
    target = rng.standard_normal(N)
    # unit weights: S = I, so SJ = J = Φ and the loss is ½‖Φθ − u‖²
    manifold = riemgd.ModelManifold(models.Linear(features), spaces.L2(x, np.ones(N)), damping=damping)
    return riemgd.Problem(manifold, losses.L2(target)), features, target


def spring_by_hand(features, target, damping, steps, step_rule, theta):
    phi = np.zeros(P)
    kernel = features @ features.T + damping * np.eye(N)  # JJᵀ + λI
    points = []
    for _ in range(steps):
        r = target - features @ theta  # the residual −∂L/∂v
        phi = MU * phi + features.T @ np.linalg.solve(kernel, r - MU * features @ phi)
        theta = theta + step_rule(phi) * phi
        points.append(theta)
    return points


@pytest.mark.parametrize(
    ("rule", "by_hand"),
    [
        (0.5, lambda phi: 0.5),
        (
            NormConstrained(0.8, 0.05, norm="euclidean"),
            lambda phi: min(0.8, 0.05 / np.linalg.norm(phi)),
        ),
    ],
)
def test_spring_is_the_published_iteration(rule, by_hand):
    damping = 0.05
    problem, features, target = least_squares(damping)
    theta0 = np.zeros(P)
    assert problem.manifold.solver(theta0).cutoff == 0  # the metric is exactly G + λI
    result = riemgd.Spring(rule, MU, max_iterations=12, min_gradient_norm=0, log_verbosity=1).run(
        problem, initial_point=theta0
    )
    expected = spring_by_hand(features, target, damping, 12, by_hand, theta0)
    for point, reference in zip(result.log["iterations"]["point"][1:], expected, strict=True):
        np.testing.assert_allclose(point, reference, rtol=0, atol=1e-11 * np.linalg.norm(reference))


def test_spring_keeps_what_lm_momentum_drops():
    """φ_k + grad = μ G_Λ⁻¹ Λ φ_{k−1}: the kept part is the damped kernel component of
    the old increment (LM's transport P_{T_k}Jφ is the complement, φ − that)."""
    damping = 0.05
    problem, features, _ = least_squares(damping)
    manifold, rule = problem.manifold, SpringMomentum(MU)
    theta = np.zeros(P)
    rule.start(problem, theta)
    first = rule(problem, theta)
    step = riemgd.optimizers.ConstantStep(0.5)(problem, theta, problem.cost(theta), first)
    rule.accept(problem, theta, step)
    second = rule(problem, step.point)
    G = features.T @ features + damping * np.eye(P)
    kept = second.descent + problem.riemannian_gradient(step.point)
    np.testing.assert_allclose(kept, MU * np.linalg.solve(G, damping * first.descent), atol=1e-12)
    transported = manifold.transport(theta, step.point, first.descent)
    np.testing.assert_allclose(kept / MU + transported, first.descent, atol=1e-12)


def test_spring_in_parameter_space_is_gradient_descent():
    """With a full-rank metric nothing lies outside the tangent space: no momentum survives."""
    problem, _, target = least_squares(0.0)
    space = riemgd.ParameterSpace(problem.manifold)
    problem = riemgd.Problem(space, losses.L2(target))
    theta0 = np.zeros(P)
    spring = riemgd.Spring(0.1, MU, max_iterations=8, min_gradient_norm=0).run(problem, initial_point=theta0)
    plain = riemgd.GradientDescent(0.1, max_iterations=8, min_gradient_norm=0).run(problem, initial_point=theta0)
    np.testing.assert_allclose(spring.point, plain.point, rtol=0, atol=1e-13)


def test_spring_with_a_line_search_reaches_the_least_squares_fit():
    problem, features, target = least_squares(1e-6)
    result = riemgd.Spring(GridSearch(), MU, max_iterations=300, min_gradient_norm=1e-9).run(
        problem, initial_point=np.zeros(P)
    )
    assert result.cost < 1e-10  # n < p: the residual can be driven to zero
    np.testing.assert_allclose(features @ result.point, target, atol=1e-5)


def test_spring_refuses_a_manifold_without_common_coordinates():
    problem = riemgd.Problem(riemgd.Sphere(4), lambda x: x[0], euclidean_gradient=lambda x: np.eye(4)[0])
    with pytest.raises(TypeError, match="SPRING needs a manifold whose tangent vectors are coordinates"):
        riemgd.Spring(0.1).run(problem, initial_point=np.eye(4)[1])


def test_norm_constrained_rejects_an_unknown_norm():
    with pytest.raises(ValueError, match="norm must be 'metric' or 'euclidean'"):
        NormConstrained(norm="l1")

"""A functional loss forms its natural gradient as P_T ∇L(v), not as G_Λ⁻¹(Jᵀq): the same
vector, but with few samples (n < p) and small damping only the first survives round-off
in the sample-space solver (Woodbury on the covector Jᵀq cancels: Λ⁻¹q − …)."""

from __future__ import annotations

import numpy as np

import riemgd
from riemgd import losses, models, spaces


def test_sample_space_natural_gradient_of_a_loss_matches_the_svd_solution_at_small_damping():
    """The n×n kernel JJᵀ + λI has condition 3e2 here, G + λI about 1e8: the push-through
    solve is exact to round-off (the p×p Cholesky cannot be: 1e-7); through the covector
    path it was 3e-6 off."""
    solver = "sample"
    rng = np.random.default_rng(3)
    n, p, damping = 40, 160, 1e-8
    x = np.linspace(0, 1, n)
    features = rng.standard_normal((n, p)) * np.logspace(0, -3, p)  # singular values spread over 3 decades
    target = rng.standard_normal(n)
    manifold = riemgd.ModelManifold(
        models.Linear(features), spaces.L2(x, np.ones(n)), damping=damping, rcond=1e-12, solver=solver
    )
    problem = riemgd.Problem(manifold, losses.L2(target))
    theta = rng.standard_normal(p)
    assert problem.route == "functional"
    assert not manifold.solver(theta).regularized
    # (JᵀJ + λI)⁻¹ Jᵀ r through the SVD J = U Σ Vᵀ: V Σ/(Σ² + λ) Uᵀ r, no cancellation
    U, s, Vt = np.linalg.svd(features, full_matrices=False)
    reference = Vt.T @ (s / (s**2 + damping) * (U.T @ (features @ theta - target)))
    gradient = problem.riemannian_gradient(theta)
    np.testing.assert_allclose(gradient, reference, rtol=0, atol=1e-12 * np.linalg.norm(reference))

"""riemgd's optimizers on complex manifolds reach known optima (autograd gradients
of real costs of complex points, in pymanopt's convention)."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.linalg

import riemgd


def hermitian(rng, n):
    a = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    return (a + a.conj().T) / 2


def test_gradient_descent_finds_the_smallest_eigenspace_on_the_complex_grassmannian():
    """min Re tr(XᴴAX) over Gr(n, p) of C^n: the sum of the p smallest eigenvalues of the
    Hermitian A, attained on the span of their eigenvectors."""
    rng = np.random.default_rng(0)
    n, p = 8, 3
    a = hermitian(rng, n)
    manifold = riemgd.ComplexGrassmann(n, p)
    problem = riemgd.Problem(manifold, lambda x: anp.real(anp.trace(anp.conj(x.T) @ a @ x)))
    result = riemgd.GradientDescent(min_gradient_norm=1e-9).run(problem, initial_point=manifold.random_point(rng=1))
    eigenvalues, eigenvectors = np.linalg.eigh(a)
    assert result.cost == pytest.approx(eigenvalues[:p].sum(), rel=1e-12)
    assert float(manifold.dist(result.point, eigenvectors[:, :p].astype(complex))) < 1e-6


def test_heavy_ball_solves_the_unitary_procrustes_problem():
    """min ‖X − B‖² over U(n): the unitary polar factor W Vᴴ of B = W Σ Vᴴ."""
    rng = np.random.default_rng(1)
    b = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    manifold = riemgd.UnitaryGroup(4)
    problem = riemgd.Problem(manifold, lambda x: anp.sum(anp.abs(x - b) ** 2))
    optimizer = riemgd.HeavyBall(0.1, 0.5, "LM", min_gradient_norm=1e-10, max_iterations=2000)
    result = optimizer.run(problem, initial_point=manifold.random_point(rng=2))
    w, _, vh = np.linalg.svd(b)
    np.testing.assert_allclose(result.point, w @ vh, atol=1e-9)


def test_nesterov_finds_the_geometric_mean_of_two_hpd_matrices():
    """min d²(X, P) + d²(X, Q) over HPD(n): the geodesic midpoint
    P^{1/2} (P^{-1/2} Q P^{-1/2})^{1/2} P^{1/2} (Bhatia 2007, ch. 6), with grad = −2(log_X P + log_X Q)."""
    manifold = riemgd.HermitianPositiveDefinite(3)
    p, q = manifold.random_point(rng=3), manifold.random_point(rng=4)
    problem = riemgd.Problem(
        manifold,
        lambda x: manifold.dist(x, p) ** 2 + manifold.dist(x, q) ** 2,
        riemannian_gradient=lambda x: -2.0 * (manifold.log(x, p) + manifold.log(x, q)),
    )
    result = riemgd.Nesterov(0.2, 0.3, min_gradient_norm=1e-10).run(problem, initial_point=manifold.random_point(rng=5))
    root = scipy.linalg.sqrtm(p)
    inverse_root = np.linalg.inv(root)
    midpoint = root @ scipy.linalg.sqrtm(inverse_root @ q @ inverse_root) @ root
    np.testing.assert_allclose(result.point, midpoint, atol=1e-8)


def test_heavy_ball_aligns_phases_on_the_complex_circle():
    """min −Re(bᴴz) over unit-modulus z: z_i = b_i/|b_i|, cost −Σ|b_i|."""
    rng = np.random.default_rng(6)
    b = rng.standard_normal(6) + 1j * rng.standard_normal(6)
    manifold = riemgd.ComplexCircle(6)
    problem = riemgd.Problem(manifold, lambda z: -anp.real(anp.sum(anp.conj(b) * z)))
    optimizer = riemgd.HeavyBall(0.2, 0.5, "FD", min_gradient_norm=1e-10)
    result = optimizer.run(problem, initial_point=manifold.random_point(rng=7))
    assert result.cost == pytest.approx(-np.abs(b).sum(), rel=1e-12)
    np.testing.assert_allclose(result.point, b / np.abs(b), atol=1e-9)


def test_gradient_descent_recovers_a_low_rank_hermitian_matrix():
    """min ‖YYᴴ − M‖² over rank-2 factors: YYᴴ = M for a rank-2 Hermitian PSD M."""
    rng = np.random.default_rng(8)
    factor = rng.standard_normal((5, 2)) + 1j * rng.standard_normal((5, 2))
    target = factor @ factor.conj().T
    manifold = riemgd.PSDFixedRankComplex(5, 2)
    problem = riemgd.Problem(manifold, lambda y: anp.sum(anp.abs(y @ anp.conj(y.T) - target) ** 2))
    result = riemgd.GradientDescent(min_gradient_norm=1e-10, max_iterations=3000).run(
        problem, initial_point=manifold.random_point(rng=9)
    )
    y = result.point
    np.testing.assert_allclose(y @ y.conj().T, target, atol=1e-8)

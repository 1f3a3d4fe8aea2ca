"""Every optimizer reaches the known optimum of classical problems.

Each optimum is computed independently of riemgd: eigenvalues from
``numpy.linalg.eigh``, the SPD geodesic midpoint from ``scipy.linalg.sqrtm``.
Step sizes are ``1/L`` for the Lipschitz constant ``L`` of the Riemannian
gradient, read off the spectrum.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import riemgd

MIN_GRADIENT_NORM = 1e-10


def random_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def matrix_with_spectrum(eigenvalues, rng: np.random.Generator) -> np.ndarray:
    q = random_orthogonal(len(eigenvalues), rng)
    a = (q * np.asarray(eigenvalues, dtype=float)) @ q.T
    return 0.5 * (a + a.T)


def optimizers(step_size: float):
    """The optimizers under test, with step ``α = step_size`` (≈ 1/L)."""
    # min_step_size=0: with a fixed α only the gradient-norm test may end the run
    stop = {"min_gradient_norm": MIN_GRADIENT_NORM, "min_step_size": 0.0, "max_iterations": 5000}
    return {
        # Armijo backtracking compares costs, so once the decrease ⟨grad, step⟩ is
        # below the cost's round-off the search returns a zero step: min_step_size
        # (the default 1e-10) then ends the run, at round-off accuracy in the cost.
        "gd-armijo": riemgd.GradientDescent(min_gradient_norm=MIN_GRADIENT_NORM, max_iterations=5000),
        "heavy-ball-LM": riemgd.HeavyBall(step_size, 0.5, "LM", **stop),
        "heavy-ball-FD": riemgd.HeavyBall(step_size, 0.5, "FD", **stop),
        # LG: β multiplies the previous gradient, so a small negative β adds a
        # fraction of the previous descent direction.
        "heavy-ball-LG": riemgd.HeavyBall(step_size, -0.3 * step_size, "LG", **stop),
        "nesterov-restart": riemgd.Nesterov(step_size, 0.5, restart="function", **stop),
        # line searches on costs as well, stopped like gd-armijo
        "conjugate-gradient": riemgd.ConjugateGradient(min_gradient_norm=MIN_GRADIENT_NORM, max_iterations=5000),
        "lbfgs": riemgd.LBFGS(min_gradient_norm=MIN_GRADIENT_NORM, max_iterations=5000),
    }


LINE_SEARCHES = ("gd-armijo", "conjugate-gradient", "lbfgs")


OPTIMIZER_NAMES = sorted(optimizers(1.0))


def run(name: str, step_size: float, problem, initial_point):
    result = optimizers(step_size)[name].run(problem, initial_point=initial_point)
    if name in LINE_SEARCHES:
        assert result.reason in ("min_gradient_norm", "min_step_size"), result.stopping_criterion
        assert result.gradient_norm < 1e-6
    else:
        assert result.reason == "min_gradient_norm", result.stopping_criterion
    return result


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_rayleigh_quotient_on_sphere(name):
    rng = np.random.default_rng(0)
    n = 30
    # spectrum in [1, 4] plus a well separated top eigenvalue 8
    A = matrix_with_spectrum(np.append(np.linspace(1.0, 4.0, n - 1), 8.0), rng)
    optimum = -np.linalg.eigvalsh(A)[-1]
    manifold = riemgd.Sphere(n)
    problem = riemgd.Problem(manifold, lambda x: -x @ A @ x, euclidean_gradient=lambda x: -2.0 * A @ x)
    # Riemannian Hessian at the optimum: 2(λ_max − λ_i) ≤ 2·(8 − 1) = 14
    result = run(name, 1.0 / 14.0, problem, manifold.random_point(rng=rng))
    assert abs(result.cost - optimum) <= 1e-8 * abs(optimum)
    eigenvector = np.linalg.eigh(A)[1][:, -1]
    assert abs(abs(result.point @ eigenvector) - 1.0) < 1e-8
    assert abs(float(np.linalg.norm(result.point)) - 1.0) < 1e-12


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_brockett_cost_on_stiefel(name):
    rng = np.random.default_rng(1)
    n, p = 10, 3
    eigenvalues = np.array([1.0, 2.0, 3.0, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0])
    A = matrix_with_spectrum(eigenvalues, rng)
    N = np.diag([3.0, 2.0, 1.0])
    # the largest N_ii pairs with the smallest eigenvalue
    optimum = float(np.sum(np.diag(N) * np.linalg.eigvalsh(A)[:p]))
    manifold = riemgd.Stiefel(n, p)
    problem = riemgd.Problem(
        manifold, lambda X: np.trace(X.T @ A @ X @ N), euclidean_gradient=lambda X: 2.0 * A @ X @ N
    )
    # curvatures at the optimum are at most about 2·max(N)·(λ_max − λ_min) = 42
    result = run(name, 1.0 / 42.0, problem, manifold.random_point(rng=rng))
    assert abs(result.cost - optimum) <= 1e-8 * abs(optimum)
    X = result.point
    assert np.abs(X.T @ X - np.eye(p)).max() < 1e-12
    # the columns are the eigenvectors of the three smallest eigenvalues, in order
    vectors = np.linalg.eigh(A)[1][:, :p]
    assert np.abs(np.abs(np.diag(vectors.T @ X)) - 1.0).max() < 1e-8


def spd_function(S: np.ndarray, fun) -> np.ndarray:
    w, q = np.linalg.eigh(S)
    return (q * fun(w)) @ q.T


def spd_log(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """log_X(Y) = X^{1/2} logm(X^{-1/2} Y X^{-1/2}) X^{1/2} for the affine-invariant metric."""
    root = spd_function(X, np.sqrt)
    inv_root = spd_function(X, lambda w: 1.0 / np.sqrt(w))
    return root @ spd_function(inv_root @ Y @ inv_root, np.log) @ root


def spd_squared_distance(X: np.ndarray, Y: np.ndarray) -> float:
    """d²(X, Y) = Σ log² λ_i with λ the generalized eigenvalues of (Y, X)."""
    return float(np.sum(np.log(scipy.linalg.eigh(Y, X, eigvals_only=True)) ** 2))


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_karcher_mean_of_two_spd_matrices(name):
    rng = np.random.default_rng(2)
    A = matrix_with_spectrum([1.0, 2.0, 4.0], rng)
    B = matrix_with_spectrum([0.5, 1.5, 3.0], rng)
    root_A = scipy.linalg.sqrtm(A).real
    inv_root_A = np.linalg.inv(root_A)
    midpoint = root_A @ scipy.linalg.sqrtm(inv_root_A @ B @ inv_root_A).real @ root_A
    manifold = riemgd.SymmetricPositiveDefinite(3)
    problem = riemgd.Problem(
        manifold,
        lambda X: 0.5 * (spd_squared_distance(X, A) + spd_squared_distance(X, B)),
        riemannian_gradient=lambda X: -(spd_log(X, A) + spd_log(X, B)),
    )
    # ½d²(·, Y) has Riemannian Hessian ⪰ I on this Hadamard manifold, ≈ I near the mean:
    # the cost's Hessian is ≈ 2I, so α = 1/2.
    start = manifold.random_point(rng=rng)
    result = run(name, 0.5, problem, start)
    optimum = 0.5 * (spd_squared_distance(midpoint, A) + spd_squared_distance(midpoint, B))
    assert abs(result.cost - optimum) <= 1e-8 * abs(optimum)
    assert np.linalg.norm(result.point - midpoint) <= 1e-8 * np.linalg.norm(midpoint)


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_dominant_subspace_on_grassmann(name):
    rng = np.random.default_rng(3)
    n, p = 10, 3
    eigenvalues = np.array([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 7.0, 8.0, 9.0])
    A = matrix_with_spectrum(eigenvalues, rng)
    optimum = -float(np.sum(np.linalg.eigvalsh(A)[-p:]))
    manifold = riemgd.Grassmann(n, p)
    problem = riemgd.Problem(manifold, lambda X: -np.trace(X.T @ A @ X), euclidean_gradient=lambda X: -2.0 * A @ X)
    # Hessian eigenvalues 2(λ_i − λ_j), i among the top p, j among the rest: at most 2·(9 − 1) = 16
    result = run(name, 1.0 / 16.0, problem, manifold.random_point(rng=rng))
    assert abs(result.cost - optimum) <= 1e-8 * abs(optimum)
    X = result.point
    top = np.linalg.eigh(A)[1][:, -p:]
    # same subspace: equal orthogonal projectors. A cost-based line search pins the
    # subspace down only to about √(ε·|f|·L)/gap ≈ 2e-8 (cost round-off), the
    # gradient-driven fixed-step methods to ‖grad‖/gap ≈ 1e-10.
    tolerance = 1e-7 if name == "gd-armijo" else 1e-8
    assert np.linalg.norm(X @ X.T - top @ top.T) < tolerance

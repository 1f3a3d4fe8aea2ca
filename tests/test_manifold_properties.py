"""One property battery over every manifold and several seeds.

A new manifold gets the whole battery by being listed once in
``conftest.MANIFOLDS``.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from conftest import is_on_manifold, random_ambient, tangent_residual

import riemgd

SEEDS = [0, 1, 2]


def frobenius(v) -> float:
    if isinstance(v, tuple):
        return float(np.sqrt(sum(frobenius(p) ** 2 for p in v)))
    return float(np.linalg.norm(v))


def quadratic_problem(manifold, rng):
    """f(x) = ½⟨x, S x⟩ + ⟨b, x⟩ on the ambient space, summed over components; for
    a complex component ``x ∈ C^n`` the real ``½ Re(xᴴ S x) + Re(bᴴ x)``, S Hermitian."""
    x0 = manifold.random_point(rng=rng)
    parts = x0 if isinstance(x0, tuple) else (x0,)
    mats = []
    for p in parts:
        n = p.size
        s = rng.standard_normal((n, n))
        if np.iscomplexobj(p):
            s = s + 1j * rng.standard_normal((n, n))
            mats.append(((s + s.conj().T) / 2, rng.standard_normal(n) + 1j * rng.standard_normal(n)))
        else:
            mats.append(((s + s.T) / 2, rng.standard_normal(n)))

    def cost(x):
        pieces = [x[i] for i in range(len(mats))] if isinstance(x0, tuple) else [x]
        total = 0.0
        for piece, (s, b) in zip(pieces, mats, strict=True):
            flat = anp.reshape(piece, (-1,))
            if np.iscomplexobj(s):
                total = total + anp.real(0.5 * anp.conj(flat) @ s @ flat + anp.conj(b) @ flat)
            else:
                total = total + 0.5 * flat @ s @ flat + b @ flat
        return total

    return riemgd.Problem(manifold, cost)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_point_lies_on_manifold(manifold, seed):
    assert is_on_manifold(manifold, manifold.random_point(rng=seed))


@pytest.mark.parametrize("seed", SEEDS)
def test_projection_is_idempotent_and_tangent(manifold, seed):
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    u = random_ambient(manifold, x, rng)
    pu = manifold.projection(x, u)
    assert tangent_residual(manifold, x, pu) < 1e-12 * max(1.0, frobenius(u))
    assert frobenius(manifold.projection(x, manifold.embedding(x, pu)) - pu) < 1e-12 * max(1.0, frobenius(pu))


@pytest.mark.parametrize("seed", SEEDS)
def test_random_tangent_vector_is_unit_and_tangent(manifold, seed):
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    u = manifold.random_tangent_vector(x, rng=rng)
    assert tangent_residual(manifold, x, u) < 1e-12
    assert float(manifold.norm(x, u)) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_inner_product_is_symmetric_positive_definite_and_bilinear(manifold, seed):
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    u, v, w = (manifold.random_tangent_vector(x, rng=rng) for _ in range(3))
    uv = float(manifold.inner_product(x, u, v))
    assert uv == pytest.approx(float(manifold.inner_product(x, v, u)), rel=1e-12, abs=1e-14)
    assert float(manifold.inner_product(x, u, u)) > 0
    combined = float(manifold.inner_product(x, 2.0 * u - 0.5 * w, v))
    expected = 2.0 * uv - 0.5 * float(manifold.inner_product(x, w, v))
    assert combined == pytest.approx(expected, rel=1e-12, abs=1e-13)
    assert float(manifold.norm(x, u)) ** 2 == pytest.approx(float(manifold.inner_product(x, u, u)), rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_retraction_at_zero_is_identity_and_lands_on_manifold(manifold, seed):
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    assert frobenius(manifold.embed(manifold.retraction(x, manifold.zero_vector(x))) - manifold.embed(x)) < 1e-13
    u = manifold.random_tangent_vector(x, rng=rng)
    assert is_on_manifold(manifold, manifold.retraction(x, 0.7 * u))


@pytest.mark.parametrize("seed", SEEDS)
def test_retraction_agrees_with_direction_to_first_order(manifold, seed):
    result = riemgd.check_retraction(manifold, rng=seed)
    assert result.passed, f"slope {result.slope}"
    assert result.details["zero_step_error"] < 1e-13
    # an independent finite-difference look at d/dt R_x(t u)|₀ = u
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    u = manifold.random_tangent_vector(x, rng=rng)
    t = 1e-6
    forward, backward = manifold.embed(manifold.retraction(x, t * u)), manifold.embed(manifold.retraction(x, -t * u))
    derivative = (forward - backward) / (2 * t)
    assert frobenius(derivative - manifold.embedding(x, u)) < 1e-8


@pytest.mark.parametrize("seed", SEEDS)
def test_transport_lands_in_target_tangent_space(manifold, seed):
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    y = manifold.retraction(x, manifold.random_tangent_vector(x, rng=rng))
    u = manifold.random_tangent_vector(x, rng=rng)
    moved = manifold.transport(x, y, u)
    assert tangent_residual(manifold, y, moved) < 1e-12
    report = riemgd.check_transport(manifold, x, y, u, rng=rng)
    assert report.passed, report


@pytest.mark.parametrize("seed", SEEDS)
def test_riemannian_gradient_matches_finite_differences(manifold, seed):
    rng = np.random.default_rng(seed)
    problem = quadratic_problem(manifold, rng)
    x = manifold.random_point(rng=rng)
    u = manifold.random_tangent_vector(x, rng=rng)
    grad = problem.riemannian_gradient(x)
    assert tangent_residual(manifold, x, grad) < 1e-10 * max(1.0, frobenius(grad))
    h = 1e-5
    fd = (problem.cost(manifold.retraction(x, h * u)) - problem.cost(manifold.retraction(x, -h * u))) / (2 * h)
    assert float(manifold.inner_product(x, grad, u)) == pytest.approx(fd, rel=1e-6, abs=1e-8)
    check = riemgd.check_gradient(problem, x, u)
    assert check.passed, f"slope {check.slope}"


@pytest.mark.parametrize("seed", SEEDS)
def test_ambient_gradient_projects_to_riemannian_gradient(manifold, seed):
    rng = np.random.default_rng(seed)
    problem = quadratic_problem(manifold, rng)
    x = manifold.random_point(rng=rng)
    grad = problem.riemannian_gradient(x)
    projected = manifold.projection(x, problem.ambient_gradient(x))
    assert frobenius(projected - grad) < 1e-12 * max(1.0, frobenius(grad))


@pytest.mark.parametrize("seed", SEEDS)
def test_exp_log_dist_are_consistent_where_implemented(manifold, seed):
    rng = np.random.default_rng(seed)
    x = manifold.random_point(rng=rng)
    u = 0.3 * manifold.random_tangent_vector(x, rng=rng)
    try:
        y = manifold.exp(x, u)
    except NotImplementedError as error:
        assert type(manifold).__name__ in str(error) and "exp" in str(error)
        return
    assert is_on_manifold(manifold, y)
    # the exponential map is a second-order retraction: E(t) = O(t²) as well
    assert frobenius(manifold.embed(manifold.exp(x, 0 * u)) - manifold.embed(x)) < 1e-13
    try:
        v = manifold.log(x, y)
    except NotImplementedError as error:  # exp without a closed-form log (Stiefel)
        assert type(manifold).__name__ in str(error) and "log" in str(error)
        return
    assert frobenius(v - u) < 1e-9
    assert float(manifold.dist(x, y)) == pytest.approx(0.3, rel=1e-9)


QUOTIENTS = ("Grassmann", "ComplexGrassmann", "PSDFixedRank", "PSDFixedRankComplex")


def _is_quotient(manifold) -> bool:
    """Points ``X`` stand for classes ``{XQ : Q orthogonal/unitary}``: only costs constant on
    the classes have a Riemannian Hessian there (and a self-adjoint one)."""
    return type(manifold).__name__ in QUOTIENTS


def invariant_quadratic_problem(manifold, rng):
    """``f(X) = ½⟨P, S P⟩ + ⟨B, P⟩`` of ``P = X Xᴴ`` (per stacked copy): a cost of the class of ``X``."""
    x0 = manifold.random_point(rng=rng)
    n = x0.shape[-2]
    s = rng.standard_normal((n * n, n * n))
    s, b = (s + s.T) / 2, rng.standard_normal(n * n)

    def cost(x):
        p = anp.matmul(x, anp.conj(anp.swapaxes(x, -1, -2)))
        flat = anp.reshape(anp.real(p), (-1, n * n)) + anp.reshape(anp.imag(p), (-1, n * n))
        return anp.sum(0.5 * anp.einsum("ki,ij,kj->k", flat, s, flat) + flat @ b)

    return riemgd.Problem(manifold, cost)


def _has_exp(manifold) -> bool:
    x = manifold.random_point(rng=0)
    try:
        manifold.exp(x, manifold.zero_vector(x))
    except NotImplementedError:
        return False
    return True


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_riemannian_hessian_of_the_quadratic_cost(manifold, seed):
    """``euclidean_to_riemannian_hessian`` on every manifold, through the problem's autograd
    Hessian: self-adjoint, tangent and linear everywhere; along ``exp`` (where the manifold
    has it) also the Taylor remainder ``f(exp_x(tu)) − f − t⟨grad, u⟩ − ½t²⟨Hess u, u⟩ = O(t³)``."""
    if hasattr(manifold, "model"):
        pytest.skip("model manifolds: tests/test_model_hessian.py")
    if isinstance(manifold, riemgd.FixedRankEmbedded):
        pytest.skip("its Hessian needs the dense gradient of a cost of the matrix: tests/test_riemannian_hessians.py")
    rng = np.random.default_rng(seed)
    problem = invariant_quadratic_problem(manifold, rng) if _is_quotient(manifold) else quadratic_problem(manifold, rng)
    exp = _has_exp(manifold)
    report = riemgd.check_hessian(problem, curve="exp" if exp else "retraction", rng=seed)
    assert report.symmetry_residual < 1e-10, report
    assert report.tangent_residual < 1e-10, report
    assert report.linearity_residual < 1e-10, report
    if exp:
        assert report.slope_passed, report


def test_hessian_operator_matches_the_per_product_hessian(manifold):
    """``Problem.hessian_operator(x)`` (through ``euclidean_to_riemannian_hessian_at``, the
    x-terms computed once) gives ``euclidean_to_riemannian_hessian``'s products."""
    if hasattr(manifold, "model") or isinstance(manifold, riemgd.FixedRankEmbedded):
        pytest.skip("model manifolds and FixedRankEmbedded: their Hessians are tested in their own files")
    rng = np.random.default_rng(3)
    problem = invariant_quadratic_problem(manifold, rng) if _is_quotient(manifold) else quadratic_problem(manifold, rng)
    x = manifold.random_point(rng=rng)
    operator = problem.hessian_operator(x)
    for _ in range(2):
        u = manifold.random_tangent_vector(x, rng=rng)
        expected = problem.riemannian_hessian(x, u)
        scale = max(1.0, float(manifold.norm(x, expected)))
        assert float(manifold.norm(x, operator(u) - expected)) <= 1e-12 * scale

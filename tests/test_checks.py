"""The numerical diagnostics tell right from wrong, with the expected numbers."""

from __future__ import annotations

import numpy as np
import pytest

import riemgd

N = 7
A = np.diag(np.arange(1.0, N + 1.0)) + 0.3 * np.ones((N, N))


def rayleigh(gradient):
    return riemgd.Problem(riemgd.Sphere(N), lambda x: -x @ A @ x, euclidean_gradient=gradient)


WRONG_GRADIENTS = {
    "scaled": lambda x: -4.0 * A @ x,  # twice the true gradient
    "wrong-sign": lambda x: 2.0 * A @ x,
    "off-by-constant": lambda x: -2.0 * A @ x + np.arange(N),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_check_gradient_passes_on_the_right_gradient(seed):
    report = riemgd.check_gradient(rayleigh(lambda x: -2.0 * A @ x), rng=seed)
    assert report.passed
    assert report.slope == pytest.approx(2.0, abs=0.1)
    assert report.details["tangent_residual"] < 1e-12
    assert report.expected_slope == 2.0
    assert len(report.steps) == len(report.errors)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", sorted(WRONG_GRADIENTS))
def test_check_gradient_fails_with_slope_one_on_a_wrong_gradient(name, seed):
    report = riemgd.check_gradient(rayleigh(WRONG_GRADIENTS[name]), rng=seed)
    assert not report.passed
    assert report.slope == pytest.approx(1.0, abs=0.1)


def test_check_gradient_remainder_matches_a_hand_computed_taylor_remainder():
    """At a given point and direction, E(t) = |f(R_x(tu)) − f(x) − t⟨grad, u⟩| computed by hand."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(N)
    x /= np.linalg.norm(x)
    u = rng.standard_normal(N)
    u -= (x @ u) * x
    u /= np.linalg.norm(u)
    report = riemgd.check_gradient(rayleigh(lambda x: -2.0 * A @ x), x, u)
    grad = -2.0 * (A @ x - (x @ A @ x) * x)
    for t, error in zip(report.steps[::8], report.errors[::8], strict=True):
        y = (x + t * u) / np.linalg.norm(x + t * u)
        expected = abs(-y @ A @ y + x @ A @ x - t * (grad @ u))
        assert error == pytest.approx(expected, rel=1e-6, abs=1e-14)
    assert report.details["directional_derivative"] == pytest.approx(grad @ u, rel=1e-12)


def test_check_gradient_flags_a_gradient_off_the_tangent_space():
    problem = riemgd.Problem(riemgd.Sphere(N), lambda x: -x @ A @ x, riemannian_gradient=lambda x: -2.0 * A @ x)
    report = riemgd.check_gradient(problem, rng=0)
    assert report.details["tangent_residual"] > 1e-3


class DoubleSpeedSphere(riemgd.Sphere):
    """A broken retraction: R_x(u) = (x + 2u)/‖x + 2u‖ has derivative 2u at 0."""

    def retraction(self, point, tangent_vector):
        y = point + 2.0 * tangent_vector
        return y / np.linalg.norm(y)


class ShiftedSphere(riemgd.Sphere):
    """A broken retraction: R_x(0) ≠ x."""

    def retraction(self, point, tangent_vector):
        y = point + tangent_vector + 1e-3 * np.roll(point, 1)
        return y / np.linalg.norm(y)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_check_retraction_passes_on_a_retraction(seed):
    report = riemgd.check_retraction(riemgd.Sphere(N), rng=seed)
    assert report.passed
    assert report.slope == pytest.approx(2.0, abs=0.1)
    assert report.details["zero_step_error"] < 1e-15


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_check_retraction_fails_on_a_double_speed_retraction(seed):
    report = riemgd.check_retraction(DoubleSpeedSphere(N), rng=seed)
    assert not report.passed
    assert report.slope == pytest.approx(1.0, abs=0.1)
    # ‖R_x(tu) − x − tu‖ ≈ t‖u‖ = t for small t
    small = report.steps < 1e-4
    np.testing.assert_allclose(report.errors[small], report.steps[small], rtol=1e-3)


def test_check_retraction_fails_when_zero_step_moves_the_point():
    report = riemgd.check_retraction(ShiftedSphere(N), rng=0)
    assert not report.passed
    assert report.details["zero_step_error"] > 1e-4


class IdentityTransportSphere(riemgd.Sphere):
    """A broken transport: u ∈ T_a returned unchanged, which is not tangent at b."""

    def transport(self, point_a, point_b, tangent_vector_a):
        return tangent_vector_a


class NonlinearTransportSphere(riemgd.Sphere):
    """A broken transport: projection followed by normalisation (not linear)."""

    def transport(self, point_a, point_b, tangent_vector_a):
        v = self.projection(point_b, tangent_vector_a)
        return v / np.linalg.norm(v)


@pytest.mark.parametrize("manifold", [riemgd.Sphere(N), riemgd.Stiefel(N, 3), riemgd.SymmetricPositiveDefinite(3)])
def test_check_transport_passes_on_a_transport(manifold):
    report = riemgd.check_transport(manifold, rng=0)
    assert report.passed
    assert max(report.tangent_residual, report.linearity_residual, report.identity_residual) < 1e-10


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_check_transport_fails_when_the_result_is_not_tangent(seed):
    manifold = IdentityTransportSphere(N)
    rng = np.random.default_rng(seed)
    a = manifold.random_point(rng=rng)
    b = riemgd.Sphere(N).retraction(a, manifold.random_tangent_vector(a, rng=rng))
    u = manifold.random_tangent_vector(a, rng=rng)
    report = riemgd.check_transport(manifold, a, b, u, rng=rng)
    assert not report.passed
    # the normal component of u at b is ⟨b, u⟩ b, computed by hand
    assert report.tangent_residual == pytest.approx(abs(b @ u) / np.linalg.norm(u), rel=1e-10)
    assert report.tangent_residual > 1e-3
    assert report.linearity_residual < 1e-12 and report.identity_residual < 1e-12  # the rest is right


def test_check_transport_fails_on_a_nonlinear_transport():
    report = riemgd.check_transport(NonlinearTransportSphere(N), rng=0)
    assert not report.passed
    assert report.linearity_residual > 1e-3
    assert report.tangent_residual < 1e-12

"""pymanopt ⇄ riemgd: problems and manifolds of one library in the other's solvers.

Every run is checked against the optimum from ``numpy.linalg.eigh``.
"""

from __future__ import annotations

import subprocess
import sys

import autograd.numpy as anp
import numpy as np
import pytest

import riemgd

pymanopt = pytest.importorskip("pymanopt")
from pymanopt.optimizers import ConjugateGradient, SteepestDescent, TrustRegions  # noqa: E402

N = 12


def spectrum_matrix(seed: int, n: int = N) -> np.ndarray:
    """Symmetric matrix with eigenvalues in [1, 3] and a separated top eigenvalue 6."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = (q * np.append(np.linspace(1.0, 3.0, n - 1), 6.0)) @ q.T
    return 0.5 * (a + a.T)


def unit_vector(seed: int, n: int = N) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal(n)
    return x / np.linalg.norm(x)


def riemgd_optimizers():
    # Rayleigh quotient: Hessian eigenvalues at the optimum ≤ 2(6 − 1) = 10, so α = 0.1.
    stop = {"min_gradient_norm": 1e-9, "min_step_size": 0.0, "max_iterations": 3000}
    return {
        "gd-armijo": riemgd.GradientDescent(min_gradient_norm=1e-9, max_iterations=3000),
        "heavy-ball": riemgd.HeavyBall(0.1, 0.5, **stop),
        "nesterov": riemgd.Nesterov(0.1, 0.5, restart="function", **stop),
    }


def assert_rayleigh_optimum(A: np.ndarray, cost: float, point) -> None:
    eigenvalues, vectors = np.linalg.eigh(A)
    assert abs(cost + eigenvalues[-1]) <= 1e-8 * eigenvalues[-1]
    point = np.asarray(point)
    assert abs(np.linalg.norm(point) - 1.0) < 1e-12
    assert abs(abs(point @ vectors[:, -1]) - 1.0) < 1e-8


def pymanopt_rayleigh(manifold, A: np.ndarray, backend: str, *, gradient: bool = True, hessian: bool = False):
    """The Rayleigh cost ``−xᵀAx`` as a pymanopt problem: with autograd, the cost alone;
    with numpy, the cost and (as asked) the Euclidean gradient ``−2Ax`` and Hessian ``−2Au``."""
    if backend == "autograd":

        @pymanopt.function.autograd(manifold)
        def cost(x):
            return -x @ A @ x

        return pymanopt.Problem(manifold, cost)

    @pymanopt.function.numpy(manifold)
    def cost(x):
        return -x @ A @ x

    @pymanopt.function.numpy(manifold)
    def euclidean_gradient(x):
        return -2.0 * A @ x

    @pymanopt.function.numpy(manifold)
    def euclidean_hessian(x, u):
        return -2.0 * A @ u

    derivatives = {"euclidean_gradient": euclidean_gradient} if gradient else {}
    if hessian:
        derivatives["euclidean_hessian"] = euclidean_hessian
    return pymanopt.Problem(manifold, cost, **derivatives)


# ------------------------------------------------------- pymanopt → riemgd
@pytest.mark.parametrize("name", sorted(riemgd_optimizers()))
@pytest.mark.parametrize("backend", ["autograd", "numpy"])
def test_pymanopt_problem_on_pymanopt_sphere_in_riemgd_optimizers(name, backend):
    A = spectrum_matrix(0)
    problem = pymanopt_rayleigh(pymanopt.manifolds.Sphere(N), A, backend)
    result = riemgd_optimizers()[name].run(problem, initial_point=unit_vector(1))
    assert result.reason in ("min_gradient_norm", "min_step_size"), result.stopping_criterion
    assert_rayleigh_optimum(A, result.cost, result.point)
    assert result.cost == pytest.approx(float(problem.cost(result.point)), rel=1e-14)


def test_pymanopt_problem_without_initial_point_uses_pymanopt_random_point():
    A = spectrum_matrix(2)
    manifold = pymanopt.manifolds.Sphere(N)

    @pymanopt.function.autograd(manifold)
    def cost(x):
        return -x @ A @ x

    result = riemgd_optimizers()["nesterov"].run(pymanopt.Problem(manifold, cost))
    assert_rayleigh_optimum(A, result.cost, result.point)


# ------------------------------------------------------- riemgd → pymanopt
@pytest.mark.parametrize("solver", [SteepestDescent, ConjugateGradient])
@pytest.mark.parametrize("gradient", ["autograd", "euclidean", "riemannian"])
def test_riemgd_problem_in_pymanopt_solvers(solver, gradient):
    A = spectrum_matrix(3)
    manifold = riemgd.Sphere(N)
    kwargs = {
        "autograd": {},
        "euclidean": {"euclidean_gradient": lambda x: -2.0 * A @ x},
        "riemannian": {"riemannian_gradient": lambda x: -2.0 * (A @ x - (x @ A @ x) * x)},
    }[gradient]
    problem = riemgd.Problem(manifold, lambda x: -x @ A @ x, **kwargs)
    result = solver(verbosity=0, min_gradient_norm=1e-9).run(problem, initial_point=unit_vector(4))
    assert_rayleigh_optimum(A, result.cost, result.point)


@pytest.mark.parametrize("solver", [SteepestDescent, ConjugateGradient])
def test_riemgd_stiefel_problem_in_pymanopt_solvers(solver):
    """Brockett cost tr(XᵀAXD): minimum Σ D_ii λ_i, the largest D_ii paired with the smallest λ_i."""
    A = spectrum_matrix(5, n=8)
    D = np.diag([2.0, 1.0])
    manifold = riemgd.Stiefel(8, 2)
    problem = riemgd.Problem(manifold, lambda X: np.trace(X.T @ A @ X @ D))
    result = solver(verbosity=0, min_gradient_norm=1e-9).run(problem, initial_point=manifold.random_point(rng=6))
    optimum = float(np.sum(np.diag(D) * np.linalg.eigvalsh(A)[:2]))
    assert abs(result.cost - optimum) <= 1e-8 * abs(optimum)
    assert np.abs(result.point.T @ result.point - np.eye(2)).max() < 1e-12


# ------------------------------------------- pymanopt problem, riemgd manifold
@pytest.mark.parametrize("solver", ["pymanopt-steepest", "pymanopt-cg", *sorted(riemgd_optimizers())])
def test_pymanopt_problem_on_riemgd_manifold_in_both_libraries(solver):
    A = spectrum_matrix(7)
    manifold = riemgd.Sphere(N)

    @pymanopt.function.autograd(manifold)  # a riemgd manifold, no adapter
    def cost(x):
        return -x @ A @ x

    assert manifold.point_layout == 1 and manifold.num_values == 1
    problem = pymanopt.Problem(manifold, cost)
    start = unit_vector(8)
    if solver == "pymanopt-steepest":
        result = SteepestDescent(verbosity=0, min_gradient_norm=1e-9).run(problem, initial_point=start)
    elif solver == "pymanopt-cg":
        result = ConjugateGradient(verbosity=0, min_gradient_norm=1e-9).run(problem, initial_point=start)
    else:
        result = riemgd_optimizers()[solver].run(problem, initial_point=start)
    assert_rayleigh_optimum(A, result.cost, result.point)


# -------------------------------------------------- pymanopt product manifold
@pytest.mark.parametrize(
    "optimizer",
    [
        lambda: riemgd.HeavyBall(0.1, 0.5, "FD", min_gradient_norm=1e-9, min_step_size=0.0, max_iterations=3000),
        lambda: riemgd.Nesterov(0.1, 0.5, min_gradient_norm=1e-9, min_step_size=0.0, max_iterations=3000),
        lambda: riemgd.Nesterov(
            0.1, 0.5, restart="function", min_gradient_norm=1e-9, min_step_size=0.0, max_iterations=3000
        ),
    ],
    ids=["heavy-ball-FD", "nesterov", "nesterov-restart"],
)
def test_pymanopt_product_problem_in_riemgd_optimizers(optimizer):
    """f(x, y) = −xᵀAx + ‖y − b‖² on S^{n−1} × R²: minimum −λ_max at (±v_max, b)."""
    A = spectrum_matrix(9, n=5)
    b = np.array([1.0, -2.0])
    manifold = pymanopt.manifolds.Product([pymanopt.manifolds.Sphere(5), pymanopt.manifolds.Euclidean(2)])

    @pymanopt.function.autograd(manifold)
    def cost(x, y):
        return -x @ A @ x + anp.sum((y - b) ** 2)

    problem = pymanopt.Problem(manifold, cost)
    start = [unit_vector(10, n=5), np.zeros(2)]  # pymanopt product points are lists
    result = optimizer().run(problem, initial_point=start)
    assert result.reason == "min_gradient_norm", result.stopping_criterion
    x, y = result.point
    eigenvalues, vectors = np.linalg.eigh(A)
    assert abs(result.cost + eigenvalues[-1]) <= 1e-8 * eigenvalues[-1]
    assert abs(abs(x @ vectors[:, -1]) - 1.0) < 1e-8
    np.testing.assert_allclose(y, b, rtol=0, atol=1e-8)
    # the point goes back into pymanopt's own functions
    assert float(problem.cost(list(result.point))) == pytest.approx(result.cost, rel=1e-14)
    np.testing.assert_array_equal(start[0], unit_vector(10, n=5))  # the initial point is untouched


def test_riemgd_product_problem_in_pymanopt_solver():
    A = spectrum_matrix(11, n=5)
    b = np.array([0.5, 3.0])
    manifold = riemgd.Product([riemgd.Sphere(5), riemgd.Euclidean(2)])
    problem = riemgd.Problem(manifold, lambda p: -p[0] @ A @ p[0] + anp.sum((p[1] - b) ** 2))
    start = (unit_vector(12, n=5), np.zeros(2))
    # An Armijo search compares costs: a step's decrease ‖g‖²/(2L) vanishes in the cost's
    # round-off ε|f| below ‖g‖ ≈ √(2Lε|f|) ≈ 1.6e-7 here (L = 2(λ₁ − λₙ) = 10, |f| = 6; the
    # search stalled at 4e-8 and at 1.3e-7 on two BLAS kernels): ask for ten times that, require
    # that it stopped on it, then assert what that stop guarantees, on any BLAS.
    eigenvalues = np.linalg.eigvalsh(A)
    lipschitz = 2 * (eigenvalues[-1] - eigenvalues[0])
    tolerance = 10 * np.sqrt(2 * lipschitz * np.finfo(float).eps * eigenvalues[-1])
    result = SteepestDescent(verbosity=0, min_gradient_norm=tolerance).run(problem, initial_point=start)
    assert "min grad norm" in result.stopping_criterion, result.stopping_criterion
    x, y = result.point
    # grad = ((I − xxᵀ)(−2Ax), 2(y − b)), so ‖y − b‖ ≤ ‖grad‖ / 2
    assert np.linalg.norm(y - b) <= tolerance / 2
    # ‖(I − xxᵀ)Ax‖ ≥ (λ₁ − λ₂) |cos φ| sin φ for the angle φ to the top eigenvector v₁
    vectors = np.linalg.eigh(A)[1]
    top = vectors[:, -1]
    cos = abs(x @ top)
    gap = eigenvalues[-1] - eigenvalues[-2]
    # sin φ as the norm of x's part orthogonal to v₁ (√(1 − cos²) would lose half the digits:
    # an error of 1e-16 in cos is one of 1.5e-8 in sin φ ≈ 1e-8); v₁ itself is off by ~ε‖A‖/gap
    sin = np.linalg.norm(x - (x @ top) * top)
    assert sin <= tolerance / (2 * gap * cos) + 10 * np.finfo(float).eps * eigenvalues[-1] / gap
    # the cost error is Σᵢ (λ₁ − λᵢ)(x·vᵢ)² + ‖y − b‖² ≤ (λ₁ − λₙ) sin²φ + ‖y − b‖²
    bound = (eigenvalues[-1] - eigenvalues[0]) * (tolerance / (2 * gap * cos)) ** 2 + (tolerance / 2) ** 2
    assert result.cost + eigenvalues[-1] <= bound + 1e-14 * eigenvalues[-1]


def test_check_gradient_accepts_a_pymanopt_problem():
    A = spectrum_matrix(13)
    manifold = pymanopt.manifolds.Sphere(N)

    @pymanopt.function.autograd(manifold)
    def cost(x):
        return -x @ A @ x

    report = riemgd.check_gradient(pymanopt.Problem(manifold, cost), unit_vector(14))
    assert report.passed
    assert abs(report.slope - 2.0) < 0.1


# ------------------------------------------- pymanopt's decorators, riemgd manifolds
RIEMGD_MANIFOLDS = {
    "sphere": lambda: riemgd.Sphere(N),
    "euclidean": lambda: riemgd.Euclidean(N),
    "stiefel": lambda: riemgd.Stiefel(N, 2),
}


@pytest.mark.parametrize("name", sorted(RIEMGD_MANIFOLDS))
@pytest.mark.parametrize("decorator", ["autograd", "numpy"])
def test_pymanopt_decorators_accept_riemgd_manifolds(name, decorator):
    manifold = RIEMGD_MANIFOLDS[name]()
    assert isinstance(manifold, pymanopt.manifolds.manifold.Manifold)
    assert issubclass(riemgd.Manifold, pymanopt.manifolds.manifold.Manifold)
    A = spectrum_matrix(15)

    @getattr(pymanopt.function, decorator)(manifold)
    def cost(x):
        return anp.sum(x * (A @ x))

    x = manifold.random_point(rng=0)
    assert float(cost(x)) == pytest.approx(float(np.sum(x * (A @ x))), rel=1e-14)
    if decorator == "autograd":  # the gradient pymanopt's backend derives, on a riemgd manifold
        problem = pymanopt.Problem(manifold, cost)
        np.testing.assert_allclose(problem.euclidean_gradient(x), 2.0 * A @ x, rtol=1e-12)


def test_decorators_accept_riemgd_manifolds_when_pymanopt_is_imported_first():
    """The registration works whichever library is imported first (here in a fresh interpreter)."""
    code = (
        "import pymanopt, riemgd\n"
        "m = riemgd.Sphere(3)\n"
        "f = pymanopt.function.numpy(m)(lambda x: x[0])\n"
        "print(isinstance(m, pymanopt.manifolds.manifold.Manifold))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "True"


def test_riemgd_import_does_not_import_pymanopt():
    code = "import sys, riemgd\nprint('pymanopt' in sys.modules, 'jax' in sys.modules)\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False False"


# ------------------------------------------------- trust regions, both ways
def assert_tight_rayleigh_optimum(A: np.ndarray, cost: float, point) -> None:
    eigenvalues, vectors = np.linalg.eigh(A)
    assert abs(cost + eigenvalues[-1]) <= 1e-12 * eigenvalues[-1]
    assert abs(abs(np.asarray(point) @ vectors[:, -1]) - 1.0) < 1e-12


@pytest.mark.parametrize("hessian", ["autograd", "euclidean", "riemannian"])
def test_pymanopt_trust_regions_run_a_riemgd_problem(hessian):
    A = spectrum_matrix(16)
    manifold = riemgd.Sphere(N)
    kwargs = {
        "autograd": {},
        "euclidean": {"euclidean_gradient": lambda x: -2.0 * A @ x, "euclidean_hessian": lambda x, u: -2.0 * A @ u},
        "riemannian": {
            "riemannian_gradient": lambda x: manifold.projection(x, -2.0 * A @ x),
            "riemannian_hessian": lambda x, u: manifold.projection(x, -2.0 * A @ u) + 2.0 * (x @ A @ x) * u,
        },
    }[hessian]
    problem = riemgd.Problem(manifold, lambda x: -x @ A @ x, **kwargs)
    result = TrustRegions(verbosity=0, min_gradient_norm=1e-11).run(problem, initial_point=unit_vector(17))
    assert "min grad norm" in result.stopping_criterion, result.stopping_criterion
    assert_tight_rayleigh_optimum(A, result.cost, result.point)


def test_pymanopt_trust_regions_run_a_riemgd_product_problem():
    """pymanopt's TR reads only the problem and the manifold's methods: a riemgd product works too."""
    A = spectrum_matrix(18, n=5)
    b = np.array([1.0, 2.0])
    manifold = riemgd.Product([riemgd.Sphere(5), riemgd.Euclidean(2)])
    sphere = riemgd.Sphere(5)

    def hessian(point, vector):
        x, _ = point
        u, w = vector
        return riemgd.manifolds.ProductVector((sphere.projection(x, -2.0 * A @ u) + 2.0 * (x @ A @ x) * u, 2.0 * w))

    problem = riemgd.Problem(
        manifold,
        lambda p: -p[0] @ A @ p[0] + anp.sum((p[1] - b) ** 2),
        riemannian_gradient=lambda p: riemgd.manifolds.ProductVector(
            (sphere.projection(p[0], -2.0 * A @ p[0]), 2.0 * (p[1] - b))
        ),
        riemannian_hessian=hessian,
    )
    start = riemgd.manifolds.ProductVector((unit_vector(19, n=5), np.zeros(2)))
    result = TrustRegions(verbosity=0, min_gradient_norm=1e-11).run(problem, initial_point=start)
    x, y = result.point
    assert_tight_rayleigh_optimum(A, result.cost, x)
    np.testing.assert_allclose(y, b, atol=1e-11)


@pytest.mark.parametrize("manifold_kind", ["pymanopt", "riemgd"])
@pytest.mark.parametrize("backend", ["autograd", "numpy"])
def test_riemgd_trust_regions_run_a_pymanopt_problem(manifold_kind, backend):
    A = spectrum_matrix(20)
    manifold = pymanopt.manifolds.Sphere(N) if manifold_kind == "pymanopt" else riemgd.Sphere(N)
    # numpy: pymanopt's own euclidean_hessian, converted by the manifold's euclidean_to_riemannian_hessian
    problem = pymanopt_rayleigh(manifold, A, backend, hessian=True)
    result = riemgd.TrustRegions(min_gradient_norm=1e-11).run(problem, initial_point=unit_vector(21))
    assert result.reason == "min_gradient_norm", result.stopping_criterion
    assert_tight_rayleigh_optimum(A, result.cost, result.point)
    assert result.hessian_evaluations > 0


def test_riemgd_newton_runs_a_pymanopt_problem_with_riemannian_hessian():
    A = spectrum_matrix(22)
    manifold = pymanopt.manifolds.Sphere(N)

    @pymanopt.function.autograd(manifold)
    def cost(x):
        return -x @ A @ x

    @pymanopt.function.numpy(manifold)
    def riemannian_hessian(x, u):
        return manifold.projection(x, -2.0 * A @ u) + 2.0 * (x @ A @ x) * u

    problem = pymanopt.Problem(manifold, cost, riemannian_hessian=riemannian_hessian)
    top = np.linalg.eigh(A)[1][:, -1]
    start = (top + 0.2 * unit_vector(23)) / np.linalg.norm(top + 0.2 * unit_vector(23))
    result = riemgd.Newton(min_gradient_norm=1e-11).run(problem, initial_point=start)
    assert_tight_rayleigh_optimum(A, result.cost, result.point)


def test_riemgd_trust_regions_on_a_pymanopt_problem_without_hessian_fail_clearly():
    A = spectrum_matrix(24)
    problem = pymanopt_rayleigh(pymanopt.manifolds.Sphere(N), A, "numpy")
    with pytest.raises(NotImplementedError, match="NumPy backend"):
        riemgd.TrustRegions().run(problem, initial_point=unit_vector(25))

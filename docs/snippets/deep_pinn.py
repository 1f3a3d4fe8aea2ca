import numpy as np

import riemgd
from riemgd import losses, models, spaces
from riemgd.optimizers import GridSearch, NormConstrained


def exact(x):  # u(x, y) = sin πx sin πy
    return np.sin(np.pi * x[:, 0]) * np.sin(np.pi * x[:, 1])


def source(x):  # f = −Δu
    return 2 * np.pi**2 * exact(x)


# 1. Collocation points: a 10 × 10 grid of cell centres in Ω = (0, 1)² (weights 1/100, the
#    cells' areas) and 10 points on each edge of the boundary (weights 1/40 by default)
n = 10
t = (np.arange(n) + 0.5) / n
gx, gy = np.meshgrid(t, t, indexing="ij")
interior = spaces.L2(np.column_stack([gx.ravel(), gy.ravel()]))
zero, one = np.zeros(n), np.ones(n)
boundary = np.concatenate([np.column_stack(edge) for edge in ((t, zero), (t, one), (zero, t), (one, t))])

# 2. The loss L(θ) = ½ Σᵢ wᵢ (−Δv_θ(xᵢ) − f(xᵢ))² + ½ β Σ_b w_b (v_θ(x_b) − 0)²
pde = losses.PDEResidual({"dd0": -1.0, "dd1": -1.0}, source, interior, boundary, boundary_values=0.0, penalty=1.0)

# 3. A deep tanh network, and the energy natural gradient's manifold: the Gram matrix of the
#    residual map θ ↦ (−Δv_θ(xᵢ), v_θ(x_b)), damped by λ = 1e-7
network = models.MLP((2, 16, 16, 1))  # p = 337 parameters > n = 140 residuals
manifold = pde.energy_manifold(network, damping=1e-7, rcond=1e-12)
problem = riemgd.Problem(manifold, pde.energy_loss())
theta0 = network.initial_parameters(0)

# the relative L² error on a 32 × 32 Gauss–Legendre grid
fine, weights = spaces.gauss_legendre_box(32, [(0.0, 1.0), (0.0, 1.0)])


def relative_error(theta):
    return np.sqrt(weights @ (network(theta, fine) - exact(fine)) ** 2 / (weights @ exact(fine) ** 2))


# 4. ENGD with the grid line search, and three momentum methods on top of it
stop = {"max_iterations": 100, "min_gradient_norm": 0.0, "min_step_size": 0.0}
methods = {
    "ENGD, grid line search": riemgd.GradientDescent(GridSearch(), **stop),
    # SPRING with the norm constraint η_k = min(1, C / ‖φ_k‖₂) of Guzmán-Cordero et al., C = 1
    "ENGD + SPRING, norm constraint": riemgd.Spring(NormConstrained(1.0, 1.0, norm="euclidean"), 0.9, **stop),
    "ENGD + heavy ball (LM), grid": riemgd.HeavyBall(GridSearch(), 0.9, "LM", **stop),
}
for name, optimizer in methods.items():
    result = optimizer.run(problem, initial_point=theta0)
    print(f"{name:32s} relative L2 error {relative_error(result.point):.2e} in {result.time:.1f} s")


# 5. Resampled collocation: 150 fresh uniform interior points at every iteration
def sampler(rng):
    return spaces.monte_carlo(150, [(0.0, 1.0), (0.0, 1.0)], rng)  # (points, weights = 1/150)


random_interior = spaces.L2(*sampler(np.random.default_rng(0)), sampler=sampler, rng=1)
random_pde = losses.PDEResidual({"dd0": -1.0, "dd1": -1.0}, source, random_interior, boundary)
random_manifold = random_pde.energy_manifold(network, damping=1e-7, rcond=1e-12)
random_problem = riemgd.Problem(random_manifold, random_pde.energy_loss())
optimizer = riemgd.Spring(NormConstrained(1.0, 1.0, norm="euclidean"), 0.9, **stop)
result = optimizer.run(random_problem, initial_point=theta0)
print(f"{'SPRING, resampled points':32s} relative L2 error {relative_error(result.point):.2e}")

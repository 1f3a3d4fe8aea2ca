import numpy as np

import riemgd
from riemgd import losses, models, spaces


def target(x):
    return np.sin(2 * np.pi * x) + 0.5 * x


# 1. Mini-batches: 5000 samples, a fresh random batch of 250 of them at every iteration
#    (weights rescaled by m / batch_size, so each batch estimates the full sum)
x, w = spaces.gauss_legendre(5000)
network = models.ShallowNetwork(in_dim=1, width=10)
manifold = riemgd.ModelManifold(network, spaces.L2(x, w, batch_size=250, rng=0))
problem = riemgd.Problem(manifold, losses.L2(target))
theta0 = manifold.random_point(rng=0)
optimizer = riemgd.HeavyBall(step_size=0.5, momentum=0.5, max_iterations=300, min_gradient_norm=0.0)
result = optimizer.run(problem, initial_point=theta0)

# judge the result on all samples (a deterministic space)
full = riemgd.Problem(riemgd.ModelManifold(network, spaces.L2(x, w)), losses.L2(target))
print(f"mini-batch natural gradient + momentum: full cost {full.cost(result.point):.2e}")

# 2. Resampled collocation: −ε v″ + v′ = 1 on (0, 1), v(0) = v(1) = 0, with 200 fresh
#    uniform collocation points per iteration, by energy natural gradient with a small
#    fixed step (each full step would fit the linearized residual on one sample only)
eps = 0.1


def sampler(rng):
    return spaces.monte_carlo(200, [(0.0, 1.0)], rng)  # (points, weights = 1/200)


interior = spaces.L2(*sampler(np.random.default_rng(0)), sampler=sampler, rng=1)
pde = losses.PDEResidual({"dd0": -eps, "d0": 1.0}, np.ones_like, interior, np.array([0.0, 1.0]), penalty=10.0)
pinn = models.ShallowNetwork(in_dim=1, width=10)
manifold = pde.energy_manifold(pinn)  # Gram of the residual map θ ↦ (𝓛v_θ, v_θ on the boundary)
problem = riemgd.Problem(manifold, pde.energy_loss())
result = riemgd.GradientDescent(step_size=0.1, max_iterations=300, min_gradient_norm=0.0).run(
    problem, initial_point=manifold.random_point(rng=0)
)

xs, _ = spaces.gauss_legendre(100)
exact = xs - (np.exp((xs - 1) / eps) - np.exp(-1 / eps)) / (1 - np.exp(-1 / eps))
error = np.max(np.abs(pinn(result.point, xs) - exact))
print(f"PINN with resampled collocation: max error {error:.2e}")

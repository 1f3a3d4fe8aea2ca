import numpy as np

import riemgd
from riemgd import losses, models, spaces
from riemgd.optimizers import Armijo, GridSearch

EPS = 0.1  # −ε v'' + v' = 1 on (0, 1), v(0) = v(1) = 0: a boundary layer at x = 1


def exact(x):
    return x - (np.exp((x - 1) / EPS) - np.exp(-1 / EPS)) / (1 - np.exp(-1 / EPS))


# 1. Collocation points: 32 cell midpoints of (0, 1) with weights 1/32 (midpoint rule)
m = 32
interior = spaces.L2((np.arange(m) + 0.5) / m, np.full(m, 1 / m))
boundary = np.array([0.0, 1.0])


def residual_loss(interior, penalty=10.0):
    """½ Σᵢ wᵢ (−εv''(xᵢ) + v'(xᵢ) − 1)² + ½ β Σ_b w_b v(x_b)²,  w_b = ½."""
    operator = {"dd0": -EPS, "d0": 1.0}
    return losses.PDEResidual(
        operator, np.ones_like, interior, boundary, boundary_values=0.0, penalty=penalty
    )


# 2. A tanh network 1-16-1 (49 parameters), started from small output weights: v₀ ≈ 0
network = models.ShallowNetwork(1, 16)


def start(seed):
    theta = network.initial_parameters(seed)
    theta[32:48] *= 0.1  # the output weights a_j
    return theta


x_test, w_test = spaces.gauss_legendre(200, (0.0, 1.0))  # a fine rule for the error


def error(theta):  # the relative L² error
    misfit = network(theta, x_test) - exact(x_test)
    return np.sqrt(w_test @ misfit**2 / (w_test @ exact(x_test) ** 2))


def energy_problem(pde):
    """Energy natural gradient: the Gram matrix of θ ↦ (−εv'' + v' at xᵢ, v at x_b),
    damped by λ = 1e-6."""
    manifold = pde.energy_manifold(network, damping=1e-6, rcond=1e-12)
    return riemgd.Problem(manifold, pde.energy_loss())


stop = {"max_iterations": 200, "min_gradient_norm": 0.0, "min_step_size": 0.0}
pde = residual_loss(interior)

# 3. The metric: the L² natural gradient (Gram matrix of v_θ itself) against the
#    energy natural gradient, both with the grid line search
l2_space = spaces.L2(*spaces.gauss_legendre(48))
l2_manifold = riemgd.ModelManifold(network, l2_space, damping=1e-3)
first = {}
for name, problem in (
    ("L2 natural gradient", riemgd.Problem(l2_manifold, pde)),
    ("energy natural gradient", energy_problem(pde)),
):
    optimizer = riemgd.GradientDescent(GridSearch(), **stop)
    result = optimizer.run(problem, initial_point=start(0))
    first[name] = error(result.point)
    print(f"{name:26s} grid line search   relative L2 error {first[name]:.1e}")

# 4. The step rule, for the energy natural gradient, from three random networks
rules = {"grid line search": GridSearch, "Armijo": Armijo}
rules |= {f"fixed {alpha}": (lambda alpha=alpha: alpha) for alpha in (1.0, 0.5, 0.1)}
worst = {}
for name, rule in rules.items():
    optimizer = riemgd.GradientDescent(rule(), **stop)
    results = [optimizer.run(energy_problem(pde), initial_point=start(s)) for s in range(3)]
    worst[name] = max(error(r.point) for r in results)
    print(f"energy NG, {name:16s} worst relative L2 error of 3 starts {worst[name]:.1e}")

# 5. The boundary penalty β: the boundary misfit max(|v(0)|, |v(1)|) and the error
for penalty in (1.0, 10.0, 100.0):
    problem = energy_problem(residual_loss(interior, penalty))
    optimizer = riemgd.GradientDescent(GridSearch(), **stop)
    result = optimizer.run(problem, initial_point=start(0))
    misfit = np.abs(network(result.point, boundary)).max()
    print(
        f"penalty {penalty:5.0f}: boundary misfit {misfit:.1e}, "
        f"relative L2 error {error(result.point):.1e}"
    )


# 6. Resampled collocation points: 32 fresh uniform points at every iteration
def sampler(rng):
    return spaces.monte_carlo(m, [(0.0, 1.0)], rng)  # (points, weights 1/m)


points, weights = sampler(np.random.default_rng(0))  # the first draw
resampled = residual_loss(spaces.L2(points, weights, sampler=sampler, rng=1))
optimizer = riemgd.GradientDescent(GridSearch(), **stop)
result = optimizer.run(energy_problem(resampled), initial_point=start(0))
print(f"energy NG, resampled points  relative L2 error {error(result.point):.1e}")

# what the how-to says, checked
assert first["energy natural gradient"] < 1e-2 * first["L2 natural gradient"]
assert worst["grid line search"] < 1e-4  # the grid line search converges from every start

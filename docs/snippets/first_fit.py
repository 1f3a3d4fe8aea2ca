import numpy as np

import riemgd
from riemgd import losses, models, spaces

# V = L²([0, 1]), discretized by a 64-point Gauss–Legendre rule (K = diag(w))
space = spaces.L2(*spaces.gauss_legendre(64))

# the model manifold M = {v_θ}: a tanh network with 10 neurons (p = 31)
network = models.ShallowNetwork(in_dim=1, width=10)
manifold = riemgd.ModelManifold(network, space)

# L(v) = ½‖u − v‖²_V for the target u(x) = sin(2πx) + x/2
problem = riemgd.Problem(manifold, losses.L2(lambda x: np.sin(2 * np.pi * x) + 0.5 * x))

# natural gradient descent θ ← θ − α G⁻¹∇_θL, step α by Armijo backtracking
optimizer = riemgd.GradientDescent(max_iterations=300)
result = optimizer.run(problem, initial_point=manifold.random_point(rng=0))
print(f"{result.cost:.2e} after {result.iterations} iterations")

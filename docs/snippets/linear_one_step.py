import numpy as np

import riemgd
from riemgd import losses, models, spaces

x, w = spaces.gauss_legendre(32)
features = np.stack([np.ones_like(x), np.sqrt(2) * np.sin(2 * np.pi * x)], axis=1)  # Φ, orthonormal in L²
B = np.array([[1.0, 3.0], [0.0, 0.1]])  # v_θ = θᵀBΦ: badly scaled coordinates, G = BBᵀ
manifold = riemgd.ModelManifold(models.Linear(features, B), spaces.L2(x, w))
problem = riemgd.Problem(manifold, losses.L2(lambda x: 2 - np.sin(2 * np.pi * x)))

result = riemgd.GradientDescent(step_size=1.0).run(problem, initial_point=np.zeros(2))
print(result.iterations, result.cost)  # one step to the L²-projection of the target

import numpy as np

import riemgd
from riemgd import backend, losses, models, spaces


class SmoothGrid(spaces.Space):
    """Values on a uniform grid of [0, 1] with ⟨a, b⟩_K = h aᵀb + ℓ² h (Da)ᵀ(Db),
    D the forward difference: a discrete H¹-type metric for models that give values only."""

    def __init__(self, m, length=0.1):
        super().__init__()  # sets the version counter the model manifold's cache reads
        self.points = np.linspace(0.0, 1.0, m)
        h = 1.0 / (m - 1)
        D = (np.eye(m, k=1) - np.eye(m))[:-1] / h
        self.metric = h * np.eye(m) + length**2 * h * (D.T @ D)  # K, symmetric positive definite
        self.factor = backend.cholesky(self.metric)  # K = L Lᵀ, so S = Lᵀ whitens: SᵀS = K

    @property
    def size(self):  # n, the dimension of the discretized V
        return self.points.shape[0]

    def whiten(self, values, array):  # S a, for a vector (n,) or a stack (n, p)
        return self.factor.T @ array

    def riesz(self, values, covector):  # K⁻¹ q: a loss derivative as a V-gradient
        return backend.cholesky_solve(self.factor, covector)

    def metric_apply(self, values, array):  # K a: measures the loss ½‖u − v‖²_K
        return self.metric @ array


space = SmoothGrid(200)

# the three maps agree: SᵀS = K and ⟨K⁻¹q, h⟩_K = qᵀh
rng = np.random.default_rng(0)
q, h = rng.standard_normal(space.size), rng.standard_normal(space.size)
S = space.whiten(None, np.eye(space.size))
print(np.allclose(S.T @ S, space.metric), np.isclose(space.inner(None, space.riesz(None, q), h), q @ h))

# a network fitted in this metric by natural gradient, with its gradient checked first
manifold = riemgd.ModelManifold(models.ShallowNetwork(1, 8), space)
problem = riemgd.Problem(manifold, losses.L2(lambda x: np.abs(x - 0.5)))
theta0 = manifold.random_point(rng=1)
print("gradient check passed:", riemgd.check_gradient(problem, theta0, rng=0).passed)
result = riemgd.GradientDescent(max_iterations=200).run(problem, initial_point=theta0)
print(f"cost {result.cost:.2e} after {result.iterations} iterations")

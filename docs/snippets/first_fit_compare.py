import numpy as np

import riemgd
from riemgd import losses, models, spaces

space = spaces.L2(*spaces.gauss_legendre(64))
manifold = riemgd.ModelManifold(models.ShallowNetwork(in_dim=1, width=10), space)
loss = losses.L2(lambda x: np.sin(2 * np.pi * x) + 0.5 * x)
theta0 = manifold.random_point(rng=0)
searches = {
    "natural gradient": manifold,  # metric G = JᵀKJ: steps of G⁻¹∇_θL
    "parameter space": riemgd.ParameterSpace(manifold),  # metric I: steps of ∇_θL
}
for name, search_space in searches.items():
    result = riemgd.GradientDescent(max_iterations=300).run(riemgd.Problem(search_space, loss), initial_point=theta0)
    print(f"{name:>16}: cost {result.cost:.2e} after {result.iterations} iterations")

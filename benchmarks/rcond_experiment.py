import numpy as np

import riemgd
from riemgd import losses, models, spaces
from riemgd.manifolds.model import ModelManifold

eps = 0.1
xi = spaces.L2(*spaces.gauss_legendre(40))
pde = losses.PDEResidual({"dd0": -eps, "d0": 1.0}, lambda x: np.ones_like(x), xi, np.array([0.0, 1.0]))
net = models.ShallowNetwork(1, 10)


def exact(x):
    return x - (np.exp((x - 1) / eps) - np.exp(-1 / eps)) / (1 - np.exp(-1 / eps))


x, w = spaces.gauss_legendre(50, (-1, 1))
fitnet = models.ShallowNetwork(1, 20)
for rc in [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-10]:
    row = []
    for seed in range(3):
        Me = pde.energy_manifold(net, rcond=rc)
        pe = riemgd.Problem(Me, pde.energy_loss())
        rr = riemgd.GradientDescent(max_iterations=200).run(pe, initial_point=Me.random_point(rng=seed))
        Mf = ModelManifold(fitnet, spaces.L2(x, w), rcond=rc)
        pf = riemgd.Problem(Mf, losses.L2(lambda x: np.sin(3 * x) + 0.5 * np.cos(7 * x)))
        rf = riemgd.GradientDescent(max_iterations=200).run(pf, initial_point=Mf.random_point(rng=seed))
        row.append(f"pde {rr.cost:.1e}/{rr.iterations} fit {rf.cost:.1e}/{rf.iterations}")
    print(rc, " | ".join(row))

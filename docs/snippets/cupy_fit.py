import cupy

import riemgd
from riemgd import losses, models, spaces

# points and weights on the GPU decide the backend: everything below follows them
x, w = spaces.gauss_legendre(4096)  # numpy arrays, built on the host
space = spaces.L2(cupy.asarray(x), cupy.asarray(w))
manifold = riemgd.ModelManifold(models.ShallowNetwork(in_dim=1, width=50), space)
problem = riemgd.Problem(manifold, losses.L2(lambda x: cupy.sin(2 * cupy.pi * x)))  # u evaluated on the GPU

theta0 = manifold.random_point(rng=0)  # a CuPy array: random points follow the space's arrays
result = riemgd.HeavyBall(step_size=0.5, momentum=0.5, max_iterations=300).run(problem, initial_point=theta0)
print(type(result.point), result.cost)  # a cupy.ndarray, and a Python float

theta = riemgd.backend.to_numpy(result.point)  # a host copy, for plotting

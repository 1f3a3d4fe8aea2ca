import numpy as np
import pymanopt

import riemgd

A = np.diag(np.arange(1.0, 11.0))  # λ_max = 10
x0 = riemgd.Sphere(10).random_point(rng=0)

# 1. pymanopt → riemgd: a pymanopt problem (pymanopt manifold, pymanopt autodiff) in a riemgd optimizer
sphere = pymanopt.manifolds.Sphere(10)


@pymanopt.function.autograd(sphere)
def cost(x):
    return -x @ A @ x


result = riemgd.Nesterov(step_size=0.05, momentum=0.9, restart="function").run(
    pymanopt.Problem(sphere, cost), initial_point=x0
)
print("riemgd Nesterov on a pymanopt problem:", result.cost)

# 2. riemgd → pymanopt: a riemgd problem in a pymanopt solver (no adapter needed)
problem = riemgd.Problem(riemgd.Sphere(10), lambda x: -x @ A @ x)
result = pymanopt.optimizers.ConjugateGradient(verbosity=0).run(problem, initial_point=x0)
print("pymanopt CG on a riemgd problem:      ", result.cost)


# 3. a riemgd manifold inside a pymanopt problem: pymanopt's decorators want a pymanopt
#    manifold, but read only its point layout, which riemgd manifolds share
@pymanopt.function.autograd(pymanopt.manifolds.Sphere(10))
def same_cost(x):
    return -x @ A @ x


problem = pymanopt.Problem(riemgd.Sphere(10), same_cost)
result = pymanopt.optimizers.SteepestDescent(verbosity=0).run(problem, initial_point=x0)
print("pymanopt steepest descent, riemgd sphere:", result.cost)
result = riemgd.HeavyBall(step_size=0.05, momentum=0.5).run(problem, initial_point=x0)
print("riemgd heavy ball, the same problem:     ", result.cost)

# riemgd's checks accept pymanopt problems, too
print("gradient check:", riemgd.check_gradient(pymanopt.Problem(sphere, cost), x0, rng=0).passed)

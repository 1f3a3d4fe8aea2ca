import numpy as np

import riemgd
from riemgd import backend, losses, models, spaces


class Exponential(models.Model):
    """v_θ(x) = a·exp(b·x) + c, with θ = (a, b, c)."""

    num_params = 3

    def evaluate(self, theta, x, terms=("value",), *, jacobian=True):
        xp = backend.namespace(theta, x)  # numpy, CuPy, ...: whatever the arrays are
        a, b = theta[0], theta[1]
        e = xp.exp(b * x)
        values, jacobians = [], []
        for term in terms:
            if term == "value":  # v and ∂v/∂(a, b, c)
                values.append(a * e + theta[2])
                jacobians.append(xp.stack([e, a * x * e, xp.ones_like(x)], axis=1))
            elif term == "d0":  # ∂ₓv = a·b·exp(b·x) and its θ-derivatives
                values.append(a * b * e)
                jacobians.append(xp.stack([b * e, a * (1 + b * x) * e, xp.zeros_like(x)], axis=1))
            else:
                raise ValueError(f"Exponential provides 'value' and 'd0', not {term!r}")
        return values, (jacobians if jacobian else None)


def target(x):
    return 2.0 * np.exp(-1.5 * x) + 1.0  # θ* = (2, −1.5, 1)


theta0 = np.array([1.0, -0.5, 0.0])

# 1. L²([0, 1]): check the Jacobian through the gradient, then fit
manifold = riemgd.ModelManifold(Exponential(), spaces.L2(*spaces.gauss_legendre(40)))
problem = riemgd.Problem(manifold, losses.L2(target))
check = riemgd.check_gradient(problem, theta0, rng=0)
print(f"L2: passed={check.passed}, slope {check.slope:.3f}")  # slope 2: the Jacobian is right
result = riemgd.GradientDescent(min_gradient_norm=1e-10).run(problem, initial_point=theta0)
print("L2 fit:", np.round(result.point, 6))

# 2. H¹([0, 1]): an element of V stacks the values and the x-derivatives ("d0"),
#    so the target is given as an array of the space's size
space = spaces.H1(*spaces.gauss_legendre(40))
x = space.points
u = np.concatenate([target(x), -3.0 * np.exp(-1.5 * x)])  # (u, u′)
problem = riemgd.Problem(riemgd.ModelManifold(Exponential(), space), losses.L2(u))
print(f"H1: passed={riemgd.check_gradient(problem, theta0, rng=0).passed}")
result = riemgd.GradientDescent(min_gradient_norm=1e-10).run(problem, initial_point=theta0)
print("H1 fit:", np.round(result.point, 6))


# 3. A wrong Jacobian does not go unnoticed: the remainder decays like t, not t²
class Wrong(Exponential):
    def evaluate(self, theta, x, terms=("value",), *, jacobian=True):
        values, jacobians = super().evaluate(theta, x, terms, jacobian=jacobian)
        return values, (None if jacobians is None else [1.1 * j for j in jacobians])


problem = riemgd.Problem(riemgd.ModelManifold(Wrong(), spaces.L2(*spaces.gauss_legendre(40))), losses.L2(target))
check = riemgd.check_gradient(problem, theta0, rng=0)
print(f"wrong Jacobian: passed={check.passed}, slope {check.slope:.3f}")

import numpy as np

import riemgd
from riemgd import backend
from riemgd.manifolds.base import check_array


class Oblique(riemgd.Manifold):
    """n × k matrices with unit-norm columns (k points on the sphere S^{n−1})."""

    def __init__(self, n, k):
        self._shape = (n, k)
        super().__init__(f"Oblique manifold OB({n}, {k})", dimension=(n - 1) * k)

    def inner_product(self, point, tangent_vector_a, tangent_vector_b):
        return backend.inner(tangent_vector_a, tangent_vector_b)  # induced (Frobenius) metric

    def projection(self, point, vector):  # column by column: u − ⟨x, u⟩ x
        xp = backend.namespace(point, vector)
        return vector - point * xp.sum(point * vector, axis=0)

    def retraction(self, point, tangent_vector):  # normalize the columns of x + u
        xp = backend.namespace(point, tangent_vector)
        y = point + tangent_vector
        return y / xp.sqrt(xp.sum(y * y, axis=0))

    def zero_vector(self, point):
        return backend.namespace(point).zeros_like(point)

    def random_point(self, *, rng=None):
        x = backend.default_rng(rng).standard_normal(self._shape)
        return x / np.linalg.norm(x, axis=0)

    def random_tangent_vector(self, point, *, rng=None):
        u = backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self._shape), point)
        u = self.projection(point, u)
        return u / self.norm(point, u)

    def check_point(self, point, *, name="point", atol=1e-8):
        check_array(point, self._shape, name)  # shape, real dtype, finite
        xp = backend.namespace(point)
        defect = backend.to_float(xp.max(xp.abs(xp.sqrt(xp.sum(point * point, axis=0)) - 1.0)))
        if defect > atol:
            raise ValueError(f"{name} must have unit-norm columns, got a column norm off by {defect:.3g}")


manifold = Oblique(6, 3)

# the numerical checks: retraction to first order, transport (the default, projection)
print("retraction:", riemgd.check_retraction(manifold, rng=0).passed)
print("transport: ", riemgd.check_transport(manifold, rng=0).passed)

# minimize −Σⱼ xⱼᵀ A xⱼ: every column goes to the top eigenvector, f* = −k λ_max
A = np.diag(np.arange(1.0, 7.0))
problem = riemgd.Problem(manifold, lambda X: -np.sum(X * (A @ X)))  # autograd gives the gradient
print("gradient:  ", riemgd.check_gradient(problem, rng=0).passed)
result = riemgd.HeavyBall(step_size=0.05, momentum=0.5, min_gradient_norm=1e-9).run(
    problem, initial_point=manifold.random_point(rng=1)
)
print(f"f = {result.cost:.10f} (f* = {-3 * 6.0}) after {result.iterations} iterations")

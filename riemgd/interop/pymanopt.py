"""pymanopt ⇄ riemgd.

riemgd → pymanopt needs no adapter: riemgd manifolds have pymanopt's method
names and ``point_layout``, and are virtual subclasses of pymanopt's
``Manifold`` (registered when pymanopt is imported, see
:mod:`riemgd.manifolds._pymanopt`), so ``@pymanopt.function.autograd(riemgd_manifold)``
and ``pymanopt.Problem(riemgd_manifold, cost)`` work; a riemgd
:class:`~riemgd.Problem` has the attributes pymanopt's solvers read
(``manifold``, ``cost``, ``riemannian_gradient``, ``riemannian_hessian``,
``preconditioner``), so ``pymanopt.optimizers.TrustRegions().run(problem)``
works too.

pymanopt → riemgd: riemgd optimizers accept a ``pymanopt.Problem`` (over a
pymanopt or riemgd manifold); :func:`as_riemgd_problem` wraps it, supplying
what pymanopt manifolds lack (``embed``, ``ambient_gradient``, point checks).
pymanopt is an optional dependency: nothing here imports it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from riemgd.manifolds.base import _check_same_structure
from riemgd.manifolds.product import ProductVector
from riemgd.problem import Problem


def _as_vector(value: Any) -> Any:
    """pymanopt product points are plain lists: give them arithmetic."""
    return ProductVector(value) if isinstance(value, list) else value


class PymanoptManifold:
    """A pymanopt manifold seen through riemgd's extra methods.

    Every pymanopt method is forwarded unchanged; ``embed(x)`` is the point
    itself (pymanopt points are their own embedding), ``ambient_gradient``
    embeds the Riemannian gradient, and ``check_point`` checks array shapes
    against a random point (pymanopt manifolds carry no membership test).
    """

    def __init__(self, manifold: Any):
        self.manifold = manifold

    def __getattr__(self, name: str) -> Any:
        return getattr(self.manifold, name)

    def __str__(self) -> str:
        return str(self.manifold)

    def random_point(self, *, rng: Any = None) -> Any:
        """pymanopt's ``random_point()``; with a seed (or a Generator, from which a
        seed is drawn), drawn under numpy's global random state seeded with it
        (pymanopt draws from ``np.random``), which is restored afterwards."""
        if rng is None:
            return _as_vector(self.manifold.random_point())
        seed = int(rng.integers(2**32)) if isinstance(rng, np.random.Generator) else int(rng)
        state = np.random.get_state()
        try:
            np.random.seed(seed % 2**32)
            return _as_vector(self.manifold.random_point())
        finally:
            np.random.set_state(state)

    def random_tangent_vector(self, point: Any, *, rng: Any = None) -> Any:
        return self.manifold.random_tangent_vector(point)

    def embed(self, point: Any) -> Any:
        return _as_vector(point)

    def embedding(self, point: Any, tangent_vector: Any) -> Any:
        return tangent_vector

    def ambient_gradient(self, point: Any, euclidean_gradient: Any) -> Any:
        return self.manifold.euclidean_to_riemannian_gradient(point, euclidean_gradient)

    def retraction(self, point: Any, tangent_vector: Any) -> Any:
        return _as_vector(self.manifold.retraction(point, tangent_vector))

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        _check_same_structure(point, self.manifold.random_point(), name)

    def check_tangent_vector(self, point: Any, tangent_vector: Any, *, name: str = "tangent_vector") -> None:
        _check_same_structure(tangent_vector, self.manifold.zero_vector(point), name)


class _PymanoptHessian:
    """``problem.riemannian_hessian(x, u)`` of a pymanopt problem, looked up at call
    time: pymanopt builds it lazily (the given one, or its backend's Euclidean
    Hessian through ``euclidean_to_riemannian_hessian``), and a backend without
    one (``pymanopt.function.numpy``) raises ``NotImplementedError`` only then."""

    def __init__(self, problem: Any):
        self.problem = problem

    def __call__(self, point: Any, tangent_vector: Any) -> Any:
        return self.problem.riemannian_hessian(point, tangent_vector)


class PymanoptProblem(Problem):
    """A ``pymanopt.Problem`` as a riemgd :class:`~riemgd.Problem`: the cost,
    Riemannian gradient, Riemannian Hessian and preconditioner are pymanopt's own
    (pymanopt's autodiff backends work)."""

    def __init__(self, problem: Any):
        manifold = problem.manifold
        if not hasattr(manifold, "embed"):
            manifold = PymanoptManifold(manifold)
        super().__init__(
            manifold,
            problem.cost,
            riemannian_gradient=problem.riemannian_gradient,
            riemannian_hessian=_PymanoptHessian(problem),
            preconditioner=getattr(problem, "preconditioner", None),
        )
        self.pymanopt_problem = problem

    def check(self, point: Any) -> tuple[float, Any]:
        """As :meth:`Problem.check`, after checking the shape of the pymanopt
        problem's Euclidean gradient against the point: pymanopt converts it
        inside its own ``riemannian_gradient``, where a wrong shape surfaces as
        numpy's "shape-mismatch for sum" or a ``matmul`` mismatch (or, broadcast,
        as a gradient of the wrong shape). Costs nothing unless the check fails."""
        try:
            return super().check(point)
        except ValueError as error:
            try:
                euclidean_gradient = self.pymanopt_problem.euclidean_gradient
            except Exception:  # a problem with only a Riemannian gradient, and no autodiff backend
                raise error from None
            if callable(euclidean_gradient):
                try:
                    _check_same_structure(euclidean_gradient(point), point, "euclidean_gradient")
                except ValueError as shape_error:
                    raise shape_error from error
            raise


def random_point(manifold: Any, rng: Any) -> Any:
    """``manifold.random_point(rng=rng)`` for a riemgd manifold; for a pymanopt
    manifold (whose ``random_point`` takes no generator), the seeded draw of
    :meth:`PymanoptManifold.random_point`."""
    if not hasattr(manifold, "embed"):  # a pymanopt manifold: riemgd's have embed
        manifold = PymanoptManifold(manifold)
    return manifold.random_point(rng=rng)


def as_riemgd_problem(problem: Any) -> Problem:
    """``problem`` itself if it is a riemgd problem, else a :class:`PymanoptProblem`.

    Raises:
        TypeError: ``problem`` is neither a riemgd nor a pymanopt problem.
    """
    if isinstance(problem, Problem):
        return problem
    if all(hasattr(problem, attr) for attr in ("manifold", "cost", "riemannian_gradient")):
        return PymanoptProblem(problem)
    raise TypeError(f"problem must be a riemgd.Problem or a pymanopt.Problem, got {type(problem).__name__}")


__all__ = ["PymanoptManifold", "PymanoptProblem", "as_riemgd_problem", "random_point"]

"""Complex Euclidean space ``C^{n1 × n2 × …}`` with the real inner product ``Re tr(Aᴴ B)``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds._complex import complex_normal
from riemgd.manifolds._matrix import positive_int
from riemgd.manifolds.base import Manifold, check_complex_array
from riemgd.manifolds.euclidean import Euclidean


class ComplexEuclidean(Euclidean):
    """The flat space of complex arrays of a given shape, seen as a real vector
    space of dimension ``2 n1 n2 …`` (pymanopt's ``ComplexEuclidean``).

    * ``⟨A, B⟩ = Re Σ conj(A_ij) B_ij = Re tr(Aᴴ B)``
    * ``P_T = I``, ``R_x(u) = exp_x(u) = x + u``, ``log_x(y) = y − x``,
      ``dist(x, y) = ‖y − x‖``, transport the identity, ``pair_mean = (x + y)/2``
    * Riemannian gradient = Euclidean gradient, Riemannian Hessian = Euclidean
      Hessian, where the Euclidean gradient of a real cost ``f`` is the complex
      array ``∂f/∂Re z + i ∂f/∂Im z`` (pymanopt's convention; riemgd's
      :class:`~riemgd.Problem` forms it from autograd).

    Args:
        *shape: Shape of a point, e.g. ``ComplexEuclidean(3)`` or ``ComplexEuclidean(4, 2)``.

    Differences from pymanopt: ``zero_vector`` is complex (pymanopt's is a
    real array); a shape of no entries raises ``ValueError`` (pymanopt: ``TypeError``).
    """

    def __init__(self, *shape: int):
        if not shape:
            raise ValueError("shape must be one or more positive integers, got ()")
        self._shape = tuple(positive_int(n, "every entry of shape") for n in shape)
        Manifold.__init__(
            self, f"Complex Euclidean space C^{'x'.join(map(str, self._shape))}", 2 * math.prod(self._shape)
        )

    # every geometric method is Euclidean's (the flat formulas hold verbatim; backend.inner
    # takes the real part); only the dtype of points and of random draws differ

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> np.ndarray:
        return complex_normal(backend.default_rng(rng), self._shape)

    def random_tangent_vector(self, point: Any, *, rng: np.random.Generator | int | None = None) -> Any:
        u = backend.as_array_like(complex_normal(backend.default_rng(rng, stream=1), self._shape), point)
        return u / self.norm(point, u)

    def check_point(self, point: Any, *, name: str = "point", atol: float = 1e-8) -> None:
        check_complex_array(point, self._shape, name)

"""The :class:`Manifold` base class: the language every optimizer speaks.

Method names and argument order are pymanopt's on purpose
(``inner_product(point, a, b)``, ``projection(point, vector)``,
``retraction(point, tangent_vector)``, ``transport(point_a, point_b,
tangent_vector_a)``, ...), so riemgd manifolds run inside pymanopt solvers and
pymanopt manifolds inside riemgd optimizers. riemgd adds:

* :meth:`Manifold.embed` — the point as an element ``v`` of the ambient space
  ``V`` (for a model manifold, the discretized function ``v_θ``), used by the
  finite-difference momentum ``P_{T_k}(v_k − v_{k−1})``;
* :meth:`Manifold.ambient_gradient` — the gradient as an element of ``V`` whose
  tangent projection is the Riemannian gradient (needed by the "last gradient"
  momentum ``P_{T_k}[β∇L(v_{k−1}) − α∇L(v_k)]``);
* :meth:`Manifold.check_point` / :meth:`Manifold.check_tangent_vector` —
  clear errors for bad input before an optimizer starts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.manifolds import _pymanopt

Point = Any
TangentVector = Any
AmbientVector = Any


class Manifold:
    """A Riemannian manifold ``M ⊂ V`` with metric, tangent projection ``P_T``,
    retraction ``R`` and vector transport.

    Subclasses implement the required core (``inner_product``, ``projection``,
    ``retraction``, ``random_point``, ``random_tangent_vector``,
    ``check_point``) and may override the defaults below, which are right for a
    submanifold embedded in ``V`` with the induced metric:

    * ``norm(x, u) = √⟨u, u⟩_x``;
    * ``euclidean_to_riemannian_gradient(x, g) = P_{T_x} g``;
    * ``transport(x, y, u) = P_{T_y} u`` (projection transport);
    * ``embed(x) = x`` and ``embedding(x, u) = u``;
    * ``zero_vector(x)``: zeros like ``x`` (tangent vectors are arrays of the point's shape).

    Optional methods (``exp``, ``log``, ``dist``, ``pair_mean``,
    ``euclidean_to_riemannian_hessian``) raise one uniform
    :class:`NotImplementedError` naming the manifold and the method.

    Args:
        name: Human-readable description, used by ``str(manifold)``.
        dimension: Intrinsic dimension of the manifold.
        point_layout: Number of arrays making up a point (pymanopt's
            convention; a tuple for product manifolds).
    """

    #: Tangent vectors at every point are coordinates in one common space (the
    #: parameters θ of a model manifold, ``Rⁿ`` of ``Euclidean``), so a vector
    #: from one tangent space is a valid tangent vector at any other point; what
    #: SPRING needs to keep the part of its last step outside ``T_k``.
    tangent_coordinates: bool = False

    def __init__(self, name: str, dimension: int, point_layout: int | Sequence[int] = 1):
        self._name = name
        self._dimension = int(dimension)
        self._point_layout = point_layout

    def __str__(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"<riemgd {self._name}>"

    # ------------------------------------------------------------------ sizes
    @property
    def dim(self) -> int:
        """Intrinsic dimension of the manifold."""
        return self._dimension

    @property
    def point_layout(self) -> int | Sequence[int]:
        """Number of arrays representing a point (pymanopt's ``point_layout``)."""
        return self._point_layout

    @property
    def num_values(self) -> int:
        """Total number of arrays in a point (pymanopt's ``num_values``)."""
        layout = self._point_layout
        return sum(layout) if isinstance(layout, (tuple, list)) else layout

    @property
    def typical_dist(self) -> float:
        """A typical distance between points, used to scale initial step sizes."""
        return math.sqrt(self._dimension)

    # ------------------------------------------------------------ the metric
    def inner_product(self, point: Point, tangent_vector_a: TangentVector, tangent_vector_b: TangentVector) -> Any:
        """Riemannian inner product ``⟨a, b⟩_x`` of two tangent vectors at ``point``."""
        raise self._not_implemented("inner_product")

    def norm(self, point: Point, tangent_vector: TangentVector) -> Any:
        """Riemannian norm ``‖u‖_x = √⟨u, u⟩_x``."""
        xp = backend.namespace(tangent_vector)
        return xp.sqrt(self.inner_product(point, tangent_vector, tangent_vector))

    # ------------------------------------------------------- tangent spaces
    def projection(self, point: Point, vector: AmbientVector) -> TangentVector:
        """Orthogonal projection ``P_{T_x}`` of an ambient vector onto the tangent space."""
        raise self._not_implemented("projection")

    def to_tangent_space(self, point: Point, vector: AmbientVector) -> TangentVector:
        """Alias of :meth:`projection` (pymanopt's name for the same map)."""
        return self.projection(point, vector)

    def zero_vector(self, point: Point) -> TangentVector:
        """The zero tangent vector at ``point``: by default an array of zeros like the
        point, right wherever tangent vectors are arrays of the point's shape and dtype
        (manifolds with other tangent representations override it)."""
        return backend.namespace(point).zeros_like(point)

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> Point:
        """A random point (numpy arrays; convert with ``cupy.asarray`` for the GPU)."""
        raise self._not_implemented("random_point")

    def random_tangent_vector(self, point: Point, *, rng: np.random.Generator | int | None = None) -> TangentVector:
        """A random unit-norm tangent vector at ``point``."""
        raise self._not_implemented("random_tangent_vector")

    # ------------------------------------------------------------- gradients
    def euclidean_to_riemannian_gradient(self, point: Point, euclidean_gradient: Any) -> TangentVector:
        """Riemannian gradient from the Euclidean gradient of the cost.

        For an embedded submanifold with the induced metric this is the
        tangent projection ``P_{T_x} ∇f(x)``; other metrics override it.
        """
        return self.projection(point, euclidean_gradient)

    def ambient_gradient(self, point: Point, euclidean_gradient: Any) -> AmbientVector:
        """The gradient as an element ``g`` of ``V`` with ``P_{T_x} g`` the
        Riemannian gradient (the seed's ``∇L(v)``).

        A cost given on the embedding space is only meaningful on the
        manifold, so the default is the intrinsic choice, the embedded
        Riemannian gradient ``embedding(x, euclidean_to_riemannian_gradient(x, g))``;
        then ``P_{T_y} g`` is the transport of ``grad f(x)`` to ``T_y``, whatever
        extension of the cost off the manifold was differentiated. Functional
        losses on a model manifold supply the true ``∇L(v) ∈ V`` instead.
        """
        return self.embedding(point, self.euclidean_to_riemannian_gradient(point, euclidean_gradient))

    def euclidean_to_riemannian_hessian(
        self, point: Point, euclidean_gradient: Any, euclidean_hessian: Any, tangent_vector: TangentVector
    ) -> TangentVector:
        """Riemannian Hessian ``Hess f(x)[u]`` from the Euclidean gradient ``∇f(x)``
        and the Euclidean Hessian-vector product ``∇²f(x)[u]`` (pymanopt's
        signature). For an embedded submanifold with the induced metric,
        ``Hess f(x)[u] = P_{T_x}(∇²f(x)[u]) + 𝒲_x(u, P^⊥_{T_x} ∇f(x))`` with the
        Weingarten map ``𝒲`` (Absil, Mahony & Trumpf 2013); each manifold
        supplies its own (optional here)."""
        raise self._not_implemented("euclidean_to_riemannian_hessian")

    def euclidean_to_riemannian_hessian_at(self, point: Point, euclidean_gradient: Any) -> Any:
        """``(∇²f(x)[u], u) ↦ Hess f(x)[u]`` at a fixed ``x`` with ``∇f(x)``: the same
        values as :meth:`euclidean_to_riemannian_hessian`, for many products at one
        point (a truncated-CG solve); manifolds compute the terms that depend on
        ``x`` and ``∇f(x)`` alone once (``⟨x, ∇f⟩`` on the sphere, ``sym(Xᵀ∇f)`` on Stiefel)."""
        convert = self.euclidean_to_riemannian_hessian
        return lambda euclidean_hessian, tangent_vector: convert(
            point, euclidean_gradient, euclidean_hessian, tangent_vector
        )

    # ------------------------------------------------- moving on the manifold
    def retraction(self, point: Point, tangent_vector: TangentVector) -> Point:
        """Retraction ``R_x(u)``: a point near ``x`` with ``d/dt R_x(t u)|₀ = u``."""
        raise self._not_implemented("retraction")

    def transport(self, point_a: Point, point_b: Point, tangent_vector_a: TangentVector) -> TangentVector:
        """Vector transport of ``u ∈ T_a`` to ``T_b``; by default projection,
        ``P_{T_b} u`` (the seed's ``P_{T_k} p_{k−1}``)."""
        return self.projection(point_b, self.embedding(point_a, tangent_vector_a))

    def exp(self, point: Point, tangent_vector: TangentVector) -> Point:
        """Riemannian exponential map (optional)."""
        raise self._not_implemented("exp")

    def log(self, point_a: Point, point_b: Point) -> TangentVector:
        """Riemannian logarithm, the inverse of :meth:`exp` (optional)."""
        raise self._not_implemented("log")

    def dist(self, point_a: Point, point_b: Point) -> Any:
        """Geodesic distance (optional)."""
        raise self._not_implemented("dist")

    def pair_mean(self, point_a: Point, point_b: Point) -> Point:
        """A midpoint of ``point_a`` and ``point_b`` (pymanopt's ``pair_mean``; optional)."""
        raise self._not_implemented("pair_mean")

    # ------------------------------------------------------------ resources
    def hold_points(self, count: int | None) -> None:
        """A hint from the optimizer: at most ``count`` points need their
        expensive per-point data (Jacobians, factorizations) at the same time
        (1 for gradient descent, 2 for transport-based momentum; ``None``: no
        hint). Manifolds that cache such data may free the rest; the default
        does nothing."""

    def after_step(self, point: Point, step: TangentVector, gradient: TangentVector, cost: Any, new_cost: Any) -> None:
        """Feedback after a step ``x → R_x(step)``: the Riemannian gradient at ``x``,
        ``f(x)`` and ``f(x⁺)`` (``None`` when not evaluated). Manifolds that adapt
        their metric (a model manifold's damping schedule) use it; the default
        does nothing."""

    # ---------------------------------------------------- the ambient space V
    def embed(self, point: Point) -> AmbientVector:
        """The point as an element ``v`` of the ambient space ``V``."""
        return point

    def embedding(self, point: Point, tangent_vector: TangentVector) -> AmbientVector:
        """A tangent vector as an element of ``V`` (pymanopt's ``embedding``)."""
        return tangent_vector

    # --------------------------------------------------------------- checks
    def check_point(self, point: Point, *, name: str = "point", atol: float = 1e-8) -> None:
        """Raise ``ValueError`` naming ``name`` if ``point`` is not on the manifold,
        or ``TypeError`` if it is not a real floating array of the right kind.

        The defining equations are tested to ``max(atol, 100 √N ε)`` for a point
        of ``N`` entries of precision ``ε`` (see :func:`point_tolerance`): a
        float32 point is as accurate as float32 allows, not as float64 would."""
        raise self._not_implemented("check_point")

    def check_tangent_vector(
        self, point: Point, tangent_vector: TangentVector, *, name: str = "tangent_vector"
    ) -> None:
        """Raise ``ValueError`` naming ``name`` if ``tangent_vector`` does not have
        the shape of a tangent vector at ``point``."""
        expected = self.zero_vector(point)
        _check_same_structure(tangent_vector, expected, name)

    # -------------------------------------------------------------- helpers
    def _projected_unit_normal(self, point: Point, shape: tuple[int, ...], rng: Any) -> TangentVector:
        """``P_{T_x} g / ‖P_{T_x} g‖_x`` for a standard normal ``g`` of ``shape`` (stream 1 of
        ``rng``): the ``random_tangent_vector`` of a manifold embedded in the arrays of ``shape``."""
        g = backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(shape), point)
        u = self.projection(point, g)
        return u / self.norm(point, u)

    def _not_implemented(self, method: str) -> NotImplementedError:
        return NotImplementedError(f"the manifold {type(self).__name__} does not implement '{method}'")


def _check_same_structure(value: Any, expected: Any, name: str) -> None:
    if isinstance(expected, (tuple, list)):
        if not isinstance(value, (tuple, list)) or len(value) != len(expected):
            raise ValueError(f"{name} must be a sequence of {len(expected)} arrays, got {type(value).__name__}")
        for i, (v, e) in enumerate(zip(value, expected, strict=False)):
            _check_same_structure(v, e, f"{name}[{i}]")
        return
    shape = getattr(value, "shape", None)
    if shape is None:
        raise TypeError(f"{name} must be an array of shape {tuple(expected.shape)}, got {type(value).__name__}")
    if tuple(shape) != tuple(expected.shape):
        raise ValueError(f"{name} must have shape {tuple(expected.shape)}, got {tuple(shape)}")


def check_shape(value: Any, shape: tuple[int, ...], name: str) -> None:
    """Raise ``ValueError`` unless ``value.shape == shape``: a tuple comparison,
    cheap enough for every call of a retraction or projection, which would
    otherwise broadcast a ``(n, 1)`` column against an ``(n,)`` point into ``(n, n)``."""
    got = getattr(value, "shape", None)
    if got is None:
        raise TypeError(f"{name} must be an array of shape {shape}, got {type(value).__name__}")
    if tuple(got) != shape:
        raise ValueError(f"{name} must have shape {shape}, got {tuple(got)}")


def point_tolerance(atol: float, point: Any) -> float:
    """Tolerance of a membership test: ``max(atol, 100 √N ε)`` for a point of
    ``N`` entries whose dtype has machine epsilon ``ε`` (rounding in a sum of
    ``N`` terms grows like ``√N ε``). For float64 the default ``atol = 1e-8``
    dominates; a float32 unit vector is accepted to about ``1e-5``."""
    eps = float(np.finfo(str(point.dtype).rsplit(".", 1)[-1]).eps)
    return max(float(atol), 100.0 * math.sqrt(math.prod(point.shape)) * eps)


def check_array(value: Any, shape: tuple[int, ...], name: str) -> None:
    """Raise a clear error unless ``value`` is a real floating array of ``shape``."""
    if not hasattr(value, "shape") or not hasattr(value, "dtype"):
        raise TypeError(f"{name} must be an array of shape {shape}, got {type(value).__name__}")
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape {shape}, got {tuple(value.shape)}")
    if not backend.is_real_floating(value):
        raise TypeError(f"{name} must have a real floating dtype (float32 or float64), got {value.dtype}")
    if not backend.is_finite(value):
        raise ValueError(f"{name} contains NaN or Inf")


def check_complex_array(value: Any, shape: tuple[int, ...], name: str) -> None:
    """Raise a clear error unless ``value`` is a finite complex floating array of
    ``shape`` (the points of the complex manifolds; a real array is refused, not
    silently promoted, so that a real point meant for a real manifold is caught)."""
    if not hasattr(value, "shape") or not hasattr(value, "dtype"):
        raise TypeError(f"{name} must be an array of shape {shape}, got {type(value).__name__}")
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape {shape}, got {tuple(value.shape)}")
    if not backend.is_complex_floating(value):
        raise TypeError(
            f"{name} must have a complex floating dtype (complex64 or complex128), got {value.dtype}; "
            "convert a real point with .astype(complex)"
        )
    if not backend.is_finite(value):
        raise ValueError(f"{name} contains NaN or Inf")


# pymanopt's decorators accept riemgd manifolds: a virtual subclass of pymanopt's
# Manifold, registered without importing pymanopt (see riemgd.manifolds._pymanopt).
_pymanopt.install(Manifold)

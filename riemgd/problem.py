"""``Problem``: a cost on a manifold, with its gradients.

A :class:`Problem` takes plain Python callables. When neither gradient is
given, autograd differentiates the cost (numpy code only; on CuPy give the
gradient yourself). On a model manifold, ``cost`` may instead be a functional
loss from :mod:`riemgd.losses`: ``Problem(manifold, loss)``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from typing import Any

from riemgd import backend
from riemgd.functional.losses.generic import Loss
from riemgd.manifolds.base import Manifold
from riemgd.manifolds.product import ProductVector

Point = Any


class _Route(enum.Enum):
    """How a :class:`Problem` turns what it was given into ``grad f``, fixed at construction."""

    RIEMANNIAN = "riemannian"  # grad f(x) given directly
    EUCLIDEAN = "euclidean"  # grad f(x) = manifold.euclidean_to_riemannian_gradient(x, ∇f(x))
    METRIC_SWAP = "metric swap"  # grad f(x) = gradient_manifold.euclidean_to_riemannian_gradient(x, ∇f(x))
    # a functional loss L(v): grad f(x) = P_{T_x} ∇L(v_x), the seed's form. The same vector as
    # G_Λ⁻¹ Jᵀq, but a solve with the function ∇L(v) can use the push-through identity exactly,
    # where the covector Jᵀq would go through Woodbury's Λ⁻¹q − … and cancel for small Λ.
    FUNCTIONAL = "functional"


class Problem:
    """Minimize ``cost`` over ``manifold``.

    Args:
        manifold: The search space (a riemgd :class:`~riemgd.manifolds.Manifold`,
            or a pymanopt manifold).
        cost: ``cost(point) -> float``. A point of a product manifold is a
            tuple of arrays. Or a functional loss (a :class:`riemgd.losses.Loss`),
            whose V-gradient ``∇L(v_θ)`` is projected: ``grad = P_T ∇L(v_θ)``.
        euclidean_gradient: ``euclidean_gradient(point)``, the gradient of the
            cost as a function on the embedding space. Converted by
            ``manifold.euclidean_to_riemannian_gradient``.
        riemannian_gradient: ``riemannian_gradient(point)``, the Riemannian
            gradient directly. Give at most one of the two gradients; with
            neither, autograd computes the Euclidean gradient.
        preconditioner: Optional ``preconditioner(point, tangent_vector)``
            (pymanopt's hook, used by pymanopt's conjugate gradient); identity
            by default.
        gradient_manifold: Optional second manifold on the same points whose
            metric turns the Euclidean gradient into the gradient step, while
            ``manifold`` keeps projecting and transporting momentum: the seed's
            Hessian-weighted natural gradient ``G^H⁻¹ ∇_θ L`` with
            ``G^H = Jᵀ H_L J``, momentum terms keeping the plain ``G`` (pass a
            ``ModelManifold`` over a :class:`~riemgd.spaces.HessianWeighted` space).

    The route from what was given to ``grad f`` is chosen once (:attr:`route`:
    ``"riemannian"``, ``"euclidean"`` or ``"metric swap"``). A problem holds
    no closures: ``copy.deepcopy`` gives an independent problem and ``pickle``
    works whenever the user's callables pickle (a functional loss is evaluated
    through ``self.loss`` and ``self.manifold`` at call time; autograd's
    gradient is rebuilt from the cost).

    Raises:
        TypeError: ``manifold`` lacks the manifold methods, or ``cost`` or a
            gradient is not callable.
        ValueError: both gradients were given.
    """

    def __init__(
        self,
        manifold: Manifold,
        cost: Callable[[Point], Any] | Loss,
        *,
        euclidean_gradient: Callable[[Point], Any] | None = None,
        riemannian_gradient: Callable[[Point], Any] | None = None,
        preconditioner: Callable[[Point, Any], Any] | None = None,
        gradient_manifold: Manifold | None = None,
    ):
        for method in ("inner_product", "projection", "retraction", "norm"):
            if not callable(getattr(manifold, method, None)):
                raise TypeError(f"manifold must provide the manifold method '{method}', got {type(manifold).__name__}")
        loss = cost if isinstance(cost, Loss) else None
        for name, fun in (
            ("cost", None if loss is not None else cost),
            ("euclidean_gradient", euclidean_gradient),
            ("riemannian_gradient", riemannian_gradient),
            ("preconditioner", preconditioner),
        ):
            if fun is not None and not callable(fun):
                raise TypeError(f"{name} must be callable, got {type(fun).__name__}")
        if euclidean_gradient is not None and riemannian_gradient is not None:
            raise ValueError("give either euclidean_gradient or riemannian_gradient, not both")
        if loss is not None and (euclidean_gradient is not None or riemannian_gradient is not None):
            raise ValueError("a functional loss brings its own gradient; do not pass a gradient with it")
        if gradient_manifold is not None:
            if riemannian_gradient is not None:
                raise ValueError("gradient_manifold needs a Euclidean gradient (not a riemannian_gradient)")
            if getattr(gradient_manifold, "dim", None) != getattr(manifold, "dim", None):
                raise ValueError("gradient_manifold must have the same points as manifold (same dimension)")
        if loss is not None:
            loss.validate(manifold)
        self.manifold, self.gradient_manifold, self.loss = manifold, gradient_manifold, loss
        self._preconditioner = preconditioner
        self._iteration = 0  # the token begin_iteration hands out when the caller gives none
        self._autograd_cost = cost if loss is None else None
        if loss is not None:
            # L(v_θ) from riemgd.losses: its V-gradient ∇L(v_θ) gives the seed's P_T ∇L(v_θ)
            self._cost, self._euclidean_gradient = self._loss_cost, self._loss_euclidean_gradient
        else:
            self._cost = cost
            if euclidean_gradient is None and riemannian_gradient is None:
                euclidean_gradient = _AutogradGradient(cost)
            self._euclidean_gradient = euclidean_gradient
        self._riemannian_gradient = riemannian_gradient
        if riemannian_gradient is not None:
            self._route = _Route.RIEMANNIAN
        elif gradient_manifold is not None:
            self._route = _Route.METRIC_SWAP
        elif loss is not None:
            self._route = _Route.FUNCTIONAL
        else:
            self._route = _Route.EUCLIDEAN

    @property
    def route(self) -> str:
        """``"riemannian"``, ``"euclidean"``, ``"functional"`` or ``"metric swap"``: how ``grad f`` is formed."""
        return self._route.value

    # ------------------------------------------------------------ evaluations
    def _loss_cost(self, point: Point) -> Any:
        return self.loss.cost(self.manifold, point)

    def _loss_euclidean_gradient(self, point: Point) -> Any:
        return self.loss.euclidean_gradient(self.manifold, point)

    def cost(self, point: Point) -> Any:
        """The cost ``f(x)``."""
        return self._cost(point)

    def euclidean_gradient(self, point: Point) -> Any:
        """Euclidean gradient ``∇f(x)`` (only when the problem has one)."""
        if self._euclidean_gradient is None:
            raise NotImplementedError("this problem was given a riemannian_gradient only")
        return _as_product(self._euclidean_gradient(point))

    def euclidean_hessian(self, point: Point) -> Any:
        """Hessian of the cost in the embedding coordinates, by autograd (plain
        numpy cost functions only; raises ``NotImplementedError`` otherwise)."""
        if self._autograd_cost is None:
            raise NotImplementedError("this problem's cost is not an autograd-traceable function")
        import autograd

        return autograd.hessian(self._autograd_cost)(point)

    def riemannian_gradient(self, point: Point) -> Any:
        """Riemannian gradient ``grad f(x)``: the tangent vector with
        ``⟨grad f(x), u⟩_x = Df(x)[u]`` (for ``"metric swap"``, in the gradient
        manifold's metric)."""
        if self._route is _Route.RIEMANNIAN:
            return _as_product(self._riemannian_gradient(point))
        if self._route is _Route.FUNCTIONAL:
            return self.manifold.projection(point, self.loss.ambient_gradient(self.manifold, point))
        converter = self.manifold if self._route is _Route.EUCLIDEAN else self.gradient_manifold
        return converter.euclidean_to_riemannian_gradient(point, self.euclidean_gradient(point))

    def ambient_gradient(self, point: Point) -> Any:
        """The gradient as an element ``g`` of the ambient space ``V`` with
        ``P_{T_x} g = grad f(x)`` (``∇L(v)`` in the seed's notation)."""
        if self._route is _Route.FUNCTIONAL:
            return self.loss.ambient_gradient(self.manifold, point)
        if self._route is not _Route.EUCLIDEAN:  # grad f known only as a tangent vector
            return self.manifold.embedding(point, self.riemannian_gradient(point))
        return self.manifold.ambient_gradient(point, self.euclidean_gradient(point))

    def hold_points(self, count: int | None) -> None:
        """Forward the optimizer's hint :meth:`~riemgd.manifolds.Manifold.hold_points`
        to ``manifold`` and ``gradient_manifold``."""
        for manifold in (self.manifold, self.gradient_manifold):
            hint = getattr(manifold, "hold_points", None)
            if hint is not None:
                hint(count)

    def begin_iteration(self, iteration: int | None = None) -> bool:
        """Called by riemgd optimizers at the start of every iteration: draws
        the mini-batch or collocation points of the stochastic spaces of
        ``manifold``, ``gradient_manifold`` and the loss, each once per token.

        Args:
            iteration: The run's iteration index ``k`` (the token; an owner
                shared by several holders is drawn once per token). Default:
                an internal counter, one more than the last token.

        Returns ``True`` when the sample changed, so that costs computed
        before must be evaluated again to compare like with like.
        """
        self._iteration = self._iteration + 1 if iteration is None else int(iteration)
        changed, seen = False, []
        for owner in (self.manifold, self.gradient_manifold, self.loss):
            if owner is None or any(owner is other for other in seen):
                continue
            seen.append(owner)
            hook = getattr(owner, "begin_iteration", None)
            if hook is not None:
                changed = bool(hook(self._iteration)) or changed
        return changed

    def preconditioner(self, point: Point, tangent_vector: Any) -> Any:
        """pymanopt's preconditioner hook (identity unless one was given)."""
        if self._preconditioner is None:
            return tangent_vector
        return self._preconditioner(point, tangent_vector)

    # ------------------------------------------------------------ validation
    def check(self, point: Point) -> tuple[float, Any]:
        """Evaluate cost and gradient once at ``point`` and raise a clear error
        if the cost is not a real scalar or the gradient has the wrong shape.

        Returns ``(f(point), grad f(point))``, which an optimizer starting at
        ``point`` reuses instead of evaluating them again."""
        value = self.cost(point)
        shape = getattr(value, "shape", ())
        if isinstance(value, (tuple, list)) or tuple(shape) != ():
            raise ValueError(
                f"cost must return a scalar, got a value of shape {tuple(getattr(value, 'shape', (len(value),)))}"
            )
        try:
            value = float(value)
        except TypeError as error:
            raise TypeError(f"cost must return a real scalar, got {type(value).__name__}") from error
        if not math.isfinite(value):
            raise ValueError(f"cost at the initial point must be finite, got {value}")
        try:
            gradient = self.riemannian_gradient(point)
        except ValueError as error:
            # Typically a Euclidean gradient of the wrong shape, which the
            # manifold's conversion rejects with a bare broadcasting message.
            if self._euclidean_gradient is None:
                raise
            shape = getattr(self.euclidean_gradient(point), "shape", None)
            raise ValueError(
                f"euclidean_gradient could not be converted to a Riemannian gradient at the initial point "
                f"(gradient shape {shape}, point shape {getattr(point, 'shape', None)}): {error}"
            ) from error
        check_tangent = getattr(self.manifold, "check_tangent_vector", None)
        if check_tangent is not None:
            check_tangent(point, gradient, name="gradient")
        if not backend.is_finite(gradient):
            raise ValueError("gradient at the initial point contains NaN or Inf")
        return value, gradient


def _as_product(value: Any) -> Any:
    """Gradients of product-manifold costs come back as tuples: give them arithmetic."""
    if isinstance(value, (tuple, list)) and not isinstance(value, ProductVector):
        return ProductVector(value)
    return value


class _AutogradGradient:
    """Euclidean gradient of ``cost`` by autograd (numpy arrays only); picklable
    when ``cost`` is, as autograd's own gradient is rebuilt after unpickling."""

    def __init__(self, cost: Callable[[Point], Any]):
        self.cost = cost
        self._gradient: Callable[[Point], Any] | None = None

    def __getstate__(self) -> dict:
        return {"cost": self.cost, "_gradient": None}

    def __call__(self, point: Point) -> Any:
        if backend.namespace(point) is not backend.np:
            raise TypeError(
                "autograd differentiates numpy code only; for arrays of "
                f"{backend.namespace(point).__name__}, pass euclidean_gradient= or riemannian_gradient="
            )
        if self._gradient is None:
            import autograd

            self._gradient = autograd.grad(self.cost)
        if isinstance(point, ProductVector):
            point = tuple(point)
        return self._gradient(point)

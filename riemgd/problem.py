"""``Problem``: a cost on a manifold, with its gradients.

A :class:`Problem` takes plain Python callables. When neither gradient is
given, autograd differentiates the cost (numpy code only; on CuPy give the
gradient yourself); when no Hessian is given, autograd's Hessian-vector
products of the cost stand in for it. On a model manifold, ``cost`` may
instead be a functional loss from :mod:`riemgd.losses`: ``Problem(manifold, loss)``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from typing import Any

from riemgd import backend
from riemgd._classes import defined_with
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
        euclidean_hessian: ``euclidean_hessian(point, vector)``, the Hessian-vector
            product ``∇²f(x)[u] = D(∇f)(x)[u]`` of the cost on the embedding
            space (pymanopt's meaning): ``vector`` is the tangent vector as an
            ambient vector (``manifold.embedding``; unchanged on manifolds whose
            tangent vectors are coordinates, such as model manifolds, where
            ``∇f`` is ``∇_θ f``). Converted by
            ``manifold.euclidean_to_riemannian_hessian``. With neither Hessian,
            autograd's Hessian-vector product of the cost (reverse over
            reverse; plain numpy costs).
        riemannian_hessian: ``riemannian_hessian(point, tangent_vector)``, the
            Riemannian Hessian ``Hess f(x)[u] = ∇_u grad f`` directly. Give at
            most one of the two Hessians.
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
    ``"riemannian"``, ``"euclidean"``, ``"functional"`` or ``"metric swap"``);
    :meth:`riemannian_hessian` follows it (see there for where a Hessian exists). A problem holds
    no closures: ``copy.deepcopy`` gives an independent problem and ``pickle``
    works whenever the user's callables pickle (a functional loss is evaluated
    through ``self.loss`` and ``self.manifold`` at call time; autograd's
    gradient is rebuilt from the cost).

    Raises:
        TypeError: ``manifold`` lacks the manifold methods, ``cost`` or a
            gradient is not callable, or an unknown keyword was passed
            (pymanopt 0.x's ``egrad``, ``rgrad``, ``grad``, ``ehess``, ``rhess``,
            ``hess``, ``precon`` get the message naming the current names).
        ValueError: both gradients, or both Hessians, were given; a
            ``euclidean_hessian`` came with a ``riemannian_gradient`` (its
            conversion needs the Euclidean gradient) or with a functional loss.
        AutogradError: (at the first evaluation, :meth:`check`) autograd cannot
            differentiate the cost, which works on plain arrays: see
            :class:`AutogradError`.
    """

    def __init__(
        self,
        manifold: Manifold,
        cost: Callable[[Point], Any] | Loss,
        *,
        euclidean_gradient: Callable[[Point], Any] | None = None,
        riemannian_gradient: Callable[[Point], Any] | None = None,
        euclidean_hessian: Callable[[Point, Any], Any] | None = None,
        riemannian_hessian: Callable[[Point, Any], Any] | None = None,
        preconditioner: Callable[[Point, Any], Any] | None = None,
        gradient_manifold: Manifold | None = None,
        **unexpected: Any,
    ):
        if unexpected:
            raise TypeError(_unexpected_keywords(unexpected))
        for method in ("inner_product", "projection", "retraction", "norm"):
            if not callable(getattr(manifold, method, None)):
                raise TypeError(f"manifold must provide the manifold method '{method}', got {type(manifold).__name__}")
        loss = cost if isinstance(cost, Loss) else None
        for name, fun in (
            ("cost", None if loss is not None else cost),
            ("euclidean_gradient", euclidean_gradient),
            ("riemannian_gradient", riemannian_gradient),
            ("euclidean_hessian", euclidean_hessian),
            ("riemannian_hessian", riemannian_hessian),
            ("preconditioner", preconditioner),
        ):
            if fun is not None and not callable(fun):
                raise TypeError(f"{name} must be callable, got {type(fun).__name__}")
        if euclidean_gradient is not None and riemannian_gradient is not None:
            raise ValueError("give either euclidean_gradient or riemannian_gradient, not both")
        if euclidean_hessian is not None and riemannian_hessian is not None:
            raise ValueError("give either euclidean_hessian or riemannian_hessian, not both")
        if euclidean_hessian is not None and riemannian_gradient is not None:
            raise ValueError(
                "euclidean_hessian is converted with the Euclidean gradient, which a problem given a "
                "riemannian_gradient does not have: give riemannian_hessian instead"
            )
        if loss is not None and (euclidean_gradient is not None or riemannian_gradient is not None):
            raise ValueError("a functional loss brings its own gradient; do not pass a gradient with it")
        if loss is not None and euclidean_hessian is not None:
            raise ValueError("a functional loss brings its own Euclidean Hessian; give riemannian_hessian if any")
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
        if euclidean_hessian is None and loss is None and riemannian_gradient is None:
            euclidean_hessian = _AutogradHessian(cost)
        self._euclidean_hessian, self._riemannian_hessian = euclidean_hessian, riemannian_hessian
        self._gradient_memo: tuple | None = None  # (point, copy of it, ∇f(point)) for Hessian products
        # set by the first Hessian product on the "euclidean" route: from then on riemannian_gradient
        # leaves ∇f(x) in the memo, so that the Hessian products at x that follow do not evaluate it again
        self._keep_gradient = False
        if riemannian_gradient is not None:
            self._route = _Route.RIEMANNIAN
        elif gradient_manifold is not None:
            self._route = _Route.METRIC_SWAP
        elif loss is not None:
            self._route = _Route.FUNCTIONAL
        else:
            self._route = _Route.EUCLIDEAN

    @property
    def has_preconditioner(self) -> bool:
        """Whether a ``preconditioner`` was given (else :meth:`preconditioner` is the identity)."""
        return self._preconditioner is not None

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

    def costs_along(self, point: Point, tangent_vector: Any, steps: Any) -> list[float] | None:
        """``f(R_x(t u))`` for each ``t`` of ``steps`` when the problem evaluates them
        together (a functional loss on a model manifold whose model shares the work along
        a line, ``Loss.costs_along``); None otherwise: the caller then evaluates the
        points one by one."""
        if self._route is not _Route.FUNCTIONAL:
            return None
        along = getattr(self.loss, "costs_along", None)
        return None if along is None else along(self.manifold, point, tangent_vector, steps)

    def euclidean_gradient(self, point: Point) -> Any:
        """Euclidean gradient ``∇f(x)`` (only when the problem has one)."""
        if self._euclidean_gradient is None:
            raise NotImplementedError("this problem was given a riemannian_gradient only")
        return _as_product(self._euclidean_gradient(point))

    def euclidean_hessian_matrix(self, point: Point) -> Any:
        """The dense Hessian of the cost in the embedding coordinates, by autograd
        (``(p, p)`` for a vector point; plain numpy cost functions only, raises
        ``NotImplementedError`` otherwise). Used by the parameter-coordinates
        :class:`~riemgd.optimizers.NewtonDirection`."""
        if self._autograd_cost is None:
            raise NotImplementedError("this problem's cost is not an autograd-traceable function")
        import autograd

        return autograd.hessian(self._autograd_cost)(point)

    def euclidean_hessian(self, point: Point, tangent_vector: Any) -> Any:
        """Euclidean Hessian-vector product ``∇²f(x)[u]``: the given
        ``euclidean_hessian`` (or autograd's) at the tangent vector ``u`` as an
        ambient vector (see the class docstring)."""
        if self._euclidean_hessian is None:
            if self._route is _Route.FUNCTIONAL:
                raise NotImplementedError("a functional loss has no Euclidean Hessian-vector product here")
            raise NotImplementedError(
                "this problem was given a riemannian_gradient only: it has no Euclidean Hessian "
                "(give riemannian_hessian=)"
            )
        vector = tangent_vector
        if not getattr(self.manifold, "tangent_coordinates", False):
            vector = self.manifold.embedding(point, tangent_vector)
        return _as_product(self._euclidean_hessian(point, vector))

    def riemannian_hessian(self, point: Point, tangent_vector: Any) -> Any:
        """Riemannian Hessian-vector product ``Hess f(x)[u] = ∇_u grad f ∈ T_x M``.

        The given ``riemannian_hessian``; else, on the ``"euclidean"`` route,
        ``manifold.euclidean_to_riemannian_hessian(x, ∇f(x), ∇²f(x)[u], u)``
        (``∇²f(x)[u]`` given or by autograd). ``∇f(x)`` is evaluated once per
        point and reused while the same, unchanged point comes back (a
        truncated-CG solve asks for many products at one point).

        Raises:
            NotImplementedError: no Hessian is available: a problem given only a
                ``riemannian_gradient``; a ``"metric swap"`` problem (its gradient
                is not the gradient of ``manifold``'s metric, so no Hessian of
                that metric matches it); a functional loss on a manifold without
                ``loss_riemannian_hessian``; a manifold without
                ``euclidean_to_riemannian_hessian``; or autograd on non-numpy arrays.
        """
        if self._riemannian_hessian is not None:
            return _as_product(self._riemannian_hessian(point, tangent_vector))
        if self._route is _Route.RIEMANNIAN:
            raise NotImplementedError(
                "this problem was given a riemannian_gradient only: give riemannian_hessian= for second-order methods"
            )
        if self._route is _Route.METRIC_SWAP:
            raise NotImplementedError(
                "a 'metric swap' problem's gradient is taken in gradient_manifold's metric, not manifold's: "
                "no Riemannian Hessian matches it (give riemannian_hessian=, or drop gradient_manifold)"
            )
        if self._route is _Route.FUNCTIONAL:
            convert = getattr(self.manifold, "loss_riemannian_hessian", None)
            if convert is None:
                raise NotImplementedError(
                    f"the manifold {type(self.manifold).__name__} has no Riemannian Hessian of a functional loss"
                )
            return convert(self.loss, point, tangent_vector)
        convert = getattr(self.manifold, "euclidean_to_riemannian_hessian", None)
        if convert is None:
            raise NotImplementedError(
                f"the manifold {type(self.manifold).__name__} does not implement 'euclidean_to_riemannian_hessian'"
            )
        gradient = self._memoized_euclidean_gradient(point)
        return _as_product(convert(point, gradient, self.euclidean_hessian(point, tangent_vector), tangent_vector))

    def hessian_operator(self, point: Point) -> Callable[[Any], Any]:
        """``u ↦ Hess f(x)[u]`` at a fixed point ``x``: the same products as
        :meth:`riemannian_hessian` ``(x, u)``, with the route resolved and ``∇f(x)``
        looked up once for all of them (a truncated-CG solve applies the Hessian
        many times at one point). ``x`` must not change while the operator is in use.
        The errors of :meth:`riemannian_hessian` come at the first product."""
        convert = getattr(self.manifold, "euclidean_to_riemannian_hessian", None)
        if (
            self._route is not _Route.EUCLIDEAN
            or self._riemannian_hessian is not None
            or self._euclidean_hessian is None
            or convert is None
            or type(self).riemannian_hessian is not Problem.riemannian_hessian  # a subclass's own products
            or type(self).euclidean_hessian is not Problem.euclidean_hessian
        ):
            return lambda tangent_vector: self.riemannian_hessian(point, tangent_vector)
        self._keep_gradient = True
        gradient = self._memoized_euclidean_gradient(point)
        euclidean_hessian, manifold = self._euclidean_hessian, self.manifold
        embed = None if getattr(manifold, "tangent_coordinates", False) else manifold.embedding
        at_point = getattr(manifold, "euclidean_to_riemannian_hessian_at", None)  # x- and ∇f(x)-terms once
        if at_point is not None and defined_with(
            type(manifold), "euclidean_to_riemannian_hessian_at", "euclidean_to_riemannian_hessian"
        ):
            convert_here = at_point(point, gradient)
        else:  # a manifold without it (a pymanopt manifold)

            def convert_here(hessian_vector: Any, tangent_vector: Any) -> Any:
                return convert(point, gradient, hessian_vector, tangent_vector)

        def product(tangent_vector: Any) -> Any:
            vector = tangent_vector if embed is None else embed(point, tangent_vector)
            return _as_product(convert_here(_as_product(euclidean_hessian(point, vector)), tangent_vector))

        return product

    def _memoized_euclidean_gradient(self, point: Point) -> Any:
        """``∇f(x)``, kept for the last point: reused when the same object comes
        back with the same contents (a copy detects in-place edits)."""
        memo = self._gradient_memo
        if memo is not None and memo[0] is point and _same_contents(memo[1], point):
            return memo[2]
        self._keep_gradient = True
        gradient = self.euclidean_gradient(point)
        self._gradient_memo = (point, _copy(point), gradient)
        return gradient

    def riemannian_gradient(self, point: Point) -> Any:
        """Riemannian gradient ``grad f(x)``: the tangent vector with
        ``⟨grad f(x), u⟩_x = Df(x)[u]`` (for ``"metric swap"``, in the gradient
        manifold's metric)."""
        if self._route is _Route.RIEMANNIAN:
            return _as_product(self._riemannian_gradient(point))
        if self._route is _Route.FUNCTIONAL:
            return self.manifold.projection(point, self.loss.ambient_gradient(self.manifold, point))
        if self._route is _Route.METRIC_SWAP:
            return self.gradient_manifold.euclidean_to_riemannian_gradient(point, self.euclidean_gradient(point))
        gradient = self.euclidean_gradient(point)
        if self._keep_gradient:  # Hessian products will follow at this point: ∇f(x) for them
            self._gradient_memo = (point, _copy(point), gradient)
        return self.manifold.euclidean_to_riemannian_gradient(point, gradient)

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


#: pymanopt 0.x's keyword names (``pymanopt.Problem(manifold, cost, egrad=…)``) and the current ones.
LEGACY_KEYWORDS = {
    "egrad": "euclidean_gradient",
    "rgrad": "riemannian_gradient",
    "grad": "riemannian_gradient",
    "ehess": "euclidean_hessian",
    "rhess": "riemannian_hessian",
    "hess": "riemannian_hessian",
    "precon": "preconditioner",
}


def _unexpected_keywords(keywords: dict) -> str:
    """The TypeError message for unknown keywords, naming the new name of a pymanopt 0.x one."""
    parts = []
    for name in keywords:
        new = LEGACY_KEYWORDS.get(name)
        if new is None:
            parts.append(f"Problem() got an unexpected keyword argument {name!r}")
        else:
            parts.append(f"{name}= is pymanopt 0.x's name: riemgd.Problem (like pymanopt 2) calls it {new}=")
    return "; ".join(parts)


class AutogradError(TypeError):
    """autograd could not differentiate a cost that evaluates fine on plain arrays.

    Typical causes, each of which autograd's tracing types (``ArrayBox``) cannot
    pass through: ``float(x)``, ``x.item()``, ``np.asarray(x)``, in-place
    assignment ``x[i] = …``, ``import numpy as np`` instead of
    ``import autograd.numpy as np``, or a scipy function (``scipy.linalg.expm``;
    autograd has ``autograd.scipy`` for some). The original error is chained
    (``__cause__``).
    """


def _as_product(value: Any) -> Any:
    """Gradients of product-manifold costs come back as tuples: give them arithmetic."""
    if isinstance(value, (tuple, list)) and not isinstance(value, ProductVector):
        return ProductVector(value)
    return value


def _copy(point: Point) -> Any:
    if isinstance(point, (tuple, list)):
        return tuple(_copy(part) for part in point)
    return point + 0.0 if hasattr(point, "shape") else point


def _same_contents(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(map(_same_contents, a, b))
    if not hasattr(a, "shape"):
        return a == b
    if getattr(b, "shape", None) != a.shape or type(a) is not type(b):
        return False
    return bool(backend.namespace(a).all(a == b))


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
        try:
            return _conjugate_complex(self._gradient(point))
        except Exception as error:
            if not self._cost_works(point):
                raise  # the cost fails on plain arrays too: not autograd's doing
            raise AutogradError(_autograd_advice(error)) from error

    def _cost_works(self, point: Point) -> bool:
        try:
            self.cost(point)
        except Exception:
            return False
        return True


def _autograd_advice(error: Exception) -> str:
    """What to do when autograd cannot trace the cost, from the error it raised."""
    text = f"{type(error).__name__}: {error}"
    if "ArrayBox" in text:
        cause = (
            "the cost turns its argument into a Python number or a plain numpy array (float(x), x.item(), "
            "np.asarray(x), math.* functions or in-place assignment)"
        )
    elif "sequence" in text:
        cause = (
            "the cost calls a function autograd cannot differentiate (a scipy function such as "
            "scipy.linalg.expm, or plain numpy instead of autograd.numpy), which tried to store a traced value "
            "in a numpy array"
        )
    else:
        cause = "the cost uses an operation autograd cannot differentiate"
    return (
        f"autograd could not differentiate the cost, which evaluates fine on plain arrays: {cause} ({text}). "
        "Write the cost with autograd.numpy (import autograd.numpy as np) and autograd.scipy, without float() "
        "or in-place edits, or pass euclidean_gradient= (or riemannian_gradient=) to riemgd.Problem."
    )


def _conjugate_complex(gradient: Any) -> Any:
    """autograd's gradient of a real cost of complex ``z = x + iy`` is ``∂f/∂x − i ∂f/∂y``;
    conjugated it is ``∂f/∂x + i ∂f/∂y``, the gradient for the real inner product
    ``Re tr(Aᴴ B)`` (``Df(z)[u] = Re⟨G, u⟩``), as pymanopt's autograd backend returns it.
    Real arrays pass unchanged."""
    if isinstance(gradient, (tuple, list)):
        return type(gradient)(_conjugate_complex(part) for part in gradient)
    return backend.np.conj(gradient) if backend.np.iscomplexobj(gradient) else gradient


class _AutogradHessian:
    """Euclidean Hessian-vector product of ``cost`` by autograd, reverse over
    reverse: ``∇²f(x)[u] = ∇_x ⟨∇f(x), u⟩`` (numpy arrays, real costs of real or
    complex points, complex ones in pymanopt's convention); picklable
    when ``cost`` is, like :class:`_AutogradGradient`."""

    def __init__(self, cost: Callable[[Point], Any]):
        self.cost = cost
        self._product: Callable[[Point, Any], Any] | None = None

    def __getstate__(self) -> dict:
        return {"cost": self.cost, "_product": None}

    def __call__(self, point: Point, vector: Any) -> Any:
        if backend.namespace(point) is not backend.np:
            raise NotImplementedError(
                "autograd differentiates numpy code only; for arrays of "
                f"{backend.namespace(point).__name__}, pass euclidean_hessian= or riemannian_hessian="
            )
        if self._product is None:
            import autograd

            gradient = autograd.grad(self.cost)

            def directional_derivative(x: Point, u: Any) -> Any:
                return _traced_inner(gradient(x), u)  # ⟨∇f(x), u⟩, a function of x

            self._product = autograd.grad(directional_derivative)
        if isinstance(point, ProductVector):
            point = tuple(point)
        if isinstance(vector, ProductVector):
            vector = tuple(vector)
        return _conjugate_complex(self._product(point, vector))


def _traced_inner(a: Any, b: Any) -> Any:
    """``Σ a_ij b_ij`` over arrays or (nested) tuples of arrays, traceable in ``a``
    by autograd (``b``, the direction, is a plain array or tuple; a traced tuple
    ``a`` is an autograd box that only indexes like one)."""
    if isinstance(b, (tuple, list)):
        if len(a) != len(b):
            raise ValueError(f"the vector has {len(b)} parts, the gradient {len(a)}")
        return sum(_traced_inner(a[i], part) for i, part in enumerate(b))
    import autograd.numpy as anp

    # Re Σ a b: for a complex point, a is autograd's ∂f/∂x − i∂f/∂y, so this is
    # Re⟨conj(a), b⟩ = Df(x)[b], whose gradient, conjugated, is pymanopt's Hessian product
    return anp.real(anp.sum(a * b))

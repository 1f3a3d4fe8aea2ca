"""Generic functional losses: the :class:`Loss` interface, :class:`L2`, :class:`KL`,
:class:`Composite` and the Bernoulli / categorical likelihoods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riemgd import backend

Array = Any


def _require_model_manifold(manifold: Any) -> None:
    for method in ("function_values", "pullback", "ambient_from_derivative"):
        if not callable(getattr(manifold, method, None)):
            raise TypeError(
                f"a functional loss needs a model manifold (with '{method}'), got {type(manifold).__name__}"
            )


class Loss:
    """Base class: implement :meth:`value` and :meth:`derivative`.

    ``target`` (when a loss has one) is discretized by the manifold's space:
    a callable is evaluated at the points and must return shape ``(m,)``
    (a column ``(m, 1)`` is refused), an array must have ``V``'s size.

    Losses pickle (riemgd stores no closures in them); a ``lambda`` target or
    map ``f`` you pass does not pickle: define it with ``def`` at module level.

    ``Problem(manifold, loss)`` evaluates the loss through :meth:`cost`,
    :meth:`euclidean_gradient` and :meth:`ambient_gradient`, each taking the
    manifold at call time (no closures: problems copy and pickle).
    """

    target: Any = None

    def __getstate__(self) -> dict:
        # the discretized target is keyed on id(space), meaningless in a copy
        state = self.__dict__.copy()
        state.pop("_target_cache", None)
        state.pop("_source_cache", None)  # PDEResidual's f at the current points
        return state

    def value(self, values: Array, space: Any) -> Any:
        """``L(v)``."""
        raise NotImplementedError

    def derivative(self, values: Array, space: Any) -> Array:
        """``q = ∂L/∂v``, the Euclidean derivative in the discretized values."""
        raise NotImplementedError

    def hessian_vector_product(self, values: Array, space: Any, vector: Array) -> Array:
        """``∂²L/∂v² [w]``, the exact Euclidean Hessian in the values applied to
        ``w`` (second-order methods on model manifolds need it)."""
        raise NotImplementedError(f"the loss {type(self).__name__} has no hessian_vector_product")

    def discretized_target(self, space: Any) -> Array:
        """The target as an element of ``V`` at the space's current points."""
        key = (id(space), space.version)
        cached = getattr(self, "_target_cache", None)
        if cached is None or cached[0] != key:
            cached = (key, space.discretize(self.target))
            self._target_cache = cached
        return cached[1]

    # ------------------------------------------------- what Problem(manifold, loss) calls
    def validate(self, manifold: Any) -> None:
        """Raise a clear error before any iteration if ``manifold`` cannot carry
        this loss or the target does not fit its space."""
        _require_model_manifold(manifold)
        if self.target is not None:
            self.discretized_target(manifold.space)

    def cost(self, manifold: Any, theta: Array) -> Any:
        """``L(v_θ)``."""
        return self.value(manifold.function_values(theta), manifold.space)

    def costs_along(self, manifold: Any, theta: Array, tangent_vector: Array, steps: Any) -> list[float] | None:
        """``L(v)`` at ``R_θ(t c)`` for each ``t`` of ``steps`` from the manifold's
        ``values_along`` (a grid line search's trials at once); None when the manifold
        cannot, or when a subclass computes its cost otherwise than ``L(v_θ)``."""
        along = getattr(manifold, "values_along", None)
        if along is None or type(self).cost is not Loss.cost:
            return None
        lines = along(theta, tangent_vector, steps)
        if lines is None:
            return None
        return [backend.to_float(self.value(values, manifold.space)) for values in lines]

    def euclidean_gradient(self, manifold: Any, theta: Array) -> Array:
        """``∇_θ L = Jᵀ q``."""
        return manifold.pullback(theta, self.derivative(manifold.function_values(theta), manifold.space))

    def ambient_gradient(self, manifold: Any, theta: Array) -> Any:
        """The gradient in the manifold's ambient space: ``∇L(v) = K⁻¹ q ∈ V`` on a
        model manifold, ``M⁻¹ Jᵀ q`` in parameter space (the manifold says which)."""
        values = manifold.function_values(theta)
        return manifold.ambient_from_derivative(theta, self.derivative(values, manifold.space))


class L2(Loss):
    """``L(v) = ½ ‖u − v‖²_V``; derivative ``K(v − u)``, ``V``-gradient ``v − u``.

    Args:
        target: ``u``: a callable of the points or an array of ``V``'s size.
    """

    def __init__(self, target: Any):
        self.target = target

    def value(self, values: Array, space: Any) -> Any:
        r = values - self.discretized_target(space)
        return 0.5 * backend.inner(r, space.metric_apply(values, r))

    def derivative(self, values: Array, space: Any) -> Array:
        return space.metric_apply(values, values - self.discretized_target(space))

    def hessian_vector_product(self, values: Array, space: Any, vector: Array) -> Array:
        """``∂²L/∂v² [w] = K w``."""
        return space.metric_apply(values, vector)

    def hessian(self, values: Array, space: Any) -> Array:
        """``∂²L/∂v² = K`` as a dense ``(n, n)`` matrix."""
        xp = backend.namespace(values)
        return space.metric_apply(values, xp.eye(values.shape[0], dtype=values.dtype))


class KL(Loss):
    """Generalized Kullback–Leibler divergence of positive densities::

        L(v) = ∫ [v log(v/u) − v + u] dμ,     ∂L/∂v = log(v/u)  (times the weights),

    which is ``≥ 0`` and vanishes only at ``v = u`` even for unnormalized ``v``.
    A non-positive ``v`` gives ``L = +∞`` (and stops a run cleanly).

    Args:
        target: The density ``u > 0``.
    """

    def __init__(self, target: Any):
        self.target = target

    def discretized_target(self, space: Any) -> Array:
        u = super().discretized_target(space)
        if backend.to_float(backend.namespace(u).min(u)) <= 0:
            raise ValueError("target must be a positive density for the KL loss")
        return u

    def value(self, values: Array, space: Any) -> Any:
        xp = backend.namespace(values)
        u = self.discretized_target(space)
        if backend.to_float(xp.min(values)) <= 0:
            return xp.asarray(float("inf"), dtype=values.dtype)
        density = values * xp.log(values / u) - values + u
        return xp.sum(space.metric_apply(values, density))

    def derivative(self, values: Array, space: Any) -> Array:
        xp = backend.namespace(values)
        safe = xp.where(values > 0, values, xp.nan)  # log of a non-positive density: NaN, caught by the run
        return space.metric_apply(values, xp.log(safe / self.discretized_target(space)))

    def hessian_vector_product(self, values: Array, space: Any, vector: Array) -> Array:
        """``∂²L/∂v² [w] = K (w / v)`` (the derivative of ``K log(v/u)``)."""
        return space.metric_apply(values, vector / values)


class Composite(Loss):
    """``L(v) = ½ ‖f(u) − f(v)‖²_V`` for a map ``f: V → V`` (the seed's twisted loss).

    Derivative ``q = Df(v)ᵀ K (f(v) − f(u))``; with :meth:`hessian` (the
    Gauss–Newton ``Df(v)ᵀ K Df(v)``) it gives the Hessian-weighted Gram
    through :class:`~riemgd.spaces.HessianWeighted`.

    Args:
        f: ``f(v)`` on discretized values, written with ``autograd.numpy`` when
            ``f_jacobian`` is not given.
        target: ``u``.
        f_jacobian: Optional ``f_jacobian(v) -> (n, n)`` matrix ``Df(v)``.
    """

    def __init__(self, f: Callable[[Array], Array], target: Any, f_jacobian: Callable[[Array], Array] | None = None):
        if not callable(f):
            raise TypeError(f"f must be callable, got {type(f).__name__}")
        if f_jacobian is not None and not callable(f_jacobian):
            raise TypeError(f"f_jacobian must be callable, got {type(f_jacobian).__name__}")
        self.f, self.target, self._f_jacobian = f, target, f_jacobian

    def f_jacobian(self, values: Array) -> Array:
        """``Df(v)``, shape ``(n, n)``: the given ``f_jacobian``, or autograd's
        (made on each call rather than stored, so that the loss pickles)."""
        if self._f_jacobian is None:
            from autograd import jacobian

            df = jacobian(self.f)(values)
        else:
            df = self._f_jacobian(values)
        n = values.shape[0]
        if tuple(getattr(df, "shape", ())) != (n, n):
            raise ValueError(f"f_jacobian must return an ({n}, {n}) matrix Df(v), got {getattr(df, 'shape', None)}")
        return df

    def _residual(self, values: Array, space: Any) -> Array:
        fv = self.f(values)
        if tuple(getattr(fv, "shape", ())) != tuple(values.shape):
            raise ValueError(f"f must map V to V, shape {tuple(values.shape)}, got shape {getattr(fv, 'shape', None)}")
        return fv - self.f(self.discretized_target(space))

    def value(self, values: Array, space: Any) -> Any:
        r = self._residual(values, space)
        return 0.5 * backend.inner(r, space.metric_apply(values, r))

    def derivative(self, values: Array, space: Any) -> Array:
        return self.f_jacobian(values).T @ space.metric_apply(values, self._residual(values, space))

    def hessian(self, values: Array, space: Any) -> Array:
        """Gauss–Newton Hessian ``Df(v)ᵀ K Df(v)``."""
        df = self.f_jacobian(values)
        return df.T @ space.metric_apply(values, df)


class BernoulliLikelihood(Loss):
    """Mean negative log-likelihood of labels ``y ∈ {0, 1}`` under logits ``z``,
    ``L = Σᵢ wᵢ [log(1 + e^{zᵢ}) − yᵢ zᵢ]``, ``∂L/∂zᵢ = wᵢ (s(zᵢ) − yᵢ)``."""

    def __init__(self, labels: Array):
        self.target = labels

    def value(self, values: Array, space: Any) -> Any:
        xp = backend.namespace(values)
        y = self.discretized_target(space)
        return xp.sum(space.weights * (xp.logaddexp(xp.zeros_like(values), values) - y * values))

    def derivative(self, values: Array, space: Any) -> Array:
        xp = backend.namespace(values)
        return space.weights * (1.0 / (1.0 + xp.exp(-values)) - self.discretized_target(space))

    def hessian_vector_product(self, values: Array, space: Any, vector: Array) -> Array:
        """``∂²L/∂zᵢ² = wᵢ s(zᵢ)(1 − s(zᵢ))``, a diagonal."""
        xp = backend.namespace(values)
        s = 1.0 / (1.0 + xp.exp(-values))
        return space.weights * s * (1.0 - s) * vector


class CategoricalLikelihood(Loss):
    """Mean negative log-likelihood of one-hot labels under softmax logits.

    ``values`` and ``labels`` are output-major ``(q·m,)`` vectors (class ``k``
    of sample ``i`` at ``k m + i``), as a :class:`~riemgd.spaces.Pullback` space lays them out.
    """

    def __init__(self, labels: Array):
        self.target = labels

    def _log_softmax(self, values: Array, space: Any) -> Array:
        xp = backend.namespace(values)
        z = xp.reshape(values, (space.outputs, -1))
        shifted = z - xp.max(z, axis=0, keepdims=True)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=0, keepdims=True))

    def value(self, values: Array, space: Any) -> Any:
        xp = backend.namespace(values)
        y = xp.reshape(self.discretized_target(space), (space.outputs, -1))
        return -xp.sum(space.weights * xp.sum(y * self._log_softmax(values, space), axis=0))

    def derivative(self, values: Array, space: Any) -> Array:
        xp = backend.namespace(values)
        y = xp.reshape(self.discretized_target(space), (space.outputs, -1))
        return xp.reshape(space.weights * (xp.exp(self._log_softmax(values, space)) - y), (-1,))

"""Functional losses ``L(v)`` on a model manifold, with their ``V``-gradients.

A loss gives its value and its derivative ``q = ∂L/∂v`` with respect to the
discretized function ``v``; the space turns ``q`` into the ``V``-gradient
(the Riesz representer ``∇L(v) = K⁻¹ q``), and ``Problem(manifold, loss)``
then has::

    cost(θ) = L(v_θ),     ∇_θ L = Jᵀ q,     grad = G⁻¹ Jᵀ q = P_T ∇L(v_θ)

(the seed's natural gradient ``P_{T_k} ∇L(v_k)``).

* :class:`L2` — ``½‖u − v‖²_V``, ``∇L(v) = v − u``.
* :class:`KL` — generalized Kullback–Leibler divergence of positive densities.
* :class:`Composite` — ``½‖f(u) − f(v)‖²_V`` for a user map ``f`` (the seed's twisted loss).
* :class:`BernoulliLikelihood`, :class:`CategoricalLikelihood` — negative
  log-likelihoods of logits (Fisher natural gradient with a :class:`~riemgd.spaces.Pullback` space).
* :class:`PDEResidual` — ``½‖𝓛v − f‖²`` at collocation points plus a boundary
  penalty, for a linear differential operator ``𝓛``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from riemgd import backend
from riemgd.models.base import Model, parse_term
from riemgd.spaces import L2 as L2Space

Array = Any


class _Bound:
    """A loss bound to a manifold: the three callables :class:`~riemgd.Problem` needs."""

    def __init__(self, cost: Callable, euclidean_gradient: Callable, ambient_gradient: Callable | None):
        self.cost, self.euclidean_gradient, self.ambient_gradient = cost, euclidean_gradient, ambient_gradient


def _require_model_manifold(manifold: Any) -> None:
    for method in ("function_values", "pullback", "ambient_from_derivative"):
        if not callable(getattr(manifold, method, None)):
            raise TypeError(
                f"a functional loss needs a model manifold (with '{method}'), got {type(manifold).__name__}"
            )


class Loss:
    """Base class: implement :meth:`value` and :meth:`derivative`.

    ``target`` (when a loss has one) is discretized by the manifold's space:
    a callable is evaluated at the points, an array must have ``V``'s size.
    """

    target: Any = None

    def value(self, values: Array, space: Any) -> Any:
        """``L(v)``."""
        raise NotImplementedError

    def derivative(self, values: Array, space: Any) -> Array:
        """``q = ∂L/∂v``, the Euclidean derivative in the discretized values."""
        raise NotImplementedError

    def gradient(self, values: Array, space: Any) -> Array:
        """The ``V``-gradient ``∇L(v) = K⁻¹ q``."""
        return space.riesz(values, self.derivative(values, space))

    def discretized_target(self, space: Any) -> Array:
        """The target as an element of ``V`` at the space's current points."""
        key = (id(space), space.version)
        cached = getattr(self, "_target_cache", None)
        if cached is None or cached[0] != key:
            cached = (key, space.discretize(self.target))
            self._target_cache = cached
        return cached[1]

    def bind(self, manifold: Any) -> _Bound:
        """The callables of ``Problem(manifold, loss)``."""
        _require_model_manifold(manifold)
        space = manifold.space
        if self.target is not None:
            self.discretized_target(space)  # validate the target's shape before any iteration

        def cost(theta: Array) -> Any:
            return self.value(manifold.function_values(theta), space)

        def euclidean_gradient(theta: Array) -> Array:
            return manifold.pullback(theta, self.derivative(manifold.function_values(theta), space))

        def ambient_gradient(theta: Array) -> Array:
            # the manifold says what ∂L/∂v is in its ambient space: ∇L(v) ∈ V on a
            # model manifold, M⁻¹ Jᵀ q in parameter space
            return manifold.ambient_from_derivative(theta, self.derivative(manifold.function_values(theta), space))

        return _Bound(cost, euclidean_gradient, ambient_gradient)


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
        self.f, self.target = f, target
        if f_jacobian is None:
            from autograd import jacobian

            f_jacobian = jacobian(f)
        self.f_jacobian = f_jacobian

    def _residual(self, values: Array, space: Any) -> Array:
        return self.f(values) - self.f(self.discretized_target(space))

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


class PDEResidual(Loss):
    """Least-squares residual of a linear PDE with a boundary penalty::

        L(v) = ½ Σᵢ wᵢ (𝓛v(xᵢ) − f(xᵢ))² + ½ β Σ_b w_b (v(x_b) − g(x_b))²,
        𝓛v = Σ_t a_t ∂_t v   (e.g. −ε v'' + v' with {"dd0": −ε, "d0": 1}),

    at interior collocation points (an :class:`~riemgd.spaces.L2` space, which
    may resample them every iteration) and boundary points. The parameter
    gradient is ``∇_θ L = Σ_t a_t J_tᵀ W r + β J_bᵀ W_b r_b`` with the model's
    analytic derivative Jacobians ``J_t``. On a model manifold over plain
    ``L²`` this gives the seed's natural gradient ``G⁻¹ ∇_θ L``;
    :meth:`energy_manifold` gives the energy natural gradient (Gram of the
    residual map, Müller & Zeinhofer 2023).

    Args:
        operator: ``{term: coefficient}`` with terms ``"value"``, ``"d<k>"``,
            ``"dd<k>"`` and constant coefficients.
        source: ``f``, a callable of the points.
        interior: The collocation space (weights are quadrature weights).
        boundary: Boundary points ``(m_b,)`` or ``(m_b, d)``.
        boundary_values: ``g``, a callable of the points or a number.
        boundary_weights: ``w_b`` (default ``1/m_b``).
        penalty: ``β > 0``.
    """

    def __init__(
        self,
        operator: Mapping[str, float],
        source: Callable[[Array], Array],
        interior: Any,
        boundary: Array,
        boundary_values: Callable[[Array], Array] | float = 0.0,
        boundary_weights: Array | None = None,
        penalty: float = 1.0,
    ):
        if not operator:
            raise ValueError("operator must have at least one term")
        for term in operator:
            parse_term(term)
        if not callable(source):
            raise TypeError(f"source must be callable, got {type(source).__name__}")
        if not isinstance(interior, L2Space):
            raise TypeError(f"interior must be a riemgd.spaces.L2 space, got {type(interior).__name__}")
        if not penalty > 0:
            raise ValueError(f"penalty must be positive, got {penalty}")
        self.operator, self.source, self.interior, self.penalty = dict(operator), source, interior, float(penalty)
        self.boundary = L2Space(boundary, boundary_weights)
        points = self.boundary.points
        if callable(boundary_values):
            self._boundary_values = boundary_values(points)
        else:
            xp = backend.namespace(points)
            self._boundary_values = xp.full((points.shape[0],), float(boundary_values), dtype=points.dtype)
        self._terms = tuple(self.operator)

    def begin_iteration(self, iteration: int | None = None) -> bool:
        """Draw new collocation points (stochastic interior spaces)."""
        return self.interior.resample(iteration)

    def residuals(
        self, model: Model, theta: Array, *, jacobian: bool
    ) -> tuple[Array, Array, Array | None, Array | None]:
        """``(r, r_b, ∂r/∂θ, ∂r_b/∂θ)``: interior residual ``𝓛v − f`` and boundary misfit ``v − g``."""
        x = self.interior.points
        values, jacobians = model.evaluate(theta, x, self._terms, jacobian=jacobian)
        coefficients = [self.operator[t] for t in self._terms]
        r = sum(a * v for a, v in zip(coefficients, values, strict=False)) - self.source(x)
        vb, jb = model.evaluate(theta, self.boundary.points, ("value",), jacobian=jacobian)
        rb = vb[0] - self._boundary_values
        if not jacobian:
            return r, rb, None, None
        jr = sum(a * j for a, j in zip(coefficients, jacobians, strict=False))
        return r, rb, jr, jb[0]

    def _parts(self, manifold: Any, theta: Array, jacobian: bool) -> tuple:
        return self.residuals(manifold.model, theta, jacobian=jacobian)

    def bind(self, manifold: Any) -> _Bound:
        if not hasattr(manifold, "model"):
            raise TypeError(f"PDEResidual needs a model manifold, got {type(manifold).__name__}")
        w, wb, beta = self.interior, self.boundary, self.penalty

        def cost(theta: Array) -> Any:
            r, rb, _, _ = self._parts(manifold, theta, False)
            return 0.5 * backend.inner(r, w.weights * r) + 0.5 * beta * backend.inner(rb, wb.weights * rb)

        def euclidean_gradient(theta: Array) -> Array:
            r, rb, jr, jb = self._parts(manifold, theta, True)
            return jr.T @ (w.weights * r) + beta * (jb.T @ (wb.weights * rb))

        return _Bound(cost, euclidean_gradient, None)

    def energy_manifold(self, model: Model, **kwargs: Any) -> Any:
        """``ModelManifold`` of the residual map ``θ ↦ (𝓛v_θ(xᵢ), v_θ(x_b))`` in
        the weighted space ``diag(w, β w_b)``, whose natural gradient for
        :meth:`energy_loss` is the energy natural gradient
        ``θ ← θ − α (J_rᵀ W J_r + β J_bᵀ W_b J_b)⁻¹ ∇_θ L``."""
        from riemgd.manifolds.model import ModelManifold

        return ModelManifold(_ResidualModel(model, self), _ResidualSpace(self), **kwargs)

    def energy_loss(self) -> L2:
        """The same loss, ``½‖(𝓛v, v_b) − (f, g)‖²`` on :meth:`energy_manifold`'s space."""
        pde = self

        def target(_: Any) -> Array:
            xp = backend.namespace(pde.interior.points)
            return backend.concat(xp, [pde.source(pde.interior.points), pde._boundary_values])

        return L2(target)


class _ResidualModel(Model):
    """``θ ↦ (𝓛v_θ(xᵢ), v_θ(x_b))``, the residual map of a :class:`PDEResidual`."""

    def __init__(self, model: Model, pde: PDEResidual):
        self.model, self.pde, self.num_params = model, pde, model.num_params

    def initial_parameters(self, rng: Any = None) -> Any:
        return self.model.initial_parameters(rng)

    def evaluate(self, theta: Array, x: Array, terms: Any = ("value",), *, jacobian: bool = True) -> tuple:
        r, rb, jr, jb = self.pde.residuals(self.model, theta, jacobian=jacobian)
        f = self.pde.source(self.pde.interior.points)
        xp = backend.namespace(theta)
        values = backend.concat(xp, [r + f, rb + self.pde._boundary_values])
        return [values], ([backend.concat(xp, [jr, jb])] if jacobian else None)


class _ResidualSpace(L2Space):
    """The weighted space ``diag(w, β w_b)`` of a PDE's residual map (its
    weights follow the PDE's collocation points when those are resampled)."""

    def __init__(self, pde: PDEResidual):
        self.pde = pde
        xp = backend.namespace(pde.interior.points)
        size = pde.interior.points.shape[0] + pde.boundary.points.shape[0]
        super().__init__(xp.astype(xp.arange(size), pde.interior.weights.dtype), self._current_weights())

    def _current_weights(self) -> Array:
        pde = self.pde
        xp = backend.namespace(pde.interior.weights)
        return backend.concat(xp, [pde.interior.weights, pde.penalty * pde.boundary.weights])

    def resample(self, iteration: int | None = None) -> bool:
        changed = self.pde.interior.resample(iteration)
        self.weights = self.all_weights = self._current_weights()
        self.version = self.pde.interior.version
        return changed

    def __repr__(self) -> str:
        return "PDE residual space"

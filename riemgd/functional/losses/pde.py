"""PDE losses: the least-squares residual of a linear PDE with a boundary penalty,
and the residual map whose Gram matrix gives the energy natural gradient."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from riemgd import backend
from riemgd.functional.losses.generic import L2, Loss
from riemgd.functional.models.base import Model, parse_term
from riemgd.functional.spaces.base import check_values
from riemgd.functional.spaces.metrics import L2 as L2Space

Array = Any


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
        source: ``f``, a callable of the points ``(m,)`` or ``(m, d)`` returning
            shape ``(m,)`` (a column ``(m, 1)`` is refused: it would broadcast).
        interior: The collocation space (weights are quadrature weights).
        boundary: Boundary points ``(m_b,)`` or ``(m_b, d)``.
        boundary_values: ``g``, a callable of the boundary points returning
            shape ``(m_b,)``, or a number.
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
            check_values(self._boundary_values, points.shape[0], "boundary_values", "one value per boundary point")
        else:
            if isinstance(boundary_values, (bool, complex)) or not isinstance(boundary_values, (int, float)):
                raise TypeError(f"boundary_values must be callable or a real number, got {boundary_values!r}")
            xp = backend.namespace(points)
            self._boundary_values = xp.full((points.shape[0],), float(boundary_values), dtype=points.dtype)
        self._terms = tuple(self.operator)
        self._source(interior.points)  # the source's shape, checked before any iteration

    def _source(self, x: Array) -> Array:
        """``f(x)``, shape ``(m,)`` (a column ``(m, 1)`` would broadcast ``𝓛v − f`` to
        ``(m, m)``), evaluated once per set of collocation points: a grid line
        search asks for it at every trial step."""
        cached = self.__dict__.get("_source_cache")
        if cached is not None and cached[0] is x:
            return cached[1]
        f = self.source(x)
        if tuple(getattr(f, "shape", ())) != (x.shape[0],):
            check_values(f, x.shape[0], "source", "one value per collocation point")
        self.__dict__["_source_cache"] = (x, f)
        return f

    def begin_iteration(self, iteration: int | None = None) -> bool:
        """Draw new collocation points (stochastic interior spaces)."""
        return self.interior.resample(iteration)

    def residuals(
        self, model: Model, theta: Array, *, jacobian: bool
    ) -> tuple[Array, Array, Array | None, Array | None]:
        """``(r, r_b, ∂r/∂θ, ∂r_b/∂θ)``: interior residual ``𝓛v − f`` and boundary misfit ``v − g``."""
        lv, vb, jr, jb = self.operator_values(model, theta, jacobian=jacobian)
        return lv - self._source(self.interior.points), vb - self._boundary_values, jr, jb

    def operator_values(
        self, model: Model, theta: Array, *, jacobian: bool
    ) -> tuple[Array, Array, Array | None, Array | None]:
        """``(𝓛v(xᵢ), v(x_b), ∂(𝓛v)/∂θ, ∂v(x_b)/∂θ)``, the residual map before ``f`` and ``g``
        are subtracted.

        A model with ``evaluate_operator`` (e.g. :class:`~riemgd.models.MLP`) gives
        ``𝓛v`` and ``∂(𝓛v)/∂θ`` in one call; otherwise ``Σ_t a_t ∂_t v`` is summed
        from one value and one Jacobian per term."""
        x = self.interior.points
        if hasattr(model, "evaluate_operator"):
            lv, jr = model.evaluate_operator(theta, x, self.operator, jacobian=jacobian)
        else:
            values, jacobians = model.evaluate(theta, x, self._terms, jacobian=jacobian)
            coefficients = [self.operator[t] for t in self._terms]
            lv = sum(a * v for a, v in zip(coefficients, values, strict=False))
            jr = sum(a * j for a, j in zip(coefficients, jacobians, strict=False)) if jacobian else None
        vb, jb = model.evaluate(theta, self.boundary.points, ("value",), jacobian=jacobian)
        return lv, vb[0], jr, (jb[0] if jacobian else None)

    def operator_values_along(self, model: Model, theta: Array, direction: Array, steps: Any) -> Any:
        """``(𝓛v, v(x_b))`` at ``θ + t d`` for each ``t`` of ``steps``, lazily, from a model
        with ``operator_values_along`` (:class:`~riemgd.models.ShallowNetwork`); None otherwise."""
        along = getattr(model, "operator_values_along", None)
        if along is None:
            return None
        interior = along(theta, direction, self.interior.points, self.operator, steps)
        boundary = along(theta, direction, self.boundary.points, "value", steps)
        return zip(interior, boundary, strict=True)

    def _parts(self, manifold: Any, theta: Array, jacobian: bool) -> tuple:
        return self.residuals(manifold.model, theta, jacobian=jacobian)

    def validate(self, manifold: Any) -> None:
        if not hasattr(manifold, "model"):
            raise TypeError(f"PDEResidual needs a model manifold, got {type(manifold).__name__}")

    def cost(self, manifold: Any, theta: Array) -> Any:
        """``½ Σ wᵢ rᵢ² + ½ β Σ w_b r_b²``."""
        r, rb, _, _ = self._parts(manifold, theta, False)
        w, wb = self.interior.weights, self.boundary.weights
        return 0.5 * backend.inner(r, w * r) + 0.5 * self.penalty * backend.inner(rb, wb * rb)

    def euclidean_gradient(self, manifold: Any, theta: Array) -> Array:
        """``∇_θ L = J_rᵀ W r + β J_bᵀ W_b r_b``."""
        r, rb, jr, jb = self._parts(manifold, theta, True)
        return jr.T @ (self.interior.weights * r) + self.penalty * (jb.T @ (self.boundary.weights * rb))

    def ambient_gradient(self, manifold: Any, theta: Array) -> Any:
        """No V-gradient of its own: the parameter gradient as the manifold's ambient vector."""
        return manifold.ambient_gradient(theta, self.euclidean_gradient(manifold, theta))

    def energy_manifold(self, model: Model, **kwargs: Any) -> Any:
        """``ModelManifold`` of the residual map ``θ ↦ (𝓛v_θ(xᵢ), v_θ(x_b))`` in
        the weighted space ``diag(w, β w_b)``, whose natural gradient for
        :meth:`energy_loss` is the energy natural gradient
        ``θ ← θ − α (J_rᵀ W J_r + β J_bᵀ W_b J_b)⁻¹ ∇_θ L``.

        ``kwargs`` go to :class:`~riemgd.functional.ModelManifold` (``damping``,
        ``solver``, ...). For a model with ``jvp``/``vjp`` (:class:`~riemgd.models.MLP`)
        the residual map has them too, ``(𝓛 J c, J_b c)`` and
        ``J_rᵀ r + J_bᵀ r_b``, so ``solver="cg"`` never forms a Jacobian."""
        from riemgd.functional.manifold import ModelManifold

        products = callable(getattr(model, "jvp", None)) and callable(getattr(model, "vjp", None))
        residual = (_ResidualProducts if products else _ResidualModel)(model, self)
        return ModelManifold(residual, _ResidualSpace(self), **kwargs)

    def energy_loss(self) -> L2:
        """The same loss, ``½‖(𝓛v, v_b) − (f, g)‖²`` on :meth:`energy_manifold`'s space."""
        return L2(_EnergyTarget(self))


class _EnergyTarget:
    """``(f(xᵢ), g(x_b))`` at the current collocation points: the target of
    :meth:`PDEResidual.energy_loss` (a class, not a closure, so that it pickles)."""

    def __init__(self, pde: PDEResidual):
        self.pde = pde

    def __call__(self, _: Any) -> Array:
        pde = self.pde
        xp = backend.namespace(pde.interior.points)
        return backend.concat(xp, [pde._source(pde.interior.points), pde._boundary_values])


class _ResidualModel(Model):
    """``θ ↦ (𝓛v_θ(xᵢ), v_θ(x_b))``, the residual map of a :class:`PDEResidual`."""

    def __init__(self, model: Model, pde: PDEResidual):
        self.model, self.pde, self.num_params = model, pde, model.num_params

    def initial_parameters(self, rng: Any = None) -> Any:
        return self.model.initial_parameters(rng)

    def evaluate(self, theta: Array, x: Array, terms: Any = ("value",), *, jacobian: bool = True) -> tuple:
        lv, vb, jr, jb = self.pde.operator_values(self.model, theta, jacobian=jacobian)
        xp = backend.namespace(theta)
        values = backend.concat(xp, [lv, vb])
        return [values], ([backend.concat(xp, [jr, jb])] if jacobian else None)

    def values_along(self, theta: Array, direction: Array, x: Any, terms: Any, steps: Any) -> Any:
        """The residual map's values at ``θ + t d`` for each ``t`` (None: the model cannot)."""
        lines = self.pde.operator_values_along(self.model, theta, direction, steps)
        if lines is None:
            return None
        xp = backend.namespace(theta)
        return ([backend.concat(xp, [lv, vb])] for lv, vb in lines)


class _ResidualProducts(_ResidualModel):
    """The residual map of a model with ``jvp``/``vjp``: ``J c = (∂(𝓛v)/∂θ c, ∂v(x_b)/∂θ c)``
    and ``Jᵀ(r, r_b) = ∂(𝓛v)/∂θᵀ r + ∂v(x_b)/∂θᵀ r_b``, from the model's products with the
    operator mapping (``x`` and ``operator`` are the PDE's, whatever is passed)."""

    def jvp(self, theta: Array, x: Any, tangent: Array, operator: Any = "value") -> Array:
        pde, xp = self.pde, backend.namespace(theta)
        interior = self.model.jvp(theta, pde.interior.points, tangent, operator=pde.operator)
        boundary = self.model.jvp(theta, pde.boundary.points, tangent, operator="value")
        return backend.concat(xp, [interior, boundary])

    def vjp(self, theta: Array, x: Any, cotangent: Array, operator: Any = "value") -> Array:
        pde = self.pde
        m = pde.interior.points.shape[0]
        interior = self.model.vjp(theta, pde.interior.points, cotangent[:m], operator=pde.operator)
        return interior + self.model.vjp(theta, pde.boundary.points, cotangent[m:], operator="value")


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

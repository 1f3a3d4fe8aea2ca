"""``ModelManifold``: the image ``M = {v_θ = A(θ)} ⊂ V`` of a parametric model.

Points are parameter arrays ``θ`` and tangent vectors are coordinates
``c ∈ Rᵖ`` (the function ``J c``). With ``J = ∂A/∂θ`` discretized (``n × p``)
and ``K`` the metric of ``V`` (whitened by the space, ``SᵀS = K``):

| object                         | formula                                       |
|--------------------------------|-----------------------------------------------|
| Gram matrix                    | ``G = Jᵀ K J = (SJ)ᵀ(SJ)``                    |
| inner product of ``c₁, c₂``    | ``c₁ᵀ G c₂ = ⟨J c₁, J c₂⟩_V``                 |
| projection of ``g ∈ V``        | ``P_T g = J c``, ``c = G⁻¹ Jᵀ K g``           |
| Riemannian gradient            | ``G⁻¹ ∇_θ L`` (natural gradient)              |
| retraction                     | ``R_θ(c) = θ + c``                            |
| transport ``T_a → T_b``        | ``G_b⁻¹ G_{b,a} c``, ``G_{b,a} = J_bᵀ K J_a`` |

Everything computed from ``θ`` (values, Jacobian, Gram factorization) is
computed at most once per point and reused by every projection, gradient and
transport at that point. A rank-deficient Jacobian is handled by the
solver of the metric: explicit damping ``λI``, and a Tikhonov soft cutoff
``rcond² max(D, τ max D)`` (``D = diag G``) when the Jacobi-equilibrated ``G``
is numerically singular
(the metric is then ``G_Λ = G + Λ``, ``Λ`` diagonal, throughout). Three solvers
give it (``solver=``): :class:`GramSolver` (``p × p`` Cholesky),
:class:`~riemgd.functional.solvers.SampleSolver` (``n × n`` kernel, ``n < p``)
and :class:`~riemgd.functional.solvers.CGSolver` (conjugate gradients on
Jacobian products; for models with ``jvp``/``vjp`` no ``J`` is formed or kept).

The point cache (:class:`_PointState`, one per point, most recent first):

* a point is found by identity. Points the manifold makes (``retraction``,
  ``random_point``) are its own and, on numpy, read-only, so identity implies
  unchanged contents; any other array (the user's ``θ``) is also compared by
  contents, which catches in-place edits;
* the matrix-free ``"cg"`` path keeps per point only the values ``v_θ`` and
  its solver (``O(n + p k)``); no ``J`` or ``SJ`` unless asked for (``gram``);
* a state lives as long as its point (a weak reference) and at most
  ``_CACHE_SIZE`` states are kept; only the ``_HEAVY_SIZE`` most recently used
  keep Jacobian-sized data (``J``, ``SJ``, the factor). On spaces with a
  diagonal whitening ``S`` (``L2``, ``H1``) ``J`` itself is dropped once ``SJ``
  exists: ``J c = S⁻¹(SJ c)`` and ``Jᵀq = (SJ)ᵀ(S⁻¹q)``;
* arrays handed out (``embed``, ``function_values``, ``gram``) are read-only
  views on numpy and copies on other libraries; pickles and deep copies of a
  manifold do not carry the cache.
"""

from __future__ import annotations

import math
import numbers
import weakref
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.functional.ambient import AmbientVector
from riemgd.functional.damping import DampingSchedule, gain_ratio
from riemgd.functional.gram import DEFAULT_FLOOR, DEFAULT_RCOND, GramSolver
from riemgd.functional.hessian import (
    jacobian_transpose_derivative,
    loss_hessian_vector_product,
    require_constant_metric,
)
from riemgd.functional.models.base import has_constant_jacobian
from riemgd.functional.solvers import cg as _cg
from riemgd.functional.solvers.choice import DEFAULT_MEMORY_BUDGET, SOLVERS, choose_solver
from riemgd.functional.solvers.products import MatrixProducts, ModelProducts, has_products
from riemgd.functional.solvers.sample import SampleSolver
from riemgd.functional.spaces.metrics import L2
from riemgd.manifolds.base import Manifold, check_array, check_shape

Array = Any


class _PointState:
    """What a model manifold computes from one ``θ``, each piece at most once.

    ``point`` is a weak reference to ``θ`` (None when ``θ`` takes none); a
    ``trusted`` point was made by the manifold, so identity implies unchanged
    contents, and other points keep ``theta_copy`` to detect in-place edits.
    ``root`` is the diagonal of ``S`` when ``J`` was dropped in favour of ``SJ``.
    """

    __slots__ = (
        "jacobian",
        "point",
        "root",
        "solver",
        "theta_copy",
        "trusted",
        "values",
        "version",
        "whitened",
    )

    def __init__(self, theta: Array, version: int, point: weakref.ref | None, trusted: bool):
        self.point, self.trusted, self.version = point, trusted, version
        self.theta_copy = None if trusted else theta + 0.0
        self.values = None
        self.drop_heavy()

    def drop_heavy(self) -> None:
        self.jacobian = self.whitened = self.solver = self.root = None

    @property
    def heavy(self) -> bool:
        return self.jacobian is not None or self.whitened is not None

    def holds(self, theta: Array) -> bool:
        """Identity, and for an untrusted point unchanged contents."""
        if self.point is not None and self.point() is theta:
            return self.trusted or _same(self.theta_copy, theta)
        return False

    def equals(self, theta: Array) -> bool:
        """Same contents (a different array with this state's ``θ``)."""
        if self.trusted:
            reference = None if self.point is None else self.point()
            return reference is not None and _same(reference, theta)
        return _same(self.theta_copy, theta)


class ModelManifold(Manifold):
    """The model manifold ``M = {A(θ)} ⊂ V`` in parameter coordinates.

    Riemannian optimizers on this manifold are natural-gradient methods in
    function space: ``GradientDescent`` is ``θ ← θ − α G⁻¹∇_θL``,
    ``HeavyBall`` transports momentum by the cross Gram matrix, ``Nesterov``
    takes the seed's single step ``θ + G⁻¹JᵀK[β(v_k − v_{k−1}) − α∇L(w_k)]``.

    Args:
        model: A :class:`~riemgd.models.Model` (``Linear``, ``Quadratic``,
            ``ShallowNetwork``, ``Function``, or your own).
        space: A :class:`~riemgd.spaces.Space` fixing the points and the metric ``K``.
        damping: ``λ ≥ 0``; the metric is ``G + λI`` (default 0: the exact
            natural gradient). Not invariant under reparametrization (it is in
            the parameters' units). Or a schedule, e.g.
            :class:`~riemgd.functional.AdaptiveDamping`, updated after each
            step by :meth:`after_step` (Levenberg–Marquardt gain ratio); a
            changed ``λ`` drops the cached factorizations, not the Jacobians.
        rcond: Relative singular-value level of the column-equilibrated
            ``SJ D^{-1/2}`` (``D = diag G``): where it is numerically singular at
            this level, the Tikhonov term ``rcond² D`` is added (see
            :class:`GramSolver`), invariant under ``θ → Eθ`` for diagonal ``E``.
            Default ``1e-3``, chosen by ``benchmarks/rcond_experiment.py``.
        cutoff_floor: ``τ ∈ [0, 1]`` of the cutoff term ``rcond² max(D, τ max D)``:
            1 (default) the isotropic ``(rcond σ_max)² I``, robust on networks; 0
            the covariant ``rcond² D`` (invariant trajectories also on
            rank-deficient models). See :class:`GramSolver`.
        solver: How ``G_Λ⁻¹`` is applied: ``"parameter"`` (:class:`GramSolver`,
            Cholesky of the ``p × p`` ``G_Λ``), ``"sample"``
            (:class:`~riemgd.functional.solvers.SampleSolver`, Cholesky of the
            ``n × n`` kernel ``I + SJΛ⁻¹(SJ)ᵀ``; at ``n ≥ p``, where that kernel
            is the larger and needs ``Λ > 0``, the ``p × p`` solver is used),
            ``"cg"`` (:class:`~riemgd.functional.solvers.CGSolver`, matrix-free
            conjugate gradients; models without ``jvp``/``vjp``, or spaces that
            cannot apply ``K`` to a vector, use products with a formed ``SJ``) or
            ``"auto"`` (default): :func:`~riemgd.functional.solvers.choose_solver`
            at construction, ``"cg"`` when ``8 n p > memory_budget`` and the model
            has products, else ``"parameter"`` for ``p ≤ n`` and ``"sample"`` for
            ``n < p``. The choice is :attr:`solver_name` and shows in ``str``/``repr``.
            All three use the same ``Λ``; where their decisions on the cutoff can
            differ is stated in the solvers' docstrings.
        memory_budget: Bytes one Jacobian may take before ``"auto"`` picks ``"cg"``
            (default 2 GiB).
        cg_tolerance: Relative residual at which CG stops (default ``1e-10``;
            at least ``100 ε`` of the dtype).
        cg_max_iterations: CG's iteration cap (default ``2p``); not converging
            within it (for ``n ≥ p``) switches the soft cutoff on.
        preconditioner: ``None`` (Jacobi when ``D`` is known, else none) or
            ``"nystrom"`` (randomized Nyström, ``rank`` products per point).
        rank: Rank of the Nyström preconditioner (default ``min(p, 50)``).

    Points are treated as immutable: riemgd never changes an array in place.
    Points it returns are read-only on numpy; on CuPy and other libraries,
    do not edit them in place (the cache trusts their identity there).
    """

    tangent_coordinates = True  # tangent vectors are coordinates in one space

    _CACHE_SIZE = 4  # x_k, x_{k−1}, a look-ahead or trial point, one spare
    _HEAVY_SIZE = 2  # with J-sized data: x_k and x_{k−1} (transport) or x_k and w_k (Nesterov)

    def __init__(
        self,
        model: Any,
        space: Any,
        *,
        damping: float | DampingSchedule = 0.0,
        rcond: float = DEFAULT_RCOND,
        cutoff_floor: float = DEFAULT_FLOOR,
        solver: str = "auto",
        memory_budget: float = DEFAULT_MEMORY_BUDGET,
        cg_tolerance: float = _cg.DEFAULT_TOLERANCE,
        cg_max_iterations: int | None = None,
        preconditioner: str | None = None,
        rank: int | None = None,
    ):
        from riemgd.functional.models.base import Model
        from riemgd.functional.spaces.base import Space

        if not isinstance(model, Model):
            raise TypeError(f"model must be a riemgd.models.Model, got {type(model).__name__}")
        if not isinstance(space, Space):
            raise TypeError(f"space must be a riemgd.spaces.Space, got {type(space).__name__}")
        schedule = damping if isinstance(damping, DampingSchedule) else None
        if schedule is None and (
            isinstance(damping, bool)
            or not isinstance(damping, numbers.Real)
            or not math.isfinite(damping)
            or damping < 0
        ):
            raise ValueError(
                "damping must be a finite non-negative number or a damping schedule (e.g. AdaptiveDamping), "
                f"got {damping!r}"
            )
        if not 0 < rcond < 1:
            raise ValueError(f"rcond must lie in (0, 1), got {rcond}")
        if not 0 <= cutoff_floor <= 1:
            raise ValueError(f"cutoff_floor must lie in [0, 1], got {cutoff_floor}")
        if not isinstance(solver, str) or solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
        if isinstance(memory_budget, bool) or not isinstance(memory_budget, numbers.Real) or not memory_budget > 0:
            raise ValueError(f"memory_budget must be a positive number of bytes, got {memory_budget!r}")
        if isinstance(cg_tolerance, bool) or not isinstance(cg_tolerance, numbers.Real) or not 0 < cg_tolerance < 1:
            raise ValueError(f"cg_tolerance must lie in (0, 1), got {cg_tolerance!r}")
        for value, name in ((cg_max_iterations, "cg_max_iterations"), (rank, "rank")):
            if value is not None and (isinstance(value, bool) or int(value) != value or value < 1):
                raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
        if rank is not None and rank > model.num_params:
            raise ValueError(f"rank must be at most the number of parameters {model.num_params}, got {rank}")
        if preconditioner not in _cg.PRECONDITIONERS:
            raise ValueError(f"preconditioner must be one of {_cg.PRECONDITIONERS}, got {preconditioner!r}")
        self.model, self.space = model, space
        self._schedule, self._damping = schedule, (0.0 if schedule is not None else float(damping))
        self.rcond, self.cutoff_floor = float(rcond), float(cutoff_floor)
        self.memory_budget = float(memory_budget)
        self._cg_options = {
            "tolerance": float(cg_tolerance),
            "max_iterations": cg_max_iterations,
            "preconditioner": preconditioner,
            "rank": rank,
        }
        self._matrix_free = has_products(model, space)
        if solver == "auto":
            solver = choose_solver(
                space.size, model.num_params, matrix_free=self._matrix_free, memory_budget=self.memory_budget
            )
        self.solver_name = solver
        self._products_free = solver == "cg" and self._matrix_free  # J never formed
        self._states: list[_PointState] = []
        super().__init__(f"ModelManifold({type(model).__name__}, {space!r}, solver={solver!r})", model.num_params)

    @property
    def damping(self) -> float:
        """The current ``λ`` (a schedule's current value)."""
        return self._schedule.value if self._schedule is not None else self._damping

    @property
    def damping_schedule(self) -> DampingSchedule | None:
        """The schedule given as ``damping`` (None for a constant ``λ``)."""
        return self._schedule

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_states"] = []  # the cache does not travel with pickles and deep copies
        state.pop("_constant", None)
        state.pop("_heavy_size", None)  # nor a running optimizer's hold_points hint
        return state

    # ------------------------------------------------------------ the cache
    def _forget(self, reference: weakref.ref) -> None:
        """Weak-reference callback: the point died, so does its state."""
        self._states = [state for state in self._states if state.point is not reference]

    def _new_state(self, theta: Array, trusted: bool) -> _PointState:
        try:
            reference = weakref.ref(theta, self._forget)
        except TypeError:  # e.g. an autograd box: found by contents only
            reference, trusted = None, False
        state = _PointState(theta, self.space.version, reference, trusted)
        self._states = [state, *self._states[: self._CACHE_SIZE - 1]]
        return state

    def _state(self, theta: Array) -> _PointState:
        states = self._states
        found = stale = None
        for state in states:  # identity: the fast path
            if state.point is not None and state.point() is theta:
                if state.trusted or _same(state.theta_copy, theta):
                    found = state
                else:
                    stale = state  # the user edited θ in place
                break
        if found is None:  # contents: another array equal to a cached point
            found = next((s for s in states if s is not stale and s.equals(theta)), None)
        if found is None:
            if stale is not None:
                self._states = [s for s in self._states if s is not stale]
            return self._new_state(theta, trusted=False)
        if found is not states[0]:
            self._states = [found, *(s for s in self._states if s is not found)]
        if found.version != self.space.version:  # new sample points: everything computed is stale
            found.version, found.values = self.space.version, None
            found.drop_heavy()
        return found

    def _own(self, theta: Array) -> Array:
        """Register an array the manifold made as a trusted point (read-only on numpy)."""
        if isinstance(theta, np.ndarray):
            theta.flags.writeable = False
        self._new_state(theta, trusted=True)
        return theta

    def hold_points(self, count: int | None) -> None:
        """Keep Jacobian-sized data for the ``count`` most recently used points
        only (``None``: the default, 2); with 1, a point's data is freed
        *before* the next point's Jacobian is formed, so gradient descent holds
        one ``SJ``."""
        if count is not None and (int(count) != count or count < 1):
            raise ValueError(f"count must be a positive integer or None, got {count}")
        self._heavy_size = self._HEAVY_SIZE if count is None else int(count)

    def _made_heavy(self, current: _PointState) -> None:
        """Keep Jacobian-sized data in at most ``_heavy_size`` states, ``current``
        (which has it, or is about to get it) included."""
        others = getattr(self, "_heavy_size", self._HEAVY_SIZE) - 1
        for state in self._states:
            if state is not current and state.heavy:
                if others > 0:
                    others -= 1
                else:
                    state.drop_heavy()

    def _values(self, theta: Array) -> Array:
        state = self._state(theta)
        if state.values is None:
            values, _ = self.space.evaluate(self.model, theta, jacobian=False)
            self._check_values(values)
            state.values = backend.persist(values)  # chunked (dask) values: computed once, kept on the workers
        return state.values

    def _check_values(self, values: Array) -> None:
        # a wrong size would otherwise broadcast against the target, silently when it is (1,)
        if tuple(values.shape) != (self.space.size,):
            raise ValueError(
                f"the model's values must have shape ({self.space.size},) to match the space, "
                f"got {tuple(values.shape)} once flattened"
            )

    def _jacobian(self, theta: Array) -> Array:
        state = self._state(theta)
        if state.jacobian is None:
            self._made_heavy(state)  # free older points' data before forming J
            constant = self._constant_jacobian()
            if constant is not None and state.values is not None:
                jacobian = constant  # the model's J for every θ: no second J θ
            else:
                values, jacobian = self.space.evaluate(self.model, theta, jacobian=True)
                if state.values is None:  # keep values computed earlier: caches downstream key on them
                    self._check_values(values)
                    state.values = values
                if has_constant_jacobian(self.model):
                    self.__dict__["_constant"] = (self.space.version, jacobian)
            expected = (self.space.size, self.model.num_params)
            if tuple(jacobian.shape) != expected:
                raise ValueError(f"the model's Jacobian must have shape {expected}, got {tuple(jacobian.shape)}")
            state.jacobian = jacobian
            self._made_heavy(state)
        return state.jacobian

    def _constant_jacobian(self) -> Array | None:
        """A model's ``θ``-independent ``J`` (``Model.constant_jacobian``) at the current sample, once formed."""
        cached = self.__dict__.get("_constant")
        return cached[1] if cached is not None and cached[0] == self.space.version else None

    def _whitened_state(self, theta: Array) -> _PointState:
        state = self._state(theta)
        if state.whitened is None:
            values, jacobian = self._values(theta), self._jacobian(theta)
            # S J; on chunked points persisted, chunk by chunk (a chunk of J is made and whitened on its worker)
            state.whitened = backend.persist(self.space.whiten(values, jacobian))
            root = self._diagonal_root(values)
            if root is not None:  # J c = S⁻¹(SJ c): J itself need not be kept
                state.jacobian, state.root = None, root
            self._made_heavy(state)
        return state

    def _whitened(self, theta: Array) -> Array:
        return self._whitened_state(theta).whitened

    def _diagonal_space(self) -> bool:
        """Whether the space whitens by a positive diagonal ``S`` (``L2``, ``H1``)."""
        return type(self.space).whiten is L2.whiten

    def _diagonal_root(self, values: Array) -> Array | None:
        """``diag(S)`` on a diagonal space, else None."""
        if not self._diagonal_space():
            return None
        return self.space.root()

    def _apply_jacobian(self, theta: Array, tangent_vector: Array) -> Array:
        state = self._state(theta)
        if state.jacobian is None and (state.root is not None or self._diagonal_space()):
            state = self._whitened_state(theta)  # the same formula whatever is cached
            root = state.root if tangent_vector.ndim == 1 else state.root[:, None]  # a matrix: column by column
            return (state.whitened @ tangent_vector) / root  # J c = S⁻¹ (SJ c)
        return self._jacobian(theta) @ tangent_vector

    def _apply_transpose(self, theta: Array, covector: Array) -> Array:
        state = self._state(theta)
        if state.jacobian is None and (state.root is not None or self._diagonal_space()):
            state = self._whitened_state(theta)
            return backend.gather(state.whitened.T @ (covector / state.root))  # Jᵀq = (SJ)ᵀ (S⁻¹ q)
        return backend.gather(self._jacobian(theta).T @ covector)  # on chunked points: Σ_c J_cᵀ q_c

    def solver(self, theta: Array) -> Any:
        """The metric ``G_Λ`` at ``θ``, ready to solve with (made once per point):
        a :class:`GramSolver`, :class:`~riemgd.functional.solvers.SampleSolver` or
        :class:`~riemgd.functional.solvers.CGSolver` (see ``solver=``)."""
        if self._products_free:
            state = self._state(theta)
            if state.solver is None:
                products = ModelProducts(self.model, self.space, theta, self._values(theta))
                state.solver = self._cg_solver(products, theta)
            return state.solver
        state = self._whitened_state(theta)
        if state.solver is None:
            whitened, damping = state.whitened, self.damping
            n, p = whitened.shape
            values, space = self._values(theta), self.space

            def whiten(function: Array) -> Array:  # g ↦ S g at θ
                return space.whiten(values, function)

            if self.solver_name == "sample" and n < p:
                state.solver = SampleSolver(whitened, damping, self.rcond, self.cutoff_floor, whiten)
            elif self.solver_name == "cg":
                state.solver = self._cg_solver(MatrixProducts(whitened, whiten), theta)
            else:  # "parameter", and "sample" at n ≥ p
                state.solver = GramSolver(whitened, damping, self.rcond, self.cutoff_floor, whiten)
        return state.solver

    def _cg_solver(self, products: Any, theta: Array) -> _cg.CGSolver:
        like = backend.namespace(theta).zeros_like(theta)  # shape and dtype, no reference to θ
        return _cg.CGSolver(products, like, self.damping, self.rcond, self.cutoff_floor, **self._cg_options)

    def gram(self, theta: Array) -> Array:
        """``G(θ) = Jᵀ K J`` (without the shift ``Λ``), read-only. On the
        matrix-free path this forms (and caches) ``SJ``."""
        solver = self.solver(theta) if not self._products_free else None
        if solver is not None and hasattr(solver, "gram"):
            return _read_only(solver.gram)
        whitened = self._whitened(theta)
        return _read_only(backend.gather(whitened.T @ whitened))

    def begin_iteration(self, iteration: int | None = None) -> bool:
        """Draw the space's points for this iteration; ``True`` if they changed."""
        return self.space.resample(iteration)

    # ------------------------------------------------------- the functions
    def embed(self, point: Array) -> Array:
        """``v_θ``: the discretized function, an element of ``V`` (read-only)."""
        return _read_only(self._values(point))

    def values_along(self, point: Array, tangent_vector: Array, steps: Any) -> Any:
        """The functions ``v`` at ``R_θ(t c) = θ + t c`` for each ``t`` of ``steps``, lazily and
        without caching the trial points, when the model evaluates along a line (work shared
        between the steps, :meth:`Space.evaluate_along`); None otherwise."""
        if type(self).retraction is not ModelManifold.retraction or self._products_free:
            return None
        check_shape(tangent_vector, tuple(point.shape), "tangent_vector")
        return self.space.evaluate_along(self.model, point, tangent_vector, steps)

    def function_values(self, point: Array) -> Array:
        """``v_θ`` (same as :meth:`embed`; the name losses use)."""
        return _read_only(self._values(point))

    def embedding(self, point: Array, tangent_vector: Array) -> Array:
        """``J c``: the tangent vector as a function in ``V`` (a JVP on the matrix-free path)."""
        if self._products_free:
            return self.solver(point).products.jvp(tangent_vector)
        return self._apply_jacobian(point, tangent_vector)

    def pullback(self, point: Array, covector: Array) -> Array:
        """``Jᵀ q``: a loss derivative ``q = ∂L/∂v`` as the parameter gradient ``∇_θ L``
        (a VJP on the matrix-free path)."""
        if self._products_free:
            return self.solver(point).products.vjp(covector)
        return self._apply_transpose(point, covector)

    def ambient_from_derivative(self, point: Array, covector: Array) -> Array:
        """The V-gradient ``∇L(v) = K⁻¹ q`` of a loss with derivative ``q = ∂L/∂v``
        (the Riesz map of the space), whose projection is the natural gradient."""
        return self.space.riesz(self._values(point), covector)

    # ------------------------------------------------------------- metric
    def inner_product(self, point: Array, tangent_vector_a: Array, tangent_vector_b: Array) -> Any:
        """``c₁ᵀ G_Λ c₂ = ⟨J c₁, J c₂⟩_V + c₁ᵀ Λ c₂``."""
        return self.solver(point).inner(tangent_vector_a, tangent_vector_b)

    def norm(self, point: Array, tangent_vector: Array) -> Any:
        """``√(‖SJc‖² + cᵀΛc)``, computed from ``SJ`` so that it is never the
        square root of a negative round-off."""
        return self.solver(point).norm(tangent_vector)

    def projection(self, point: Array, vector: Array | AmbientVector) -> Array:
        """Coordinates of ``P_T g``: ``c = G_Λ⁻¹ Jᵀ K g = G_Λ⁻¹ (SJ)ᵀ (S g)`` for ``g ∈ V``.

        ``vector`` may also be an :class:`~riemgd.functional.ambient.AmbientVector`
        ``(g, q)``: a function ``g ∈ V`` plus a covector ``q`` on the parameters,
        mapped to ``G_Λ⁻¹ (Jᵀ K g + q)``: gradients known only through ``θ``
        (``q = ∇_θL``) travel in that second slot. A missing part is zero.
        """
        function, covector = (vector.function, vector.covector) if isinstance(vector, AmbientVector) else (vector, None)
        if function is None and covector is None:
            return self.zero_vector(point)
        return self.solver(point).solve_function(function, covector)  # G_Λ⁻¹ (Jᵀ K g + q)

    def ambient_gradient(self, point: Array, euclidean_gradient: Array) -> AmbientVector:
        """``(0, ∇_θ L)``: a parameter gradient as an ambient vector, so that
        ``projection`` gives ``G_Λ⁻¹ ∇_θ L`` exactly, at this point or another."""
        return AmbientVector(None, euclidean_gradient)

    def euclidean_to_riemannian_gradient(self, point: Array, euclidean_gradient: Array) -> Array:
        """Natural gradient ``G_Λ⁻¹ ∇_θ L``."""
        return self.solver(point).solve(euclidean_gradient)

    def euclidean_to_riemannian_hessian(
        self, point: Array, euclidean_gradient: Array, euclidean_hessian: Array, tangent_vector: Array
    ) -> Array:
        """Levi-Civita Hessian of the pullback metric from the parameter Hessian:
        ``Hess f[c] = G_Λ⁻¹(∇²_θ f[c] − D_c(Jᵀ)(K J grad f))``, ``grad f = G_Λ⁻¹ ∇_θ f``
        (see :mod:`riemgd.functional.hessian`; spaces with a constant ``K``)."""
        require_constant_metric(self.space)
        solver = self.solver(point)
        gradient = solver.solve(euclidean_gradient)
        values = self._values(point)
        metric_gradient = self.space.metric_apply(values, self.embedding(point, gradient))  # K J grad f
        christoffel = jacobian_transpose_derivative(self.model, self.space, point, tangent_vector, metric_gradient)
        return solver.solve(euclidean_hessian - christoffel)

    def loss_riemannian_hessian(self, loss: Any, point: Array, tangent_vector: Array) -> Array:
        """Riemannian Hessian of a functional loss ``f = L(v_θ)``: the Gauss–Newton
        part plus the curvature term against the normal residual,
        ``Hess f[c] = G_Λ⁻¹(Jᵀ ∂²L (J c) + D_c(Jᵀ)(q − K J grad f))``, ``q = ∂L/∂v``
        (see :mod:`riemgd.functional.hessian`; needs ``loss.hessian_vector_product``
        and a space with a constant ``K``)."""
        require_constant_metric(self.space)
        values = self._values(point)
        derivative = loss.derivative(values, self.space)
        curvature_of_loss = loss_hessian_vector_product(loss, values, self.space, self.embedding(point, tangent_vector))
        solver = self.solver(point)
        gradient = solver.solve(self.pullback(point, derivative))
        normal = derivative - self.space.metric_apply(values, self.embedding(point, gradient))  # K (∇L)^⊥
        curvature = jacobian_transpose_derivative(self.model, self.space, point, tangent_vector, normal)
        return solver.solve(self.pullback(point, curvature_of_loss) + curvature)

    def retraction(self, point: Array, tangent_vector: Array) -> Array:
        """``R_θ(c) = θ + c`` (a new, read-only point of this manifold)."""
        check_shape(tangent_vector, tuple(point.shape), "tangent_vector")  # a (p, 1) c would broadcast to (p, p)
        return self._own(point + tangent_vector)

    # transport: the base class's P_{T_b}(J_a c) = G_{Λ,b}⁻¹ J_bᵀ K J_a c, the seed's cross-Gram
    # form: momentum is the function J_a c, and what does not change the function is dropped.

    # ------------------------------------------------------------ damping feedback
    @property
    def wants_step_feedback(self) -> bool:
        """An adaptive damping schedule needs :meth:`after_step` after every step
        (the optimizers then evaluate ``f(x⁺)`` for it when their step rule did not)."""
        return self._schedule is not None

    def after_step(self, point: Array, step: Array, gradient: Array, cost: Any, new_cost: Any) -> None:
        """Feedback after the step ``x → R_x(s)``: with a damping schedule, the
        Levenberg–Marquardt gain ratio
        ``ρ = (f(x) − f(x⁺)) / (−(gᵀs + ½ sᵀGs))``, ``gᵀs = ⟨grad f(x), s⟩_{G_Λ}``
        (``grad f = G_Λ⁻¹ ∇_θL``, so this is ``∇_θLᵀ s`` exactly) and
        ``sᵀGs = ‖SJs‖²`` with the undamped ``G``, updates ``λ``
        (:class:`~riemgd.functional.AdaptiveDamping`). A changed ``λ`` drops every
        point's solver (factorizations), keeping values and Jacobians.

        Nothing is evaluated and ``λ`` is kept when there is no schedule, no step,
        or when ``gradient``, ``cost`` or ``new_cost`` is None (a step rule
        that did not evaluate ``f(x⁺)``); a non-finite ``f(x⁺)`` counts as ``ρ = −∞``.
        """
        schedule = self._schedule
        if schedule is None or step is None or gradient is None or cost is None or new_cost is None:
            return
        new_cost = backend.to_float(new_cost)
        solver = self.solver(point)
        slope = backend.to_float(solver.inner(gradient, step))
        if math.isfinite(new_cost):
            ratio = gain_ratio(backend.to_float(cost), new_cost, slope, backend.to_float(solver.gram_quadratic(step)))
        else:
            ratio = -math.inf
        before = schedule.value
        if schedule.update(ratio) != before:
            for state in self._states:
                state.solver = None  # Λ changed: factors go, J and SJ stay

    def random_point(self, *, rng: np.random.Generator | int | None = None) -> Array:
        """``model.initial_parameters(rng)``, on the space's array library (a new, read-only point)."""
        theta = self.model.initial_parameters(rng)
        like = self.space.points if self.space.points is not None else getattr(self.space, "metric", None)
        theta = theta if like is None else backend.as_array_like(theta, like)
        return self._own(theta.copy())  # a copy: the model may hand out an array it keeps

    def random_tangent_vector(self, point: Array, *, rng: np.random.Generator | int | None = None) -> Array:
        c = backend.as_array_like(backend.default_rng(rng, stream=1).standard_normal(self.dim), point)
        return c / self.norm(point, c)

    def check_point(self, point: Array, *, name: str = "point", atol: float = 1e-8) -> None:
        check_array(point, (self.model.num_params,), name)


def _read_only(array: Array) -> Array:
    """A read-only view of a cached numpy array; a copy of any other library's."""
    if isinstance(array, np.ndarray):
        view = array.view()
        view.flags.writeable = False
        return view
    return backend.namespace(array).asarray(array, copy=True)  # the standard's copy (no .copy() there)


def _same(a: Array, b: Array) -> bool:
    """Equal arrays of the same library, shape and dtype (a cache hit)."""
    if type(a) is not type(b) or a.shape != b.shape or a.dtype != b.dtype:
        return False
    if type(a) is np.ndarray:  # memcmp, which stops at the first difference; NaN payloads compare as bits
        return a.tobytes() == b.tobytes()
    xp = backend.namespace(a)
    return bool(xp.all(a == b))

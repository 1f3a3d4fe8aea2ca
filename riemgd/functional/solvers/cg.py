"""``CGSolver``: the metric ``G_Λ = Jᵀ K J + Λ`` of a model manifold solved by
preconditioned conjugate gradients on products, never forming ``G`` (nor ``J``
when the model has ``jvp``/``vjp``).

The iteration is a short hand-written PCG (Hestenes & Stiefel 1952; Saad,
*Iterative Methods for Sparse Linear Systems*, Alg. 9.1) in array-API code
rather than ``scipy.sparse.linalg.cg``: scipy's converts to numpy (no CuPy, no
``array_api_strict``), and the loop needs its own stopping test (the
preconditioned residual, which is invariant under diagonal reparametrization
with the Jacobi preconditioner) and to report non-convergence, which decides
the soft cutoff. One scalar per iteration goes to the host (the stopping test).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.functional.gram import DEFAULT_FLOOR
from riemgd.functional.solvers.nystrom import NystromPreconditioner
from riemgd.functional.solvers.sample import structural_cutoff

Array = Any

DEFAULT_TOLERANCE = 1e-10
DEFAULT_POWER_ITERATIONS = 20
PRECONDITIONERS = (None, "nystrom")


class CGSolver:
    """``G_Λ⁻¹ b`` by preconditioned CG on ``c ↦ AᵀA c + Λ c`` (``A = S J``), with
    ``AᵀA c = Jᵀ K (J c)`` one JVP and one VJP (:mod:`~riemgd.functional.solvers.products`).

    The metric is :class:`~riemgd.functional.gram.GramSolver`'s,
    ``Λ = λI + μ max(D, τ max D)``, with these differences, all because no
    factorization is made:

    * **scale.** With products from a formed ``A`` (models without ``jvp``/``vjp``)
      ``D = diag G`` is known and ``Λ`` is exactly the other solvers'. Matrix-free,
      ``D`` would take ``p`` products, so the cutoff is isotropic,
      ``Λ = λI + μ σ̂² I``, with ``σ̂² ≈ σ_max(A)²`` from ``power_iterations``
      steps of the power method (a seeded start): ``σ_max² ≥ max D ≥ σ_max²/p``,
      so this cutoff is up to ``σ_max²/max D`` times stronger than the others'
      (``cutoff_floor`` is not used).
    * **rank decision.** For ``n < p``, ``G`` has rank ``≤ n < p``: as in
      :class:`~riemgd.functional.solvers.SampleSolver`
      (:func:`~riemgd.functional.solvers.sample.structural_cutoff`), the cutoff is
      on when ``λ = 0`` or ``λ / max_{i>n} D_i < rcond² (1 + λ / min D)``;
      matrix-free, with ``σ̂²`` for every ``D_i``: ``λ < rcond² σ̂²/(1 − rcond²)``.
      For ``n ≥ p``, CG runs on ``G + λI`` for the first right-hand side at
      the point; if it does not converge within ``max_iterations`` (or breaks
      down, ``dᵀG_Λd ≤ 0``), or if the condition number of the preconditioned
      ``M⁻¹G_Λ`` estimated from the CG coefficients (the extreme
      eigenvalues of the Lanczos tridiagonal ``T_k``, Golub & Van Loan §11.3.5;
      :meth:`condition_estimate`) exceeds ``1/rcond²``, ``G`` is taken as
      numerically singular, the cutoff ``μ = rcond²`` is switched on for this
      point and CG restarts. With the Jacobi preconditioner and ``λ = 0``,
      ``M⁻¹G`` is the equilibrated ``Ĝ = D^{-1/2} G D^{-1/2}`` that
      :class:`GramSolver` tests: its pivot test (``min L̂_ii < rcond max L̂_ii``)
      implies ``κ(Ĝ) > 1/rcond²`` (``σ_min(Â) ≤ L̂_ii ≤ σ_max(Â)``), so CG
      switches the cutoff on wherever the Cholesky test does once ``T_k`` has
      resolved the extreme eigenvalues, and also where ``κ(Ĝ) > 1/rcond²``
      with all pivots above ``rcond``.
      Where they can differ from the Cholesky test of :class:`GramSolver`
      (equilibrated pivot below ``rcond``): CG can converge on a singular ``G``
      when the right-hand side lies in ``range(Aᵀ)`` (a projection, the gradient
      of a functional loss), to a least-squares solution, and then keeps the
      cutoff off where the factorization switches it on (the answers differ on
      the singular values below ``rcond σ_max``, which CG keeps); and a
      nonsingular but ill-conditioned ``G`` that CG does not solve to ``tol``
      within the cap switches the cutoff on, at a condition number that depends
      on the cap and the preconditioner rather than on ``rcond``. When the
      metric is needed before any solve (an inner product), the decision solve
      uses a seeded random right-hand side.
    * Once made, the decision is kept for the point, so that every solve, inner
      product and norm there uses one ``Λ``.

    Stopping: ``‖r‖_{M⁻¹} ≤ tol ‖b‖_{M⁻¹}`` (``r = b − G_Λ c``, ``M`` the
    preconditioner; with none, the relative residual ``‖r‖ ≤ tol ‖b‖``);
    ``tol = max(tolerance, 100 ε)`` for the dtype's ``ε``.

    Preconditioner ``M``: ``None`` — Jacobi ``diag G_Λ = D + Λ`` when ``D`` is
    known and ``n ≥ p`` (which makes the iterates invariant under ``θ → Eθ``,
    ``E`` diagonal), else none (for ``n < p``, ``G + λI`` has at most ``n + 1``
    distinct eigenvalues, so plain CG ends in ``n + 1`` steps in exact
    arithmetic, and a diagonal ``M`` would spread the cluster at ``λ``);
    ``"nystrom"`` — the randomized Nyström preconditioner of rank ``rank``
    (:class:`~riemgd.functional.solvers.nystrom.NystromPreconditioner`, ``rank``
    products once per point), for ``G + (min Λ) I``.

    Memory: the vectors of the iteration (``c``, ``r``, ``z``, ``d``, ``G_Λd``: ``O(p)``),
    what one product needs (``O(n)`` and the model's own work space), and the
    ``p × k`` Nyström basis.

    Args:
        products: ``forward``, ``gram_apply``, ``pull``, ``size`` and ``diagonal``
            (``D`` or None): :class:`~riemgd.functional.solvers.products.ModelProducts`
            or :class:`~riemgd.functional.solvers.products.MatrixProducts`.
        like: The point ``θ`` (library, dtype and ``p``).
        damping, rcond, floor: ``λ``, ``rcond``, ``τ``.
        tolerance: Relative residual ``tol`` (default ``1e-10``).
        max_iterations: Iteration cap (default ``2p``: CG's exact-arithmetic bound ``p``,
            and as many again for round-off, which delays convergence at large ``κ``).
        preconditioner: ``None`` or ``"nystrom"``.
        rank: ``k`` of the Nyström preconditioner (default ``min(p, 50)``).
        power_iterations: Steps of the power method for ``σ̂²``.

    Attributes:
        shift, damping, cutoff, regularized: as for :class:`GramSolver` (asking for
            them makes the rank decision).
        iterations: CG iterations of the last solve; ``converged``: whether it met ``tol``.
        scale: ``σ̂²`` (matrix-free, once estimated) or ``max D``.
    """

    def __init__(
        self,
        products: Any,
        like: Array,
        damping: float,
        rcond: float,
        floor: float = DEFAULT_FLOOR,
        *,
        tolerance: float = DEFAULT_TOLERANCE,
        max_iterations: int | None = None,
        preconditioner: str | None = None,
        rank: int | None = None,
        power_iterations: int = DEFAULT_POWER_ITERATIONS,
    ):
        self.products, self._like = products, like
        self.damping, self.rcond, self.floor = float(damping), float(rcond), float(floor)
        p = like.shape[0]
        eps = float(np.finfo(str(like.dtype).rsplit(".", 1)[-1]).eps)
        self.tolerance = max(float(tolerance), 100.0 * eps)
        self.max_iterations = 2 * p if max_iterations is None else int(max_iterations)
        self.preconditioner = preconditioner
        self.rank = min(p, 50) if rank is None else int(rank)
        self.power_iterations = int(power_iterations)
        self.iterations, self.converged, self.scale = 0, True, None
        self._decided, self._shift, self._cutoff, self._regularized = False, None, 0.0, False
        self._nystrom, self._preconditioner_apply = None, None
        self._coefficients: list[tuple[float, float]] = []

    # ------------------------------------------------------------ the metric Λ
    @property
    def shift(self) -> Array:
        """The diagonal of ``Λ``, shape ``(p,)``."""
        self._decide()
        return self._shift

    @property
    def cutoff(self) -> float:
        self._decide()
        return self._cutoff

    @property
    def regularized(self) -> bool:
        self._decide()
        return self._regularized

    def _scale(self) -> float:
        """``max D`` when ``D`` is known, else ``σ̂²`` by the power method."""
        if self.scale is None:
            xp = backend.namespace(self._like)
            diagonal = self.products.diagonal
            if diagonal is not None:
                self.scale = backend.to_float(xp.max(xp.where(xp.isfinite(diagonal), diagonal, 0.0)))
            else:
                self.scale = self._power_method()
        return self.scale if self.scale > 0 else 1.0

    def _power_method(self) -> float:
        xp = backend.namespace(self._like)
        v = self._seeded(1)
        v = v / xp.linalg.vector_norm(v)
        estimate = 0.0
        for _ in range(self.power_iterations):
            w = self.products.gram_apply(v)
            estimate = backend.to_float(backend.inner(v, w))  # Rayleigh quotient vᵀGv
            length = backend.to_float(xp.linalg.vector_norm(w))
            if not length > 0:
                break
            v = w / length
        return estimate

    def _seeded(self, stream: int) -> Array:
        draw = backend.default_rng(0, stream=stream).standard_normal(self._like.shape[0])
        return backend.as_array_like(draw, self._like)

    def _set(self, regularized: bool) -> None:
        xp = backend.namespace(self._like)
        p, dtype = self._like.shape[0], self._like.dtype
        self._regularized, self._cutoff = regularized, (self.rcond**2 if regularized else 0.0)
        diagonal = self.products.diagonal
        if diagonal is not None:  # Λ = λI + μ max(D, τ max D), as GramSolver
            largest = xp.max(xp.where(xp.isfinite(diagonal), diagonal, 0.0))
            self._equilibration = xp.where(diagonal > 0, diagonal, xp.where(largest > 0, largest, 1.0))
            self._shift = self.damping + self._cutoff * xp.maximum(self._equilibration, self.floor * largest)
        else:  # Λ = (λ + μ σ̂²) I
            value = self.damping + (self._cutoff * self._scale() if regularized else 0.0)
            self._shift = xp.full((p,), value, dtype=dtype)
        self._preconditioner_apply = None

    def _structural(self) -> bool:
        """:func:`~riemgd.functional.solvers.sample.structural_cutoff` with ``D`` when
        known, else with ``σ̂²`` for every column (equal ``D_i``)."""
        if not self.damping:
            return True
        diagonal = self.products.diagonal
        if diagonal is None:
            return structural_cutoff(self.damping, self.rcond, self._scale())
        xp, n = backend.namespace(diagonal), self.products.size
        largest = xp.max(xp.where(xp.isfinite(diagonal), diagonal, 0.0))
        scale = xp.where(diagonal > 0, diagonal, xp.where(largest > 0, largest, 1.0))
        return structural_cutoff(
            self.damping, self.rcond, backend.to_float(xp.max(scale[n:])), backend.to_float(xp.min(scale))
        )

    def _decide(self, probe: Array | None = None) -> Array | None:
        """Fix ``Λ`` at this point (class docstring); returns ``G_Λ⁻¹ probe`` when the
        decision solved with ``probe``."""
        if self._decided:
            return None
        self._decided = True
        if self.products.size < self._like.shape[0]:  # n < p: rank ≤ n < p
            self._set(self._structural())
            return None
        self._set(False)
        rhs = self._seeded(2) if probe is None else probe
        solution = self._pcg(rhs)
        if not self.converged or self.condition_estimate() > 1.0 / self.rcond**2:
            self._set(True)
            solution = self._pcg(rhs)
        return solution if probe is not None else None

    def condition_estimate(self) -> float:
        """``κ(T_k)``: the condition number of the Lanczos tridiagonal of the last
        solve, ``T_jj = 1/α_j + β_{j−1}/α_{j−1}``, ``T_{j,j+1} = √β_j/α_j`` (its
        eigenvalues, the Ritz values, lie inside the spectrum of ``M⁻¹G_Λ``)."""
        coefficients = self._coefficients
        if len(coefficients) < 2:
            return 1.0
        alphas = np.array([a for a, _ in coefficients])
        betas = np.array([b for _, b in coefficients[:-1]])
        diagonal = 1.0 / alphas
        diagonal[1:] += betas / alphas[:-1]
        off = np.sqrt(betas) / alphas[:-1]
        ritz = np.linalg.eigvalsh(np.diag(diagonal) + np.diag(off, 1) + np.diag(off, -1))
        return math.inf if not ritz[0] > 0 else float(ritz[-1] / ritz[0])

    # ------------------------------------------------------------ PCG
    def _preconditioner(self) -> Callable[[Array], Array]:
        if self._preconditioner_apply is None:
            if self.preconditioner == "nystrom":
                if self._nystrom is None:
                    self._nystrom = NystromPreconditioner(self.products.gram_apply, self._like, self.rank)
                xp = backend.namespace(self._like)
                self._preconditioner_apply = self._nystrom.inverse(backend.to_float(xp.min(self._shift)))
            elif self.products.diagonal is not None and self.products.size >= self._like.shape[0]:
                inverse = 1.0 / (self._equilibration + self._shift)  # Jacobi: diag(G_Λ)⁻¹
                self._preconditioner_apply = lambda r: inverse * r
            else:
                self._preconditioner_apply = lambda r: r
        return self._preconditioner_apply

    def _pcg(self, rhs: Array) -> Array:
        """PCG for ``G_Λ c = b`` from ``c = 0``; sets ``iterations`` and ``converged``."""
        precondition = self._preconditioner()
        x = rhs * 0.0
        r, z = rhs, precondition(rhs)
        d, rz = z, backend.to_float(backend.inner(rhs, z))
        self.iterations, self.converged, self._coefficients = 0, True, []
        if rz == 0.0:
            return x
        if not math.isfinite(rz):
            return x * math.nan  # a non-finite right-hand side or Jacobian
        threshold = self.tolerance**2 * rz  # ‖r‖²_{M⁻¹} ≤ tol² ‖b‖²_{M⁻¹}
        self.converged = False
        for k in range(self.max_iterations):
            q = self.apply(d)
            curvature = backend.to_float(backend.inner(d, q))
            if not math.isfinite(curvature):
                self.iterations, self.converged = k, True  # nothing to restart for: NaN propagates
                return x * math.nan
            if not curvature > 0:  # dᵀG_Λd ≤ 0: singular along d
                self.iterations = k
                return x
            alpha = rz / curvature
            x, r = x + alpha * d, r - alpha * q
            z = precondition(r)
            following = backend.to_float(backend.inner(r, z))
            self._coefficients.append((alpha, following / rz))  # (α_k, β_k)
            if following <= threshold:
                self.iterations, self.converged = k + 1, True
                return x
            d, rz = z + (following / rz) * d, following
        self.iterations = self.max_iterations
        return x

    # ------------------------------------------------------------ solves and products
    def solve(self, rhs: Array) -> Array:
        """``G_Λ⁻¹ q``."""
        solution = self._decide(rhs)
        return solution if solution is not None else self._pcg(rhs)

    def solve_function(self, function: Array | None, covector: Array | None = None) -> Array:
        """``G_Λ⁻¹ (Jᵀ K g + q)``; a missing part is zero."""
        rhs = covector
        if function is not None:
            pulled = self.products.pull(function)
            rhs = pulled if covector is None else pulled + covector
        return self.solve(rhs)

    def apply(self, vector: Array) -> Array:
        """``G_Λ c = Jᵀ K (J c) + Λ c``."""
        return self.products.gram_apply(vector) + self.shift * vector

    def gram_quadratic(self, vector: Array) -> Any:
        """``cᵀ G c = ‖S J c‖²`` (undamped; one JVP)."""
        whitened = self.products.forward(vector)
        return backend.inner(whitened, whitened)

    def inner(self, a: Array, b: Array) -> Any:
        """``aᵀ G_Λ b = (SJa)ᵀ(SJb) + aᵀΛb`` (two JVPs)."""
        return backend.inner(self.products.forward(a), self.products.forward(b)) + backend.inner(a, self.shift * b)

    def norm(self, vector: Array) -> Any:
        """``√(‖SJc‖² + cᵀΛc)``."""
        xp = backend.namespace(vector)
        return xp.sqrt(self.gram_quadratic(vector) + backend.inner(vector, self.shift * vector))

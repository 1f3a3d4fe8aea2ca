"""Energy natural gradient descent (ENGD) for a 2-D Poisson PINN, in JAX.

An independent peer for riemgd's ``benchmarks/bench_pinn.py``, written from the
formulas of Müller & Zeinhofer (ICML 2023, §3–4.1) and not from riemgd's code:

    −Δu = f in Ω = (0, 1)²,  u = 0 on ∂Ω,  u(x, y) = sin πx sin πy,  f = 2π² u.

The model is a tanh MLP ``v_θ`` with layer sizes ``(2, w₁, …, w_L, 1)`` (linear
output layer), ``θ`` packed per layer as ``W_l`` (row-major ``(out, in)``) then
``b_l`` — riemgd's packing (``ShallowNetwork``: ``W, b, a, c``), so one
parameter vector serves both. With interior points ``xᵢ`` (weights ``wᵢ``) and
boundary points ``x_b`` (weights ``w_b``):

    rᵢ = −Δv_θ(xᵢ) − f(xᵢ),   r_b = v_θ(x_b),   L(θ) = ½ Σᵢ wᵢ rᵢ² + ½ Σ_b w_b r_b² = ½ ‖r̂‖²,

with the whitened residual ``r̂ = (√w r, √w_b r_b)`` (``n = n_i + n_b`` entries)
and its Jacobian ``Ĵ = [√w J_r; √w_b J_b]`` (``n × p``), whose Gram matrix
``ĴᵀĴ`` is the energy Gram ``G_E``. The ENGD direction with damping ``λ``

    d = −(ĴᵀĴ + λI)⁻¹ Ĵᵀ r̂                     ("parameter": p × p Cholesky)
      = −Ĵᵀ (ĴĴᵀ + λI)⁻¹ r̂                     ("sample": n × n Cholesky, push-through identity)

and the grid line search ``t* = argmin_{t ∈ {2⁰, 2⁻¹, …, 2⁻³⁰}} L(θ + t d)``,
keeping ``θ`` when no grid step lowers ``L`` (NaN trial losses never win).

The Laplacian is ``Σ_k e_kᵀ ∇²_x v e_k``, each term a JVP of a JVP (forward
over forward); the rows of ``J_r`` are reverse-mode θ-gradients of the
per-point residual, vectorized with ``vmap``. Everything runs in float64.

JAX is a benchmark-only dependency (``pip install "riemgd[benchmark]"``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402  (after enabling float64)
from jax.scipy.linalg import cho_factor, cho_solve  # noqa: E402

SOLVERS = ("parameter", "sample")


# ------------------------------------------------------------------ the problem
def exact(x: Any) -> Any:
    """``u(x, y) = sin πx sin πy`` for points ``(..., 2)``."""
    xp = jnp if isinstance(x, jax.Array) else np
    return xp.sin(np.pi * x[..., 0]) * xp.sin(np.pi * x[..., 1])


def source(x: Any) -> Any:
    """``f = −Δu = 2π² u``."""
    return 2.0 * np.pi**2 * exact(x)


def collocation(n: int = 30) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(interior (n², 2), w (n²,), boundary (4n, 2), w_b (4n,))``: the ``n × n``
    cell centres ``((i + ½)/n, (j + ½)/n)`` (first coordinate slowest) with
    weights ``1/n²``, and ``n`` points per edge at the same abscissae, edges in
    the order ``y = 0, y = 1, x = 0, x = 1``, with weights ``1/(4n)``."""
    t = (np.arange(n) + 0.5) / n
    gx, gy = np.meshgrid(t, t, indexing="ij")
    interior = np.column_stack([gx.ravel(), gy.ravel()])
    zero, one = np.zeros(n), np.ones(n)
    boundary = np.concatenate([np.column_stack(edge) for edge in ((t, zero), (t, one), (zero, t), (one, t))])
    return interior, np.full(n * n, 1.0 / n**2), boundary, np.full(4 * n, 1.0 / (4 * n))


def test_grid(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Tensor ``n × n`` Gauss–Legendre rule on (0, 1)²: ``(points (n², 2), weights (n²,))``."""
    nodes, weights = np.polynomial.legendre.leggauss(n)
    nodes, weights = (nodes + 1.0) / 2.0, weights / 2.0
    gx, gy = np.meshgrid(nodes, nodes, indexing="ij")
    wx, wy = np.meshgrid(weights, weights, indexing="ij")
    return np.column_stack([gx.ravel(), gy.ravel()]), (wx * wy).ravel()


# ------------------------------------------------------------------ the network
def num_params(layers: Sequence[int]) -> int:
    """``p = Σ_l (in_l + 1) out_l``."""
    return sum((a + 1) * b for a, b in itertools.pairwise(layers))


def unpack(theta: Any, layers: Sequence[int]) -> list[tuple[Any, Any]]:
    """``[(W_l (out, in), b_l (out,)), …]`` from ``θ = (W_1, b_1, W_2, b_2, …)``."""
    out, offset = [], 0
    for fan_in, fan_out in itertools.pairwise(layers):
        W = theta[offset : offset + fan_out * fan_in].reshape(fan_out, fan_in)
        offset += fan_out * fan_in
        out.append((W, theta[offset : offset + fan_out]))
        offset += fan_out
    return out


def network(theta: Any, x: Any, layers: Sequence[int]) -> Any:
    """``v_θ(x)`` at one point ``x (2,)``: ``h ← tanh(W_l h + b_l)`` on hidden layers, linear output."""
    params = unpack(theta, layers)
    h = x
    for W, b in params[:-1]:
        h = jnp.tanh(W @ h + b)
    W, b = params[-1]
    return (W @ h + b)[0]


def initial_parameters(layers: Sequence[int], seed: int = 0) -> np.ndarray:
    """Glorot-normal weights ``W_l ~ N(0, 1/in_l)``, zero biases (for standalone runs)."""
    rng = np.random.default_rng(seed)
    parts = []
    for fan_in, fan_out in itertools.pairwise(layers):
        parts += [rng.standard_normal(fan_out * fan_in) / np.sqrt(fan_in), np.zeros(fan_out)]
    return np.concatenate(parts)


# ------------------------------------------------------------------ ENGD
class PoissonENGD:
    """ENGD on ``−Δu = f`` in (0, 1)² with a tanh MLP (see the module docstring).

    Args:
        layers: ``(2, w₁, …, w_L, 1)``.
        n: Interior grid ``n × n``, ``n`` boundary points per edge (default 30, as Müller & Zeinhofer).
        grid: Number of line-search steps ``2⁰ … 2^{1−grid}`` (default 31).
        test_points: Gauss–Legendre points per axis of the relative ``L²`` error (default 64).
        points: Optional ``(interior, w, boundary, w_b)`` replacing :func:`collocation`'s.
    """

    def __init__(
        self,
        layers: Sequence[int],
        *,
        n: int = 30,
        grid: int = 31,
        test_points: int = 64,
        points: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
    ):
        layers = tuple(int(v) for v in layers)
        if len(layers) < 2 or layers[0] != 2 or layers[-1] != 1:
            raise ValueError(f"layers must read (2, ..., 1), got {layers}")
        self.layers, self.p, self.grid = layers, num_params(layers), int(grid)
        interior, w, boundary, wb = collocation(n) if points is None else points
        self.interior, self.boundary = jnp.asarray(interior), jnp.asarray(boundary)
        self.sqrt_w, self.sqrt_wb = jnp.sqrt(jnp.asarray(w)), jnp.sqrt(jnp.asarray(wb))
        self.f = source(self.interior)
        test, test_w = test_grid(test_points)
        self.test, self.test_w, self.u_test = jnp.asarray(test), jnp.asarray(test_w), exact(jnp.asarray(test))
        self.steps = 2.0 ** -jnp.arange(self.grid, dtype=jnp.float64)  # t ∈ {2⁰, …, 2^{1−grid}}
        self.loss = jax.jit(self._loss)
        self.residual_and_jacobian = jax.jit(self._residual_and_jacobian)
        self.relative_error = jax.jit(self._relative_error)
        self._compiled: dict[tuple[str, float], Callable] = {}

    # -- residuals
    def _v(self, theta: Any, x: Any) -> Any:
        return network(theta, x, self.layers)

    def _laplacian(self, theta: Any, x: Any) -> Any:
        """``Δv_θ(x) = Σ_k ∂_k² v``, each ``∂_k² v = e_kᵀ (∇²v) e_k`` a JVP along ``e_k`` of the JVP
        ``x ↦ ∂_k v(x)`` (forward over forward: on CPU about 1.5× faster than a JVP of the reverse-mode
        ``∇_x v`` or the trace of ``jax.hessian`` for the line search's 31 × n evaluations)."""
        eye = jnp.eye(2, dtype=x.dtype)

        def partial(y: Any, e: Any) -> Any:  # ∂_e v(y)
            return jax.jvp(lambda z: self._v(theta, z), (y,), (e,))[1]

        return sum(jax.jvp(lambda y, e=e: partial(y, e), (x,), (e,))[1] for e in eye)

    def _interior_residual(self, theta: Any, x: Any) -> Any:
        return -self._laplacian(theta, x) - source(x)  # rᵢ = −Δv_θ(xᵢ) − f(xᵢ)

    def _whitened_residual(self, theta: Any) -> Any:
        """``r̂ = (√w r, √w_b r_b)``."""
        r = jax.vmap(self._interior_residual, in_axes=(None, 0))(theta, self.interior)
        rb = jax.vmap(self._v, in_axes=(None, 0))(theta, self.boundary)
        return jnp.concatenate([self.sqrt_w * r, self.sqrt_wb * rb])

    def _loss(self, theta: Any) -> Any:
        rhat = self._whitened_residual(theta)
        return 0.5 * rhat @ rhat  # L = ½ Σ wᵢ rᵢ² + ½ Σ w_b r_b²

    def _residual_and_jacobian(self, theta: Any) -> tuple[Any, Any]:
        """``(r̂ (n,), Ĵ (n, p))``: rows of ``J_r`` and ``J_b`` are θ-gradients of the per-point residuals."""
        jr = jax.vmap(jax.grad(self._interior_residual, argnums=0), in_axes=(None, 0))(theta, self.interior)
        jb = jax.vmap(jax.grad(self._v, argnums=0), in_axes=(None, 0))(theta, self.boundary)
        jhat = jnp.concatenate([self.sqrt_w[:, None] * jr, self.sqrt_wb[:, None] * jb])
        return self._whitened_residual(theta), jhat

    def _relative_error(self, theta: Any) -> Any:
        """``‖v_θ − u‖ / ‖u‖`` in ``L²(Ω)`` by the Gauss–Legendre rule."""
        v = jax.vmap(self._v, in_axes=(None, 0))(theta, self.test)
        return jnp.sqrt(self.test_w @ (v - self.u_test) ** 2 / (self.test_w @ self.u_test**2))

    # -- the direction and the step
    @staticmethod
    def solve(jhat: Any, rhat: Any, solver: str, damping: float) -> Any:
        """``d = −(ĴᵀĴ + λI)⁻¹ Ĵᵀ r̂`` by the p × p ("parameter") or n × n ("sample") Cholesky."""
        if solver == "parameter":
            gram = jhat.T @ jhat + damping * jnp.eye(jhat.shape[1], dtype=jhat.dtype)
            return -cho_solve(cho_factor(gram, lower=True), jhat.T @ rhat)
        if solver == "sample":
            kernel = jhat @ jhat.T + damping * jnp.eye(jhat.shape[0], dtype=jhat.dtype)
            return -jhat.T @ cho_solve(cho_factor(kernel, lower=True), rhat)
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")

    def direction(self, theta: Any, solver: str = "parameter", damping: float = 1e-6) -> np.ndarray:
        """The ENGD direction ``d`` at ``θ`` (a numpy array; for checks, not timed)."""
        rhat, jhat = self.residual_and_jacobian(jnp.asarray(theta))
        return np.asarray(self.solve(jhat, rhat, solver, damping))

    def engd_step(self, solver: str = "parameter", damping: float = 1e-6) -> Callable[[Any], tuple[Any, Any, Any]]:
        """The jitted step ``θ ↦ (θ_new, L(θ_new), t*)`` (``t* = 0`` and ``θ_new = θ`` when no grid step helps)."""
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
        key = (solver, float(damping))
        if key not in self._compiled:

            def step(theta: Any) -> tuple[Any, Any, Any]:
                rhat, jhat = self._residual_and_jacobian(theta)
                loss = 0.5 * rhat @ rhat
                d = self.solve(jhat, rhat, solver, damping)
                trials = jax.vmap(lambda t: self._loss(theta + t * d))(self.steps)
                trials = jnp.where(jnp.isnan(trials), jnp.inf, trials)
                k = jnp.argmin(trials)  # the first of equal minima, as a sequential scan would pick
                better = trials[k] < loss
                t = jnp.where(better, self.steps[k], 0.0)
                return jnp.where(better, theta + self.steps[k] * d, theta), jnp.where(better, trials[k], loss), t

            self._compiled[key] = jax.jit(step)
        return self._compiled[key]

    # -- runs
    def run(
        self, theta0: Any, iterations: int, solver: str = "parameter", damping: float = 1e-6
    ) -> dict[str, np.ndarray]:
        """``iterations`` ENGD steps from ``θ₀``: ``{"loss", "error", "step", "time", "theta"}``
        with ``iterations + 1`` entries of loss, relative L² error and cumulative step
        time (seconds, excluding compilation; entry 0 is ``θ₀``) and the ``iterations``
        steps ``t*``; ``"theta"`` is the final iterate."""
        step = self.engd_step(solver, damping)
        theta = jnp.asarray(theta0, dtype=jnp.float64)
        jax.block_until_ready(step(theta))  # compile outside the clock
        losses, errors, steps, times = [float(self.loss(theta))], [float(self.relative_error(theta))], [], [0.0]
        elapsed = 0.0
        for _ in range(iterations):
            begin = time.perf_counter()
            theta, loss, t = jax.block_until_ready(step(theta))
            elapsed += time.perf_counter() - begin
            losses.append(float(loss))
            errors.append(float(self.relative_error(theta)))
            steps.append(float(t))
            times.append(elapsed)
        return {
            "loss": np.array(losses),
            "error": np.array(errors),
            "step": np.array(steps),
            "time": np.array(times),
            "theta": np.asarray(theta),
        }

    def time_steps(self, theta0: Any, iterations: int, solver: str = "parameter", damping: float = 1e-6) -> float:
        """Wall seconds of ``iterations`` chained steps from ``θ₀`` (compiled beforehand; one sync at the end)."""
        step = self.engd_step(solver, damping)
        theta = jnp.asarray(theta0, dtype=jnp.float64)
        jax.block_until_ready(step(theta))
        begin = time.perf_counter()
        for _ in range(iterations):
            theta, _, _ = step(theta)
        jax.block_until_ready(theta)
        return time.perf_counter() - begin

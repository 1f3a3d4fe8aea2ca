"""Energy natural gradient descent (ENGD) for a 2-D Poisson PINN with a shallow tanh network, in bare numpy/scipy.

A second independent peer for ``benchmarks/bench_pinn.py``, beside the JAX one
(``jax_engd.py``): the same problem and step, written by hand for the one
network it can do, ``v_θ(x) = aᵀ tanh(W x + b) + c`` (2-w-1), with the
fewest numpy passes we could find. It answers the question the JAX ratio
leaves open: how much of riemgd's time is riemgd, and how much is numpy
(unfused elementwise passes) against XLA (fused, vectorized).

Formulas (``s = tanh z``, ``z = W x + b``, ``s' = 1 − s²``, ``s'' = −2 s s'``,
``s''' = −2 s'² + 4 s² s'``, ``|W_j|² = Σ_k W_jk²``)::

    v = s a + c,                      Δv = s'' (a ⊙ |W|²),
    ∂v/∂a_j = s_j,  ∂v/∂c = 1,  ∂v/∂b_j = a_j s'_j,  ∂v/∂W_jk = a_j s'_j x_k,
    ∂Δv/∂a_j = |W_j|² s''_j,  ∂Δv/∂b_j = a_j |W_j|² s'''_j,
    ∂Δv/∂W_jk = a_j (2 W_jk s''_j + |W_j|² s'''_j x_k),

the residuals ``r = −Δv − f`` (interior) and ``r_b = v`` (boundary), ``r̂``,
``Ĵ`` whitened by ``√w``, ``d = −(ĴᵀĴ + λI)⁻¹ Ĵᵀ r̂`` by a p × p Cholesky
(LAPACK through scipy), and the grid line search over ``t ∈ {2⁰, …, 2⁻³⁰}``.
A trial loss uses that the pre-activations are affine in the step,
``z(θ + t d) = z + t dz`` with ``dz = dW x + db``, so each trial costs one
``tanh`` and a few products on the ``m × w`` array. ``θ`` is packed as riemgd's
``ShallowNetwork``: ``W`` (row-major ``(w, 2)``), ``b``, ``a``, ``c``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg


class ShallowPoissonENGD:
    """ENGD steps for ``−Δu = f`` with ``v_θ = aᵀ tanh(Wx + b) + c``.

    Args:
        width: ``w``, the hidden width.
        interior, weights: Interior points ``(m, 2)`` and weights ``(m,)``.
        boundary, boundary_weights: Boundary points ``(m_b, 2)`` and weights.
        source: ``f`` at the interior points ``(m,)``.
        damping: ``λ``.
        grid: Number of line-search steps (default 31).
    """

    def __init__(
        self,
        width: int,
        interior: np.ndarray,
        weights: np.ndarray,
        boundary: np.ndarray,
        boundary_weights: np.ndarray,
        source: np.ndarray,
        damping: float,
        grid: int = 31,
    ):
        self.w, self.damping = int(width), float(damping)
        self.x, self.xb = np.asarray(interior, float), np.asarray(boundary, float)
        self.root, self.root_b = np.sqrt(weights), np.sqrt(boundary_weights)
        self.f = np.asarray(source, float)
        self.steps = 2.0 ** -np.arange(grid)
        self.p = 4 * self.w + 1

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        w = self.w
        return theta[: 2 * w].reshape(w, 2), theta[2 * w : 3 * w], theta[3 * w : 4 * w], theta[-1]

    def _loss_from(self, z: np.ndarray, zb: np.ndarray, coefficient: np.ndarray, a: np.ndarray, c: float) -> float:
        """``L = ½‖√w (−Δv − f)‖² + ½‖√w_b v_b‖²`` from pre-activations and ``a ⊙ |W|²``."""
        s = np.tanh(z)
        second = s * s
        second -= 1.0
        second *= s  # s (s² − 1) = ½ s''
        r = second @ (-2.0 * coefficient)  # −Δv = −s'' (a ⊙ |W|²)
        r -= self.f
        r *= self.root
        rb = np.tanh(zb) @ a
        rb += c
        rb *= self.root_b
        return 0.5 * (r @ r + rb @ rb)

    def loss(self, theta: np.ndarray) -> float:
        W, b, a, c = self.unpack(theta)
        z, zb = self.x @ W.T + b, self.xb @ W.T + b
        return self._loss_from(z, zb, a * np.einsum("jk,jk->j", W, W), a, c)

    def residual_and_jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(r̂ (n,), Ĵ (n, p))``, interior rows first."""
        W, b, a, c = self.unpack(theta)
        norms = np.einsum("jk,jk->j", W, W)
        z = self.x @ W.T + b
        s = np.tanh(z)
        s1 = 1.0 - s * s
        s2 = -2.0 * s * s1
        s3 = -2.0 * s1 * s1 + 4.0 * s * s * s1
        m, w = s.shape
        Jr = np.empty((m, self.p))
        an = a * norms
        # ∂(−Δv)/∂θ; W block row-major (j, k)
        d_w = (2.0 * a * W[:, 0])[None, :] * s2 + (an * s3) * self.x[:, :1]
        Jr[:, 0 : 2 * w : 2] = -d_w
        d_w = (2.0 * a * W[:, 1])[None, :] * s2 + (an * s3) * self.x[:, 1:]
        Jr[:, 1 : 2 * w : 2] = -d_w
        Jr[:, 2 * w : 3 * w] = -(an * s3)
        Jr[:, 3 * w : 4 * w] = -(norms * s2)
        Jr[:, -1] = 0.0
        r = -(s2 @ an) - self.f
        zb = self.xb @ W.T + b
        sb = np.tanh(zb)
        as1 = a * (1.0 - sb * sb)
        Jb = np.empty((self.xb.shape[0], self.p))
        Jb[:, 0 : 2 * w : 2] = as1 * self.xb[:, :1]
        Jb[:, 1 : 2 * w : 2] = as1 * self.xb[:, 1:]
        Jb[:, 2 * w : 3 * w] = as1
        Jb[:, 3 * w : 4 * w] = sb
        Jb[:, -1] = 1.0
        rb = sb @ a + c
        Jr *= self.root[:, None]
        Jb *= self.root_b[:, None]
        return np.concatenate([self.root * r, self.root_b * rb]), np.concatenate([Jr, Jb])

    def direction(self, theta: np.ndarray) -> np.ndarray:
        """``d = −(ĴᵀĴ + λI)⁻¹ Ĵᵀ r̂``."""
        rhat, jhat = self.residual_and_jacobian(theta)
        gram = jhat.T @ jhat
        gram[np.diag_indices_from(gram)] += self.damping
        return -scipy.linalg.cho_solve(scipy.linalg.cho_factor(gram, lower=True, check_finite=False), jhat.T @ rhat)

    def step(self, theta: np.ndarray) -> np.ndarray:
        """One ENGD iteration: ``θ + t* d`` with the best grid step (``θ`` if none lowers ``L``)."""
        d = self.direction(theta)
        W, b, a, c = self.unpack(theta)
        dW, db, da, dc = self.unpack(d)
        z, zb = self.x @ W.T + b, self.xb @ W.T + b
        dz, dzb = self.x @ dW.T + db, self.xb @ dW.T + db
        best, best_t = self.loss(theta), 0.0
        for t in self.steps:
            Wt, at = W + t * dW, a + t * da
            trial = self._loss_from(z + t * dz, zb + t * dzb, at * np.einsum("jk,jk->j", Wt, Wt), at, c + t * dc)
            if trial < best:  # NaN never wins
                best, best_t = trial, t
        return theta + best_t * d if best_t else theta

    def run(self, theta0: np.ndarray, iterations: int) -> np.ndarray:
        theta = np.array(theta0, dtype=float)
        for _ in range(iterations):
            theta = self.step(theta)
        return theta

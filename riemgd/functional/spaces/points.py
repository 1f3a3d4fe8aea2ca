"""Point rules: where a discretized space samples its functions.

* :func:`gauss_legendre` on an interval, :func:`gauss_legendre_box` on a box
  (tensor rule), :func:`monte_carlo` uniform random points with equal weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from riemgd import backend


def gauss_legendre(n: int, interval: tuple[float, float] = (0.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """``n``-point Gauss–Legendre rule on ``interval``: ``(points (n,), weights (n,))``,
    weights summing to the interval length (exact for polynomials of degree ``2n − 1``)."""
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n}")
    a, b = map(float, interval)
    if not b > a:
        raise ValueError(f"interval must satisfy a < b, got {interval}")
    nodes, weights = np.polynomial.legendre.leggauss(int(n))
    return a + (b - a) * (nodes + 1) / 2, weights * (b - a) / 2


def gauss_legendre_box(n: int | Sequence[int], box: Sequence[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Tensor Gauss–Legendre rule on a box ``[a₁, b₁] × … × [a_d, b_d]``:
    ``(points (N, d), weights (N,))``."""
    counts = [n] * len(box) if np.isscalar(n) else list(n)
    if len(counts) != len(box):
        raise ValueError(f"n must give one count per dimension of box ({len(box)}), got {n}")
    rules = [gauss_legendre(c, interval) for c, interval in zip(counts, box, strict=False)]
    grids = np.meshgrid(*(r[0] for r in rules), indexing="ij")
    weights = np.meshgrid(*(r[1] for r in rules), indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1), np.prod([w.ravel() for w in weights], axis=0)


def monte_carlo(
    n: int, box: Sequence[tuple[float, float]], rng: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform random points in a box with equal weights ``volume / n``:
    ``(points (n, d), weights (n,))`` (``points`` has shape ``(n,)`` in 1-D)."""
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got {n}")
    low, high = np.array([b[0] for b in box], float), np.array([b[1] for b in box], float)
    if not np.all(high > low):
        raise ValueError(f"box must satisfy a < b in every dimension, got {box}")
    points = backend.default_rng(rng).uniform(low, high, size=(int(n), len(box)))
    weights = np.full(int(n), np.prod(high - low) / n)
    return (points[:, 0] if len(box) == 1 else points), weights

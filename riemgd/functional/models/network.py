"""``ShallowNetwork``: one hidden layer, the ``(d, width, 1)`` case of :class:`MLP`."""

from __future__ import annotations

import numpy as np

from riemgd import backend
from riemgd.functional.models.activations import ACTIVATIONS
from riemgd.functional.models.base import Array
from riemgd.functional.models.mlp import MLP


class ShallowNetwork(MLP):
    """One hidden layer, ``v_θ(x) = Σⱼ aⱼ σ(wⱼ·x + bⱼ) + c``: ``MLP((in_dim, width, 1))``.

    Parameters are packed as ``θ = (W (width × in_dim, row-major), b (width),
    a (width), c)``, so ``p = width · (in_dim + 2) + 1`` (61 for the seed's
    4-input, 10-neuron Mackey–Glass network). With ``zⱼ = wⱼ·x + bⱼ``, the
    Jacobians :class:`MLP` computes are

    * values: ``∂v/∂aⱼ = σ(zⱼ)``, ``∂v/∂bⱼ = aⱼσ'(zⱼ)``, ``∂v/∂Wⱼₗ = aⱼσ'(zⱼ)xₗ``, ``∂v/∂c = 1``;
    * ``"d<k>"``: ``∂ₖv = Σⱼ aⱼσ'(zⱼ)Wⱼₖ``, with ``∂/∂Wⱼₗ = aⱼσ''(zⱼ)xₗWⱼₖ + aⱼσ'(zⱼ)δₖₗ``;
    * ``"dd<k>"``: ``∂ₖ²v = Σⱼ aⱼσ''(zⱼ)Wⱼₖ²``, with ``∂/∂Wⱼₗ = aⱼσ'''(zⱼ)xₗWⱼₖ² + 2aⱼσ''(zⱼ)Wⱼₖδₖₗ``.

    Everything is array-API code: it runs on numpy and CuPy alike.

    Args:
        in_dim: Input dimension ``d``; points are ``(m,)`` when ``d = 1`` or ``(m, d)``.
        width: Number of hidden neurons.
        activation: ``"tanh"`` (default), ``"sigmoid"``, or any other :class:`MLP` activation.
    """

    def __init__(self, in_dim: int, width: int, activation: str = "tanh"):
        if int(in_dim) != in_dim or in_dim < 1:
            raise ValueError(f"in_dim must be a positive integer, got {in_dim}")
        if int(width) != width or width < 1:
            raise ValueError(f"width must be a positive integer, got {width}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        super().__init__((int(in_dim), int(width), 1), activation)
        self.in_dim, self.width = int(in_dim), int(width)

    def __repr__(self) -> str:
        return f"ShallowNetwork({self.in_dim}, {self.width}, activation={self.activation!r})"

    def unpack(self, theta: Array) -> tuple[Array, Array, Array, Array]:
        """``(W, b, a, c)`` views of ``θ``."""
        xp = backend.namespace(theta)
        n, d = self.width, self.in_dim
        return xp.reshape(theta[: n * d], (n, d)), theta[n * d : n * d + n], theta[n * d + n : n * d + 2 * n], theta[-1]

    def initial_parameters(self, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """Glorot-style initialization: ``W ~ N(0, 1/d)``, ``b ~ N(0, 1)``,
        ``a ~ N(0, 1/width)``, ``c = 0``."""
        g = backend.default_rng(rng)
        n, d = self.width, self.in_dim
        return np.concatenate(
            [g.standard_normal(n * d) / np.sqrt(d), g.standard_normal(n), g.standard_normal(n) / np.sqrt(n), [0.0]]
        )

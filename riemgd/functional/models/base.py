"""The :class:`Model` interface: ``θ ↦ A(θ)`` evaluated at points, with Jacobians."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from riemgd import backend
from riemgd._classes import defined_with

Array = Any


def check_theta(theta: Array, num_params: int) -> None:
    """``θ`` must have shape ``(p,)``: a tuple comparison on every evaluation,
    instead of a bare ``matmul`` mismatch (or a silent broadcast) deep inside."""
    shape = getattr(theta, "shape", None)
    if shape is None or tuple(shape) != (num_params,):
        got = type(theta).__name__ if shape is None else tuple(shape)
        raise ValueError(f"theta must have shape ({num_params},), one entry per parameter, got {got}")


def check_matrix(value: Array, ndim: int, name: str, expected: str, *, finite: bool = True) -> None:
    """A fixed array a model is built from (``B``, ``Q``, features): real,
    ``ndim``-dimensional and (when ``finite``) without NaN or Inf."""
    if getattr(value, "ndim", None) != ndim or not hasattr(value, "dtype"):
        raise ValueError(f"{name} must be {expected}, got shape {getattr(value, 'shape', None)}")
    if "complex" in str(value.dtype):
        raise TypeError(f"{name} must be real, got complex dtype {value.dtype}")
    if finite and not backend.is_finite(value):
        raise ValueError(f"{name} contains NaN or Inf")


def parse_term(term: str) -> tuple[int, int]:
    """``"value" → (0, 0)``, ``"d1" → (1, 1)`` (first derivative along axis 1),
    ``"dd0" → (2, 0)`` (second derivative along axis 0)."""
    if term == "value":
        return 0, 0
    for prefix, order in (("dd", 2), ("d", 1)):
        if term.startswith(prefix) and term[len(prefix) :].isdigit():
            return order, int(term[len(prefix) :])
    raise ValueError(f"unknown term {term!r}: expected 'value', 'd<k>' or 'dd<k>'")


def has_constant_jacobian(model: Any) -> bool:
    """``model.constant_jacobian``, when the class that sets it also defines (or inherits
    from it) the ``evaluate`` in use: a user's subclass of ``Linear`` whose ``evaluate``
    makes ``J`` depend on ``θ`` is not taken for constant."""
    trusted = defined_with(type(model), "constant_jacobian", "evaluate")
    return trusted and bool(getattr(model, "constant_jacobian", False))


class Model:
    """A parametric function ``v_θ = A(θ)``.

    Subclasses implement :meth:`evaluate`, returning for each requested term
    its values at the points, shape ``(m,)`` (or ``(m, q)`` for ``q``
    outputs), and, when ``jacobian`` is true, its Jacobian in ``θ``, shape
    ``(m, p)`` (or ``(m, q, p)``). Terms: ``"value"``; ``"d<k>"``, the first
    partial derivative along input axis ``k``; ``"dd<k>"``, the second.

    Attributes:
        num_params: ``p``, the number of parameters.
        constant_jacobian: ``J`` does not depend on ``θ`` and the model keeps
            it (a linear model): the manifold forms it once per sample. Trusted
            only from the class that defines :meth:`evaluate` (see
            :func:`has_constant_jacobian`): a subclass that evaluates otherwise
            must say so again.
    """

    num_params: int
    constant_jacobian: bool = False

    def evaluate(
        self, theta: Array, x: Array, terms: Sequence[str] = ("value",), *, jacobian: bool = True
    ) -> tuple[list[Array], list[Array] | None]:
        raise NotImplementedError

    def __call__(self, theta: Array, x: Array) -> Array:
        """Values ``A(θ)(x)``."""
        return self.evaluate(theta, x, ("value",), jacobian=False)[0][0]

    def initial_parameters(self, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """A random starting ``θ`` (standard normal unless the model knows better)."""
        return backend.default_rng(rng).standard_normal(self.num_params)

"""``AmbientVector``: an element of a model manifold's ambient space, a function plus a covector.

A model manifold projects two kinds of objects onto its tangent space: functions
``g ∈ V`` (``c = G⁻¹ Jᵀ K g``) and gradients known only through the parameters,
covectors ``q = ∇_θ L`` (``c = G⁻¹ q``). Momentum rules combine both, e.g.
Nesterov's ``β (v_k − v_{k−1}) − α ∇L(w_k)``, so the ambient vector is the pair
``(g, q)`` with ``P_T (g, q) = G⁻¹ (Jᵀ K g + q)``, linear in the pair.

A missing part (``None``) is zero: it is never materialised, multiplied or
added, so a pure parameter gradient costs no ``n``-vector of zeros. A plain
array in an arithmetic expression is a function part, ``(g, None)``.
"""

from __future__ import annotations

from typing import Any

Array = Any


def _add(a: Array | None, b: Array | None) -> Array | None:
    if a is None:
        return b
    return a if b is None else a + b


def _neg(a: Array | None) -> Array | None:
    return None if a is None else -a


def _scale(a: Array | None, scalar: Any) -> Array | None:
    return None if a is None else a * scalar


class AmbientVector:
    """The pair ``(g, q)``: a function ``g ∈ V`` and a parameter covector ``q ∈ Rᵖ``.

    Supports ``a + b``, ``a − b``, ``s·a``, ``a·s``, ``a / s`` and ``−a``, part by
    part, with ``None`` (zero) parts staying ``None``; a plain array operand is
    the function part.

    Attributes:
        function: ``g`` (shape ``(n,)``) or ``None`` for the zero function.
        covector: ``q`` (shape ``(p,)``) or ``None``.
    """

    __slots__ = ("covector", "function")
    __array_ufunc__ = None  # numpy arrays and scalars defer to the reflected operators below

    def __init__(self, function: Array | None = None, covector: Array | None = None):
        self.function, self.covector = function, covector

    @staticmethod
    def _of(other: Any) -> AmbientVector:
        return other if isinstance(other, AmbientVector) else AmbientVector(other, None)

    def __add__(self, other: Any) -> AmbientVector:
        other = self._of(other)
        return AmbientVector(_add(self.function, other.function), _add(self.covector, other.covector))

    __radd__ = __add__

    def __neg__(self) -> AmbientVector:
        return AmbientVector(_neg(self.function), _neg(self.covector))

    def __sub__(self, other: Any) -> AmbientVector:
        return self + (-self._of(other))

    def __rsub__(self, other: Any) -> AmbientVector:
        return self._of(other) + (-self)

    def __mul__(self, scalar: Any) -> AmbientVector:
        return AmbientVector(_scale(self.function, scalar), _scale(self.covector, scalar))

    __rmul__ = __mul__

    def __truediv__(self, scalar: Any) -> AmbientVector:
        return AmbientVector(*(None if part is None else part / scalar for part in (self.function, self.covector)))

    def __pos__(self) -> AmbientVector:
        return self

    def __getstate__(self) -> tuple:
        return self.function, self.covector

    def __setstate__(self, state: tuple) -> None:
        self.function, self.covector = state

    def __repr__(self) -> str:
        def describe(part: Array | None) -> str:
            return "0" if part is None else f"array{tuple(getattr(part, 'shape', ()))}"

        return f"AmbientVector(function={describe(self.function)}, covector={describe(self.covector)})"

"""A real cost of a complex array with closed-form Euclidean gradient and Hessian,
for the Hessian and differential tests of the complex manifolds.

With ``⟨A, B⟩ = Re Σ conj(A_ij) B_ij``, ``M z`` acting on the rows of ``z`` (each
matrix of a stack; a vector when ``z`` is one), Hermitian ``A`` and ``C``:

    f(z) = ½⟨z, A z⟩ + ⟨B, z⟩ + ¼ q² + ¼ w Σ|z_ij|⁴,     q = ⟨z, C z⟩
    G    = A z + B + q C z + w |z|² ⊙ z                   (Df(z)[u] = ⟨G, u⟩)
    H[u] = A u + q C u + 2⟨C z, u⟩ C z + w (|z|² ⊙ u + 2 Re(conj(z) ⊙ u) ⊙ z)

``invariant=True`` drops ``B`` and the entrywise quartic (``w = 0``): ``f`` then
depends on ``z zᴴ`` only, invariant under ``z ↦ zQ`` for unitary ``Q`` (the costs
the quotient manifolds describe).
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np


def _hermitian(rng, m):
    a = rng.standard_normal((m, m)) + 1j * rng.standard_normal((m, m))
    return (a + a.conj().T) / 2


class ComplexTestCost:
    def __init__(self, shape, rng, *, invariant=False):
        m = shape[-2] if len(shape) >= 2 else shape[0]
        self.A, self.C = _hermitian(rng, m), 0.5 * _hermitian(rng, m)
        self.B = np.zeros(shape, complex) if invariant else rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        self.w = 0.0 if invariant else 1.0

    @staticmethod
    def _inner(a, b):
        return anp.real(anp.sum(anp.conj(a) * b))

    def cost(self, z):
        """autograd-traceable."""
        q = self._inner(z, self.C @ z)
        quartic = anp.sum(anp.real(anp.conj(z) * z) ** 2)
        return 0.5 * self._inner(z, self.A @ z) + self._inner(self.B, z) + 0.25 * q**2 + 0.25 * self.w * quartic

    def gradient(self, z):
        q = self._inner(z, self.C @ z)
        return self.A @ z + self.B + q * (self.C @ z) + self.w * np.abs(z) ** 2 * z

    def hessian(self, z, u):
        q, cz = self._inner(z, self.C @ z), self.C @ z
        entrywise = np.abs(z) ** 2 * u + 2 * np.real(np.conj(z) * u) * z
        return self.A @ u + q * (self.C @ u) + 2 * self._inner(cz, u) * cz + self.w * entrywise

"""Three ways to solve with the metric ``G_Λ = (SJ)ᵀ(SJ) + Λ`` of a model manifold, one meaning.

* ``"parameter"`` — :class:`~riemgd.functional.gram.GramSolver`: Cholesky of the ``p × p`` ``G_Λ``;
* ``"sample"`` — :class:`SampleSolver`: the ``n × n`` kernel ``I + SJ Λ⁻¹ (SJ)ᵀ`` (push-through,
  Woodbury), for ``n < p``;
* ``"cg"`` — :class:`CGSolver`: preconditioned conjugate gradients on Jacobian products,
  never forming ``G`` (nor ``J`` for models with ``jvp``/``vjp``);
* ``"auto"`` — :func:`choose_solver`.

The same ``Λ = λI + μ max(D, τ max D)`` (``D = diag G``, ``μ ∈ {0, rcond²}``) in
all three; the docstrings of :class:`SampleSolver` and :class:`CGSolver` say
exactly where their decision on ``μ`` can differ from the ``p × p`` Cholesky test.
"""

from riemgd.functional.gram import GramSolver
from riemgd.functional.solvers.cg import CGSolver
from riemgd.functional.solvers.choice import DEFAULT_MEMORY_BUDGET, SOLVERS, choose_solver
from riemgd.functional.solvers.nystrom import NystromPreconditioner
from riemgd.functional.solvers.sample import SampleSolver

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "SOLVERS",
    "CGSolver",
    "GramSolver",
    "NystromPreconditioner",
    "SampleSolver",
    "choose_solver",
]

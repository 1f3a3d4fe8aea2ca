"""The ``"auto"`` rule of :class:`~riemgd.functional.ModelManifold`: which solver
for ``G_Λ⁻¹``, from the sizes ``n × p`` of the Jacobian and a memory budget."""

from __future__ import annotations

SOLVERS = ("parameter", "sample", "cg", "auto")
DEFAULT_MEMORY_BUDGET = 2 * 2**30  # bytes: 2 GiB for one n × p float64 Jacobian


def choose_solver(n: int, p: int, *, matrix_free: bool, memory_budget: float = DEFAULT_MEMORY_BUDGET) -> str:
    """The ``"auto"`` choice:

    1. ``"cg"`` when one float64 Jacobian would exceed the budget,
       ``8 n p > memory_budget``, and the model and space give products
       (``matrix_free``: CG on a formed ``SJ`` would save nothing);
    2. else ``"parameter"`` (``p × p`` Cholesky) when ``p ≤ n``;
    3. else ``"sample"`` (``n × n`` kernel, push-through) when ``n < p``.

    Both factorized forms need less than the Jacobian they start from
    (``p² ≤ n p`` in case 2, ``n² < n p`` in case 3), so the budget test on
    ``J`` is the only one.
    """
    if matrix_free and 8.0 * n * p > memory_budget:
        return "cg"
    return "parameter" if p <= n else "sample"

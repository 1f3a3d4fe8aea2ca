"""The function-space layer: natural gradient on model manifolds ``M = {A(θ)} ⊂ V``.

The folders follow the mathematics of DESIGN.md §1:

* :mod:`~riemgd.functional.models` — the maps ``A(θ)`` and their Jacobians ``J = ∂A/∂θ``;
* :mod:`~riemgd.functional.spaces` — the discretized ``V``: point rules, metrics ``K``,
  output metrics ``G_z`` pulled back;
* :mod:`~riemgd.functional.losses` — functional losses ``L(v)`` with their
  ``V``-gradients (generic, PDE);
* :class:`ModelManifold` (:mod:`~riemgd.functional.manifold`), with the metric
  ``G_λ = Jᵀ K J + λI`` solved by one of :mod:`~riemgd.functional.solvers`
  (``p × p`` :class:`GramSolver`, ``n × n`` sample kernel, matrix-free CG), with ``λ``
  constant or :class:`AdaptiveDamping` (:mod:`~riemgd.functional.damping`);
* :class:`ParameterSpace` — the same problem in parameter coordinates.

``riemgd.models``, ``riemgd.spaces`` and ``riemgd.losses`` are these packages
under their short public names.
"""

from riemgd.functional import losses, models, solvers, spaces
from riemgd.functional.damping import AdaptiveDamping, DampingSchedule
from riemgd.functional.gram import GramSolver
from riemgd.functional.manifold import ModelManifold
from riemgd.functional.parameter import ParameterSpace

__all__ = [
    "AdaptiveDamping",
    "DampingSchedule",
    "GramSolver",
    "ModelManifold",
    "ParameterSpace",
    "losses",
    "models",
    "solvers",
    "spaces",
]

"""What a run returns: :class:`OptimizerResult` and its per-iteration :class:`History`.

``repr(result)`` is a few lines without arrays; :meth:`OptimizerResult.summary`
is a table of the figures a user checks first; ``result.history`` holds the
log (``log_verbosity ≥ 1``) as columns, one entry per iterate ``x_0, …, x_K``,
that convert to numpy arrays (:meth:`History.to_arrays`) or a pandas
``DataFrame`` (:meth:`History.to_dataframe`) in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from riemgd import backend

#: The scalar columns of a :class:`History`, in order (``point`` is the other column).
SCALAR_COLUMNS = ("cost", "gradient_norm", "step_size", "time")


class History(dict):
    """The per-iteration log of a run: a dict of equally long lists.

    Keys: ``"point"`` (``x_k``), ``"cost"`` (``f(x_k)``), ``"gradient_norm"``
    (the norm the stopping test saw at ``x_k``), ``"step_size"`` (``‖t_{k−1}
    d_{k−1}‖``, NaN for ``x_0``), ``"time"`` (seconds since the start). It is a
    plain ``dict`` of lists (``history["cost"][-1]``), as in riemgd 0.1's
    ``result.log["iterations"]``, with conversions added.
    """

    def __init__(self, columns: dict | None = None):
        super().__init__({"point": [], **{name: [] for name in SCALAR_COLUMNS}})
        if columns:
            self.update(columns)

    @property
    def num_iterates(self) -> int:
        """``K + 1``: the number of logged iterates."""
        return len(self["cost"])

    def to_arrays(self, *, points: bool = False) -> dict[str, np.ndarray]:
        """The columns as 1-D float64 numpy arrays, plus ``"iteration"`` (``0, …, K``).

        Args:
            points: Also return ``"point"``: the iterates stacked along a new
                first axis (host copies; for a product manifold a tuple with
                one stacked array per component).
        """
        arrays = {"iteration": np.arange(self.num_iterates)}
        arrays.update({name: np.asarray(self[name], dtype=np.float64) for name in SCALAR_COLUMNS})
        if points:
            arrays["point"] = _stack(self["point"])
        return arrays

    def to_dataframe(self) -> Any:
        """The scalar columns as a ``pandas.DataFrame`` indexed by ``iteration``
        (pandas is optional and imported only here)."""
        try:
            import pandas
        except ImportError as error:
            raise ImportError("History.to_dataframe needs pandas: pip install pandas") from error
        arrays = self.to_arrays()
        index = pandas.Index(arrays.pop("iteration"), name="iteration")
        return pandas.DataFrame(arrays, index=index)

    def __repr__(self) -> str:
        return f"History({self.num_iterates} iterates; columns {', '.join(self)})"


def _stack(points: list) -> Any:
    if points and isinstance(points[0], (tuple, list)):
        return tuple(_stack([point[i] for point in points]) for i in range(len(points[0])))
    return np.stack([backend.to_numpy(point) for point in points]) if points else np.empty((0,))


class _Text(str):
    """A string that shows as itself at the prompt (``result.summary()``)."""

    def __repr__(self) -> str:
        return str(self)


def describe(value: Any) -> str:
    """``ndarray(300,) float64``: an array by its type, shape and dtype, never its entries."""
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__}({', '.join(describe(part) for part in value)})"
    shape = getattr(value, "shape", None)
    if shape is None:
        return type(value).__name__
    return f"{type(value).__name__}{tuple(shape)} {getattr(value, 'dtype', '')}".rstrip()


@dataclass(repr=False)
class OptimizerResult:
    """Result of :meth:`Optimizer.run`, with pymanopt's ``OptimizerResult`` fields.

    Attributes:
        point: The final iterate (the last one with finite cost and gradient).
        cost: Cost at ``point``.
        iterations: Number of steps taken to reach ``point``.
        stopping_criterion: Why the run stopped, in words.
        time: Wall time of the run, in seconds.
        cost_evaluations: Number of cost evaluations.
        step_size: Norm of the last step.
        gradient_norm: Gradient norm at ``point``.
        log: With ``log_verbosity ≥ 1``, pymanopt's log dict: ``"optimizer"``,
            ``"stopping_criteria"``, ``"optimizer_parameters"`` and
            ``"iterations"``, the :class:`History` (also :attr:`history`).
        reason: The stopping criterion as a short code: ``"min_gradient_norm"``,
            ``"max_iterations"``, ``"max_time"``, ``"min_step_size"``,
            ``"non_finite"``, ``"callback"``, ``"interrupted"`` or ``"error"``.
        gradient_evaluations: Number of gradient evaluations (Riemannian,
            Euclidean or ambient).
        hessian_evaluations: Number of Riemannian Hessian-vector products.
        optimizer: Name of the optimizer's class (``"GradientDescent"``, …).

    ``repr(result)`` names the arrays (type, shape, dtype) instead of printing
    them; :meth:`summary` is a table of the main figures.
    """

    point: Any
    cost: float
    iterations: int
    stopping_criterion: str
    time: float
    cost_evaluations: int | None = None
    step_size: float | None = None
    gradient_norm: float | None = None
    log: dict | None = None
    reason: str = ""
    gradient_evaluations: int | None = None
    hessian_evaluations: int | None = None
    optimizer: str = ""

    @property
    def history(self) -> History:
        """The per-iteration :class:`History` (``log["iterations"]``).

        Raises:
            ValueError: the run kept no log (``log_verbosity=0``, the default).
        """
        if self.log is None:
            raise ValueError("this run kept no history: run the optimizer with log_verbosity=1")
        history = self.log["iterations"]
        return history if isinstance(history, History) else History(history)

    def summary(self) -> str:
        """The main figures, one per line: cost, gradient norm, iterations,
        evaluations, time and the stopping reason (a ``str``)."""
        rows = [
            ("cost", f"{self.cost:.16g}"),
            ("gradient norm", _number(self.gradient_norm)),
            ("iterations", str(self.iterations)),
            ("cost evaluations", str(self.cost_evaluations)),
            ("gradient evaluations", str(self.gradient_evaluations)),
            *([("Hessian evaluations", str(self.hessian_evaluations))] if self.hessian_evaluations else []),
            ("time", f"{self.time:.3g} s"),
            ("stopping reason", self.stopping_criterion),
        ]
        title = f"{self.optimizer or 'OptimizerResult'} ({self.reason or 'no reason'}), point {describe(self.point)}"
        width = max(len(name) for name, _ in rows)
        return _Text("\n".join([title, *(f"  {name:<{width}}  {value}" for name, value in rows)]))

    def __repr__(self) -> str:
        log = "None" if self.log is None else repr(self.history)
        return (
            f"OptimizerResult(optimizer={self.optimizer!r}, reason={self.reason!r}, iterations={self.iterations},\n"
            f"    cost={self.cost!r}, gradient_norm={self.gradient_norm!r}, step_size={self.step_size!r},\n"
            f"    cost_evaluations={self.cost_evaluations}, gradient_evaluations={self.gradient_evaluations}, "
            f"hessian_evaluations={self.hessian_evaluations}, time={self.time:.3g},\n"
            f"    point={describe(self.point)}, log={log},\n"
            f"    stopping_criterion={self.stopping_criterion!r})"
        )


def _number(value: float | None) -> str:
    return "None" if value is None else f"{value:.6e}"

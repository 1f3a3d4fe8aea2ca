"""``plot_convergence``: cost or gradient norm of one or more runs, on a log scale.

matplotlib is an optional dependency (``pip install "riemgd[plot]"``), imported
only when a plot is made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

_X = {"iteration": "iteration k", "time": "wall time [s]"}
_Y = {"cost": "cost f(x_k)", "gradient_norm": "gradient norm ‖grad f(x_k)‖", "step_size": "step size ‖x_k − x_{k−1}‖"}
_GID = "riemgd.plot_convergence"  # marks the lines drawn here, for the automatic y scale


def plot_convergence(
    *results: Any,
    labels: Sequence[str] | None = None,
    x: str = "iteration",
    y: str | Callable[[Any], float] = "cost",
    ax: Any = None,
    optimum: float | None = None,
    floor: float | None = None,
    yscale: str | None = None,
    legend: bool | None = None,
    **line_options: Any,
) -> Any:
    """Plot the convergence history of optimizer runs, one line per result.

    Args:
        *results: :class:`~riemgd.OptimizerResult` objects of runs made with
            ``log_verbosity=1`` (they carry ``result.history``).
        labels: One legend label per result (default: each result's optimizer
            name). A legend is drawn when there are labels.
        x: ``"iteration"`` (``k = 0, …, K``) or ``"time"`` (seconds since the
            start of the run, as logged).
        y: ``"cost"`` (``f(x_k)``), ``"gradient_norm"`` (``‖grad f(x_k)‖``),
            ``"step_size"`` (``‖t_{k−1} d_{k−1}‖``; NaN at ``k = 0``, not drawn);
            a callable ``y(x_k) -> float`` evaluated at every logged point
            (e.g. the error against a known solution); or the name of a column
            you added to ``result.history`` (one number per iterate, e.g.
            ``result.history["error"] = errors`` computed once for a table).
        ax: The matplotlib ``Axes`` to draw on (default: a new figure's).
        optimum: With ``y="cost"``, plot the gap ``f(x_k) − optimum`` instead.
        floor: Draw values below ``floor`` at ``floor`` (so that exact zeros
            show on the log scale); default: the values as they are.
        yscale: ``"log"``, ``"linear"``, ``"symlog"``, …; default (``None``):
            ``"log"`` unless a value drawn here on these axes is ``≤ 0``, then
            ``"linear"`` (a negative cost, e.g. a Rayleigh quotient).
        legend: Draw the axes' legend; default (``None``): when ``labels``
            are given or there are several results.
        **line_options: Passed to every ``ax.plot`` call (``color``, ``lw``, …).

    Returns:
        The ``Axes``, with the lines (in the order of ``results``), axis labels
        and a legend (see ``legend``).

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: no result, a result without history, a wrong ``x``, ``y``
            or ``labels``, or ``optimum`` with a ``y`` other than ``"cost"``.
        TypeError: ``y`` is neither a string nor a callable.
    """
    if not results:
        raise ValueError("plot_convergence needs at least one OptimizerResult")
    if x not in _X:
        raise ValueError(f"x must be one of {sorted(_X)}, got {x!r}")
    if not callable(y) and not isinstance(y, str):
        raise TypeError(f"y must be a column name or a callable of the point, got {type(y).__name__}")
    if optimum is not None and y != "cost":
        raise ValueError(f"optimum (the cost gap f − f*) needs y='cost', got y={y!r}")
    if labels is not None:
        labels = list(labels)
        if len(labels) != len(results):
            raise ValueError(f"labels must have one entry per result ({len(results)}), got {len(labels)}")
    columns = [_columns(result, i, x, y, optimum, floor) for i, result in enumerate(results)]
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots()
    for i, ((xs, ys), result) in enumerate(zip(columns, results, strict=True)):
        label = labels[i] if labels is not None else (getattr(result, "optimizer", "") or f"run {i}")
        ax.plot(xs, ys, label=label, gid=_GID, **line_options)
    drawn = np.concatenate([np.asarray(line.get_ydata(), float) for line in ax.get_lines() if line.get_gid() == _GID])
    drawn = drawn[np.isfinite(drawn)]
    ax.set_yscale(yscale or ("log" if drawn.size and bool(np.all(drawn > 0)) else "linear"))
    ylabel = "f(x_k) − f*" if optimum is not None else _Y.get(y, getattr(y, "__name__", "y"))
    ax.set_xlabel(_X[x])
    ax.set_ylabel("y(x_k)" if ylabel == "<lambda>" else ylabel)
    ax.grid(True, which="major", alpha=0.3)
    if legend or (legend is None and (labels is not None or len(results) > 1)):
        ax.legend()
    return ax


def _columns(result: Any, index: int, x: str, y: Any, optimum: float | None, floor: float | None) -> tuple:
    """``(x values, y values)`` of one result, as float arrays."""
    history = getattr(result, "history", None) if getattr(result, "log", None) is not None else None
    if history is None:
        raise ValueError(f"result {index} has no history: run the optimizer with log_verbosity=1")
    arrays = history.to_arrays()
    xs = arrays[x]
    if callable(y):
        ys = np.array([float(y(point)) for point in history["point"]])
    elif y in arrays:
        ys = arrays[y]
    elif y in history and y != "point":
        ys = np.asarray(history[y], dtype=np.float64)
        if ys.shape != xs.shape:
            raise ValueError(f"history column {y!r} of result {index} has shape {ys.shape}, expected {xs.shape}")
    else:
        columns = sorted(_Y) + sorted(set(history) - {"point", *_Y, "time"})
        raise ValueError(f"y must be one of {columns} or a callable of the point, got {y!r}")
    if optimum is not None:
        ys = ys - float(optimum)
    if floor is not None:
        ys = np.maximum(ys, float(floor))
    return xs, ys


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            'plot_convergence needs matplotlib, an optional dependency: pip install "riemgd[plot]" '
            "(or pip install matplotlib)"
        ) from error
    return plt

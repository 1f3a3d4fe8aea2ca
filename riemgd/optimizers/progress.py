"""What a run shows while it runs: a table of iterations, or a progress bar.

* :class:`Printer` — pymanopt-like columns (iteration, cost, gradient norm,
  step size, elapsed seconds): a header once, a row every ``print_every``
  iterations (and for the last iterate), then the stopping criterion;
* :class:`ProgressBar` — a `tqdm <https://tqdm.github.io>`_ bar over
  ``max_iterations`` whose postfix shows the cost and the gradient norm (tqdm
  adds the elapsed time and the rate). tqdm is optional: ``pip install
  "riemgd[progress]"``.
"""

from __future__ import annotations

import sys
from typing import Any

HEADER = f"{'iteration':>9}  {'cost':>24}  {'gradient norm':>14}  {'step size':>10}  {'time [s]':>9}"


def row(iteration: int, cost: float, gradient_norm: float, step_size: float, elapsed: float) -> str:
    """One row of the table, aligned with :data:`HEADER`."""
    return f"{iteration:>9d}  {cost:+.16e}  {gradient_norm:14.8e}  {step_size:10.3e}  {elapsed:9.3f}"


class Printer:
    """Rows every ``every`` iterations (``every ≥ 1``), or none (``every = 0``);
    ``final``: print the stopping criterion at the end."""

    def __init__(self, every: int, final: bool):
        self.every, self.final = every, final
        self.pending: str | None = None  # the latest row not printed yet: shown if it turns out to be the last
        if every:
            print(HEADER)

    def iterate(self, iteration: int, cost: float, gradient_norm: float, step_size: float, elapsed: float) -> None:
        if not self.every:
            return
        text = row(iteration, cost, gradient_norm, step_size, elapsed)
        if iteration % self.every == 0:
            print(text)
            self.pending = None
        else:
            self.pending = text

    def close(self, criterion: str) -> None:
        if self.pending is not None:
            print(self.pending)
        if self.final:
            print(criterion)


def require_tqdm() -> Any:
    """``tqdm.tqdm``, or an ``ImportError`` that names the extra."""
    try:
        from tqdm import tqdm
    except ImportError as error:
        raise ImportError(
            'progress=True needs tqdm, an optional dependency: pip install "riemgd[progress]" (or pip install tqdm)'
        ) from error
    return tqdm


class ProgressBar:
    """A tqdm bar: one tick per iteration, ``cost`` and ``‖grad‖`` as postfix (on stderr)."""

    def __init__(self, total: int, description: str):
        tqdm = require_tqdm()
        self.bar = tqdm(total=total if total > 0 else None, desc=description, unit="it", file=sys.stderr)

    def iterate(self, iteration: int, cost: float, gradient_norm: float) -> None:
        self.bar.set_postfix_str(f"cost={cost:.6e}, grad={gradient_norm:.3e}", refresh=False)
        if iteration > self.bar.n:
            self.bar.update(iteration - self.bar.n)
        elif iteration == 0:
            self.bar.refresh()

    def close(self, reason: str) -> None:
        """Leave the bar with the stopping reason (a short code) appended to its postfix."""
        postfix = self.bar.postfix or ""
        self.bar.set_postfix_str(f"{postfix}, {reason}" if postfix else reason, refresh=False)
        self.bar.close()

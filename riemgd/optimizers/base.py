"""What every optimizer shares: the run loop, stopping, logging and results.

An optimizer implements one generator, ``_iterates(problem, point)``, whose body
reads like its update formula and yields an :class:`Iterate` per iteration.
:meth:`Optimizer.run` consumes it and owns everything else: input checks,
stopping criteria, NaN/Inf detection (keeping the last finite iterate),
Ctrl-C, callbacks, printing and the per-iteration log.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from riemgd import backend


@dataclass
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
        log: With ``log_verbosity ≥ 1``, ``log["iterations"]`` holds lists
            ``"point"``, ``"cost"``, ``"gradient_norm"``, ``"step_size"``, ``"time"``.
        reason: The stopping criterion as a short code: ``"min_gradient_norm"``,
            ``"max_iterations"``, ``"max_time"``, ``"min_step_size"``,
            ``"non_finite"``, ``"callback"`` or ``"interrupted"``.
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


@dataclass
class Iterate:
    """One iterate as an optimizer reports it.

    ``step_size`` is the norm of the step that led to ``point`` (NaN for the
    initial point); ``gradient_norm`` is the norm of the gradient the next
    step will use.
    """

    point: Any
    cost: Any
    gradient_norm: Any
    step_size: Any = math.nan
    iteration: int = 0


def _positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}") from error
    if math.isnan(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {value}")
    return value


class Optimizer:
    """Base class of riemgd optimizers (pymanopt-compatible arguments).

    Args:
        max_iterations: Stop after this many steps.
        max_time: Stop after this many seconds.
        min_gradient_norm: Stop when the Riemannian gradient norm falls below.
        min_step_size: Stop when a step shorter than this is taken.
        verbosity: 0 silent, 1 a summary at the end, 2 a row per iteration.
        log_verbosity: 0 no log, ≥ 1 per-iteration lists in ``result.log``.
    """

    def __init__(
        self,
        *,
        max_iterations: int = 1000,
        max_time: float = math.inf,
        min_gradient_norm: float = 1e-6,
        min_step_size: float = 1e-10,
        verbosity: int = 0,
        log_verbosity: int = 0,
    ):
        if int(max_iterations) != max_iterations or max_iterations < 0:
            raise ValueError(f"max_iterations must be a non-negative integer, got {max_iterations}")
        self.max_iterations = int(max_iterations)
        self.max_time = _positive(max_time, "max_time")
        self.min_gradient_norm = _positive(min_gradient_norm, "min_gradient_norm", allow_zero=True)
        self.min_step_size = _positive(min_step_size, "min_step_size", allow_zero=True)
        self.verbosity = int(verbosity)
        self.log_verbosity = int(log_verbosity)
        self._cost_evaluations = 0

    def __str__(self) -> str:
        return type(self).__name__

    def _parameters(self) -> dict:
        """Optimizer-specific parameters, for the log."""
        return {}

    # ----------------------------------------------------------------- run
    def run(
        self,
        problem: Any,
        *,
        initial_point: Any = None,
        callback: Callable[[Iterate], bool | None] | None = None,
    ) -> OptimizerResult:
        """Minimize ``problem`` from ``initial_point`` (random when ``None``).

        Args:
            problem: A riemgd :class:`~riemgd.Problem` or a ``pymanopt.Problem``.
            initial_point: Starting point; checked to lie on the manifold.
            callback: Called with each finite :class:`Iterate` (the last one
                included); returning ``True`` stops the run (stopping
                criterion says so).

        Returns:
            An :class:`OptimizerResult`. A cost or gradient that turns NaN/Inf
            stops the run, which returns the last finite iterate. Ctrl-C also
            returns the result so far.
        """
        from riemgd.interop.pymanopt import as_riemgd_problem

        problem = as_riemgd_problem(problem)
        manifold = problem.manifold
        if initial_point is None:
            initial_point = manifold.random_point()
        else:
            manifold.check_point(initial_point, name="initial_point")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        problem.check(initial_point)

        recorder = _Recorder(self)
        self._cost_evaluations = 0
        counted = _CountingProblem(problem, self)
        reason = None
        try:
            for iteration, iterate in enumerate(self._iterates(counted, initial_point)):
                iterate.iteration = iteration
                reason = recorder.record(iterate)
                # every finite iterate reaches the callback, the last one included
                if reason != "non_finite" and callback is not None and callback(iterate) and reason is None:
                    reason = "callback"
                if reason is not None:
                    break
        except KeyboardInterrupt:
            reason = "interrupted"
        return recorder.result(reason or "max_iterations", self._cost_evaluations)

    def _iterates(self, problem: Any, point: Any) -> Iterator[Iterate]:
        raise NotImplementedError(f"{type(self).__name__} must implement _iterates")


class _CountingProblem:
    """The problem as an optimizer body sees it, counting cost evaluations."""

    def __init__(self, problem: Any, optimizer: Optimizer):
        self._problem = problem
        self._optimizer = optimizer
        self.manifold = problem.manifold
        self.riemannian_gradient = problem.riemannian_gradient
        self.ambient_gradient = problem.ambient_gradient

    def cost(self, point: Any) -> Any:
        self._optimizer._cost_evaluations += 1
        return self._problem.cost(point)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._problem, name)


_DESCRIPTIONS = {
    "min_gradient_norm": "gradient norm below min_gradient_norm",
    "max_iterations": "reached max_iterations",
    "max_time": "reached max_time",
    "min_step_size": "step size below min_step_size",
    "non_finite": "cost or gradient became NaN/Inf; returning the last finite iterate",
    "callback": "callback requested the stop",
    "interrupted": "interrupted by the user (KeyboardInterrupt)",
}


class _Recorder:
    """Stopping tests, printing and logging for one run."""

    def __init__(self, optimizer: Optimizer):
        self.optimizer = optimizer
        self.start = time.perf_counter()
        self.last: Iterate | None = None
        self.columns = {"point": [], "cost": [], "gradient_norm": [], "step_size": [], "time": []}
        if optimizer.verbosity >= 2:
            print(f"{'iteration':>9}  {'cost':>24}  {'gradient norm':>14}  {'step size':>10}")

    def record(self, iterate: Iterate) -> str | None:
        opt = self.optimizer
        iterate.cost = backend.to_float(iterate.cost)
        iterate.gradient_norm = backend.to_float(iterate.gradient_norm)
        iterate.step_size = backend.to_float(iterate.step_size)
        if not (math.isfinite(iterate.cost) and math.isfinite(iterate.gradient_norm)):
            return "non_finite"
        self.last = iterate
        elapsed = time.perf_counter() - self.start
        if opt.log_verbosity >= 1:
            for key, value in (
                ("point", iterate.point),
                ("cost", iterate.cost),
                ("gradient_norm", iterate.gradient_norm),
                ("step_size", iterate.step_size),
                ("time", elapsed),
            ):
                self.columns[key].append(value)
        if opt.verbosity >= 2:
            it = iterate
            print(f"{it.iteration:>9d}  {it.cost:+.16e}  {it.gradient_norm:14.8e}  {it.step_size:10.3e}")
        if iterate.gradient_norm < opt.min_gradient_norm:
            return "min_gradient_norm"
        if iterate.iteration > 0 and iterate.step_size < opt.min_step_size:
            return "min_step_size"
        if iterate.iteration >= opt.max_iterations:
            return "max_iterations"
        if elapsed >= opt.max_time:
            return "max_time"
        return None

    def result(self, reason: str, cost_evaluations: int) -> OptimizerResult:
        opt = self.optimizer
        elapsed = time.perf_counter() - self.start
        last = self.last
        if last is None:  # stopped before the first iterate was recorded
            raise RuntimeError(f"{opt} stopped before evaluating the initial point ({_DESCRIPTIONS[reason]})")
        criterion = f"Terminated - {_DESCRIPTIONS[reason]} after {last.iteration} iterations, {elapsed:.2f} seconds."
        log = None
        if opt.log_verbosity >= 1:
            log = {
                "optimizer": str(opt),
                "stopping_criteria": {
                    "max_iterations": opt.max_iterations,
                    "max_time": opt.max_time,
                    "min_gradient_norm": opt.min_gradient_norm,
                    "min_step_size": opt.min_step_size,
                },
                "optimizer_parameters": opt._parameters(),
                "iterations": self.columns,
            }
        if opt.verbosity >= 1:
            print(criterion)
        return OptimizerResult(
            point=last.point,
            cost=last.cost,
            iterations=last.iteration,
            stopping_criterion=criterion,
            time=elapsed,
            cost_evaluations=cost_evaluations,
            step_size=last.step_size,
            gradient_norm=last.gradient_norm,
            log=log,
            reason=reason,
        )

"""The run loop every optimizer shares: direction, then step size.

An :class:`Optimizer` is a direction rule (:mod:`riemgd.optimizers.directions`)
and a step-size rule (:mod:`riemgd.optimizers.step_sizes`). Each iteration::

    draw the sample k (problem.begin_iteration); re-measure f(x_k) if it changed
    d_k = direction(x_k)                       record x_k, stop?
    t_k = step_size(x_k, f(x_k), d_k)          x_{k+1} = R_{x_k}(t_k d_k)
    direction.accept(x_k → x_{k+1})

:meth:`Optimizer.run` owns everything else: input checks, evaluation counts,
the stopping tests, NaN/Inf (keeping the last finite iterate), Ctrl-C,
callbacks, printing (:mod:`riemgd.optimizers.progress`), the per-iteration
log (:class:`~riemgd.optimizers.result.History`), the end-of-run warnings
(:mod:`riemgd.diagnostics`); and the restart of a momentum
direction that a line search finds is no descent direction, or that an
adaptive restart rejects.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from riemgd import backend, diagnostics
from riemgd.optimizers import progress as progress_module
from riemgd.optimizers.directions import Direction, DirectionRule, RiemannianGradient
from riemgd.optimizers.result import History, OptimizerResult
from riemgd.optimizers.step_sizes import (
    Armijo,
    ConstantStep,
    Step,
    StepSize,
    as_step_size,
    non_negative_integer,
    positive_number,
)

#: Seed of the random initial point when ``run`` gets neither ``initial_point`` nor ``rng``.
DEFAULT_SEED = 0


@dataclass
class Iterate:
    """One iterate as an optimizer reports it.

    ``step_size`` is the norm of the step that led to ``point`` (NaN for the
    initial point and after a rejected step, see
    :attr:`~riemgd.optimizers.step_sizes.Step.rejected`); ``gradient_norm`` is the norm of the gradient the next
    step will use.
    """

    point: Any
    cost: Any
    gradient_norm: Any
    step_size: Any = math.nan
    iteration: int = 0


class Optimizer:
    """A direction rule and a step-size rule, run by one loop (pymanopt-compatible arguments).

    Args:
        direction: A :class:`~riemgd.optimizers.directions.DirectionRule`
            (default: the Riemannian gradient).
        step_size: A positive number (a constant step) or a
            :class:`~riemgd.optimizers.step_sizes.StepSize` rule (default:
            :class:`~riemgd.optimizers.step_sizes.Armijo`).
        max_iterations: Stop after this many steps.
        max_time: Stop after this many seconds.
        min_gradient_norm: Stop when the reported gradient norm falls below.
        min_step_size: Stop when a step shorter than this is taken.
        verbosity: 0 silent, 1 the stopping criterion at the end, 2 a row per
            iteration and the stopping criterion (the same as ``print_every=1``).
        log_verbosity: 0 no log, ≥ 1 the per-iteration :class:`~riemgd.optimizers.result.History`
            in ``result.log["iterations"]`` (also ``result.history``).
        print_every: ``k ≥ 1``: print a header, then a row every ``k``
            iterations (iteration, cost, gradient norm, step size, elapsed
            seconds; the last iterate's row always), then the stopping criterion;
            ``None`` (default): ``1`` when ``verbosity ≥ 2``, else no rows.
        progress: Show a tqdm progress bar (iteration, cost, gradient norm,
            elapsed time) on stderr; needs the optional ``tqdm``
            (``pip install "riemgd[progress]"``).

    A line search (a rule with ``needs_slope``) needs a descent direction:
    when a momentum direction has ``Df(x)[d] ≥ 0``, the momentum is dropped
    (the rule's ``restart``) and the inner direction is used for that step.
    """

    def __init__(
        self,
        direction: DirectionRule | None = None,
        step_size: float | StepSize | None = None,
        *,
        max_iterations: int = 1000,
        max_time: float = math.inf,
        min_gradient_norm: float = 1e-6,
        min_step_size: float = 1e-10,
        verbosity: int = 0,
        log_verbosity: int = 0,
        print_every: int | None = None,
        progress: bool = False,
    ):
        if direction is None:
            direction = RiemannianGradient()
        if not isinstance(direction, DirectionRule):
            raise TypeError(f"direction must be a riemgd DirectionRule, got {type(direction).__name__}")
        self.direction = direction
        self.step_rule = Armijo() if step_size is None else as_step_size(step_size)
        self.max_iterations = non_negative_integer(max_iterations, "max_iterations")
        self.max_time = positive_number(max_time, "max_time", allow_inf=True)
        self.min_gradient_norm = positive_number(min_gradient_norm, "min_gradient_norm", allow_zero=True)
        self.min_step_size = positive_number(min_step_size, "min_step_size", allow_zero=True)
        self.verbosity = non_negative_integer(verbosity, "verbosity")
        self.log_verbosity = non_negative_integer(log_verbosity, "log_verbosity")
        if print_every is not None:
            print_every = non_negative_integer(print_every, "print_every")
            if print_every == 0:
                raise ValueError("print_every must be a positive integer (or None), got 0")
        self.print_every = print_every
        if not isinstance(progress, bool):
            raise TypeError(f"progress must be True or False, got {type(progress).__name__}")
        if progress:
            progress_module.require_tqdm()  # the ImportError now, not at run time
        self.progress = progress

    def __str__(self) -> str:
        return type(self).__name__

    @property
    def step_size(self) -> float | StepSize:
        """The constant step ``α`` when the rule is a :class:`ConstantStep`, else the rule."""
        return self.step_rule.step_size if isinstance(self.step_rule, ConstantStep) else self.step_rule

    def __repr__(self) -> str:
        return f"{type(self).__name__}(direction={self.direction.parameters()}, step_size={self.step_rule!r})"

    def _parameters(self) -> dict:
        """Optimizer-specific parameters, for the log."""
        return {"direction": self.direction.parameters(), "step_size": repr(self.step_rule)}

    # ----------------------------------------------------------------- run
    def run(
        self,
        problem: Any,
        *,
        initial_point: Any = None,
        callback: Callable[[Iterate], bool | None] | None = None,
        rng: int | np.random.Generator | None = None,
    ) -> OptimizerResult:
        """Minimize ``problem`` from ``initial_point`` (random when ``None``).

        Args:
            problem: A riemgd :class:`~riemgd.Problem` or a ``pymanopt.Problem``.
            initial_point: Starting point; checked to lie on the manifold. When
                ``None``, ``manifold.random_point(rng=rng)``: with ``rng=None``
                the seed :data:`DEFAULT_SEED` (0), so that a run without an
                initial point is reproducible on every manifold (on a model
                manifold, ``model.initial_parameters(0)``).
            rng: Seed or ``numpy.random.Generator`` of the random initial point
                (only without ``initial_point``).
            callback: Called with each finite :class:`Iterate` (the last one
                included); returning ``True`` stops the run (``None`` or
                ``False`` continues; anything else is an error).

        Returns:
            An :class:`OptimizerResult`. A cost or gradient that turns NaN/Inf
            stops the run, which returns the last finite iterate; so does
            Ctrl-C (``KeyboardInterrupt``), once an iterate exists.

        Raises:
            Exception: an exception raised by the problem's functions or the
                callback after the first iterate propagates unchanged, carrying
                the work done so far as ``error.partial_result`` (an
                :class:`OptimizerResult` with reason ``"error"``).
        """
        from riemgd.interop.pymanopt import as_riemgd_problem, random_point

        problem = as_riemgd_problem(problem)
        manifold = problem.manifold
        if initial_point is None:
            initial_point = random_point(manifold, DEFAULT_SEED if rng is None else rng)
        elif rng is not None:
            raise ValueError("rng seeds the random initial point: give either initial_point or rng, not both")
        else:
            manifold.check_point(initial_point, name="initial_point")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")
        checked = problem.check(initial_point)

        counted = _CountingProblem(problem)
        if isinstance(checked, tuple) and len(checked) == 2:  # f(x₀), grad f(x₀): counted once, reused
            counted.cost_evaluations = counted.gradient_evaluations = 1
        else:  # a problem whose check returns nothing
            checked = None
        recorder = _Recorder(self)  # opens the table or the progress bar
        problem.hold_points(self.direction.points_in_use)
        try:
            reason = self._loop(counted, initial_point, recorder, callback, checked)
        except KeyboardInterrupt:
            if recorder.last is None:
                recorder.close_bar("interrupted")
                raise  # nothing to return yet
            reason = "interrupted"
        except Exception as error:
            if recorder.last is not None:
                error.partial_result = recorder.result("error", counted)
                if hasattr(error, "add_note"):
                    error.add_note(
                        f"riemgd: {type(self).__name__} stopped after {recorder.last.iteration} iterations; "
                        "the result so far is in error.partial_result"
                    )
            recorder.close_bar("error")
            raise
        finally:
            problem.hold_points(None)  # back to the manifolds' default for use outside a run
        result = recorder.result(reason, counted)
        diagnostics.check_run(self, problem, result, recorder.initial_cost, recorder.peak)
        return result

    def _loop(self, problem: _CountingProblem, x: Any, recorder: _Recorder, callback: Any, checked: Any) -> str:
        direction_rule, step_rule = self.direction, self.step_rule
        direction_rule.start(problem, x)
        step_rule.reset()
        cost, length = None, math.nan
        if checked is not None:  # the input check's f(x₀) and grad f(x₀), unless sample 0 differs
            cost, problem.known_gradient = backend.to_float(checked[0]), (x, checked[1])
        for k in range(self.max_iterations + 1):
            if problem.begin_iteration(k):  # a new sample: f(x_k) and grad f(x_k) must be measured on it
                problem.known_gradient = None
                cost = None
            if cost is None:
                cost = backend.to_float(problem.cost(x))
            direction = direction_rule(problem, x)
            iterate = Iterate(x, cost, direction.gradient_norm, length, k)
            reason = recorder.record(iterate)
            if reason == "non_finite":
                return reason
            if callback is not None and _callback_stops(callback(iterate)) and reason is None:
                reason = "callback"
            if reason is not None:
                return reason
            step = self._step(problem, x, cost, direction)
            if step.non_finite:
                return "non_finite"
            direction_rule.accept(problem, x, step)
            adapted = self._feedback(problem, x, cost, direction, step)
            # grad f(x_{k+1}) from the line search, for the next direction; not after the metric changed
            problem.known_gradient = None if adapted or step.gradient is None else (step.point, step.gradient)
            length = math.nan if step.rejected else self._length(problem, x, direction, step)
            x, cost = step.point, step.cost
        return "max_iterations"

    def _step(self, problem: Any, x: Any, cost: float, direction: Direction) -> Step:
        """``t_k`` and ``x_{k+1}``, restarting the momentum when a line search
        meets an ascent direction or the direction rule rejects the step."""
        rule, gradient = self.direction, direction.gradient
        if self.step_rule.needs_slope:
            if gradient is None:  # grad f(x_k), once: a restarted direction reuses it
                gradient = direction.gradient = problem.riemannian_gradient(x)
            if rule.has_momentum and not direction.slope < 0:
                rule.restart()  # not a descent direction: drop the momentum for this step
                direction = self._redo(problem, x, gradient)
        step = self.step_rule(problem, x, cost, direction)
        if rule.has_momentum and step.vector is not None:
            if step.cost is None:
                step.cost = backend.to_float(problem.cost(step.point)) if _wants_cost(rule) else None
            if step.cost is not None and rule.rejects(cost, step.cost):
                rule.restart()  # adaptive restart: redo the step without momentum
                step = self.step_rule(problem, x, cost, self._redo(problem, x, gradient))
        return step

    def _redo(self, problem: Any, x: Any, gradient: Any) -> Direction:
        """The direction at ``x`` after a restart, with ``grad f(x)`` when it is known."""
        direction = self.direction(problem, x)
        if direction.gradient is None and gradient is not None:
            direction.gradient = gradient
        return direction

    @staticmethod
    def _feedback(problem: Any, x: Any, cost: float, direction: Direction, step: Step) -> bool:
        """Tell a manifold that adapts its metric (an adaptive damping) how the step went:
        ``after_step(x, t d, grad f(x), f(x), f(x⁺))``, for manifolds with ``wants_step_feedback``.
        Returns whether it was told (its metric, hence grad f, may have changed)."""
        manifold = problem.manifold
        if step.vector is None or not getattr(manifold, "wants_step_feedback", False):
            return False
        if step.cost is None:  # reused as f(x_{k+1}) unless the next sample differs
            step.cost = backend.to_float(problem.cost(step.point))
        manifold.after_step(x, step.vector, direction.gradient, cost, step.cost)
        return True

    @staticmethod
    def _length(problem: Any, x: Any, direction: Direction, step: Step) -> float:
        """``‖t d‖_x``, from ``‖d‖`` when it is known."""
        if step.vector is None:
            return 0.0
        if direction.momentum is None and direction._norm is not None:
            return step.size * backend.to_float(direction._norm)
        return backend.to_float(problem.manifold.norm(x, step.vector))


def _wants_cost(rule: DirectionRule) -> bool:
    """An adaptive function restart compares ``f(x_{k+1})`` with ``f(x_k)``."""
    return getattr(rule, "restart_mode", None) == "function"


def _callback_stops(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool) or type(value).__name__ in ("bool_", "bool"):  # numpy 1 and 2 booleans
        return bool(value)
    raise TypeError(f"callback must return None or a bool (True stops the run), got {type(value).__name__}")


class _CountingProblem:
    """The problem as the loop and the rules see it, counting evaluations.

    ``known_gradient`` is ``(x, grad f(x))`` when the last step's line search
    evaluated the gradient at the point ``x`` it moved to: the next direction's
    ``riemannian_gradient(x)`` (the same object ``x``) returns it uncounted,
    instead of evaluating it again. The loop clears it when a new sample is
    drawn or the manifold's metric adapts.
    """

    def __init__(self, problem: Any):
        self._problem = problem
        self.manifold = problem.manifold
        self.cost_evaluations = 0
        self.gradient_evaluations = 0
        self.hessian_evaluations = 0
        #: Whether the last ``begin_iteration`` drew a new sample: a rule may keep
        #: what it computed at an unchanged point (``grad f(x)`` after a rejected step).
        self.sample_changed = True
        self.known_gradient: tuple | None = None

    def cost(self, point: Any) -> Any:
        self.cost_evaluations += 1
        return self._problem.cost(point)

    def costs_along(self, point: Any, tangent_vector: Any, steps: Any) -> list[float] | None:
        """The problem's ``costs_along`` (one cost evaluation counted per step), or None."""
        along = getattr(self._problem, "costs_along", None)
        costs = None if along is None else along(point, tangent_vector, steps)
        if costs is not None:
            self.cost_evaluations += len(costs)
        return costs

    def riemannian_gradient(self, point: Any) -> Any:
        known = self.known_gradient
        if known is not None and known[0] is point:
            return known[1]
        self.gradient_evaluations += 1
        return self._problem.riemannian_gradient(point)

    def ambient_gradient(self, point: Any) -> Any:
        self.gradient_evaluations += 1
        return self._problem.ambient_gradient(point)

    def euclidean_gradient(self, point: Any) -> Any:
        self.gradient_evaluations += 1
        return self._problem.euclidean_gradient(point)

    def riemannian_hessian(self, point: Any, tangent_vector: Any) -> Any:
        self.hessian_evaluations += 1
        return self._problem.riemannian_hessian(point, tangent_vector)

    def hessian_operator(self, point: Any) -> Callable[[Any], Any]:
        """``u ↦ Hess f(x)[u]`` at a fixed ``x`` (the problem's ``hessian_operator``
        when it has one), each product counted."""
        make = getattr(self._problem, "hessian_operator", None)
        problem = self._problem
        product = make(point) if make is not None else (lambda u: problem.riemannian_hessian(point, u))

        def counted(tangent_vector: Any) -> Any:
            self.hessian_evaluations += 1
            return product(tangent_vector)

        return counted

    def begin_iteration(self, iteration: int) -> bool:
        self.sample_changed = bool(self._problem.begin_iteration(iteration))
        return self.sample_changed

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
    "error": "an exception was raised; returning the last finite iterate",
}


class _Recorder:
    """Stopping tests, printing, the progress bar and the log for one run."""

    def __init__(self, optimizer: Optimizer):
        self.optimizer = optimizer
        self.start = time.perf_counter()
        self.last: Iterate | None = None
        self.initial_cost = math.nan
        self.peak = (-math.inf, 0)  # (max_k f(x_k), k), for the cost-growth warning
        self.columns = History()
        every = optimizer.print_every or (1 if optimizer.verbosity >= 2 else 0)
        self.printer = progress_module.Printer(every, final=bool(every) or optimizer.verbosity >= 1)
        self.bar = progress_module.ProgressBar(optimizer.max_iterations, str(optimizer)) if optimizer.progress else None

    def record(self, iterate: Iterate) -> str | None:
        opt = self.optimizer
        iterate.cost = backend.to_float(iterate.cost)
        iterate.gradient_norm = backend.to_float(iterate.gradient_norm)
        iterate.step_size = backend.to_float(iterate.step_size)
        if not (math.isfinite(iterate.cost) and math.isfinite(iterate.gradient_norm)):
            return "non_finite"
        self.last = iterate
        if iterate.iteration == 0:
            self.initial_cost = iterate.cost
        if iterate.cost > self.peak[0]:
            self.peak = (iterate.cost, iterate.iteration)
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
        it = iterate
        self.printer.iterate(it.iteration, it.cost, it.gradient_norm, it.step_size, elapsed)
        if self.bar is not None:
            self.bar.iterate(it.iteration, it.cost, it.gradient_norm)
        if iterate.gradient_norm < opt.min_gradient_norm:
            return "min_gradient_norm"
        if iterate.iteration > 0 and iterate.step_size < opt.min_step_size:
            return "min_step_size"
        if iterate.iteration >= opt.max_iterations:
            return "max_iterations"
        if elapsed >= opt.max_time:
            return "max_time"
        return None

    def close_bar(self, reason: str = "stopped") -> None:
        if self.bar is not None:
            self.bar.close(reason)
            self.bar = None

    def result(self, reason: str, counted: _CountingProblem) -> OptimizerResult:
        opt = self.optimizer
        elapsed = time.perf_counter() - self.start
        last = self.last
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
        self.close_bar(reason)
        self.printer.close(criterion)
        return OptimizerResult(
            point=last.point,
            cost=last.cost,
            iterations=last.iteration,
            stopping_criterion=criterion,
            time=elapsed,
            cost_evaluations=counted.cost_evaluations,
            step_size=last.step_size,
            gradient_norm=last.gradient_norm,
            log=log,
            reason=reason,
            gradient_evaluations=counted.gradient_evaluations,
            hessian_evaluations=counted.hessian_evaluations,
            optimizer=type(opt).__name__,
        )

"""Energy natural gradient (ENGD) for a 2-D Poisson PINN: riemgd against an independent JAX ENGD.

Run ``python benchmarks/bench_pinn.py [--threads 1]`` (``--help`` for options;
``--quick`` for a seconds-long smoke run; ``--curves`` for the error history).

The problem is example 09's (loaded from ``examples/09_poisson_2d_energy_ng.py``,
``poisson_loss``), after Müller & Zeinhofer (ICML 2023, §4.1)::

    −Δu = f in (0, 1)²,  u = 0 on ∂Ω,  u = sin πx sin πy,  f = 2π² u,
    L(θ) = ½ Σᵢ wᵢ (−Δv_θ(xᵢ) − f(xᵢ))² + ½ Σ_b w_b v_θ(x_b)²,

with a 30 × 30 grid of cell centres (``wᵢ = 1/900``) and 30 points per edge
(``w_b = 1/120``). Each ENGD iteration is ``θ ← θ + t* d``,
``d = −(ĴᵀĴ + λI)⁻¹ Ĵᵀ r̂`` (``Ĵ``, ``r̂``: the whitened residual Jacobian and
residual, ``λ = 1e-6`` as in example 09), ``t*`` the best of the grid
``{2⁰, …, 2⁻³⁰}`` (no step if none lowers ``L``). Methods, one process:

* **riemgd** — ``GradientDescent(GridSearch(31))`` on ``pde.energy_manifold(model,
  damping=λ, rcond=1e-12)``, ``model`` = ``ShallowNetwork(2, 32)`` (2-32-1) or
  ``riemgd.models.MLP((2, 64, 64, 1))`` (2-64-64-1, skipped while riemgd has no ``MLP``);
* **JAX** — ``benchmarks/peers/jax_engd.py``, written from the paper's formulas
  (jitted, float64), with the ``"parameter"`` (p × p Cholesky) and ``"sample"``
  (n × n Cholesky of ``ĴĴᵀ + λI``, push-through) solvers;
* **numpy (bare)** — ``benchmarks/peers/numpy_engd.py`` (the shallow network
  only): the same step written by hand in numpy/scipy with the fewest passes we
  found, trial losses from the pre-activations ``z + t dz`` (affine in the
  step). riemgd / numpy is riemgd's own cost; numpy / JAX is numpy's (unfused
  elementwise passes) against XLA's fused, vectorized loops.

Checks before timing, from the same ``θ₀ = model.initial_parameters(rng=seed)``:
the two problems have the same points and weights, the two networks the same
values (same parameter packing), the first directions and the first iterates
agree to ``max(1e-9, 100 κ ε)`` relative, ``κ`` the condition number of the damped
solve (two correct solvers of a system with ``κ = 4.5e7``, the 2-64-64-1 net's,
agree to about ``1e-8``, not ``1e-9``). A failed check is printed and makes the
exit status 1.

Timing: ``--iterations`` (50; 10 for 2-64-64-1) ENGD steps from ``θ₀`` per
repetition, best of ``--repeats`` (5; 3 for 2-64-64-1) taken round-robin over the methods; ms/iteration = best wall
time / iterations. JAX is compiled before the clock starts (the compile time
is printed) and synchronised once at the end of each repetition; riemgd gets a
new manifold per repetition (untimed), so its point cache starts empty. The
riemgd time includes the direction its loop computes at the final iterate to
report a gradient norm (one extra direction per run). CPU time
(``time.process_time``, all threads) is printed beside wall time: this is the
steadier number on a shared machine.

Threads: ``--threads T`` re-executes the script with ``OPENBLAS_NUM_THREADS``,
``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` = T and ``XLA_FLAGS`` limiting XLA's
CPU thread pool (``intra_op_parallelism_threads=T``; for T = 1 also
``--xla_cpu_multi_thread_eigen=false``), and pinned to T cores
(``os.sched_setaffinity``: XLA's runtime keeps helper threads whatever its
flags), so that both libraries use T cores; threadpoolctl's view of the BLAS
pools and the cores in use are printed.

``--curves``: each method runs ``--curve-iterations`` (1000; 200 for 2-64-64-1) iterations
and the relative L² error (64 × 64 Gauss–Legendre rule), loss and wall time per
iteration are saved to ``benchmarks/results/pinn_curves_<net>.npz`` (keys
``<method>__error``, ``<method>__loss``, ``<method>__time``, and ``methods``):
riemgd ENGD (grid), JAX ENGD (grid, parameter solver), riemgd ENGD + heavy
ball ``HeavyBall(GridSearch(31), β)``, ENGD + Nesterov ``Nesterov(GridSearch(31),
β, restart="function")``, and ENGD + SPRING when ``riemgd.optimizers.Spring`` exists.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TOLERANCE = 1e-9
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


# ------------------------------------------------------------------ threads
def pin_threads(threads: int | None) -> None:
    """Re-execute this script with every BLAS/XLA thread count set to ``threads``
    (environment variables only take effect before the libraries load)."""
    if threads is None or os.environ.get("RIEMGD_BENCH_THREADS") == str(threads):
        return
    env = dict(os.environ, RIEMGD_BENCH_THREADS=str(threads))
    env.update(dict.fromkeys(THREAD_VARIABLES, str(threads)))
    xla = f"--xla_cpu_multi_thread_eigen={'false' if threads == 1 else 'true'} intra_op_parallelism_threads={threads}"
    env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {xla}".strip()
    if hasattr(os, "sched_setaffinity"):  # XLA's CPU runtime keeps helper threads whatever the flags: pin the cores too
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:threads])
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def thread_report() -> list[dict]:
    """threadpoolctl's pools (``user_api``, ``internal_api``, ``num_threads``, library file)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"note": "threadpoolctl not installed"}]
    return [
        {k: pool.get(k) for k in ("user_api", "internal_api", "num_threads", "version")}
        | {"library": Path(pool.get("filepath", "")).name}
        for pool in threadpool_info()
    ]


# ------------------------------------------------------------------ the problem, both ways
def load_example_09() -> Any:
    """``examples/09_poisson_2d_energy_ng.py`` as a module (for its ``poisson_loss``)."""
    examples = HERE.parent / "examples"
    if str(examples) not in sys.path:
        sys.path.insert(0, str(examples))  # the example imports its neighbour _common
    spec = importlib.util.spec_from_file_location("example_09", examples / "09_poisson_2d_energy_ng.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def relative(a: np.ndarray, b: np.ndarray) -> float:
    """``‖a − b‖ / ‖b‖``."""
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b)))


class Setting:
    """One network, set up in riemgd and in JAX on the same points, from the same ``θ₀``."""

    def __init__(self, name: str, model: Any, layers: tuple[int, ...], n: int, damping: float, seed: int):
        from peers import jax_engd

        import riemgd

        self.name, self.model, self.layers, self.damping = name, model, layers, damping
        self.pde = load_example_09().poisson_loss(n)
        self.theta0 = np.asarray(model.initial_parameters(rng=seed), dtype=float)
        points = (
            self.pde.interior.points,
            self.pde.interior.weights,
            self.pde.boundary.points,
            self.pde.boundary.weights,
        )
        self.jax = jax_engd.PoissonENGD(layers, n=n)
        # the JAX peer builds its own points: they must be the example's
        own = jax_engd.collocation(n)
        self.same_points = max(
            float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.max(np.abs(b))))
            for a, b in zip(own, points, strict=True)
        )
        self.bare = None
        if len(layers) == 3:  # the bare-numpy peer is written for one hidden layer
            from peers.numpy_engd import ShallowPoissonENGD

            self.bare = ShallowPoissonENGD(layers[1], *points, jax_engd.source(points[0]), damping)
        fine, fine_w = riemgd.spaces.gauss_legendre_box(64, [(0.0, 1.0), (0.0, 1.0)])
        self.fine, self.fine_w, self.u_fine = fine, fine_w, np.sin(np.pi * fine[:, 0]) * np.sin(np.pi * fine[:, 1])
        self.same_test_grid = max(relative(self.jax.test, fine), relative(self.jax.test_w, fine_w))

    def problem(self) -> Any:
        """A new riemgd problem (new manifold: empty point cache)."""
        import riemgd

        manifold = self.pde.energy_manifold(self.model, damping=self.damping, rcond=1e-12)
        return riemgd.Problem(manifold, self.pde.energy_loss())

    def error(self, theta: np.ndarray) -> float:
        """riemgd-side relative L² error ``‖v_θ − u‖ / ‖u‖`` (example 09's formula)."""
        v = self.model(theta, self.fine)
        return float(np.sqrt(self.fine_w @ (v - self.u_fine) ** 2 / (self.fine_w @ self.u_fine**2)))


def stop_after(iterations: int, **kwargs: Any) -> dict:
    return {"max_iterations": iterations, "min_gradient_norm": 0.0, "min_step_size": 0.0, **kwargs}


def damped_condition(problem: Any, theta: Any, damping: float) -> float:
    """``κ = (σ_max² + λ) / (σ_min² + λ)`` over the ``min(n, p)`` singular values of the
    whitened Jacobian: the condition number of the better-conditioned of the two solves
    (p×p for p ≤ n, the n×n kernel for n < p), so two correct solvers agree to about κ ε."""
    jacobian = problem.manifold.embedding(theta, np.eye(problem.manifold.dim))  # J, column by column
    whitened = problem.manifold.space.whiten(problem.manifold.embed(theta), jacobian)
    s = np.linalg.svd(whitened, compute_uv=False)
    return float((s.max() ** 2 + damping) / (s.min() ** 2 + damping))


def agreement(setting: Setting) -> dict:
    """Relative differences riemgd vs JAX at ``θ₀``: network values, loss, first direction, first iterate."""
    import jax

    import riemgd
    from riemgd.optimizers import GridSearch

    theta0, jx = setting.theta0, setting.jax
    values_jax = jx_values(jx, theta0, setting.fine)
    problem = setting.problem()
    d_riemgd = -np.asarray(problem.riemannian_gradient(theta0))  # −G_λ⁻¹ ∇_θ L
    first = riemgd.GradientDescent(GridSearch(31), **stop_after(1)).run(setting.problem(), initial_point=theta0)
    out = {
        "points": setting.same_points,
        "test_grid": setting.same_test_grid,
        "values": relative(values_jax, setting.model(theta0, setting.fine)),
        "loss": abs(float(jx.loss(theta0)) - float(problem.cost(theta0))) / abs(float(problem.cost(theta0))),
        "riemgd_shift": float(np.max(problem.manifold.solver(theta0).shift)),
        "riemgd_regularized": bool(problem.manifold.solver(theta0).regularized),
        "condition": damped_condition(problem, theta0, setting.damping),
    }
    if setting.bare is not None:
        out["direction_numpy"] = relative(setting.bare.direction(theta0), d_riemgd)
        out["iterate_numpy"] = relative(setting.bare.step(theta0), first.point)
    for solver in ("parameter", "sample"):
        out[f"direction_{solver}"] = relative(jx.direction(theta0, solver, setting.damping), d_riemgd)
        begin = time.perf_counter()
        theta1, _, t = jax.block_until_ready(jx.engd_step(solver, setting.damping)(theta0))  # compiles
        out[f"compile_s_{solver}"] = time.perf_counter() - begin
        out[f"iterate_{solver}"] = relative(np.asarray(theta1), first.point)
        t_riemgd = float(np.dot(first.point - theta0, d_riemgd) / np.dot(d_riemgd, d_riemgd))  # θ₁ = θ₀ + t d
        out[f"step_{solver}"] = (float(t), t_riemgd)
    return out


def jx_values(jx: Any, theta: np.ndarray, points: np.ndarray) -> np.ndarray:
    import jax
    from peers import jax_engd

    return np.asarray(jax.vmap(lambda x: jax_engd.network(theta, x, jx.layers))(points))


# ------------------------------------------------------------------ timing
def time_methods(setting: Setting, iterations: int, repeats: int) -> dict:
    """Best wall and CPU seconds of ``iterations`` ENGD steps per method (round-robin)."""
    import riemgd
    from riemgd.optimizers import GridSearch

    jx, theta0 = setting.jax, setting.theta0

    def riemgd_run() -> float:
        # a new manifold per run (empty point cache), built outside the clock
        problem = setting.problem()
        optimizer = riemgd.GradientDescent(GridSearch(31), **stop_after(iterations))
        gc.collect()
        begin, begin_cpu = time.perf_counter(), time.process_time()
        result = optimizer.run(problem, initial_point=theta0)
        elapsed[:] = [time.perf_counter() - begin, time.process_time() - begin_cpu]
        return float(result.cost)

    def jax_run(solver: str) -> Any:
        def run() -> None:
            gc.collect()
            begin, begin_cpu = time.perf_counter(), time.process_time()
            jx.time_steps(theta0, iterations, solver, setting.damping)
            elapsed[:] = [time.perf_counter() - begin, time.process_time() - begin_cpu]

        return run

    def bare_run() -> float:
        gc.collect()
        begin, begin_cpu = time.perf_counter(), time.process_time()
        theta = setting.bare.run(theta0, iterations)
        elapsed[:] = [time.perf_counter() - begin, time.process_time() - begin_cpu]
        return setting.bare.loss(theta)

    elapsed = [math.nan, math.nan]
    final: dict[str, float] = {}
    methods = {"riemgd": riemgd_run, "JAX parameter": jax_run("parameter"), "JAX sample": jax_run("sample")}
    if setting.bare is not None:
        methods["numpy (bare)"] = bare_run
    best = dict.fromkeys(methods, math.inf)
    best_cpu = dict.fromkeys(methods, math.inf)
    for _ in range(repeats):
        for name, method in methods.items():
            cost = method()
            best[name] = min(best[name], elapsed[0])
            best_cpu[name] = min(best_cpu[name], elapsed[1])
            if cost is not None:
                final[name] = cost
    for solver in ("parameter", "sample"):
        final[f"JAX {solver}"] = float(jx.run(theta0, iterations, solver, setting.damping)["loss"][-1])
    return {"wall": best, "cpu": best_cpu, "final_loss": final}


# ------------------------------------------------------------------ curves
def curves(setting: Setting, iterations: int, beta: float) -> dict[str, dict[str, np.ndarray]]:
    """Relative L² error, loss and wall time (excluding the error evaluation) per iteration."""
    import riemgd
    from riemgd.optimizers import GridSearch

    stop = stop_after(iterations)
    methods: dict[str, Any] = {
        "riemgd ENGD (grid)": riemgd.GradientDescent(GridSearch(31), **stop),
        "JAX ENGD (grid)": "jax",
        f"riemgd ENGD + heavy ball LM (beta={beta:g})": riemgd.HeavyBall(GridSearch(31), beta, **stop),
        f"riemgd ENGD + Nesterov restart (beta={beta:g})": riemgd.Nesterov(
            GridSearch(31), beta, restart="function", **stop
        ),
    }
    spring = getattr(riemgd.optimizers, "Spring", None)
    if spring is None:
        print("- ENGD + SPRING skipped: riemgd.optimizers has no Spring yet")
    else:
        try:
            if isinstance(spring, type) and issubclass(spring, riemgd.Optimizer):
                methods[f"riemgd ENGD + SPRING (mu={beta:g})"] = spring(GridSearch(31), beta, **stop)
            else:
                methods[f"riemgd ENGD + SPRING (mu={beta:g})"] = riemgd.Optimizer(spring(beta), GridSearch(31), **stop)
        except (TypeError, ValueError) as error:
            print(f"- ENGD + SPRING skipped: could not build it ({error})")
    out = {}
    for name, optimizer in methods.items():
        begin = time.perf_counter()
        if optimizer == "jax":
            run = setting.jax.run(setting.theta0, iterations, "parameter", setting.damping)
            out[name] = {"error": run["error"], "loss": run["loss"], "time": run["time"]}
        else:
            errors, losses, times, spent = [], [], [], [0.0]
            start = time.perf_counter()

            def record(iterate: Any, errors=errors, losses=losses, times=times, spent=spent, start=start) -> None:
                entered = time.perf_counter()
                times.append(entered - start - spent[0])
                errors.append(setting.error(iterate.point))
                losses.append(float(iterate.cost))
                spent[0] += time.perf_counter() - entered

            optimizer.run(setting.problem(), initial_point=setting.theta0, callback=record)
            out[name] = {"error": np.array(errors), "loss": np.array(losses), "time": np.array(times)}
        h = out[name]["error"]
        print(
            f"- {name}: {len(h) - 1} iterations, relative L2 error {h[0]:.2e} → {h[-1]:.3e} "
            f"(best {h.min():.3e}), {time.perf_counter() - begin:.1f} s"
        )
    return out


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).strip("_")


# ------------------------------------------------------------------ main
def build_settings(quick: bool, n: int, damping: float, seed: int) -> list[Setting]:
    import riemgd

    width, deep = (8, (2, 8, 8, 1)) if quick else (32, (2, 64, 64, 1))
    settings = [Setting(f"2-{width}-1", riemgd.models.ShallowNetwork(2, width), (2, width, 1), n, damping, seed)]
    name = "-".join(map(str, deep))
    if hasattr(riemgd.models, "MLP"):
        settings.append(Setting(name, riemgd.models.MLP(deep), deep, n, damping, seed))
    else:
        print(f"- {name} skipped: riemgd.models has no MLP yet")
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke run, seconds)")
    parser.add_argument(
        "--iterations", type=int, default=None, help="ENGD steps per timed run (default 50, deep net 10; quick 5)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed runs per method, best kept (default 5, deep net 3; quick 2)"
    )
    parser.add_argument("--threads", type=int, default=None, help="BLAS and XLA threads (re-executes the script)")
    parser.add_argument("--damping", type=float, default=1e-6, help="λ in G + λI (example 09's)")
    parser.add_argument("--seed", type=int, default=0, help="rng of model.initial_parameters")
    parser.add_argument("--curves", action="store_true", help="error vs iterations, saved as .npz")
    parser.add_argument(
        "--curve-iterations", type=int, default=None, help="--curves iterations (default 1000, deep 200)"
    )
    parser.add_argument("--beta", type=float, default=0.8, help="momentum β of the --curves momentum methods")
    parser.add_argument(
        "--json", nargs="?", const="", default=None, metavar="PATH", help="write the numbers (default: results/)"
    )
    args = parser.parse_args()
    pin_threads(args.threads)

    import jax
    import scipy

    import riemgd

    sys.path.insert(0, str(HERE))
    n = 10 if args.quick else 30
    pools = thread_report()
    print(
        f"ENGD, 2-D Poisson PINN: riemgd {riemgd.__version__} vs JAX {jax.__version__} ({jax.devices()[0].platform}) | "
        f"numpy {np.__version__}, scipy {scipy.__version__} | Python {platform.python_version()} | "
        f"{os.cpu_count()} CPUs"
    )
    env = {k: os.environ[k] for k in (*THREAD_VARIABLES, "XLA_FLAGS") if k in os.environ}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"threads: env {env or '(none set)'}; cores in use: {cores}")
    for pool in pools:
        print(f"  threadpoolctl: {pool}")
    print(f"{n}x{n} interior + {4 * n} boundary points, damping λ = {args.damping:g}, grid 2^0 … 2^-30")
    record: dict[str, Any] = {
        "env": env,
        "cores": cores,
        "threadpools": pools,
        "n": n,
        "damping": args.damping,
        "rows": {},
    }
    failed = False
    settings = build_settings(args.quick, n, args.damping, args.seed)
    for row, setting in enumerate(settings):
        p = setting.jax.p
        shallow = row == 0
        iterations = args.iterations or (5 if args.quick else 50 if shallow else 10)
        repeats = args.repeats or (2 if args.quick else 5 if shallow else 3)
        print(f"\n### {setting.name} (p = {p}), θ₀ = model.initial_parameters(rng={args.seed})\n")
        check = agreement(setting)
        keys = ("points", "test_grid", "values", "loss", "direction_parameter", "direction_sample")
        keys += ("iterate_parameter", "iterate_sample")
        keys += ("direction_numpy", "iterate_numpy") if setting.bare is not None else ()
        for key in keys:
            # directions and iterates solve a linear system: two correct solvers agree to ~κ ε
            solved = max(TOLERANCE, 100 * np.finfo(float).eps * check["condition"])
            limit = 1e-14 if key in ("points", "test_grid") else 1e-12 if key in ("values", "loss") else solved
            ok = check[key] <= limit
            failed |= not ok
            print(
                f"- same {key.replace('_', ' ')}: relative difference {check[key]:.1e} "
                f"({'ok' if ok else 'FAIL'} ≤ {limit:g})"
            )
        print(
            f"- first grid step t*: JAX {check['step_parameter'][0]:g}, riemgd {check['step_parameter'][1]:.6g}; "
            f"riemgd Gram shift {check['riemgd_shift']:g} (Tikhonov added: {check['riemgd_regularized']}); "
            f"condition of the damped solve κ = {check['condition']:.2e}"
        )
        timing = time_methods(setting, iterations, repeats)
        wall, cpu = timing["wall"], timing["cpu"]
        best_jax = min(wall["JAX parameter"], wall["JAX sample"])
        best_jax_cpu = min(cpu["JAX parameter"], cpu["JAX sample"])
        print(
            f"\n{iterations} iterations per run, best of {repeats} (JAX compile + first step: "
            + ", ".join(f"{s} {check['compile_s_' + s]:.1f} s" for s in ("parameter", "sample"))
            + ")\n"
        )
        print("| method | ms / iteration | riemgd / this | CPU ms / iteration | riemgd / this (CPU) | final loss |")
        print("|---|---:|---:|---:|---:|---:|")
        for name in wall:
            ratio = "—" if name == "riemgd" else f"{wall['riemgd'] / wall[name]:.2f}"
            ratio_cpu = "—" if name == "riemgd" else f"{cpu['riemgd'] / cpu[name]:.2f}"
            print(
                f"| {name} | {1e3 * wall[name] / iterations:.2f} | {ratio} | {1e3 * cpu[name] / iterations:.2f} "
                f"| {ratio_cpu} | {timing['final_loss'][name]:.6e} |"
            )
        ratio = wall["riemgd"] / best_jax
        print(f"\n- riemgd / JAX-best wall time: **{ratio:.2f}** (CPU time: {cpu['riemgd'] / best_jax_cpu:.2f})")
        if "numpy (bare)" in wall:
            print(
                f"- riemgd / bare numpy: {wall['riemgd'] / wall['numpy (bare)']:.2f}; "
                f"bare numpy / JAX-best: {wall['numpy (bare)'] / best_jax:.2f}"
            )
        record["rows"][setting.name] = {
            "p": p,
            "iterations": iterations,
            "repeats": repeats,
            "ms_per_iteration": {k: 1e3 * v / iterations for k, v in wall.items()},
            "cpu_ms_per_iteration": {k: 1e3 * v / iterations for k, v in cpu.items()},
            "ratio_riemgd_over_jax_best": ratio,
            "final_loss": timing["final_loss"],
            "agreement": check,
        }
        if args.curves:
            k = args.curve_iterations or (20 if args.quick else 1000 if shallow else 200)
            print(f"\nerror vs iterations ({k} iterations each):")
            history = curves(setting, k, args.beta)
            RESULTS.mkdir(exist_ok=True)
            path = RESULTS / f"pinn_curves_{setting.name.replace('-', '_')}{'_quick' if args.quick else ''}.npz"
            arrays = {f"{slug(m)}__{key}": v for m, h in history.items() for key, v in h.items()}
            np.savez(path, methods=np.array(list(history)), slugs=np.array([slug(m) for m in history]), **arrays)
            print(f"- saved {path}")
    if args.json is not None:
        path = Path(args.json) if args.json else RESULTS / f"bench_pinn{'_quick' if args.quick else ''}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=2, default=float))
        print(f"\nnumbers written to {path}")
    if failed:
        raise SystemExit("a riemgd/JAX agreement check failed (see above): the timings compare different computations")


if __name__ == "__main__":
    main()

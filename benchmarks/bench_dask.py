"""Sample-parallel natural gradient on Dask: time per iteration, memory per worker, overhead.

Run ``python benchmarks/bench_dask.py`` (about 5 minutes on 2 cores; ``--fast``
for a smoke run of about 1 minute with ``m`` ten times smaller). Needs
``pip install -e ".[dask,benchmark]"``.

The problem: a linear model ``v_θ = Σ_k θ_k T_k(x)`` in the ``p = 500``
Chebyshev polynomials, ``m`` points ``x = cos(π U)`` (``U`` uniform, seeded),
weights ``1/m``, target ``u(x) = eˣ sin(3x)``, loss ``½‖u − v‖²_m``, natural
gradient ``GradientDescent(step_size=0.5)`` with the ``p × p`` parameter-space
solver. On Dask the points and weights are ``dask.array`` arrays with chunks
of ``--chunk`` rows; the features (``chebvander``) and the target are computed
per chunk, where the chunk lives.

Cases, each in a fresh Python process (its memory is its own), with
``OPENBLAS_NUM_THREADS`` (and ``OMP_NUM_THREADS``) set to the BLAS threads shown:

* ``in-memory``: numpy arrays;
* ``threads ×k``: dask arrays on the threaded scheduler (no cluster: the
  default) with ``k`` threads;
* ``k workers``: a ``distributed.LocalCluster`` of ``k`` worker processes,
  one thread each (the nanny limits each worker's BLAS to one thread, so
  ``k`` workers use ``k`` cores).

The overhead ratio compares like with like: one core, in-memory against the
threaded scheduler with one thread, both with a one-thread BLAS (what Dask
adds: graphs, scheduling, per-chunk reductions). The two-core rows show the
parallel cases.

Reported: the median wall time of one iteration (between consecutive
iterates, the first ``--warmup`` iterations left out), the CPU time of the
same iterations summed over the client and every worker (on a shared machine
the CPU time is the steadier measure of the work done; the wall time also
counts waiting for cores other processes hold), and the peak resident
memory of the client process and of each worker (``ru_maxrss``). Every case
checks that its final cost equals the in-memory one to ``1e-10`` relative.

What fits on this 24 GiB machine: the persisted ``S J`` takes ``8 m p``
bytes, 4 GB at ``m = 10⁶`` (2 GB per worker with two workers); in memory the
model also keeps ``J`` (the ``Linear`` model's cache), 8 GB. ``m = 10⁷`` would
need 40 GB for ``S J`` alone and is not run (``--large`` tries it anyway).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import json, resource, statistics, sys, time
    import numpy as np
    import riemgd

    mode, m, p, chunk, iterations, warmup, parallel = sys.argv[1], *(int(a) for a in sys.argv[2:8])

    class Chebyshev(riemgd.models.Model):
        # v_θ(x) = Σ_k θ_k T_k(x): values Φθ and Jacobian Φ = chebvander(x, p − 1), on whatever chunk it gets
        num_params = p

        def evaluate(self, theta, x, terms=("value",), *, jacobian=True):
            phi = np.polynomial.chebyshev.chebvander(x, p - 1)
            return [phi @ theta], ([phi] if jacobian else None)

    def target(x):
        return np.exp(x) * np.sin(3.0 * x)

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    rng = np.random.default_rng(0)
    x = np.cos(np.pi * rng.uniform(0.0, 1.0, m))
    w = np.full(m, 1.0 / m)
    client = cluster = None
    if mode != "memory":
        import dask, dask.array as da
        if mode == "workers":
            from distributed import Client, LocalCluster
            cluster = LocalCluster(n_workers=parallel, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", memory_limit=0)
            client = Client(cluster)
        else:
            dask.config.set(scheduler="threads", num_workers=parallel)
        x, w = da.from_array(x, chunks=chunk), da.from_array(w, chunks=chunk)
        if client is not None:
            x, w = client.persist(x), client.persist(w)
    manifold = riemgd.ModelManifold(Chebyshev(), riemgd.spaces.L2(x, w),
                                    solver="parameter")
    problem = riemgd.Problem(manifold, riemgd.losses.L2(target))
    def cpu():  # CPU seconds of this process, all its threads
        return time.process_time()

    def stamp(iterate):  # wall time, and CPU time of the client and every worker
        workers = sum(client.run(cpu).values()) if client is not None else 0.0
        stamps.append((time.perf_counter(), cpu() + workers))

    stamps = []
    optimizer = riemgd.GradientDescent(0.5, max_iterations=iterations, min_gradient_norm=0.0)
    begin = time.perf_counter()
    result = optimizer.run(problem, initial_point=np.zeros(p), callback=stamp)
    total = time.perf_counter() - begin
    steps = np.diff(np.array(stamps), axis=0)[warmup:]
    worker_mb = []
    if client is not None:
        worker_mb = sorted(client.run(peak_mb).values())
        client.close(); cluster.close()
    print(json.dumps({"mode": mode, "m": m, "iteration_s": float(np.median(steps[:, 0])),
                      "cpu_s": float(np.median(steps[:, 1])), "total_s": total,
                      "client_mb": peak_mb(), "worker_mb": worker_mb, "cost": result.cost}))
    """
)


def run_case(mode: str, m: int, p: int, chunk: int, iterations: int, warmup: int, parallel: int, blas: int) -> dict:
    """One case in a fresh process; ``parallel``: dask threads or workers, ``blas``: BLAS threads."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(blas), OMP_NUM_THREADS=str(blas), MKL_NUM_THREADS=str(blas))
    arguments = [mode, m, p, chunk, iterations, warmup, parallel]
    command = [sys.executable, "-c", CHILD, *map(str, arguments)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"case {mode} m={m} failed:\n{done.stderr[-3000:]}")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    label = {"memory": "in-memory", "threads": f"threads ×{parallel}", "workers": f"{parallel} worker(s)"}[mode]
    row.update(label=label, blas=blas, cores=max(parallel if mode != "memory" else blas, 1))
    return row


def table(rows: list[dict]) -> str:
    lines = [
        "| m | case | BLAS threads | wall s / it. | vs in-memory (same cores) | CPU s / it. | vs in-memory "
        "| client peak MB | worker peak MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        reference = next(
            (r for r in rows if r["m"] == row["m"] and r["mode"] == "memory" and r["cores"] == row["cores"]), None
        )
        compare = reference is not None and reference is not row
        ratio = f"{row['iteration_s'] / reference['iteration_s']:.2f}" if compare else "—"
        cpu_ratio = f"{row['cpu_s'] / reference['cpu_s']:.2f}" if compare else "—"
        workers = ", ".join(f"{mb:.0f}" for mb in row["worker_mb"]) or "—"
        lines.append(
            f"| {row['m']:.0e} | {row['label']} | {row['blas']} | {row['iteration_s']:.3f} | {ratio} | "
            f"{row['cpu_s']:.3f} | {cpu_ratio} | {row['client_mb']:.0f} | {workers} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="m ten times smaller, fewer iterations")
    parser.add_argument("--large", action="store_true", help="also try m = 1e7 (needs about 45 GB)")
    parser.add_argument("--p", type=int, default=500)
    parser.add_argument("--chunks", type=int, default=8, help="chunks of the points (default 8)")
    args = parser.parse_args(argv)
    scale = 10 if args.fast else 1
    small, large = 100_000 // scale, 1_000_000 // scale
    # (mode, dask threads or workers, BLAS threads)
    overhead = [("memory", 0, 1), ("threads", 1, 1), ("memory", 0, 2), ("threads", 2, 1), ("workers", 2, 1)]
    scale_out = [("memory", 0, 2), ("workers", 1, 1), ("workers", 2, 1)]
    sizes = [(small, overhead, (5, 1) if args.fast else (6, 2)), (large, scale_out, (3, 1))]
    if args.large:
        sizes.append((10_000_000, [("workers", 2, 1)], (3, 1)))
    rows: list[dict] = []
    for m, cases, (iterations, warmup) in sizes:
        for mode, parallel, blas in cases:
            row = run_case(mode, m, args.p, -(-m // args.chunks), iterations, warmup, parallel, blas)
            reference = next((r for r in rows if r["m"] == m and r["mode"] == "memory"), None)
            if reference is not None:
                relative = abs(row["cost"] - reference["cost"]) / abs(reference["cost"])
                if relative > 1e-10:
                    raise AssertionError(f"{row['label']} at m={m}: cost differs from in-memory by {relative:.1e}")
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(f"p = {args.p}, {args.chunks} chunks, natural gradient (parameter-space solver)\n")
    print(table(rows))
    one_core = {r["mode"]: r for r in rows if r["m"] == small and r["cores"] == 1}
    wall = one_core["threads"]["iteration_s"] / one_core["memory"]["iteration_s"]
    work = one_core["threads"]["cpu_s"] / one_core["memory"]["cpu_s"]
    print(
        f"\noverhead at m = {small:.0e} on one core (threads ×1 / in-memory): wall {wall:.2f}, CPU {work:.2f} "
        "(target ≤ 1.3)"
    )


if __name__ == "__main__":
    main()

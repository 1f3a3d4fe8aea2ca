"""Peak memory of natural-gradient iterations on a large linear model, in units of ``J``.

Run ``python benchmarks/bench_memory.py`` (about 1–2 minutes on 2 cores;
``--quick`` for a smoke run). Each case runs in a fresh Python subprocess, so
that its peak is its own:

* the problem is built first: ``m`` points ``xᵢ`` uniform in ``[0, 1]``,
  weights ``1/m``, a seeded Gaussian random-features matrix ``Φ`` (``m × p``,
  the Jacobian ``J`` of ``riemgd.models.Linear(Φ)``, which the model uses
  without a copy), a target ``u`` and ``Problem(ModelManifold(Linear(Φ),
  L2(x, w)), losses.L2(u))``; one untimed ``problem.cost(θ₀)`` loads the
  code paths;
* baseline: the process's peak resident memory (``ru_maxrss``) at that point;
  then ``tracemalloc`` starts (numpy reports its array buffers to it);
* ``GradientDescent(step_size=0.1, max_iterations=N, min_gradient_norm=0)``
  runs from ``θ₀ = 0`` and the result is kept.

Reported: the whole process's peak resident memory, the ``ru_maxrss`` increase above the baseline, the ``tracemalloc``
peak during the run, and what is still allocated after it (the result and
whatever riemgd's caches keep), each also divided by the size of ``J``
(``m·p·8`` bytes). Cases: ``m = 20000, p = 1000`` (``J`` = 160 MB) for 50
iterations, and ``m = 10000, p = 4000`` (``J`` = 320 MB, ``G`` = 128 MB) for 5.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from blas_threads import describe

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time, tracemalloc
    import numpy as np
    import riemgd

    m, p, iterations = (int(a) for a in sys.argv[1:4])
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, m)
    phi = rng.standard_normal((m, p))
    u = np.sin(2 * np.pi * x) + rng.standard_normal(m)
    manifold = riemgd.ModelManifold(riemgd.models.Linear(phi), riemgd.spaces.L2(x, np.full(m, 1.0 / m)))
    problem = riemgd.Problem(manifold, riemgd.losses.L2(u))
    theta0 = np.zeros(p)
    problem.cost(theta0)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    tracemalloc.start()
    start = time.perf_counter()
    optimizer = riemgd.GradientDescent(step_size=0.1, max_iterations=iterations, min_gradient_norm=0)
    result = optimizer.run(problem, initial_point=theta0)
    seconds = time.perf_counter() - start
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"iterations": result.iterations, "seconds": seconds, "rss_delta": rss - baseline,
                      "baseline": baseline, "traced_peak": peak, "retained": retained}))
    """
)


def run_case(m: int, p: int, iterations: int) -> dict:
    """Run one case in a fresh interpreter that imports this checkout's riemgd."""
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(m), str(p), str(iterations)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"case m={m}, p={p} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small cases (seconds)")
    args = parser.parse_args()
    cases = [(2000, 100, 5), (1000, 400, 2)] if args.quick else [(20000, 1000, 50), (10000, 4000, 5)]

    print(describe())
    print("\n## Memory of GradientDescent(step_size=0.1) natural-gradient runs (fresh process per case)\n")
    print(
        "| m | p | iterations | J (MB) | peak RSS, whole process | ru_maxrss increase | tracemalloc peak "
        "| retained after the run | s/iter |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for m, p, iterations in cases:
        r = run_case(m, p, iterations)
        unit = m * p * 8
        cells = [f"{r[key] / 1e6:.0f} MB ({r[key] / unit:.2f} J)" for key in ("rss_delta", "traced_peak", "retained")]
        print(
            f"| {m} | {p} | {r['iterations']} | {unit / 1e6:.0f} | {(r['baseline'] + r['rss_delta']) / 1e6:.0f} MB | "
            + " | ".join(cells)
            + f" | {r['seconds'] / max(r['iterations'], 1):.2f} |"
        )


if __name__ == "__main__":
    main()

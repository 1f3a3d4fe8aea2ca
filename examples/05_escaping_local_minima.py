"""Escaping a local minimum: natural gradient stalls, momentum rolls through.

Seed statement (Nouy & Somacal, "Natural gradient descent with momentum", toy
example "Escaping local minima"): on the one-parameter nonlinear model

    v_θ(x) = θ bᵀΦ(x) + θ² b⊥ᵀΦ(x),      Φ(x) = [1, √2 sin(2πx)]ᵀ,

with the loss ``L_u(v) = ½ ‖u − v‖²_K``, natural gradient descent
``θ ← θ − α G⁻¹ ∇_θ L`` (``G = Jᵀ K J``) follows the curve ``M`` downhill and
stops in whichever local minimum of ``L(θ) = ½ ‖u − v_θ‖²_K`` its starting
basin holds, while the heavy ball with the last-momentum transport

    p_k = P_{T_k}[β p_{k−1} − α ∇L(v_k)],      v_{k+1} = R[v_k + p_k]      (LM)

and Nesterov's method

    w_k = R[v_k + β P_{T_k}(v_k − v_{k−1})],   v_{k+1} = R[w_k − α P_{T_k} ∇L(w_k)]

carry enough speed, for a large enough momentum β, to cross the barrier and
settle in the better minimum.

Setting. Φ is L²([0, 1])-orthonormal, so a function ``cᵀΦ`` is its coefficient
vector ``c`` and ``V`` is the coefficient plane with ``K = I``
(``spaces.Weighted(I)``). With ``b = e₁``, ``b⊥ = e₂`` the manifold
``M = {(θ, θ²)}`` is a parabola, modelled by ``models.Quadratic`` (``B = b``,
``Q = 2 b⊥``). The target ``u = (0.5, 1.5)`` lies inside the parabola, off
its axis, so ``L(θ) = ½[(θ − 0.5)² + (θ² − 1.5)²]`` has two local minima: a
worse one at ``θ ≈ −0.84`` (``L ≈ 1.21``) and the global one at
``θ ≈ 1.11`` (``L ≈ 0.22``), separated by a barrier at ``θ ≈ −0.27``
(``L ≈ 1.32``). The script locates them by a dense 1-D grid search. Every
method starts from ``θ₀ = −2``, in the basin of the worse minimum.

Tuning. All methods use the same step ``α = 0.2`` and the same budget of 300
iterations. Natural gradient stays in the worse basin for every step tried
(``α ∈ {0.02, …, 0.8}``: in one dimension it is a monotone descent). The
momenta were chosen from a scan over ``β ∈ {0.5, …, 0.97}``, which the third
panel of the figure redraws: the heavy ball escapes for ``β ≥ 0.7`` and
Nesterov, whose look-ahead gradient brakes harder, for ``β ≥ 0.9``; we run
HB with ``β = 0.8`` and Nesterov with ``β = 0.9``. Small momenta stay in the
worse basin like natural gradient: escaping needs speed, not just momentum.

The script asserts that natural gradient ends at the worse minimum's cost and
both momentum methods at the global minimum's cost.
"""

from __future__ import annotations

import time
from pathlib import Path

import _common
import matplotlib.pyplot as plt
import numpy as np

import riemgd

B = np.array([1.0, 0.0])  # b: the direction of the linear term
B_PERP = np.array([0.0, 1.0])  # b⊥: the direction of the quadratic term
K = np.eye(2)  # the metric of V in the orthonormal coefficients of Φ
TARGET = np.array([0.5, 1.5])  # u, inside the parabola and off its axis
THETA0 = np.array([-2.0])  # in the basin of the worse minimum
STEP = 0.2  # α, the same for every method
MOMENTUM_HB = 0.8  # β of the heavy ball (LM)
MOMENTUM_NESTEROV = 0.9  # β of Nesterov
SCAN = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97)  # β values of the momentum scan (third panel)


def curve(theta: np.ndarray) -> np.ndarray:
    """Coefficients of v_θ = θ b + θ² b⊥, shape (..., 2)."""
    theta = np.asarray(theta)[..., None]
    return theta * B + theta**2 * B_PERP


def loss_of_theta(theta: np.ndarray) -> np.ndarray:
    """L(θ) = ½ ‖u − v_θ‖²_K, vectorized over θ."""
    r = TARGET - curve(theta)
    return 0.5 * np.einsum("...i,ij,...j->...", r, K, r)


def local_minima(low: float = -4.0, high: float = 4.0, num: int = 800_001) -> list[tuple[float, float]]:
    """(θ, L) of every local minimum of L, sorted by θ: a dense grid search (spacing 1e-5), each grid
    minimum polished by the vertex of the parabola through it and its two neighbours."""
    grid = np.linspace(low, high, num)
    h = grid[1] - grid[0]
    values = loss_of_theta(grid)
    minima = []
    for i in np.flatnonzero((values[1:-1] < values[:-2]) & (values[1:-1] <= values[2:])) + 1:
        left, mid, right = values[i - 1 : i + 2]
        theta = grid[i] - 0.5 * h * (right - left) / (right - 2.0 * mid + left)
        minima.append((float(theta), float(loss_of_theta(theta))))
    return minima


def main(argv: list[str] | None = None) -> dict:
    args = _common.parse_args(__doc__, argv)
    iterations = 300
    scan = (0.5, 0.8, 0.9) if args.fast else SCAN
    model = riemgd.models.Quadratic(None, B[None, :], 2.0 * B_PERP[None, None, :])  # v = θB + ½θ²Q
    manifold = riemgd.ModelManifold(model, riemgd.spaces.Weighted(K))
    problem = riemgd.Problem(manifold, riemgd.losses.L2(TARGET))

    minima = local_minima()
    assert len(minima) == 2, f"the target should give two local minima, found {minima}"
    (theta_bad, cost_bad), (theta_good, cost_good) = sorted(minima, key=lambda m: -m[1])
    grid = np.linspace(theta_bad, theta_good, 200_001)
    barrier = float(loss_of_theta(grid).max())

    stop = {"max_iterations": iterations, "min_gradient_norm": 1e-10}
    methods = {
        "natural gradient": riemgd.GradientDescent(STEP, **stop, log_verbosity=1),
        f"heavy ball LM (β={MOMENTUM_HB})": riemgd.HeavyBall(STEP, MOMENTUM_HB, "LM", **stop, log_verbosity=1),
        f"Nesterov (β={MOMENTUM_NESTEROV})": riemgd.Nesterov(STEP, MOMENTUM_NESTEROV, **stop, log_verbosity=1),
    }
    runs = {}
    for name, optimizer in methods.items():
        start = time.perf_counter()
        result = optimizer.run(problem, initial_point=THETA0)
        runs[name] = {
            "theta": np.array(result.log["iterations"]["point"])[:, 0],
            "cost": np.array(result.log["iterations"]["cost"]),
            "result": result,
            "seconds": time.perf_counter() - start,
        }

    # the momentum scan: final cost against β for both momentum methods (same α, same budget)
    sweep = {"heavy ball LM": [], "Nesterov": []}
    for beta in scan:
        sweep["heavy ball LM"].append(
            riemgd.HeavyBall(STEP, beta, "LM", **stop).run(problem, initial_point=THETA0).cost
        )
        sweep["Nesterov"].append(riemgd.Nesterov(STEP, beta, **stop).run(problem, initial_point=THETA0).cost)

    _common.print_table(
        ["method", "final θ", "final cost", "cost − global min", "iterations", "time [s]"],
        [
            (
                name,
                f"{run['theta'][-1]:+.4f}",
                run["result"].cost,
                run["result"].cost - cost_good,
                run["result"].iterations,
                run["seconds"],
            )
            for name, run in runs.items()
        ],
        title=(
            f"Parabola v_θ = (θ, θ²), u = {tuple(TARGET.tolist())}, θ₀ = {THETA0[0]}, α = {STEP}: "
            f"minima θ = {theta_bad:+.4f} (L = {cost_bad:.4f}) and θ = {theta_good:+.4f} (L = {cost_good:.4f}), "
            f"barrier L = {barrier:.4f}"
        ),
    )
    print("momentum scan, final cost:  β = " + "  ".join(f"{b:<6}" for b in scan))
    for name, costs in sweep.items():
        print(f"  {name:<24}" + "  ".join(f"{c:.4f}" for c in costs))

    path = plot(runs, sweep, scan, minima=(theta_bad, cost_bad, theta_good, cost_good), args=args)

    # --- the seed's statement, checked
    ng, hb, nesterov = (run["result"] for run in runs.values())
    assert abs(ng.cost - cost_bad) < 1e-6, f"natural gradient should stall at the worse minimum, cost {ng.cost:.6f}"
    assert abs(ng.point[0] - theta_bad) < 1e-3
    for result, name in ((hb, "heavy ball"), (nesterov, "Nesterov")):
        assert abs(result.cost - cost_good) < 1e-6, f"{name} should reach the global minimum, cost {result.cost:.6f}"
        assert abs(result.point[0] - theta_good) < 1e-3
    # the escape is a property of the momentum: small β stays in the worse basin
    for name, costs in sweep.items():
        assert abs(costs[0] - cost_bad) < 1e-6, f"{name} with β = {scan[0]} should stay in the worse basin"
    return {"runs": runs, "sweep": sweep, "minima": minima, "figure": path}


def plot(runs: dict, sweep: dict, scan: tuple, minima: tuple, args) -> Path:
    theta_bad, cost_bad, theta_good, cost_good = minima
    colors = dict(zip(runs, ("tab:blue", "tab:red", "tab:green"), strict=True))
    markers = dict(zip(runs, ("o", "s", "^"), strict=True))
    fig, axes = plt.subplots(2, 2, figsize=(14, 10.5))

    # (1) the coefficient plane: the parabola M, the target, the level sets of ‖u − v‖ and the trajectories
    ax = axes[0, 0]
    c1, c2 = np.meshgrid(np.linspace(-2.6, 2.6, 300), np.linspace(-1.7, 4.6, 300))
    distance = np.hypot(c1 - TARGET[0], c2 - TARGET[1])
    ax.contour(c1, c2, distance, levels=np.arange(0.25, 6, 0.25), colors="0.87", linewidths=0.7)
    t = np.linspace(-2.1, 2.1, 400)
    ax.plot(*curve(t).T, color="0.3", lw=2.0, label=r"$\mathcal{M} = \{(\theta, \theta^2)\}$")
    for name, run in runs.items():
        v = curve(run["theta"])
        ax.plot(v[:, 0], v[:, 1], color=colors[name], marker=markers[name], ms=4, lw=0.9, alpha=0.8, label=name)
    ax.plot(*TARGET, "k*", ms=15, label="target u")
    ax.plot(*curve(np.array(theta_bad)), "X", color="tab:orange", ms=12, mec="k", label="worse local min")
    ax.plot(*curve(np.array(theta_good)), "P", color="gold", ms=13, mec="k", label="global min")
    ax.plot(*curve(THETA0[0]), "ko", ms=8, mfc="none", mew=1.5, label=r"start $v_{\theta_0}$")
    ax.set(
        title="function space: coefficients of Φ (K = I), level sets of ‖u − v‖",
        xlabel="c₁",
        ylabel="c₂",
        xlim=(-2.6, 2.6),
        ylim=(-1.7, 4.6),
        aspect="equal",
    )
    ax.legend(loc="lower center", fontsize=8, ncol=3)

    # (2) the parameter against the iteration
    ax = axes[0, 1]
    for name, run in runs.items():
        ax.plot(run["theta"], color=colors[name], lw=1.6, label=name)
    ax.axhline(theta_bad, color="tab:orange", ls="--", lw=1, label=f"worse local min θ = {theta_bad:.3f}")
    ax.axhline(theta_good, color="goldenrod", ls="--", lw=1, label=f"global min θ = {theta_good:.3f}")
    ax.set(title="parameter θ_k", xlabel="iteration k", ylabel="θ")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")

    # (3) cost above the global minimum against the iteration
    ax = axes[1, 0]
    for name, run in runs.items():  # L(v_k) − L*, 1e-16 at the least so that an exact hit shows
        riemgd.plot_convergence(
            run["result"], labels=[name], optimum=cost_good, floor=1e-16, ax=ax, color=colors[name], lw=1.6
        )
    ax.axhline(cost_bad - cost_good, color="tab:orange", ls="--", lw=1, label="worse local min")
    ax.set(title="cost above the global minimum", xlabel="iteration k", ylabel=r"$L(v_k) - L^\ast$", ylim=(1e-13, 20))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")

    # (4) the momentum scan
    ax = axes[1, 1]
    for (name, costs), color, marker in zip(sweep.items(), ("tab:red", "tab:green"), ("s", "^"), strict=True):
        ax.plot(scan, costs, color=color, marker=marker, ms=7, lw=1.4, label=name)
    ax.axhline(cost_bad, color="tab:orange", ls="--", lw=1, label=f"worse local min (L = {cost_bad:.3f})")
    ax.axhline(cost_good, color="goldenrod", ls="--", lw=1, label=f"global min (L = {cost_good:.3f})")
    ax.set(
        title=f"final cost vs momentum β (α = {STEP}, same budget)",
        xlabel="momentum β",
        ylabel="final cost",
        ylim=(0, 1.5),
    )
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="center left")
    fig.suptitle(
        "Escaping a local minimum: natural gradient stalls, heavy ball and Nesterov roll over the barrier", fontsize=13
    )
    fig.tight_layout()
    return _common.save_figure(fig, Path(__file__).stem, args.output)


if __name__ == "__main__":
    main()

"""Energy natural gradient for a 2-D Poisson PINN, with and without momentum.

Seed statement (Nouy & Somacal, SMAI 2025, "Physics informed learning", after
Müller & Zeinhofer 2023): for a PDE residual loss the natural metric is the
loss Hessian pulled back (the seed's Hessian-weighted Gram ``G^H = Jᵀ H_L J``),
which for

    −Δu = f in Ω = (0, 1)²,   u = 0 on ∂Ω,   u(x, y) = sin πx sin πy,  f = 2π² u,

    L(θ) = ½ Σᵢ wᵢ (−Δv_θ(xᵢ) − f(xᵢ))² + ½ Σ_b w_b v_θ(x_b)²

is the energy Gram ``G_E = J_rᵀ W J_r + J_bᵀ W_b J_b`` with ``J_r = ∂_θ(−Δv_θ)``
at the collocation points. The energy natural gradient (ENG)
``θ_{k+1} = θ_k − α_k G_E⁺ ∇_θ L`` is Gauss–Newton in function space: its
direction is the best update of ``−Δv`` and of the boundary values in the
tangent space. Momentum acts on top of it in the seed's functional form
(``riemgd.HeavyBall`` / ``riemgd.Nesterov`` on ``pde.energy_manifold(net)``):

    p_k = P_{T_k}[β p_{k−1} − α ∇L(v_k)],   v_{k+1} = R[v_k + p_k]
    w_k = R[v_k + β P_{T_k}(v_k − v_{k−1})],   v_{k+1} = R[w_k − α P_{T_k} ∇L(w_k)]

Setting as in Müller & Zeinhofer (ICML 2023, §4.1): tanh network 2-32-1
(129 parameters), a 30 × 30 grid of interior collocation points, 30 points per
edge on the boundary. They take each ENG step with a line search over
``α ∈ {2⁻ᵏ}`` (the best of the grid) and report relative L² errors around
1e-6. Here: the same grid line search (``riemgd.optimizers.GridSearch``),
riemgd's Armijo backtracking, and fixed-step heavy ball and Nesterov — fixed
steps need ``α`` well below 1, as the first Gauss–Newton steps from a random
network are wild (with ``α = 1/2`` and no line search ENG diverges from this
start). The Gram solves carry a Levenberg–Marquardt damping of 1e-6.

What riemgd reaches in the 300-step budget (seeded run): about 5e-6 with the
grid line search, 1e-5 with Armijo, 1e-5 to 3e-5 with momentum at a fixed
step; all methods pass 1e-4 within about 150 steps. The error still decreases
slowly at the end (4.9e-6 after 400 grid steps; 2.3e-6 after 400 with no
damping and the soft cutoff ``rcond = 1e-6`` instead, which is slower at
first), so the 1e-6 of the paper needs a longer run.

Reference: J. Müller, M. Zeinhofer, Achieving high accuracy with PINNs via
energy natural gradient descent, ICML 2023.

Run: ``python examples/09_poisson_2d_energy_ng.py [--fast] [--output DIR]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from _common import parse_args, print_table, save_figure

import riemgd
from riemgd import losses, models, spaces
from riemgd.optimizers import GridSearch


def exact(points: np.ndarray) -> np.ndarray:
    return np.sin(np.pi * points[:, 0]) * np.sin(np.pi * points[:, 1])


def source(points: np.ndarray) -> np.ndarray:
    return 2.0 * np.pi**2 * exact(points)


def poisson_loss(n: int) -> losses.PDEResidual:
    """Residual of −Δu = f on an ``n × n`` grid of cell centres, ``n`` points per boundary edge."""
    t = (np.arange(n) + 0.5) / n
    gx, gy = np.meshgrid(t, t, indexing="ij")
    interior = spaces.L2(np.column_stack([gx.ravel(), gy.ravel()]))  # weights 1/n²
    zero, one = np.zeros(n), np.ones(n)
    boundary = np.concatenate(
        [np.column_stack(edge) for edge in ((t, zero), (t, one), (zero, t), (one, t))]
    )  # weights 1/(4n)
    return losses.PDEResidual({"dd0": -1.0, "dd1": -1.0}, source, interior, boundary, boundary_values=0.0)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(__doc__, argv)
    n, width, iterations = (12, 32, 40) if args.fast else (30, 32, 300)
    network = models.ShallowNetwork(2, width)
    pde = poisson_loss(n)
    manifold = pde.energy_manifold(network, damping=1e-6, rcond=1e-12)
    problem = riemgd.Problem(manifold, pde.energy_loss())
    theta0 = network.initial_parameters(0)

    fine, fine_weights = spaces.gauss_legendre_box(64, [(0.0, 1.0), (0.0, 1.0)])
    u_fine = exact(fine)

    def relative_error(theta: np.ndarray) -> float:
        return float(np.sqrt(fine_weights @ (network(theta, fine) - u_fine) ** 2 / (fine_weights @ u_fine**2)))

    stop = {"max_iterations": iterations, "min_gradient_norm": 0.0, "min_step_size": 0.0, "log_verbosity": 1}
    methods = {
        "ENG, grid line search (M&Z)": riemgd.GradientDescent(GridSearch(trials=12), **stop),
        "ENG, Armijo": riemgd.GradientDescent(**stop),
        "ENG + heavy ball (LM)": riemgd.HeavyBall(0.1, 0.8, "LM", **stop),
        "ENG + Nesterov (restart)": riemgd.Nesterov(0.1, 0.8, restart="function", **stop),
    }
    rows, histories, results = [], {}, {}
    for name, optimizer in methods.items():
        result = results[name] = optimizer.run(problem, initial_point=theta0)
        log = result.log["iterations"]
        log["error"] = [relative_error(p) for p in log["point"]]  # a column of the history, plotted below
        histories[name] = (np.array(log["time"]), np.array(log["error"]))
        rows.append((name, histories[name][1][-1], float(np.min(histories[name][1])), result.iterations, result.time))
    print_table(
        ["method", "relative L2 error", "best along the run", "iterations", "time [s]"],
        rows,
        title=f"-Laplace u = f on (0,1)^2, tanh network 2-{width}-1 ({network.num_params} parameters), "
        f"{n}x{n} interior + {4 * n} boundary points",
    )

    fig, (ax_it, ax_time) = plt.subplots(1, 2, figsize=(12, 4.4), constrained_layout=True)
    for ax, x in ((ax_it, "iteration"), (ax_time, "time")):
        riemgd.plot_convergence(*results.values(), labels=list(results), x=x, y="error", ax=ax, lw=1.5)
    ax_time.set_xscale("log")
    ax_time.get_legend().remove()  # one legend, on the left
    ax_it.set_xlabel("iteration")
    ax_time.set_xlabel("wall time [s] (log scale)")
    for ax in (ax_it, ax_time):
        ax.set_ylabel(r"relative $L^2$ error $\|v_\theta - u\| / \|u\|$")
        ax.grid(True, which="major", alpha=0.3)
    ax_it.set_title(r"$-\Delta u = 2\pi^2 \sin\pi x \sin\pi y$: energy natural gradient", fontsize=10)
    ax_time.set_title("the same runs against wall time", fontsize=10)
    ax_it.legend(fontsize=8)
    save_figure(fig, "09_poisson_2d_energy_ng", args.output)

    # ---- the seed's statement, as measured (margins of 5x or more above what was observed)
    errors = {name: history[1][-1] for name, history in histories.items()}
    assert all(np.isfinite(e) for e in errors.values())
    if args.fast:
        assert errors["ENG, grid line search (M&Z)"] < 1e-3, errors
        return
    # energy NG with a line search reaches high accuracy within the budget ...
    assert errors["ENG, grid line search (M&Z)"] < 5e-5, errors
    assert errors["ENG, Armijo"] < 5e-5, errors
    # ... and so does ENG with momentum at a fixed step
    assert errors["ENG + heavy ball (LM)"] < 5e-4, errors
    assert errors["ENG + Nesterov (restart)"] < 5e-4, errors


if __name__ == "__main__":
    main()

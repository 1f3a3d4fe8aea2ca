"""Rosenbrock as a composite problem: the pullback metric goes straight down the valley
====================================================================================

Seed statement (Grosse, CSC 2541 lecture 3 "Metrics", motivating example):
the Rosenbrock function

    h(x₁, x₂) = (a − x₁)² + b (x₂ − x₁²)²

is a composition ``h = L ∘ f`` of the "model"

    f(x₁, x₂) = (a − x₁, √b (x₂ − x₁²))      and the loss   L(z₁, z₂) = z₁² + z₂².

Gradient descent in parameter space bounces across the narrow valley and
crawls along it. Putting the Euclidean metric on the *outputs* z and pulling
it back to parameters gives ``G_x = J_zxᵀ G_z J_zx`` (here ``G_z = 2I``, the
Hessian of L, so ``G_x`` is also the Gauss–Newton matrix), and the natural
gradient step

    x ← x − α G_x⁻¹ ∇h(x)      ⇔  (to first order)   z ← z − α z

moves the output straight towards the minimizer ``z = 0`` (the continuous
flow ``ż = −z`` is exactly straight; a step α leaves the line by O(α)); with
α = 1 it is Gauss–Newton, which solves this zero-residual problem in two
steps, although its first step is far from straight (it jumps to
``z = (0, −√b (a − x₁)²)``, raising h from 24 to about 2300).

In riemgd this is a model manifold: ``models.Function(f)`` over
``spaces.Weighted(2·I)`` (``V = R²`` with ``⟨z, z'⟩ = 2 zᵀz'``) and the loss
``losses.L2(target=0)``, whose value ``½·2‖z‖² = h`` is Rosenbrock exactly.
Gradient descent is ``GradientDescent`` on ``ParameterSpace`` (fixed step);
natural gradient is ``GradientDescent`` on the ``ModelManifold``.

Checks: ``G = Jᵀ(2I)J`` (pullback = Gauss–Newton); Gauss–Newton reaches
(a, a²) in 2 steps (error < 1e-12); the small-step natural gradient path in
output space stays within 10% of the straight segment to 0 and never crosses
the valley floor (``z₂`` keeps its sign), while gradient descent crosses it
at least 5 times in its first 100 steps, leaves the straight line by more
than 30%, and is still more than 1e-2 away from the minimizer at the end.
"""

from __future__ import annotations

import time
from pathlib import Path

import _common
import matplotlib.pyplot as plt
import numpy as np

import riemgd

A, B = 1.0, 100.0
X0 = np.array([-1.2, 1.0])  # the classical starting point
GD_STEP = 1.6e-3  # stable (λ_max(∇²h) ≈ 1000 near the minimum), but > 1/λ_max: it bounces
NG_STEP = 0.05
MINIMUM = np.array([A, A**2])


def f(x: np.ndarray, points: None = None) -> np.ndarray:
    """The model: z = f(x) = (a − x₁, √b (x₂ − x₁²)); ``points`` is None on a Weighted space."""
    return np.array([A - x[0], np.sqrt(B) * (x[1] - x[0] ** 2)])


def f_jacobian(x: np.ndarray, points: None = None) -> np.ndarray:
    return np.array([[-1.0, 0.0], [-2.0 * np.sqrt(B) * x[0], np.sqrt(B)]])


def rosenbrock(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    return (A - x1) ** 2 + B * (x2 - x1**2) ** 2


def main(argv: list[str] | None = None) -> dict:
    args = _common.parse_args(__doc__, argv)
    gd_iterations = 500 if args.fast else 5000
    model = riemgd.models.Function(f, 2, jacobian=f_jacobian)
    space = riemgd.spaces.Weighted(2.0 * np.ones(2))  # G_z = 2I = ∇²L
    manifold = riemgd.ModelManifold(model, space)  # pullback metric G_x = Jᵀ G_z J
    loss = riemgd.losses.L2(np.zeros(2))  # ½‖z − 0‖²_{G_z} = z₁² + z₂²

    configurations = {
        f"gradient descent, s = {GD_STEP:g}": (riemgd.ParameterSpace(manifold), GD_STEP, gd_iterations),
        f"natural gradient, α = {NG_STEP:g}": (manifold, NG_STEP, 2000),
        "natural gradient, α = 1 (Gauss–Newton)": (manifold, 1.0, 50),
    }
    runs = {}
    for name, (search_space, step, its) in configurations.items():
        start = time.perf_counter()
        optimizer = riemgd.GradientDescent(step, max_iterations=its, min_gradient_norm=1e-12, log_verbosity=1)
        result = optimizer.run(riemgd.Problem(search_space, loss), initial_point=X0)
        seconds = time.perf_counter() - start
        xs = np.array(result.log["iterations"]["point"])
        zs = np.array([manifold.embed(x) for x in xs])  # outputs z = f(x)
        runs[name] = {
            "step": step,
            "x": xs,
            "z": zs,
            "cost": np.array(result.log["iterations"]["cost"]),
            "error": np.linalg.norm(xs - MINIMUM, axis=1),
            "crossings": int(np.sum(np.diff(np.sign(zs[:101, 1])) != 0)),  # z₂ = √b(x₂ − x₁²): across the valley
            "deviation": _common.deviation_from_segment(zs, zs[0], np.zeros(2)),
            "seconds": seconds,
        }

    _common.print_table(
        ["method", "step", "iterations", "final h(x)", "‖x − (a, a²)‖", "valley crossings", "off the line", "time [s]"],
        [
            (
                name,
                r["step"],
                len(r["x"]) - 1,
                float(r["cost"][-1]),
                float(r["error"][-1]),
                r["crossings"],
                r["deviation"],
                r["seconds"],
            )
            for name, r in runs.items()
        ],
        title=(
            f"Rosenbrock h = L∘f, a = {A:g}, b = {B:g}, from x0 = ({X0[0]:g}, {X0[1]:g}); "
            "'off the line': output path vs the segment z0 → 0"
        ),
    )
    path = plot(runs, args)

    # --- the lecture's statements, checked
    gd, ng, gn = runs.values()
    jac = f_jacobian(X0)
    gram_error = float(np.abs(manifold.gram(X0) - jac.T @ (2.0 * np.eye(2)) @ jac).max())
    assert gram_error < 1e-12, f"the pullback metric should be Jᵀ(2I)J, off by {gram_error:.2e}"
    assert gn["error"][2] < 1e-12, f"Gauss–Newton should solve the problem in 2 steps, error {gn['error'][2]:.2e}"
    assert ng["error"][-1] < 1e-8, "natural gradient with a small step should converge"
    assert ng["deviation"] < 0.1, f"natural gradient should go (nearly) straight in output space: {ng['deviation']:.2f}"
    assert ng["crossings"] == 0, "natural gradient should not cross the valley"
    assert gd["crossings"] >= 5, f"gradient descent should bounce across the valley ({gd['crossings']} crossings)"
    assert gd["deviation"] > 0.3, "gradient descent's output path should be far from straight"
    assert gd["error"][-1] > 1e-2, "gradient descent should still be crawling along the valley"
    return {"runs": runs, "figure": path}


def plot(runs: dict, args) -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.4), layout="constrained")
    styles = [
        {"color": "tab:blue", "marker": ".", "markersize": 3, "linewidth": 0.8},
        {"color": "tab:red", "marker": "o", "markersize": 2.5},
        {"color": "tab:green", "marker": "s", "markersize": 7, "linestyle": "--"},
    ]
    # parameter space: Rosenbrock contours
    ax = axes[0]
    x1, x2 = np.meshgrid(np.linspace(-1.6, 1.6, 400), np.linspace(-0.6, 2.2, 400))
    ax.contour(x1, x2, rosenbrock(x1, x2), levels=np.logspace(-1, 3, 16), colors="0.7", linewidths=0.7)
    # Gauss–Newton's two big steps leave both frames (its first output is z = (0, −√b(a − x₁)²) ≈ (0, −48)):
    # the straight output path is the small-step (flow) property, so the path panels show α = 0.05
    paths = list(zip(runs.items(), styles, strict=True))[:2]
    for (_, r), style in paths:
        ax.plot(r["x"][:, 0], r["x"][:, 1], **style)
    ax.plot(*MINIMUM, "k*", markersize=14)
    ax.set(title=r"parameter space $x$ (contours of $h$, log levels)", xlabel=r"$x_1$", ylabel=r"$x_2$")

    # output space: L(z) = z₁² + z₂² has circular contours
    ax = axes[1]
    z_all = np.vstack([r["z"] for (_, r), _ in paths])
    half = 1.1 * np.abs(z_all).max()
    z1, z2 = np.meshgrid(np.linspace(-half, half, 300), np.linspace(-half, half, 300))
    ax.contour(z1, z2, z1**2 + z2**2, levels=np.linspace(0.5, half**2, 12), colors="0.75", linewidths=0.7)
    for (_, r), style in paths:
        ax.plot(r["z"][:, 0], r["z"][:, 1], **style)
        ax.annotate("", xy=(0, 0), xytext=r["z"][0], arrowprops={"arrowstyle": "-", "linestyle": ":", "color": "0.4"})
    ax.plot(0, 0, "k*", markersize=14)
    ax.set(
        title=r"output space $z = f(x) = (a - x_1,\ \sqrt{b}\,(x_2 - x_1^2))$",
        xlabel=r"$z_1$",
        ylabel=r"$z_2$",
        aspect="equal",
    )

    ax = axes[2]
    for (name, r), style in zip(runs.items(), styles, strict=True):
        k = np.arange(1, len(r["cost"]) + 1)
        ax.loglog(k, np.maximum(r["cost"], 1e-30), label=name, **{**style, "markersize": min(style["markersize"], 4)})
    ax.plot([], [], "k*", markersize=12, label="minimizer: x = (a, a²), z = 0")
    ax.set(title="convergence", xlabel="iteration k + 1", ylabel=r"$h(x_k)$")
    ax.grid(True, which="both", alpha=0.3)
    fig.legend(*axes[2].get_legend_handles_labels(), loc="outside lower center", ncols=4)
    fig.suptitle(
        "Rosenbrock as L(f(x)): gradient descent bounces across the valley; the pullback-metric natural "
        "gradient goes (nearly) straight to z = 0, and with α = 1 (Gauss–Newton) converges in 2 steps"
    )
    return _common.save_figure(fig, Path(__file__).stem, args.output)


if __name__ == "__main__":
    main()

"""Non-orthogonal features: gradient descent is biased, natural gradient is not
============================================================================

Seed statement (Nouy & Somacal, toy examples "Gradient descent is biased in
functional space" and "Natural gradient descent"): for the linear model

    v_θ(x) = θᵀ B Φ(x),      Φ(x) = [1, √2 sin(2πx)]ᵀ,   B ∈ R^{p×p} not orthogonal,

in ``V = L²([0, 1])`` with ``L_u(v) = ½ ‖u − v‖²``, the Jacobian is
``∂_i A = B_i Φ`` (row ``i`` of ``B``), so the Gram matrix is
``G = B Bᵀ`` (the seed writes ``[BᵀB]_ij`` with the transposed convention) and, with
``c = Bᵀθ`` the coefficients of ``v`` in the orthonormal basis Φ,

    gradient descent   θ ← θ − s ∇_θL      ⇔  c ← c − s BᵀB (c − c*)      (curved path)
    natural gradient   θ ← θ − s G⁻¹∇_θL   ⇔  c ← c − s (c − c*)          (straight path)

where ``c*`` are the coefficients of the L²-projection ``P_V u``. Gradient
descent follows the eigenvectors of ``BᵀB`` (fast directions first: an
L-shaped, biased path in function space); natural gradient moves along the
straight segment to ``P_V u`` and, with ``s = 1``, reaches it in one step.

Checks: natural gradient with ``s = 1`` reaches the projection in one step
(error < 1e-12) while gradient descent's error after one step is > 1e-3; the
natural-gradient path stays on the segment to ``1e-12`` while gradient
descent's path leaves it by more than 10% of the segment length.
"""

from __future__ import annotations

import time
from pathlib import Path

import _common
import matplotlib.pyplot as plt
import numpy as np

import riemgd

B = np.array([[1.0, 0.0], [0.9, 0.45]])  # rows B_i: ∂v/∂θ_i = B_i Φ; cond(BBᵀ) ≈ 18
C0 = np.array([-1.5, -1.0])  # initial coefficients of v_0 in the basis Φ
NG_STEP = 0.25


def features(x: np.ndarray) -> np.ndarray:
    """Φ(x) = [1, √2 sin(2πx)], orthonormal in L²([0, 1])."""
    return np.column_stack([np.ones_like(x), np.sqrt(2.0) * np.sin(2.0 * np.pi * x)])


def target(x: np.ndarray) -> np.ndarray:
    """u(x), not in span Φ."""
    return 1.2 + 1.5 * np.sin(2.0 * np.pi * x) + 2.0 * x * (1.0 - x) - 0.4 * np.cos(4.0 * np.pi * x)


def main(argv: list[str] | None = None) -> dict:
    args = _common.parse_args(__doc__, argv)
    iterations = 40 if args.fast else 150
    x, w = riemgd.spaces.gauss_legendre(32)
    space = riemgd.spaces.L2(x, w)
    model = riemgd.models.Linear(features, B=B)
    manifold = riemgd.ModelManifold(model, space)
    parameters = riemgd.ParameterSpace(manifold)
    loss = riemgd.losses.L2(target)
    phi, u = features(x), target(x)
    projection = phi.T @ (w * u)  # c*: coefficients of P_V u
    theta0 = np.linalg.solve(B.T, C0)  # c_0 = Bᵀθ_0

    def coefficients(theta: np.ndarray) -> np.ndarray:
        return phi.T @ (w * manifold.embed(theta))  # c = ⟨Φ, v_θ⟩_{L²}

    gram = manifold.gram(theta0)
    gd_step = 0.5 / np.linalg.eigvalsh(gram)[-1]  # 1/(2λ_max(G)): a safe step, well inside 2/λ_max
    configurations = {
        "gradient descent": (parameters, gd_step, iterations),
        f"natural gradient, s = {NG_STEP}": (manifold, NG_STEP, iterations),
        "natural gradient, s = 1": (manifold, 1.0, 1),
    }
    runs = {}
    for name, (search_space, step, its) in configurations.items():
        start = time.perf_counter()
        optimizer = riemgd.GradientDescent(
            step_size=step,
            max_iterations=its,
            min_gradient_norm=1e-13,
            min_step_size=0.0,
            log_verbosity=1,
        )
        result = optimizer.run(riemgd.Problem(search_space, loss), initial_point=theta0)
        thetas = np.array(result.log["iterations"]["point"])
        coeffs = np.array([coefficients(t) for t in thetas])
        error = np.linalg.norm(coeffs - projection, axis=1)
        runs[name] = {
            "result": result,
            "step": step,
            "theta": thetas,
            "coefficients": coeffs,
            "error": error,
            "deviation": _common.deviation_from_segment(coeffs, C0, projection),
            "seconds": time.perf_counter() - start,
        }

    _common.print_table(
        ["method", "step s", "iterations", "error after 1 step", "final error", "off the segment", "time [s]"],
        [
            (
                name,
                float(r["step"]),
                len(r["theta"]) - 1,
                float(r["error"][1]),
                float(r["error"][-1]),
                r["deviation"],
                r["seconds"],
            )
            for name, r in runs.items()
        ],
        title=f"θᵀBΦ with non-orthogonal B, G = BBᵀ (cond {np.linalg.cond(gram):.1f}); errors ‖v − P_V u‖_L²",
    )

    def error_of(theta: np.ndarray) -> float:  # ‖v_θ − P_V u‖_L²
        return float(np.linalg.norm(coefficients(theta) - projection))

    path = plot(runs, projection, error_of, args)

    # --- the seed's statement, checked
    gd, ng, ng1 = runs.values()
    assert ng1["error"][1] < 1e-12, f"natural gradient (s = 1) should reach P_V u in one step: {ng1['error'][1]:.2e}"
    assert gd["error"][1] > 1e-3, f"gradient descent should not reach P_V u in one step: {gd['error'][1]:.2e}"
    assert ng["deviation"] < 1e-12, f"natural gradient should move straight in function space: {ng['deviation']:.2e}"
    assert gd["deviation"] > 0.1, f"gradient descent should be biased (curved path): {gd['deviation']:.2e}"
    k = np.arange(len(ng["error"]))
    assert np.allclose(ng["error"], (1 - NG_STEP) ** k * ng["error"][0], rtol=1e-9, atol=1e-14)
    assert gd["error"][-1] > ng["error"][-1], "natural gradient should be ahead after the same number of steps"
    return {"runs": runs, "figure": path}


def plot(runs: dict, projection: np.ndarray, error_of, args) -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(15.5, 5.2), layout="constrained")
    styles = [
        {"color": "tab:blue", "marker": "o", "markersize": 4},
        {"color": "tab:red", "marker": "x", "markersize": 5},
        {"color": "tab:green", "marker": "s", "markersize": 6, "linestyle": "--"},
    ]
    theta_star = np.linalg.solve(B.T, projection)

    def loss_theta(t1: np.ndarray, t2: np.ndarray) -> np.ndarray:  # ½‖Bᵀθ − c*‖²
        c = np.stack([t1, t2], axis=-1) @ B - projection
        return 0.5 * np.sum(c**2, axis=-1)

    def loss_c(c1: np.ndarray, c2: np.ndarray) -> np.ndarray:  # ½‖c − c*‖²
        return 0.5 * ((c1 - projection[0]) ** 2 + (c2 - projection[1]) ** 2)

    panels = (
        (axes[0], "theta", loss_theta, theta_star, r"parameter space $\theta$", (r"$\theta_1$", r"$\theta_2$")),
        (
            axes[1],
            "coefficients",
            loss_c,
            projection,
            r"function space: $v = c_1 + c_2\sqrt{2}\sin 2\pi x$",
            (r"$c_1$", r"$c_2$"),
        ),
    )
    for ax, key, loss_of, optimum, title, labels in panels:
        pts = np.vstack([r[key] for r in runs.values()])
        low, high = pts.min(axis=0), pts.max(axis=0)
        pad = 0.15 * (high - low).max()
        g1, g2 = np.meshgrid(
            np.linspace(low[0] - pad, high[0] + pad, 240), np.linspace(low[1] - pad, high[1] + pad, 240)
        )
        values = loss_of(g1, g2)
        ax.contour(
            g1, g2, values, levels=np.quantile(values, np.linspace(0.005, 0.9, 14)), colors="0.75", linewidths=0.8
        )
        for (name, run), style in zip(runs.items(), styles, strict=True):
            ax.plot(run[key][:, 0], run[key][:, 1], label=name, **style)
        ax.plot(*optimum, "k*", markersize=14, label=r"$P_V u$ (projection)")
        ax.set(title=title, xlabel=labels[0], ylabel=labels[1], aspect="equal")
    ax = axes[2]
    for (name, run), style in zip(runs.items(), styles, strict=True):
        riemgd.plot_convergence(
            run["result"], labels=[name], y=error_of, floor=1e-17, ax=ax, **{**style, "markersize": 3}
        )
    ax.set(title="convergence", xlabel="iteration k", ylabel=r"$\|v_k - P_V u\|_{L^2}$", ylim=(1e-17, None))
    ax.grid(True, which="both", alpha=0.3)
    fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncols=4)
    fig.suptitle(
        r"$v_\theta = \theta^T B \Phi$: gradient descent is biased in function space, natural gradient"
        " goes straight to the projection"
    )
    return _common.save_figure(fig, Path(__file__).stem, args.output)


if __name__ == "__main__":
    main()

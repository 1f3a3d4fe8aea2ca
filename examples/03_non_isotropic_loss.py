"""Non-isotropic loss: the metric must match the loss; Newton ≡ natural gradient
=============================================================================

Seed statements (Nouy & Somacal, toy examples "Non isotropic loss", "Natural
gradient descent with loss hessian", "Natural gradient and Newton method are
equivalent for linear models"): with coefficients ``v = Bᵀθ`` of the linear
model ``θᵀBΦ`` in an orthonormal basis Φ and the loss

    L_u(v) = ½ ‖u − v‖²_K = ½ (u − v)ᵀ K (u − v),      K SPD, not a multiple of I,

* natural gradient with the Gram matrix of the *K* metric,
  ``G = Jᵀ K J = B K Bᵀ`` (the seed's ``[BᵀKB]_ij``), moves straight to ``u``:
  ``v ← v − s (v − u)`` (``ModelManifold`` over ``spaces.Weighted(K)``);
* natural gradient with the isotropic L² Gram ``G = BBᵀ`` is biased, because
  the loss is not the squared norm of ``V``: ``v ← v − s K (v − u)``;
* natural gradient with the loss Hessian as output metric,
  ``G^H = Jᵀ H_L J`` with ``H_L = ∂²L/∂v² = K`` (``Problem(...,
  gradient_manifold=ModelManifold(model, HessianWeighted(space, loss.hessian)))``),
  coincides with the K-metric natural gradient, and removes the bias of the
  L² metric;
* Newton's method ``θ ← θ − s H⁻¹ ∇_θ L`` has ``H = ∇²_θ L = B K Bᵀ = G``
  (a linear model has no second-derivative term ``⟨∇L, H_A⟩``), so it
  produces the same iterates as natural gradient (riemgd's Riemannian Newton:
  ``Hess f = G⁻¹ Jᵀ H_L J = I`` in the metric ``G``).

Checks: ``G = BKBᵀ``; ``G^H = G``; Hessian-weighted natural gradient (on both
spaces) and Newton give the natural-gradient iterates to 1e-12; the K-metric
path is straight (1e-12) while the L²-metric and parameter-space paths are
not; with ``s = 1`` natural gradient and Newton reach ``u`` in one step.
"""

from __future__ import annotations

import time
from pathlib import Path

import _common
import matplotlib.pyplot as plt
import numpy as np

import riemgd

B = np.array([[1.0, 0.0], [0.9, 0.45]])  # v = Bᵀθ (rows B_i: ∂v/∂θ_i)
ANGLE = -np.pi / 6
ROTATION = np.array([[np.cos(ANGLE), -np.sin(ANGLE)], [np.sin(ANGLE), np.cos(ANGLE)]])
K = ROTATION @ np.diag([1.0, 10.0]) @ ROTATION.T  # the loss metric: SPD, anisotropic, not diagonal
U = np.array([1.5, 1.0])  # target coefficients u
V0 = np.array([-1.5, -1.0])  # initial coefficients v_0
STEP = 0.3


def main(argv: list[str] | None = None) -> dict:
    args = _common.parse_args(__doc__, argv)
    iterations = 20 if args.fast else 60
    model = riemgd.models.Linear(None, B)  # Φ = I: the model's values are the coefficients Bᵀθ
    theta0 = np.linalg.solve(B.T, V0)

    # V = R² with the metric K: the loss ½‖u − v‖²_K is the squared norm of V
    space_k = riemgd.spaces.Weighted(K)
    manifold_k = riemgd.ModelManifold(model, space_k)
    loss_k = riemgd.losses.L2(U)
    hessian_k = riemgd.ModelManifold(
        model, riemgd.spaces.HessianWeighted(space_k, lambda v: loss_k.hessian(v, space_k))
    )

    # V = R² with the isotropic (L²) metric: the same loss written as ½‖f(u) − f(v)‖², f(v) = S v, SᵀS = K
    space_i = riemgd.spaces.Weighted(np.ones(2))
    manifold_i = riemgd.ModelManifold(model, space_i)
    S = np.linalg.cholesky(K).T
    loss_i = riemgd.losses.Composite(lambda v: S @ v, U, f_jacobian=lambda v: S)
    hessian_i = riemgd.ModelManifold(
        model, riemgd.spaces.HessianWeighted(space_i, lambda v: loss_i.hessian(v, space_i))
    )

    gram = manifold_k.gram(theta0)
    gd_step = 0.5 / np.linalg.eigvalsh(gram)[-1]
    l2_step = 0.5 / np.linalg.eigvalsh(K)[-1]  # v ← v − s K (v − u) is stable for s < 2/λ_max(K)
    configurations = {
        "gradient descent (θ)": (riemgd.Problem(riemgd.ParameterSpace(manifold_k), loss_k), "GD", gd_step),
        "NG, L² metric G = BBᵀ": (riemgd.Problem(manifold_i, loss_i), "GD", l2_step),
        "NG, K metric G = BKBᵀ": (riemgd.Problem(manifold_k, loss_k), "GD", STEP),
        "NG, loss Hessian (K space)": (riemgd.Problem(manifold_k, loss_k, gradient_manifold=hessian_k), "GD", STEP),
        "NG, loss Hessian (L² space)": (riemgd.Problem(manifold_i, loss_i, gradient_manifold=hessian_i), "GD", STEP),
        "Newton": (riemgd.Problem(manifold_k, loss_k), "Newton", STEP),
    }

    def run(problem: riemgd.Problem, kind: str, step: float, its: int) -> riemgd.OptimizerResult:
        stop = {"max_iterations": its, "min_gradient_norm": 0.0, "min_step_size": 0.0, "log_verbosity": 1}
        optimizer = riemgd.GradientDescent(step_size=step, **stop) if kind == "GD" else riemgd.Newton(step, **stop)
        return optimizer.run(problem, initial_point=theta0)

    runs = {}
    for name, (problem, kind, step) in configurations.items():
        start = time.perf_counter()
        result = run(problem, kind, step, iterations)
        seconds = time.perf_counter() - start
        thetas = result.history.to_arrays(points=True)["point"]
        coeffs = thetas @ B  # v = Bᵀθ, row-wise
        runs[name] = {
            "result": result,
            "step": step,
            "theta": thetas,
            "coefficients": coeffs,
            "error": np.sqrt(np.einsum("ki,ij,kj->k", coeffs - U, K, coeffs - U)),  # ‖v_k − u‖_K
            "deviation": _common.deviation_from_segment(coeffs, V0, U),
            "one_step": float(np.linalg.norm(run(problem, kind, 1.0, 1).point @ B - U)),
            "seconds": seconds,
        }
    reference = runs["NG, K metric G = BKBᵀ"]["theta"]
    for r in runs.values():
        r["difference"] = float(np.abs(r["theta"] - reference).max())

    _common.print_table(
        ["method", "step s", "final ‖v − u‖_K", "off the segment", "max|θ − θ_NG(K)|", "1 step at s = 1", "time [s]"],
        [
            (name, r["step"], float(r["error"][-1]), r["deviation"], r["difference"], r["one_step"], r["seconds"])
            for name, r in runs.items()
        ],
        title=f"Loss ½‖u − v‖²_K, K eigenvalues (1, 10); v = Bᵀθ; {iterations} iterations each",
    )
    path = plot(runs, theta0, args)

    # --- the seed's statements, checked
    gram_error = float(np.abs(gram - B @ K @ B.T).max())
    hessian_gram_error = max(
        float(np.abs(hessian_k.gram(theta0) - gram).max()), float(np.abs(hessian_i.gram(theta0) - gram).max())
    )
    assert gram_error < 1e-12, f"G should be BKBᵀ, off by {gram_error:.2e}"
    assert hessian_gram_error < 1e-12, f"G^H = Jᵀ H_L J should equal G = BKBᵀ, off by {hessian_gram_error:.2e}"
    # Riemannian Newton: Hess f = I in the metric G (linear model, L² loss), one CG step solves it exactly
    for name, tolerance in (
        ("NG, loss Hessian (K space)", 1e-12),
        ("NG, loss Hessian (L² space)", 1e-12),
        ("Newton", 1e-12),
    ):
        assert runs[name]["difference"] < tolerance, f"{name} should give the natural-gradient iterates"
        assert runs[name]["one_step"] < tolerance, f"{name} with s = 1 should reach u in one step"
    ng = runs["NG, K metric G = BKBᵀ"]
    assert ng["one_step"] < 1e-12, f"natural gradient (s = 1) should reach u in one step: {ng['one_step']:.2e}"
    assert ng["deviation"] < 1e-12, "natural gradient with the K metric should move straight to u"
    for name in ("gradient descent (θ)", "NG, L² metric G = BBᵀ"):
        assert runs[name]["deviation"] > 0.05, f"{name} should be biased (curved path)"
        assert runs[name]["one_step"] > 1e-3, f"{name} should not reach u in one step"
        assert runs[name]["error"][-1] > ng["error"][-1]
    return {"runs": runs, "figure": path}


def plot(runs: dict, theta0: np.ndarray, args) -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.3), layout="constrained")
    styles = [
        {"color": "tab:blue", "marker": "o", "markersize": 3},
        {"color": "tab:orange", "marker": "d", "markersize": 3},
        {"color": "tab:red", "marker": "o", "markersize": 9, "mfc": "none", "linewidth": 2.5},
        {"color": "tab:purple", "marker": "x", "markersize": 7, "linestyle": "--"},
        {"color": "tab:green", "marker": "+", "markersize": 8, "linestyle": ":"},
        {"color": "k", "marker": ".", "markersize": 4, "linestyle": "-", "linewidth": 0.8},
    ]
    theta_star = np.linalg.solve(B.T, U)

    def loss_v(v: np.ndarray) -> np.ndarray:
        r = v - U
        return 0.5 * np.einsum("...i,ij,...j->...", r, K, r)

    panels = (
        (
            axes[0],
            "theta",
            lambda t: loss_v(t @ B),
            theta_star,
            r"parameter space $\theta$",
            (r"$\theta_1$", r"$\theta_2$"),
        ),
        (axes[1], "coefficients", loss_v, U, r"function space: coefficients $v = B^T\theta$", (r"$v_1$", r"$v_2$")),
    )
    for ax, key, loss_of, optimum, title, labels in panels:
        pts = np.vstack([r[key] for r in runs.values()])
        low, high = pts.min(axis=0), pts.max(axis=0)
        pad = 0.15 * (high - low).max()
        g1, g2 = np.meshgrid(
            np.linspace(low[0] - pad, high[0] + pad, 240), np.linspace(low[1] - pad, high[1] + pad, 240)
        )
        values = loss_of(np.stack([g1, g2], axis=-1))
        ax.contour(
            g1, g2, values, levels=np.quantile(values, np.linspace(0.005, 0.9, 14)), colors="0.75", linewidths=0.8
        )
        for (name, run), style in zip(runs.items(), styles, strict=True):
            ax.plot(run[key][:, 0], run[key][:, 1], label=name, **style)
        ax.plot(*optimum, "k*", markersize=14, label="minimizer (u)")
        ax.set(title=title, xlabel=labels[0], ylabel=labels[1], aspect="equal")
    ax = axes[2]

    def error_of(theta: np.ndarray) -> float:  # ‖v_θ − u‖_K, v_θ = Bᵀθ
        r = theta @ B - U
        return float(np.sqrt(r @ K @ r))

    for (name, run), style in zip(runs.items(), styles, strict=True):
        options = {**style, "markersize": min(style["markersize"], 6)}
        riemgd.plot_convergence(run["result"], labels=[name], y=error_of, floor=1e-17, ax=ax, **options)
    ax.set(title="convergence", xlabel="iteration k", ylabel=r"$\|v_k - u\|_K$")
    ax.grid(True, which="both", alpha=0.3)
    fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncols=4)
    fig.suptitle(
        r"Loss $\frac{1}{2}\|u - v\|_K^2$: natural gradient with $G = BKB^T$ = NG with the loss Hessian ="
        " Newton (straight); the L² metric and plain GD are biased"
    )
    return _common.save_figure(fig, Path(__file__).stem, args.output)


if __name__ == "__main__":
    main()

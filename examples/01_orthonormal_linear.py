"""Orthonormal linear model: gradient descent *is* natural gradient descent.

Seed statement (Nouy & Somacal, "Natural gradient descent with momentum", toy
example "Gradient descent trajectory"): for the linear model

    v_θ(x) = A(θ)(x) = θᵀ Φ(x),      Φ(x) = [1, √2 sin(2πx)]ᵀ,

in ``V = L²([0, 1])`` with the loss ``L_u(v) = ½ ‖u − v‖²_{L²}``, the Gram
matrix is

    G_ij = ∫ ∂_i A(x) ∂_j A(x) dx = ∫ Φ_i(x) Φ_j(x) dx = δ_ij,

so the natural gradient step ``θ ← θ − s G⁻¹ ∇_θ L`` and the plain gradient
step ``θ ← θ − s ∇_θ L`` are the same update: the two methods produce
identical iterates. In function space both move straight towards the
L²-orthogonal projection ``P_V u`` of the target onto span Φ, contracting the
error by ``(1 − s)`` per step: ``v_k − P_V u = (1 − s)^k (v_0 − P_V u)``.

The L² inner product is discretized by Gauss–Legendre quadrature, exact here
to round-off. The script checks ``G = I`` and that the two runs agree to
``1e-12``, and that the error follows ``(1 − s)^k``.
"""

from __future__ import annotations

import time
from pathlib import Path

import _common
import matplotlib.pyplot as plt
import numpy as np

import riemgd

STEP = 0.25  # s: the same fixed step for gradient descent and natural gradient
THETA0 = np.array([-1.5, -1.0])


def features(x: np.ndarray) -> np.ndarray:
    """Φ(x) = [1, √2 sin(2πx)], orthonormal in L²([0, 1])."""
    return np.column_stack([np.ones_like(x), np.sqrt(2.0) * np.sin(2.0 * np.pi * x)])


def target(x: np.ndarray) -> np.ndarray:
    """u(x), not in span Φ: its projection is what the model can reach."""
    return 1.2 + 1.5 * np.sin(2.0 * np.pi * x) + 2.0 * x * (1.0 - x) - 0.4 * np.cos(4.0 * np.pi * x)


def main(argv: list[str] | None = None) -> dict:
    args = _common.parse_args(__doc__, argv)
    iterations = 20 if args.fast else 60
    x, w = riemgd.spaces.gauss_legendre(32)
    space = riemgd.spaces.L2(x, w)
    model = riemgd.models.Linear(features, B=np.eye(2))
    manifold = riemgd.ModelManifold(model, space)  # natural gradient: G = Jᵀ W J
    parameters = riemgd.ParameterSpace(manifold)  # gradient descent: G = I
    loss = riemgd.losses.L2(target)

    phi, u = features(x), target(x)

    def coefficients(theta: np.ndarray) -> np.ndarray:
        """Coefficients of v_θ in the orthonormal basis Φ: c = ⟨Φ, v_θ⟩_{L²}."""
        return phi.T @ (w * manifold.embed(theta))

    projection = phi.T @ (w * u)  # P_V u in the basis Φ (also the optimal θ, B = I)

    stop = {"max_iterations": iterations, "min_gradient_norm": 0.0, "log_verbosity": 1}
    runs = {}
    for name, search_space in (("gradient descent", parameters), ("natural gradient", manifold)):
        start = time.perf_counter()
        result = riemgd.GradientDescent(step_size=STEP, **stop).run(
            riemgd.Problem(search_space, loss), initial_point=THETA0
        )
        thetas = np.array(result.log["iterations"]["point"])
        coeffs = np.array([coefficients(t) for t in thetas])
        runs[name] = {
            "result": result,
            "theta": thetas,
            "coefficients": coeffs,
            "error": np.linalg.norm(coeffs - projection, axis=1),
            "seconds": time.perf_counter() - start,
        }

    gd, ng = runs["gradient descent"], runs["natural gradient"]
    gram_error = float(np.abs(manifold.gram(THETA0) - np.eye(2)).max())
    difference = float(np.abs(gd["theta"] - ng["theta"]).max())
    k = np.arange(iterations + 1)
    predicted = (1.0 - STEP) ** k * ng["error"][0]
    rate_error = float(np.abs(ng["error"] - predicted).max() / ng["error"][0])

    _common.print_table(
        ["method", "metric", "iterations", "‖v − P_V u‖", "max|θ_GD − θ_NG|", "time [s]"],
        [
            (name, metric, len(run["theta"]) - 1, float(run["error"][-1]), difference, run["seconds"])
            for (name, run), metric in zip(runs.items(), ("I", "G = JᵀWJ"), strict=True)
        ],
        title=f"Orthonormal features Φ = [1, √2 sin 2πx], step s = {STEP}; ‖G − I‖_max = {gram_error:.1e}",
    )

    def error_of(theta: np.ndarray) -> float:
        return float(np.linalg.norm(coefficients(theta) - projection))

    path = plot(
        runs,
        loss_of=lambda c: 0.5 * np.sum((c - projection) ** 2, axis=-1),
        error_of=error_of,
        projection=projection,
        args=args,
    )

    # --- the seed's statement, checked
    assert gram_error < 1e-12, f"Gram matrix of an orthonormal basis should be I, off by {gram_error:.2e}"
    assert difference < 1e-12, f"gradient descent and natural gradient iterates differ by {difference:.2e}"
    assert rate_error < 1e-12, f"error does not contract by (1 − s) per step (deviation {rate_error:.2e})"
    assert ng["error"][-1] < 1e-2 * ng["error"][0]
    return {"runs": runs, "figure": path}


def plot(runs: dict, loss_of, error_of, projection: np.ndarray, args) -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    styles = {
        "gradient descent": {"color": "tab:blue", "marker": "o", "markersize": 7, "mfc": "none"},
        "natural gradient": {"color": "tab:red", "marker": "x", "markersize": 5, "linestyle": "--"},
    }
    everything = np.vstack([r["coefficients"] for r in runs.values()] + [r["theta"] for r in runs.values()])
    low, high = everything.min(axis=0) - 0.5, everything.max(axis=0) + 0.5
    g1, g2 = np.meshgrid(np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 200))
    levels = np.quantile(loss_of(np.stack([g1, g2], axis=-1)), np.linspace(0.01, 0.95, 12))
    for ax, key, title, labels in (
        (axes[0], "theta", "parameter space θ", ("θ₁", "θ₂")),
        (axes[1], "coefficients", r"function space: $v = c_1 + c_2\sqrt{2}\sin 2\pi x$", ("c₁", "c₂")),
    ):
        ax.contour(g1, g2, loss_of(np.stack([g1, g2], axis=-1)), levels=levels, colors="0.75", linewidths=0.8)
        for name, run in runs.items():
            ax.plot(run[key][:, 0], run[key][:, 1], label=name, **styles[name])
        ax.plot(*projection, "k*", markersize=14, label=r"$P_V u$ (projection)")
        ax.set(title=title, xlabel=labels[0], ylabel=labels[1], aspect="equal")
        ax.legend(loc="lower right", fontsize=8)
    ax = axes[2]
    for name, run in runs.items():  # ‖v_k − P_V u‖ at every logged θ_k
        riemgd.plot_convergence(run["result"], labels=[name], y=error_of, ax=ax, **styles[name])
    k = np.arange(len(runs["natural gradient"]["error"]))
    ax.semilogy(k, (1 - STEP) ** k * runs["natural gradient"]["error"][0], "k:", label=r"$(1-s)^k\,\|v_0 - P_V u\|$")
    ax.set(title="convergence (identical curves)", xlabel="iteration k", ylabel=r"$\|v_k - P_V u\|_{L^2}$")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle("Orthonormal basis: G = I, so gradient descent and natural gradient coincide")
    return _common.save_figure(fig, Path(__file__).stem, args.output)


if __name__ == "__main__":
    main()

"""Nonlinear (quadratic) model manifold: natural gradient, heavy ball and Nesterov
===============================================================================

Seed statement (Nouy & Somacal, toy example "Nonlinear manifold", and the
momentum slides): for the quadratic model

    v_θ(x) = (θᵀB + ½ θᵀQθ) Φ(x),   Φ = [1, √2 sin 2πx, √2 cos 2πx]ᵀ,  θ ∈ R², B ∈ R^{2×3}, Q ∈ R^{2×2×3},

the image ``M = {v_θ}`` is a curved surface in span Φ ⊂ L²([0, 1]) (here a
paraboloid ``c₃ = ½(κ₁c₁² + κ₂c₂²)`` in the coefficients ``c``), the
Jacobian ``∂_i A = (B_i + Q_i θ) Φ`` depends on θ and so does the Gram matrix

    G_ij(θ) = [(B + Qθ)(B + Qθ)ᵀ]_ij       ((Qθ)_ik = Σ_j Q_ijk θ_j; the seed writes (B + Q_iθ)ᵀK(B + Q_iθ), K = I).

The first-order methods in their functional form (all projections onto the
tangent space ``T_k = range J(θ_k)``, retraction ``R(θ, c) = θ + c``):

    natural gradient   v_{k+1} = R[v_k − α P_{T_k} ∇L(v_k)]
    heavy ball (LM)    p_k = P_{T_k}[β p_{k−1} − α ∇L(v_k)],            v_{k+1} = R[v_k + p_k]
    heavy ball (FD)    p_k = P_{T_k}[β (v_k − v_{k−1}) − α ∇L(v_k)],     v_{k+1} = R[v_k + p_k]
    Nesterov           w_k = R[v_k + β P_{T_k}(v_k − v_{k−1})],          v_{k+1} = R[w_k − α P_{T_k} ∇L(w_k)]

for ``L(v) = ½‖u − v‖²_{L²}``. All of them stay on the manifold and converge to
the same best approximation ``v*`` (the point where ``u − v*`` is orthogonal to
the tangent space). On a curved manifold the Hessian is ``H = G + ⟨∇L, H_A⟩``
(the seed's decomposition), so the natural-gradient step with ``G`` alone
is no longer exact: with the target inside the bowl ``G⁻¹H`` has eigenvalues
below 1 and natural gradient with step α converges linearly; with the same α,
momentum (β = 0.5) converges in fewer iterations.

Checks: the Gram matrix matches the seed's formula at every iterate; every
method reaches the same ``v*``, which satisfies ``‖P_T(u − v*)‖ < 1e-10``;
heavy ball and Nesterov need fewer iterations than natural gradient with the
same step to get within the tolerance of ``v*``.
"""

from __future__ import annotations

import time
from pathlib import Path

import _common
import matplotlib.pyplot as plt
import numpy as np

import riemgd

B = np.eye(2, 3)  # c(θ) = Bᵀθ + ½θᵀQθ: (c₁, c₂) = θ, c₃ curved
KAPPA = (0.8, 2.4)  # curvatures of the paraboloid c₃ = ½(κ₁θ₁² + κ₂θ₂²)
Q = np.zeros((2, 2, 3))
Q[:, :, 2] = np.diag(KAPPA)
U_COEFFICIENTS = np.array([0.1, -0.05, 0.34])  # u inside the bowl, below the centre of curvature of the vertex
U_REMAINDER = 0.3  # plus 0.3·√2 cos 4πx, orthogonal to span Φ
THETA0 = np.array([-1.2, 1.0])
STEP, MOMENTUM = 0.3, 0.5


def features(x: np.ndarray) -> np.ndarray:
    """Φ(x) = [1, √2 sin 2πx, √2 cos 2πx], orthonormal in L²([0, 1])."""
    s2 = np.sqrt(2.0)
    return np.column_stack([np.ones_like(x), s2 * np.sin(2 * np.pi * x), s2 * np.cos(2 * np.pi * x)])


def target(x: np.ndarray) -> np.ndarray:
    return features(x) @ U_COEFFICIENTS + U_REMAINDER * np.sqrt(2.0) * np.cos(4 * np.pi * x)


def coefficient_map(theta: np.ndarray) -> np.ndarray:
    """c(θ) = Bᵀθ + ½ θᵀQθ for θ of shape (..., 2)."""
    return theta @ B + 0.5 * np.einsum("...i,ijk,...j->...k", theta, Q, theta)


def main(argv: list[str] | None = None) -> dict:
    args = _common.parse_args(__doc__, argv)
    max_iterations, tolerance = (80, 1e-3) if args.fast else (300, 1e-9)
    x, w = riemgd.spaces.gauss_legendre(32)
    space = riemgd.spaces.L2(x, w)
    model = riemgd.models.Quadratic(features, B, Q)
    manifold = riemgd.ModelManifold(model, space)
    loss = riemgd.losses.L2(target)
    problem = riemgd.Problem(manifold, loss)
    phi = features(x)

    def coefficients(theta: np.ndarray) -> np.ndarray:
        return phi.T @ (w * manifold.embed(theta))  # c = ⟨Φ, v_θ⟩_{L²}

    # v*: Newton's method to machine precision, checked by the first-order condition u − v* ⟂ T_{v*}
    theta_star = riemgd.Newton(max_iterations=50, min_gradient_norm=1e-14).run(problem, initial_point=THETA0).point
    residual = target(x) - manifold.embed(theta_star)
    optimality = float(manifold.norm(theta_star, manifold.projection(theta_star, residual)))
    c_star = coefficients(theta_star)
    curvature = np.linalg.eigvals(np.linalg.solve(manifold.gram(theta_star), hessian(problem, theta_star)))

    stop = {"max_iterations": max_iterations, "min_gradient_norm": 1e-12, "log_verbosity": 1}
    optimizers = {
        "natural gradient": riemgd.GradientDescent(STEP, **stop),
        "heavy ball LM": riemgd.HeavyBall(STEP, MOMENTUM, "LM", **stop),
        "heavy ball FD": riemgd.HeavyBall(STEP, MOMENTUM, "FD", **stop),
        "Nesterov": riemgd.Nesterov(STEP, MOMENTUM, **stop),
    }
    runs = {}
    for name, optimizer in optimizers.items():
        start = time.perf_counter()
        result = optimizer.run(problem, initial_point=THETA0)
        seconds = time.perf_counter() - start
        thetas = np.array(result.log["iterations"]["point"])
        coeffs = np.array([coefficients(t) for t in thetas])
        error = np.linalg.norm(coeffs - c_star, axis=1)  # ‖v_k − v*‖_{L²}
        reached = np.flatnonzero(error < tolerance)
        gram_error = max(float(np.abs(manifold.gram(t) - seed_gram(t)).max()) for t in thetas)
        runs[name] = {
            "result": result,
            "theta": thetas,
            "coefficients": coeffs,
            "error": error,
            "cost": np.array(result.log["iterations"]["cost"]),
            "reached": int(reached[0]) if reached.size else None,
            "gram_error": gram_error,
            "seconds": seconds,
        }

    _common.print_table(
        ["method", "α", "β", "iterations", f"its to ‖v − v*‖ < {tolerance:g}", "final ‖v − v*‖", "time [s]"],
        [
            (
                name,
                STEP,
                0.0 if name == "natural gradient" else MOMENTUM,
                len(r["theta"]) - 1,
                "—" if r["reached"] is None else r["reached"],
                float(r["error"][-1]),
                r["seconds"],
            )
            for name, r in runs.items()
        ],
        title=(
            f"Quadratic manifold, L(v*) = {float(problem.cost(theta_star)):.4f}, ‖P_T(u − v*)‖ = {optimality:.1e}, "
            f"eig(G⁻¹H) at v* = {np.sort(curvature.real).round(3).tolist()}"
        ),
    )

    def error_of(theta: np.ndarray) -> float:  # ‖v_θ − v*‖_L²
        return float(np.linalg.norm(coefficients(theta) - c_star))

    path = plot(runs, c_star, theta_star, error_of, args)

    # --- the seed's statements, checked
    assert optimality < 1e-10, f"v* should satisfy u − v* ⟂ T (got {optimality:.2e})"
    for name, r in runs.items():
        assert r["gram_error"] < 1e-12, f"{name}: Gram matrix differs from (B + Qθ)(B + Qθ)ᵀ by {r['gram_error']:.2e}"
        assert r["reached"] is not None, f"{name} did not reach v* within {tolerance:g} in {max_iterations} iterations"
    ng = runs["natural gradient"]["reached"]
    for name in ("heavy ball LM", "heavy ball FD", "Nesterov"):
        assert runs[name]["reached"] < ng, f"{name} should need fewer iterations than natural gradient with α = {STEP}"
    assert np.all(curvature.real < 1.0), "with u inside the bowl the curvature term should make G⁻¹H < I"
    return {"runs": runs, "figure": path}


def seed_gram(theta: np.ndarray) -> np.ndarray:
    """The seed's Gram matrix for an orthonormal Φ: (B + Qθ)(B + Qθ)ᵀ."""
    d = B + np.einsum("ijk,j->ik", Q, theta)  # row i: ∂c/∂θ_i = B_i + Q_i θ
    return d @ d.T


def hessian(problem: riemgd.Problem, theta: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """∇²_θ L by central differences of the gradient (H = G + ⟨∇L, H_A⟩)."""
    columns = [
        (problem.euclidean_gradient(theta + h * e) - problem.euclidean_gradient(theta - h * e)) / (2 * h)
        for e in np.eye(theta.shape[0])
    ]
    hess = np.stack(columns, axis=1)
    return 0.5 * (hess + hess.T)


def plot(runs: dict, c_star: np.ndarray, theta_star: np.ndarray, error_of, args) -> Path:
    fig = plt.figure(figsize=(17, 5.6), layout="constrained")
    ax3d = fig.add_subplot(1, 3, 1, projection="3d")
    ax_theta = fig.add_subplot(1, 3, 2)
    ax_conv = fig.add_subplot(1, 3, 3)
    colors = {
        "natural gradient": "tab:red",
        "heavy ball LM": "tab:blue",
        "heavy ball FD": "tab:cyan",
        "Nesterov": "tab:green",
    }
    markers = {"natural gradient": "o", "heavy ball LM": "s", "heavy ball FD": "^", "Nesterov": "D"}

    # function space: the manifold (a paraboloid in the coefficients) and the paths on it
    t1, t2 = np.meshgrid(np.linspace(-1.4, 1.0, 25), np.linspace(-1.0, 1.2, 25))
    surface = coefficient_map(np.stack([t1, t2], axis=-1))
    ax3d.plot_wireframe(surface[..., 0], surface[..., 1], surface[..., 2], color="0.7", linewidth=0.5)
    for name, r in runs.items():
        c = r["coefficients"]
        ax3d.plot(c[:, 0], c[:, 1], c[:, 2], color=colors[name], marker=markers[name], markersize=3, label=name)
    ax3d.scatter(*U_COEFFICIENTS, color="k", marker="x", s=60, label=r"$P_{\mathrm{span}\,\Phi}\,u$ (target)")
    ax3d.scatter(*c_star, color="k", marker="*", s=120, label=r"$v^*$ (best approximation)")
    ax3d.plot(*np.stack([U_COEFFICIENTS, c_star]).T, "k:", linewidth=1)
    ax3d.set(xlabel=r"$c_1$", ylabel=r"$c_2$", zlabel=r"$c_3$", title="function space: coefficients of $v$ in Φ")
    ax3d.view_init(elev=22, azim=-60)

    # parameter space: loss contours and the same paths
    g1, g2 = np.meshgrid(np.linspace(-1.4, 1.0, 200), np.linspace(-1.0, 1.2, 200))
    values = 0.5 * np.sum((coefficient_map(np.stack([g1, g2], axis=-1)) - U_COEFFICIENTS) ** 2, axis=-1)
    ax_theta.contour(
        g1, g2, values, levels=np.quantile(values, np.linspace(0.01, 0.9, 14)), colors="0.75", linewidths=0.8
    )
    for name, r in runs.items():
        ax_theta.plot(r["theta"][:, 0], r["theta"][:, 1], color=colors[name], marker=markers[name], markersize=3)
    ax_theta.plot(*theta_star, "k*", markersize=14)
    ax_theta.set(
        title=r"parameter space $\theta$ (contours of $L$)", xlabel=r"$\theta_1$", ylabel=r"$\theta_2$", aspect="equal"
    )

    for name, r in runs.items():
        style = {"color": colors[name], "marker": markers[name], "markersize": 2.5}
        riemgd.plot_convergence(r["result"], labels=[name], y=error_of, floor=1e-16, ax=ax_conv, legend=False, **style)
    ax_conv.set(
        title=rf"convergence ($\alpha$ = {STEP}, $\beta$ = {MOMENTUM})",
        xlabel="iteration k",
        ylabel=r"$\|v_k - v^*\|_{L^2}$",
    )
    ax_conv.grid(True, which="both", alpha=0.3)
    fig.legend(*ax3d.get_legend_handles_labels(), loc="outside lower center", ncols=6)
    fig.suptitle(
        r"Quadratic manifold $v_\theta = (\theta^T B + \frac{1}{2}\theta^T Q \theta)\Phi$: natural gradient,"
        " heavy ball and Nesterov stay on the manifold and reach the same best approximation"
    )
    return _common.save_figure(fig, Path(__file__).stem, args.output)


if __name__ == "__main__":
    main()

"""Fisher natural gradient: the KL geometry of probabilistic models.

Seed statements (Grosse, CSC2541 lecture 3, "metrics"): with the KL divergence
as the proximity term, the metric is the Fisher information

    F_θ = ∇²_u KL(p_u ‖ p_θ)|_{u=θ} = Cov_{x∼p_θ}(∇_θ log p_θ(x)),

and the proximal step's infinitesimal limit is natural gradient descent
``θ_{k+1} = θ_k − α F_θ⁻¹ ∇J(θ_k)``. "The update direction is equivalent in any
coordinate system" — to first order for differentiable reparameterizations,
exactly for affine ones — because KL is intrinsic; plain gradient descent is not
("the gradient gets 3600 times larger" when minutes become seconds). The seed
talk (Nouy & Somacal, SMAI 2025) writes the same step as ``θ − s G⁻¹∇L``, with
the output metric pulled back, ``G = Σᵢ wᵢ Jᵢᵀ G_z Jᵢ`` (Fisher of the output
distribution as ``G_z``).

Three parts:

(a) Maximum likelihood for a univariate Gaussian ``N(μ, σ²)``,
    ``J = log σ + ((x̄ − μ)² + s²)/(2σ²)`` (mean negative log-likelihood, up to
    a constant), in two coordinate systems:

        θ = (μ, σ):      F = diag(1/σ², 2/σ²)
        θ = (μ, log σ):  F = diag(1/σ², 2)

    The Fisher metric depends on the point, so it is a short
    ``riemgd.Manifold`` subclass (``inner_product = aᵀF(θ)b``, gradient
    ``F(θ)⁻¹∇J``, retraction ``θ + c``); ``ParameterSpace`` would only take a
    constant preconditioner. Both natural-gradient flows are the same curve in
    the ``(μ, σ)`` half-plane, so the discrete iterates agree up to ``O(α)``
    (the gap halves with the step); plain gradient descent follows two
    different curves (the gap does not shrink). With ``α = 1`` natural
    gradient is Fisher scoring: ``μ`` is exact after one step and ``σ``
    follows Heron's square-root iteration, converging quadratically.

(b) Logistic regression: a linear logit model on features, one measured in
    inconvenient units (×100). ``ModelManifold(Linear(Φ), Pullback(X,
    BernoulliFisher()))`` with ``BernoulliLikelihood`` is Fisher NG (for the
    canonical link it equals Newton/IRLS); ``ParameterSpace`` gives plain GD.
    Rescaling a feature is an affine reparameterization, so the NG logits
    are identical for both unit choices, while GD slows to a crawl.

(c) The KL trust-region step (TRPO, Schulman et al. 2015; Kakade 2001): pick
    the step ``δ = −t F⁻¹∇J`` with ``½ δᵀFδ = ε``, i.e.
    ``t = √(2ε) / ‖F⁻¹∇J‖_F`` (capped at 1, the full Fisher-scoring step),
    where ``‖g‖²_F = gᵀFg`` is the manifold's norm of the natural gradient.
    It is written as a riemgd line-search object, and the exact KL between
    consecutive Gaussians stays ``≈ ε`` on every constrained step.

References: S. Amari, Natural gradient works efficiently in learning, Neural
Computation 10 (1998); J. Martens, New insights and perspectives on the natural
gradient method, JMLR 21 (2020); R. Grosse, CSC2541 lecture 3 (2021).

Run: ``python examples/11_fisher_natural_gradient.py [--fast] [--output DIR]``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import autograd.numpy as anp
import matplotlib.pyplot as plt
import numpy as np
import scipy.optimize
from _common import parse_args, print_table, save_figure

import riemgd
from riemgd import losses, models, spaces
from riemgd.optimizers import NormConstrained


# ------------------------------------------------------------------ (a) Gaussian
class GaussianFisherRao(riemgd.Manifold):
    """Parameters of ``N(μ, σ²)`` with the Fisher metric ``F(θ)``.

    ``log_scale=False``: ``θ = (μ, σ)``, ``F = diag(1/σ², 2/σ²)``;
    ``log_scale=True``: ``θ = (μ, log σ)``, ``F = diag(1/σ², 2)``.
    Tangent vectors are coordinate increments; the metric is all that changes.
    """

    def __init__(self, log_scale: bool):
        self.log_scale = log_scale
        super().__init__(f"N(mu, sigma^2) in ({'mu, log sigma' if log_scale else 'mu, sigma'}), Fisher metric", 2)

    def sigma(self, theta: np.ndarray) -> float:
        return math.exp(theta[1]) if self.log_scale else theta[1]

    def fisher(self, theta: np.ndarray) -> np.ndarray:
        """The diagonal of ``F(θ)``."""
        sigma = self.sigma(theta)
        return np.array([1.0 / sigma**2, 2.0 if self.log_scale else 2.0 / sigma**2])

    def inner_product(self, point: np.ndarray, tangent_vector_a: np.ndarray, tangent_vector_b: np.ndarray) -> float:
        return float(tangent_vector_a @ (self.fisher(point) * tangent_vector_b))  # aᵀ F(θ) b

    def euclidean_to_riemannian_gradient(self, point: np.ndarray, euclidean_gradient: np.ndarray) -> np.ndarray:
        return euclidean_gradient / self.fisher(point)  # F(θ)⁻¹ ∇J

    def projection(self, point: np.ndarray, vector: np.ndarray) -> np.ndarray:
        return vector  # an open set of R²: every vector is tangent

    def retraction(self, point: np.ndarray, tangent_vector: np.ndarray) -> np.ndarray:
        return point + tangent_vector

    def zero_vector(self, point: np.ndarray) -> np.ndarray:
        return np.zeros(2)

    def random_point(self, *, rng: Any = None) -> np.ndarray:
        return np.array([0.0, 0.0 if self.log_scale else 1.0])

    def random_tangent_vector(self, point: np.ndarray, *, rng: Any = None) -> np.ndarray:
        v = np.random.default_rng(rng).standard_normal(2)
        return v / math.sqrt(self.inner_product(point, v, v))

    def check_point(self, point: np.ndarray, *, name: str = "point", atol: float = 1e-8) -> None:
        riemgd.manifolds.base.check_array(point, (2,), name)
        if not self.log_scale and point[1] <= 0:
            raise ValueError(f"{name}: sigma must be positive, got {point[1]}")


def gaussian_problems(samples: np.ndarray) -> dict[str, riemgd.Problem]:
    """The same likelihood in both coordinates, with the Fisher metric and with the identity."""
    mean, variance = float(np.mean(samples)), float(np.var(samples))

    def nll(mu: Any, sigma: Any) -> Any:  # mean negative log-likelihood, up to ½ log 2π
        return anp.log(sigma) + ((mean - mu) ** 2 + variance) / (2 * sigma**2)

    def cost_sigma(theta: Any) -> Any:
        return nll(theta[0], theta[1])

    def cost_log_sigma(theta: Any) -> Any:
        return nll(theta[0], anp.exp(theta[1]))

    # gradients by autograd: a reparameterization is just a composition
    return {
        "NG (mu, sigma)": riemgd.Problem(GaussianFisherRao(log_scale=False), cost_sigma),
        "NG (mu, log sigma)": riemgd.Problem(GaussianFisherRao(log_scale=True), cost_log_sigma),
        "GD (mu, sigma)": riemgd.Problem(riemgd.Euclidean(2), cost_sigma),
        "GD (mu, log sigma)": riemgd.Problem(riemgd.Euclidean(2), cost_log_sigma),
    }


def to_mu_sigma(name: str, theta: np.ndarray) -> np.ndarray:
    return np.array([theta[0], math.exp(theta[1])]) if "log" in name else np.array(theta, float)


def from_mu_sigma(name: str, mu_sigma: np.ndarray) -> np.ndarray:
    return np.array([mu_sigma[0], math.log(mu_sigma[1])]) if "log" in name else np.array(mu_sigma, float)


def trajectory(problem: riemgd.Problem, name: str, start: np.ndarray, step: float, steps: int) -> np.ndarray:
    """``(steps + 1, 2)`` iterates, as ``(μ, σ)``, of fixed-step descent."""
    optimizer = riemgd.GradientDescent(step, max_iterations=steps, min_gradient_norm=0.0, log_verbosity=1)
    result = optimizer.run(problem, initial_point=from_mu_sigma(name, start))
    return np.array([to_mu_sigma(name, p) for p in result.log["iterations"]["point"]])


def parameterization_gap(problems: dict, kind: str, start: np.ndarray, step: float, horizon: float) -> float:
    """Largest distance, over the common times ``kα ≤ horizon``, between the
    ``(μ, σ)`` iterates of the two parameterizations of one method."""
    steps = round(horizon / step)
    a = trajectory(problems[f"{kind} (mu, sigma)"], f"{kind} (mu, sigma)", start, step, steps)
    b = trajectory(problems[f"{kind} (mu, log sigma)"], f"{kind} (mu, log sigma)", start, step, steps)
    return float(np.max(np.linalg.norm(a - b, axis=1)))


# ------------------------------------------------------- (b) logistic regression
def logistic_data(m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two overlapping classes: inputs ``(m, 2)`` and labels in {0, 1}."""
    x = rng.standard_normal((m, 2))
    logits = 1.5 * x[:, 0] - 2.0 * x[:, 1] + 0.5
    return x, (rng.uniform(size=m) < 1.0 / (1.0 + np.exp(-logits))).astype(float)


def logistic_manifold(x: np.ndarray, unit: float) -> riemgd.ModelManifold:
    """Logits ``z = θ₁x₁ + θ₂(unit·x₂) + θ₃`` with the Bernoulli Fisher metric pulled back."""
    features = np.column_stack([x[:, 0], unit * x[:, 1], np.ones(len(x))])
    return riemgd.ModelManifold(models.Linear(features), spaces.Pullback(x, spaces.BernoulliFisher()))


def logistic_runs(m: int, max_iterations: int, rng: np.random.Generator) -> dict[str, Any]:
    x, y = logistic_data(m, rng)
    loss = losses.BernoulliLikelihood(y)
    theta0 = np.zeros(3)
    stop = {"max_iterations": max_iterations, "min_gradient_norm": 1e-10, "log_verbosity": 1}
    runs = {}
    for unit in (1.0, 100.0):
        manifold = logistic_manifold(x, unit)
        runs[f"NG, unit {unit:g}"] = (
            manifold,
            riemgd.GradientDescent(1.0, **stop).run(riemgd.Problem(manifold, loss), initial_point=theta0),
        )
        runs[f"GD, unit {unit:g}"] = (
            manifold,
            riemgd.GradientDescent(**stop).run(
                riemgd.Problem(riemgd.ParameterSpace(manifold), loss), initial_point=theta0
            ),
        )
    # reference maximum-likelihood estimate, independently of riemgd (unit 1)
    features = np.column_stack([x[:, 0], x[:, 1], np.ones(m)])

    def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = features @ theta
        return float(np.mean(np.logaddexp(0.0, z) - y * z)), features.T @ (1.0 / (1.0 + np.exp(-z)) - y) / m

    reference = scipy.optimize.minimize(nll, theta0, jac=True, method="BFGS", options={"gtol": 1e-12})
    return {"runs": runs, "optimum": reference.fun, "theta": reference.x}


# ----------------------------------------------------------- (c) KL trust region
def gaussian_kl(p: np.ndarray, q: np.ndarray) -> float:
    """``KL(N(μ_p, σ_p²) ‖ N(μ_q, σ_q²))`` for ``(μ, σ)`` pairs."""
    (mp, sp), (mq, sq) = p, q
    return math.log(sq / sp) + (sp**2 + (mp - mq) ** 2) / (2 * sq**2) - 0.5


# ------------------------------------------------------------------------ figure
def plot(samples, problems, paths, mle, logistic, trust) -> plt.Figure:
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), constrained_layout=True)

    ax = axes[0]
    mu = np.linspace(-2.6, 2.4, 200)
    sigma = np.linspace(0.25, 3.3, 200)
    grid_mu, grid_sigma = np.meshgrid(mu, sigma)
    mean, variance = np.mean(samples), np.var(samples)
    nll = np.log(grid_sigma) + ((mean - grid_mu) ** 2 + variance) / (2 * grid_sigma**2)
    levels = np.quantile(nll, np.linspace(0.01, 0.6, 14))
    ax.contour(grid_mu, grid_sigma, nll, levels=levels, colors="0.8", linewidths=0.8)
    styles = {
        "NG (mu, sigma)": dict(color="C0", lw=2.2),
        "NG (mu, log sigma)": dict(color="C1", lw=1.4, ls="--"),
        "GD (mu, sigma)": dict(color="C2", lw=2.2),
        "GD (mu, log sigma)": dict(color="C3", lw=1.4, ls="--"),
    }
    for name, path in paths.items():
        label = name.replace("mu", r"$\mu$").replace("sigma", r"$\sigma$")
        ax.plot(path[:, 0], path[:, 1], label=label, **styles[name])
    ax.plot(*paths["NG (mu, sigma)"][0], "ko", ms=5)
    ax.plot(*mle, "k*", ms=12, label="maximum likelihood")
    ax.set_xlabel(r"$\mu$")
    ax.set_ylabel(r"$\sigma$")
    ax.set_title(r"(a) $N(\mu,\sigma^2)$: the two NG paths coincide, GD's do not", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")

    ax = axes[1]
    for (name, (_, result)), color in zip(logistic["runs"].items(), ["C0", "C2", "C1", "C3"], strict=True):
        style = {"color": color, "ls": "--" if "100" in name else "-", "lw": 1.8, "ms": 3}
        style["marker"] = "o" if "NG" in name else None
        riemgd.plot_convergence(result, labels=[name], optimum=logistic["optimum"], floor=1e-16, ax=ax, **style)
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel("iteration")
    ax.set_ylabel(r"$J(\theta_k) - J^*$ (mean negative log-likelihood)")
    ax.set_title("(b) logistic regression: Fisher NG vs GD (Armijo), two feature units", fontsize=10)
    ax.legend(fontsize=8)

    ax = axes[2]
    for (radius, kls), color in zip(trust.items(), ["C0", "C1", "C2"], strict=False):
        ax.semilogy(np.arange(1, len(kls) + 1), kls, "o-", color=color, ms=3, label=rf"$\varepsilon$ = {radius:g}")
        ax.axhline(radius, color=color, ls=":", lw=1)
    ax.set_ylim(1e-8, 1.0)
    ax.set_xlabel("step k")
    ax.set_ylabel(r"exact KL$(p_{\theta_k} \| p_{\theta_{k+1}})$")
    title = r"(c) KL trust region: $\frac{1}{2}\delta^T F \delta = \varepsilon$ gives KL $\approx \varepsilon$"
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return fig


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(__doc__, argv)
    rng = np.random.default_rng(11)
    samples = rng.normal(1.0, 0.5, size=200 if args.fast else 2000)
    mle = np.array([np.mean(samples), np.std(samples)])
    problems = gaussian_problems(samples)
    start = np.array([-2.0, 3.0])

    # (a) invariance: NG's two parameterizations agree to O(α), GD's do not
    horizon = 4.0
    step_sizes = [0.1, 0.05] if args.fast else [0.1, 0.05, 0.025]
    gaps = {
        kind: [parameterization_gap(problems, kind, start, s, horizon) for s in step_sizes] for kind in ("NG", "GD")
    }
    print_table(
        ["step size", "NG: max |(mu,sigma) - (mu,log sigma)|", "GD: same"],
        [(s, gaps["NG"][i], gaps["GD"][i]) for i, s in enumerate(step_sizes)],
        title=f"(a) distance between the two parameterizations' iterates, times 0..{horizon:g}",
    )
    paths = {name: trajectory(problem, name, start, 0.05, 300) for name, problem in problems.items()}  # times 0..15

    # (a) convergence: Fisher scoring (α = 1) against GD with Armijo, to gradient norm 1e-8
    # (Armijo cannot resolve cost decreases much below that: J changes by ~‖∇J‖²)
    rows, a_results = [], {}
    for name, problem in problems.items():
        optimizer = (
            riemgd.GradientDescent(1.0, max_iterations=50, min_gradient_norm=1e-8)
            if name.startswith("NG")
            else riemgd.GradientDescent(max_iterations=5000, min_gradient_norm=1e-8)
        )
        with np.errstate(invalid="ignore"):  # Armijo's trial steps may try σ < 0 (cost NaN, rejected)
            result = optimizer.run(problem, initial_point=from_mu_sigma(name, start))
        error = float(np.linalg.norm(to_mu_sigma(name, result.point) - mle))
        a_results[name] = (error, result.iterations)
        rows.append(
            (name + (", step 1" if name.startswith("NG") else ", Armijo"), error, result.iterations, result.time)
        )
    print_table(
        ["method", "|(mu,sigma) - MLE|", "iterations", "time [s]"], rows, title="\n(a) Gaussian maximum likelihood"
    )

    # (b) logistic regression
    logistic = logistic_runs(300 if args.fast else 2000, 300 if args.fast else 2000, rng)
    rows = []
    for name, (_manifold, result) in logistic["runs"].items():
        rows.append((name, result.cost - logistic["optimum"], result.iterations, result.time))
    print_table(
        ["method", "J - J* (MLE by scipy BFGS)", "iterations", "time [s]"],
        rows,
        title="\n(b) logistic regression, Bernoulli Fisher metric pulled back",
    )

    # (c) KL trust region on the Gaussian, from the same far-away start
    radii = [0.1, 0.02] if args.fast else [0.1, 0.02, 0.005]
    trust, rows = {}, []
    problem = problems["NG (mu, log sigma)"]
    for radius in radii:
        optimizer = riemgd.GradientDescent(
            NormConstrained(1.0, math.sqrt(2.0 * radius)), max_iterations=2000, min_gradient_norm=1e-10, log_verbosity=1
        )
        result = optimizer.run(problem, initial_point=from_mu_sigma("log", start))
        points = [to_mu_sigma("log", p) for p in result.log["iterations"]["point"]]
        trust[radius] = np.array([gaussian_kl(p, q) for p, q in itertools.pairwise(points)])
        constrained = trust[radius][trust[radius] > 0.5 * radius]  # steps on the trust-region boundary
        rows.append(
            (
                radius,
                float(np.median(constrained / radius)),
                len(constrained),
                float(np.linalg.norm(points[-1] - mle)),
                result.iterations,
                result.time,
            )
        )
    print_table(
        ["epsilon", "median KL/epsilon", "constrained steps", "|(mu,sigma) - MLE|", "iterations", "time [s]"],
        rows,
        title="\n(c) KL trust-region natural gradient, 1/2 d'Fd = epsilon",
    )

    save_figure(plot(samples, problems, paths, mle, logistic, trust), "11_fisher_natural_gradient", args.output)

    # ---- the seed's statements, checked
    # (a) NG is invariant to first order: the gap shrinks like α; GD's gap stays O(1)
    ng, gd = gaps["NG"], gaps["GD"]
    for i in range(1, len(step_sizes)):
        ratio = ng[i] / ng[i - 1]
        assert 0.35 < ratio < 0.65, f"NG gap should halve with the step, got ratio {ratio:.2f}"
        assert gd[i] > 0.8 * gd[i - 1], "GD's two parameterizations should not approach each other"
    assert gd[-1] > 10 * ng[-1], "GD's parameterization gap should dwarf NG's"
    # (a) Fisher scoring converges in a handful of steps, in both coordinates
    for name in ("NG (mu, sigma)", "NG (mu, log sigma)"):
        error, iterations = a_results[name]
        assert error < 1e-8 and iterations <= 10, (name, error, iterations)
    slowest_ng = max(a_results[n][1] for n in ("NG (mu, sigma)", "NG (mu, log sigma)"))
    assert all(a_results[n][1] > 1.5 * slowest_ng for n in ("GD (mu, sigma)", "GD (mu, log sigma)")), a_results
    # (b) Fisher NG reaches the MLE in few steps, with identical logits in both units (affine invariance)
    runs = logistic["runs"]
    (m1, ng1), (m100, ng100) = runs["NG, unit 1"], runs["NG, unit 100"]
    assert ng1.iterations <= 12 and ng1.cost - logistic["optimum"] < 1e-12, ng1.stopping_criterion
    np.testing.assert_allclose(ng1.point, logistic["theta"], atol=1e-5)
    for p1, p100 in zip(ng1.log["iterations"]["point"], ng100.log["iterations"]["point"], strict=False):
        assert np.max(np.abs(m1.embed(p1) - m100.embed(p100))) < 1e-8, "NG logits must not depend on the units"
    assert ng100.iterations == ng1.iterations
    gd100 = runs["GD, unit 100"][1]
    assert gd100.iterations > 20 * ng100.iterations and gd100.cost - logistic["optimum"] > 1e3 * (
        ng100.cost - logistic["optimum"]
    ), "GD should be far slower with badly scaled features"
    # (c) each constrained step moves the distribution by KL = ε (1 + O(√ε)): ½δᵀFδ is KL's
    # second-order term; the method still converges to the MLE
    excess = [abs(ratio - 1.0) for _, ratio, *_ in rows]
    for (radius, ratio, count, error, _, _), gap in zip(rows, excess, strict=True):
        assert count >= 3 and gap < math.sqrt(radius), (radius, ratio)
        assert np.all(trust[radius] < radius * (1 + 1.5 * math.sqrt(radius))), f"a step left the KL ball {radius}"
        assert error < 1e-8, f"trust-region NG did not reach the MLE (error {error:.2e})"
    assert all(b < a for a, b in itertools.pairwise(excess)), "KL/ε should approach 1 as ε shrinks"


if __name__ == "__main__":
    main()

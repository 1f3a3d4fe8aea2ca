"""Truncated conjugate gradients in a tangent space (Steihaug–Toint).

Approximately minimizes the quadratic model

    m(η) = ⟨g, η⟩_x + ½ ⟨η, H[η]⟩_x,     η ∈ T_x M,   ‖η‖_P ≤ Δ,

with ``g = grad f(x)`` and ``H`` a self-adjoint operator on ``T_x M`` (the
Riemannian Hessian), by preconditioned CG from ``η₀ = 0``, stopping at

* negative curvature ``⟨δ, H δ⟩ ≤ 0`` or the trust-region boundary: the step
  goes to the boundary along ``δ`` (``τ`` solving ``‖η + τδ‖_P = Δ``), or,
  without a radius (``Δ = ∞``, Newton–CG), stays at the last iterate (at the
  first iteration: the preconditioned steepest-descent direction ``−P g``);
* the residual test ``‖r_j‖ ≤ ‖r₀‖ min(‖r₀‖^θ, κ)`` (``θ = 1``: quadratic
  convergence of the outer method; Absil, Baker & Gallivan 2007, §5);
* a model increase (round-off, or a nonlinear Hessian approximation);
* the iteration cap.

``‖·‖_P`` is the norm of the preconditioner's inverse, ``⟨η, P⁻¹η⟩``, tracked
by the recurrences of Conn, Gould & Toint (*Trust-Region Methods*, 2000,
eq. 7.5.6–7.5.7) without applying ``P⁻¹``; with no preconditioner it is the
metric's norm. Formulas after Absil, Baker & Gallivan (2007) and Manopt's /
pymanopt's ``trustregions``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from riemgd import backend

NEGATIVE_CURVATURE = "negative curvature"
EXCEEDED_TRUST_REGION = "exceeded trust region"
LINEAR_TARGET = "reached target residual-kappa (linear)"
SUPERLINEAR_TARGET = "reached target residual-theta (superlinear)"
MAX_INNER_ITERATIONS = "maximum inner iterations"
MODEL_INCREASED = "model increased"
NON_FINITE = "non-finite curvature"
ZERO_RESIDUAL = "zero residual"
#: Stops at which the step lies on the trust-region boundary (a radius may grow).
BOUNDARY_STOPS = (NEGATIVE_CURVATURE, EXCEEDED_TRUST_REGION)


@dataclass
class TruncatedCGResult:
    """What :func:`truncated_cg` returns.

    Attributes:
        step: ``η``.
        hessian_step: ``H[η]`` (accumulated from the products, not recomputed).
        model_value: ``m(η) = ⟨g, η⟩ + ½ ⟨η, H[η]⟩``.
        iterations: Inner iterations run (Hessian products applied).
        stop: Why CG stopped (one of this module's constants).
    """

    step: Any
    hessian_step: Any
    model_value: float
    iterations: int
    stop: str

    @property
    def at_boundary(self) -> bool:
        """The step was cut at the trust-region boundary."""
        return self.stop in BOUNDARY_STOPS


def truncated_cg(
    manifold: Any,
    point: Any,
    gradient: Any,
    hessian: Callable[[Any], Any],
    radius: float = math.inf,
    *,
    preconditioner: Callable[[Any], Any] | None = None,
    kappa: float = 0.1,
    theta: float = 1.0,
    min_iterations: int = 1,
    max_iterations: int | None = None,
    initial_step: Any = None,
) -> TruncatedCGResult:
    """Steihaug–Toint truncated CG for the trust-region subproblem (module docstring).

    Args:
        manifold: The manifold (``inner_product``, ``projection``, ``zero_vector``).
        point: ``x``.
        gradient: ``g = grad f(x)``.
        hessian: ``u ↦ H[u]`` on ``T_x M``.
        radius: ``Δ > 0``; ``math.inf`` for Newton–CG.
        preconditioner: ``r ↦ P r``, symmetric positive definite on ``T_x M``
            (identity when ``None``).
        kappa: ``κ`` of the residual test (linear convergence factor).
        theta: ``θ`` of the residual test (``1 + θ`` is the target order).
        min_iterations: The residual test applies after this many iterations.
        max_iterations: Cap on inner iterations (default: ``manifold.dim``).
        initial_step: A small ``η₀`` inside the region (pymanopt's ``use_rand``);
            then the preconditioner is not used, as in Manopt.
    """
    inner = manifold.inner_product
    cap = manifold.dim if max_iterations is None else max_iterations

    def model(eta: Any, h_eta: Any) -> float:
        return backend.to_float(inner(point, eta, gradient)) + 0.5 * backend.to_float(inner(point, eta, h_eta))

    if initial_step is None:
        eta, h_eta = manifold.zero_vector(point), manifold.zero_vector(point)
        residual, ee, value = gradient, 0.0, 0.0
        apply_p = preconditioner
    else:
        eta, h_eta = initial_step, hessian(initial_step)
        residual = gradient + h_eta
        ee, value = backend.to_float(inner(point, eta, eta)), model(eta, h_eta)
        apply_p = None
    r0_squared = backend.to_float(inner(point, residual, residual))
    r0 = math.sqrt(r0_squared)
    if r0 == 0.0:  # g = 0 (or η₀ already solves the model's stationarity)
        return TruncatedCGResult(eta, h_eta, value, 0, ZERO_RESIDUAL)
    coordinates = getattr(manifold, "tangent_coordinates", False)  # every coordinate vector is tangent
    if apply_p is None:  # z = r: ⟨z, r⟩ = ⟨r, r⟩
        z, zr = residual, r0_squared
    else:
        z = apply_p(residual)
        zr = backend.to_float(inner(point, z, residual))
    delta = -z
    ed = 0.0 if initial_step is None else backend.to_float(inner(point, eta, delta))  # ⟨η, δ⟩_P
    dd = zr  # ⟨δ, δ⟩_P
    stop, j = MAX_INNER_ITERATIONS, 0
    moved = False  # η moved to the boundary after ``value`` was last computed
    target = r0 * min(r0**theta, kappa)  # the residual test's ‖r₀‖ min(‖r₀‖^θ, κ)
    while j < cap:
        h_delta = hessian(delta)
        j += 1
        curvature = backend.to_float(inner(point, delta, h_delta))
        if not math.isfinite(curvature):
            return TruncatedCGResult(eta, h_eta, math.nan, j, NON_FINITE)
        alpha = zr / curvature if curvature != 0 else 0.0
        ee_next = ee + 2.0 * alpha * ed + alpha * alpha * dd  # ‖η + αδ‖²_P
        if curvature <= 0 or ee_next >= radius * radius:
            stop = NEGATIVE_CURVATURE if curvature <= 0 else EXCEEDED_TRUST_REGION
            if math.isinf(radius):  # Newton–CG: no boundary to go to
                if j == 1:  # the preconditioned steepest-descent direction −P g
                    eta, h_eta, moved = delta, h_delta, True
                break
            # τ ≥ 0 with ‖η + τδ‖_P = Δ
            tau = (-ed + math.sqrt(ed * ed + dd * (radius * radius - ee))) / dd
            eta, h_eta, moved = eta + tau * delta, h_eta + tau * h_delta, True
            break
        eta_next, h_eta_next = eta + alpha * delta, h_eta + alpha * h_delta
        value_next = model(eta_next, h_eta_next)
        if value_next >= value:  # only round-off or a nonlinear H can do this: keep the best so far
            stop = MODEL_INCREASED
            break
        eta, h_eta, value, ee = eta_next, h_eta_next, value_next, ee_next
        residual = residual + alpha * h_delta
        rr_squared = backend.to_float(inner(point, residual, residual))
        if j >= min_iterations and math.sqrt(rr_squared) <= target:
            stop = LINEAR_TARGET if kappa < r0**theta else SUPERLINEAR_TARGET
            break
        zr_previous = zr
        if apply_p is None:  # z = r: ⟨z, r⟩ = ⟨r, r⟩, already computed
            z, zr = residual, rr_squared
        else:
            z = apply_p(residual)
            zr = backend.to_float(inner(point, z, residual))
        beta = zr / zr_previous
        delta = beta * delta - z  # −z + βδ (the same floats, one array operation less)
        if not coordinates:  # keep δ in T_x M against round-off drift
            delta = manifold.projection(point, manifold.embedding(point, delta))
        ed = beta * (ed + alpha * dd)
        dd = zr + beta * beta * dd
    # m(η) is ``value`` unless η moved to the boundary since (the same floats: model(η, Hη) computed then)
    return TruncatedCGResult(eta, h_eta, model(eta, h_eta) if moved else value, j, stop)

"""Shared fixtures: the manifold catalogue every property test runs over."""

from __future__ import annotations

import numpy as np
import pytest

import riemgd
from riemgd.manifolds import ProductVector


def tangent_residual(manifold, point, vector) -> float:
    """How far ``vector`` is from the tangent space at ``point``, from each
    manifold's defining equation (independent of its ``projection``)."""
    if isinstance(manifold, riemgd.Product):
        return max(tangent_residual(m, x, v) for m, x, v in zip(manifold.manifolds, point, vector, strict=True))
    if isinstance(manifold, riemgd.FixedRankEmbedded):
        u, _, vt = point
        up, _, vp = vector
        return float(max(np.abs(u.T @ up).max(), np.abs(vt @ vp).max()))  # UᵀUp = 0, VᵀVp = 0
    if isinstance(manifold, riemgd.SpecialOrthogonalGroup):
        return float(np.abs(vector + np.swapaxes(vector, -1, -2)).max())  # Ω = −Ωᵀ (the Lie algebra)
    if isinstance(manifold, riemgd.PSDFixedRank):
        ytv = point.T @ vector
        return float(np.abs(ytv - ytv.T).max())  # YᵀV = VᵀY (the horizontal space)
    if isinstance(manifold, riemgd.Sphere):
        return abs(float(np.vdot(point, vector)))  # ⟨x, v⟩ = 0
    if isinstance(manifold, riemgd.Stiefel):
        xtv = np.swapaxes(point, -1, -2) @ vector
        return float(np.abs(xtv + np.swapaxes(xtv, -1, -2)).max())  # XᵀV + VᵀX = 0
    if isinstance(manifold, riemgd.Grassmann):  # ComplexGrassmann too
        return float(np.abs(_hconj(point) @ vector).max())  # XᴴV = 0 (XᵀV = 0 for real X: horizontal space)
    if isinstance(manifold, riemgd.SymmetricPositiveDefinite):
        return float(np.abs(vector - np.swapaxes(vector, -1, -2)).max())  # V = Vᵀ
    if isinstance(manifold, (riemgd.Euclidean, riemgd.ComplexEuclidean)):
        return 0.0
    if isinstance(manifold, riemgd.ComplexCircle):
        return float(np.abs(np.real(np.conj(point) * vector)).max())  # Re(conj(z_i) v_i) = 0
    if isinstance(manifold, riemgd.UnitaryGroup):
        return float(np.abs(vector + _hconj(vector)).max())  # Ω + Ωᴴ = 0 (the Lie algebra u(n))
    if isinstance(manifold, riemgd.SpecialHermitianPositiveDefinite):  # V = Vᴴ and tr(X⁻¹V) = 0
        trace = np.trace(np.linalg.solve(point, vector), axis1=-2, axis2=-1)
        return max(float(np.abs(vector - _hconj(vector)).max()), float(np.abs(trace).max()))
    if isinstance(manifold, riemgd.HermitianPositiveDefinite):
        return float(np.abs(vector - _hconj(vector)).max())  # V = Vᴴ
    if isinstance(manifold, riemgd.PSDFixedRankComplex):
        yhv = _hconj(point) @ vector
        return float(np.abs(yhv - _hconj(yhv)).max())  # YᴴV Hermitian (horizontal space)
    if isinstance(manifold, riemgd.Symmetric):
        return float(np.abs(vector - np.swapaxes(vector, -1, -2)).max())  # V = Vᵀ
    if isinstance(manifold, riemgd.SkewSymmetric):
        return float(np.abs(vector + np.swapaxes(vector, -1, -2)).max())  # V = −Vᵀ
    if isinstance(manifold, (riemgd.Positive, riemgd.PoincareBall)):
        return 0.0  # open subsets of their ambient space
    if isinstance(manifold, riemgd.Oblique):
        return float(np.abs(np.sum(point * vector, axis=0)).max())  # ⟨x_j, v_j⟩ = 0 per column
    if isinstance(manifold, riemgd.SphereSubspaceIntersection):  # ⟨x, v⟩ = 0 and v ∈ range(M)
        outside = vector - manifold.matrix @ np.linalg.lstsq(manifold.matrix, vector, rcond=None)[0]
        return max(abs(float(point @ vector)), float(np.abs(outside).max()))
    if isinstance(manifold, riemgd.SphereSubspaceComplementIntersection):  # ⟨x, v⟩ = 0 and Mᵀv = 0
        return max(abs(float(point @ vector)), float(np.abs(manifold.matrix.T @ vector).max()))
    if isinstance(manifold, riemgd.Elliptope):  # ⟨y_i, v_i⟩ = 0 per row, YᵀV = VᵀY (horizontal)
        return max(
            float(np.abs(np.sum(point * vector, axis=1)).max()),
            float(np.abs(point.T @ vector - vector.T @ point).max()),
        )
    if hasattr(manifold, "model"):  # a model manifold: every coordinate vector is tangent
        return 0.0
    raise AssertionError(f"no tangent-space equation for {manifold}")


def _hconj(a):
    return np.conj(np.swapaxes(a, -1, -2))


def random_ambient(manifold, point, rng):
    """A random element of the ambient space ``V`` at ``point`` (complex where the point is)."""
    embedded = manifold.embed(point)
    if isinstance(embedded, tuple):
        return ProductVector(_random_like(part, rng) for part in embedded)
    return _random_like(embedded, rng)


def _random_like(array, rng):
    if np.iscomplexobj(array):
        return rng.standard_normal(array.shape) + 1j * rng.standard_normal(array.shape)
    return rng.standard_normal(array.shape)


def is_on_manifold(manifold, point) -> bool:
    try:
        manifold.check_point(point, atol=1e-10)
    except ValueError:
        return False
    return True


def _model_manifold():
    """A quadratic model manifold on L²(0, 1), well conditioned near the origin."""
    from riemgd import models, spaces

    x, w = spaces.gauss_legendre(16)

    def features(x):  # orthonormal in L²(0, 1)
        return np.stack([np.ones_like(x), np.sqrt(2) * np.sin(2 * np.pi * x), np.sqrt(2) * np.cos(2 * np.pi * x)], 1)

    Q = 0.1 * np.random.default_rng(5).standard_normal((3, 3, 3))
    return riemgd.ModelManifold(models.Quadratic(features, np.eye(3), Q), spaces.L2(x, w))


MANIFOLDS = {
    "euclidean": lambda: riemgd.Euclidean(3, 2),
    "sphere": lambda: riemgd.Sphere(6),
    "sphere-matrix": lambda: riemgd.Sphere(3, 2),
    "stiefel-qr": lambda: riemgd.Stiefel(6, 3),
    "stiefel-polar": lambda: riemgd.Stiefel(6, 3, retraction="polar"),
    "stiefel-k2": lambda: riemgd.Stiefel(5, 2, k=2),
    "grassmann": lambda: riemgd.Grassmann(6, 2),
    "grassmann-k2": lambda: riemgd.Grassmann(5, 2, k=2),
    "spd": lambda: riemgd.SymmetricPositiveDefinite(4),
    "spd-k2": lambda: riemgd.SymmetricPositiveDefinite(3, k=2),
    "so-qr": lambda: riemgd.SpecialOrthogonalGroup(4),
    "so-polar-k2": lambda: riemgd.SpecialOrthogonalGroup(3, k=2, retraction="polar"),
    "fixed-rank": lambda: riemgd.FixedRankEmbedded(5, 4, 2),
    "psd-fixed-rank": lambda: riemgd.PSDFixedRank(5, 2),
    "product": lambda: riemgd.Product([riemgd.Sphere(3), riemgd.SymmetricPositiveDefinite(2), riemgd.Euclidean(2)]),
    "model-quadratic": _model_manifold,
    "complex-euclidean": lambda: riemgd.ComplexEuclidean(3, 2),
    "complex-circle": lambda: riemgd.ComplexCircle(5),
    "complex-grassmann": lambda: riemgd.ComplexGrassmann(5, 2),
    "complex-grassmann-k2": lambda: riemgd.ComplexGrassmann(4, 2, k=2),
    "unitary-qr": lambda: riemgd.UnitaryGroup(3),
    "unitary-polar-k2": lambda: riemgd.UnitaryGroup(3, k=2, retraction="polar"),
    "hpd": lambda: riemgd.HermitianPositiveDefinite(3),
    "hpd-k2": lambda: riemgd.HermitianPositiveDefinite(2, k=2),
    "shpd": lambda: riemgd.SpecialHermitianPositiveDefinite(3),
    "psd-fixed-rank-complex": lambda: riemgd.PSDFixedRankComplex(5, 2),
    "symmetric": lambda: riemgd.Symmetric(4),
    "symmetric-stack": lambda: riemgd.Symmetric(3, 2),
    "skew-symmetric": lambda: riemgd.SkewSymmetric(4, 2),
    "positive": lambda: riemgd.Positive(3, 2),
    "positive-stack-parallel": lambda: riemgd.Positive(2, 3, k=2, use_parallel_transport=True),
    "oblique": lambda: riemgd.Oblique(5, 3),
    "sphere-subspace": lambda: riemgd.SphereSubspaceIntersection(np.random.default_rng(7).standard_normal((6, 3))),
    "sphere-subspace-complement": lambda: riemgd.SphereSubspaceComplementIntersection(
        np.random.default_rng(8).standard_normal((6, 2))
    ),
    "elliptope": lambda: riemgd.Elliptope(6, 3),
    "poincare": lambda: riemgd.PoincareBall(4),
    "poincare-stack": lambda: riemgd.PoincareBall(3, k=2),
}


@pytest.fixture(params=sorted(MANIFOLDS))
def manifold(request):
    return MANIFOLDS[request.param]()


# Every riemgd optimizer configuration, with steps suited to a Rayleigh quotient on a small sphere.
OPTIMIZERS = {
    "gd-armijo": lambda **kw: riemgd.GradientDescent(**kw),
    "gd-fixed": lambda **kw: riemgd.GradientDescent(0.05, **kw),
    "heavy-ball-LM": lambda **kw: riemgd.HeavyBall(0.05, 0.5, "LM", **kw),
    "heavy-ball-FD": lambda **kw: riemgd.HeavyBall(0.05, 0.5, "FD", **kw),
    "heavy-ball-LG": lambda **kw: riemgd.HeavyBall(0.05, -0.02, "LG", **kw),
    "nesterov": lambda **kw: riemgd.Nesterov(0.05, 0.5, **kw),
    "nesterov-function": lambda **kw: riemgd.Nesterov(0.05, 0.5, restart="function", **kw),
    "nesterov-gradient": lambda **kw: riemgd.Nesterov(0.05, 0.5, restart="gradient", **kw),
}


def cupy_or_skip():
    """The cupy module, or a clean skip when cupy or a CUDA device is missing."""
    cupy = pytest.importorskip("cupy")
    pytest.importorskip("array_api_compat")
    try:
        devices = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # no driver, no runtime
        pytest.skip(f"no CUDA device available ({error})")
    if devices < 1:
        pytest.skip("no CUDA device available")
    return cupy

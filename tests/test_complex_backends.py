"""The complex manifolds on array_api_strict (which, like CuPy, refuses to mix with
numpy) give the numpy results; UnitaryGroup.log is host-side and says so."""

from __future__ import annotations

import numpy as np
import pytest

import riemgd

xs = pytest.importorskip("array_api_strict")

MANIFOLDS = {
    "complex-euclidean": lambda: riemgd.ComplexEuclidean(3, 2),
    "complex-circle": lambda: riemgd.ComplexCircle(4),
    "complex-grassmann-k2": lambda: riemgd.ComplexGrassmann(4, 2, k=2),
    "unitary-polar-k2": lambda: riemgd.UnitaryGroup(3, k=2, retraction="polar"),
    "unitary-qr": lambda: riemgd.UnitaryGroup(3),
    "hpd-k2": lambda: riemgd.HermitianPositiveDefinite(2, k=2),
    "shpd": lambda: riemgd.SpecialHermitianPositiveDefinite(3),
    "psd-fixed-rank-complex": lambda: riemgd.PSDFixedRankComplex(5, 2),
}
OPERATIONS = {
    "projection": lambda m, x, u, v, y, g: m.projection(x, g),
    "gradient": lambda m, x, u, v, y, g: m.euclidean_to_riemannian_gradient(x, g),
    "hessian": lambda m, x, u, v, y, g: m.euclidean_to_riemannian_hessian(x, g, 0.5 * g, u),
    "retraction": lambda m, x, u, v, y, g: m.retraction(x, u),
    "transport": lambda m, x, u, v, y, g: m.transport(x, y, u),
    "inner_product": lambda m, x, u, v, y, g: m.inner_product(x, u, v),
    "norm": lambda m, x, u, v, y, g: m.norm(x, u),
    "exp": lambda m, x, u, v, y, g: m.exp(x, 0.3 * u),
    "zero_vector": lambda m, x, u, v, y, g: m.zero_vector(x),
    "random_tangent_vector": lambda m, x, u, v, y, g: m.random_tangent_vector(x, rng=3),
}
HOST_LOG = {"unitary-polar-k2", "unitary-qr"}


@pytest.mark.parametrize("name", sorted(MANIFOLDS))
def test_complex_manifold_operations_on_strict_arrays_match_numpy(name):
    manifold = MANIFOLDS[name]()
    rng = np.random.default_rng(0)
    x = manifold.random_point(rng=rng)
    u, v = manifold.random_tangent_vector(x, rng=rng), manifold.random_tangent_vector(x, rng=rng)
    y = manifold.retraction(x, 0.5 * v)
    g = rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape)
    numpy_args, strict_args = (x, u, v, y, g), tuple(xs.asarray(a) for a in (x, u, v, y, g))
    operations = dict(OPERATIONS)
    if name not in HOST_LOG:
        operations["log"] = lambda m, x, u, v, y, g: m.log(x, y)
        operations["dist"] = lambda m, x, u, v, y, g: m.dist(x, y)
    for label, operation in operations.items():
        got, expected = operation(manifold, *strict_args), operation(manifold, *numpy_args)
        assert type(got).__module__.startswith("array_api_strict"), label
        np.testing.assert_allclose(np.from_dlpack(got), expected, rtol=1e-12, atol=1e-13, err_msg=label)
    manifold.check_point(strict_args[0])
    manifold.check_point(manifold.retraction(strict_args[0], strict_args[1]))
    if name in HOST_LOG:
        with pytest.raises(TypeError, match="numpy arrays only"):
            manifold.log(strict_args[0], strict_args[3])

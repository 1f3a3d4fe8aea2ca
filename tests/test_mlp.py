"""``riemgd.models.MLP`` against independent answers.

Every expected value comes from the test's own code: a plain numpy forward pass
written out below, central finite differences (in ``x`` for the
x-derivatives, in ``θ`` for the Jacobians), the explicit products ``J c`` and
``Jᵀ r``, and, for the Laplacian Jacobian of a deep network, autograd through
:class:`riemgd.models.Function` on the same forward pass.
"""

from __future__ import annotations

import itertools

import autograd.numpy as anp
import numpy as np
import pytest
from conftest import cupy_or_skip

import riemgd
from riemgd import losses, models, spaces
from riemgd.functional.models.activations import ACTIVATIONS

GELU_C = np.sqrt(2.0 / np.pi)


def plain_activation(name, z, np_=np):
    """The activations from their textbook definitions (``np_`` may be ``autograd.numpy``)."""
    if name == "tanh":
        return np_.tanh(z)
    if name == "sin":
        return np_.sin(z)
    if name == "sigmoid":
        return 1.0 / (1.0 + np_.exp(-z))
    if name == "softplus":
        return np_.log(1.0 + np_.exp(z))
    if name == "silu":
        return z / (1.0 + np_.exp(-z))
    if name == "gelu_tanh":
        return 0.5 * z * (1.0 + np_.tanh(GELU_C * (z + 0.044715 * z**3)))
    raise AssertionError(name)


def plain_forward(theta, x, sizes, activation="tanh", np_=np):
    """``z_l = W_l h_{l−1} + b_l``, ``h_l = σ(z_l)``, output ``z_{L+1}``; θ packed per layer as (W_l row-major, b_l)."""
    h = x[:, None] if x.ndim == 1 else x
    start = 0
    for l, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        W = np_.reshape(theta[start : start + n_out * n_in], (n_out, n_in))
        b = theta[start + n_out * n_in : start + n_out * (n_in + 1)]
        start += n_out * (n_in + 1)
        z = np_.dot(h, W.T) + b
        h = z if l == len(sizes) - 2 else plain_activation(activation, z, np_)
    return h[:, 0] if sizes[-1] == 1 else h


# (d_in, hidden..., d_out): depths 1–3, inputs 1–3, outputs 1–2
ARCHITECTURES = [(1, 5, 1), (2, 4, 2), (3, 3, 1), (1, 4, 3, 2), (2, 3, 4, 1), (3, 3, 2, 3, 2), (2, 4, 3, 3, 1)]
ACTIVATION_NAMES = sorted(ACTIVATIONS)


def setting(sizes, activation, m=6, seed=0):
    net = models.MLP(sizes, activation)
    rng = np.random.default_rng(seed)
    theta = net.initial_parameters(seed) + 0.3 * rng.standard_normal(net.num_params)  # nonzero output bias too
    x = rng.uniform(-1.0, 1.0, (m, sizes[0]))
    return net, theta, (x[:, 0] if sizes[0] == 1 else x)


def all_terms(d):
    return ("value", *(f"d{k}" for k in range(d)), *(f"dd{k}" for k in range(d)))


def mixed_operator(d):
    """``0.5 v + 1.3 ∂₀v − ∂₀²v − 0.7 ∂²_{d−1}v`` (a convection–diffusion-like operator on every axis used)."""
    op = {"value": 0.5, "d0": 1.3, "dd0": -1.0}
    op[f"dd{d - 1}"] = op.get(f"dd{d - 1}", 0.0) - 0.7
    return op


def shift(x, k, h):
    y = np.array(x, dtype=float, copy=True)
    if y.ndim == 1:
        return y + h
    y[:, k] += h
    return y


# ------------------------------------------------------------ activations
@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_derivatives_match_finite_differences(name):
    z = np.linspace(-3.0, 3.0, 41)
    s = ACTIVATIONS[name](z, np, 3)
    np.testing.assert_allclose(s[0], plain_activation(name, z), rtol=1e-13, atol=1e-14)
    h = 1e-5
    for order in (1, 2, 3):  # σ⁽ᵏ⁾ ≈ (σ⁽ᵏ⁻¹⁾(z + h) − σ⁽ᵏ⁻¹⁾(z − h)) / 2h
        fd = (ACTIVATIONS[name](z + h, np, 3)[order - 1] - ACTIVATIONS[name](z - h, np, 3)[order - 1]) / (2 * h)
        np.testing.assert_allclose(s[order], fd, atol=1e-8)
    for order in range(4):  # asking for fewer derivatives gives the same leading ones
        assert len(ACTIVATIONS[name](z, np, order)) == order + 1
        np.testing.assert_array_equal(ACTIVATIONS[name](z, np, order)[order], s[order])


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activations_do_not_overflow(name):
    z = np.array([-800.0, -50.0, 0.0, 50.0, 800.0])
    for value in ACTIVATIONS[name](z, np, 3):
        assert np.all(np.isfinite(value))


# ------------------------------------------------------------ values and derivatives
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("sizes", ARCHITECTURES)
def test_values_match_a_plain_forward_pass(sizes, activation):
    net, theta, x = setting(sizes, activation)
    values, jacobians = net.evaluate(theta, x, ("value",), jacobian=False)
    assert jacobians is None
    np.testing.assert_allclose(values[0], plain_forward(theta, x, sizes, activation), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(net(theta, x), plain_forward(theta, x, sizes, activation), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("sizes", ARCHITECTURES)
def test_x_derivatives_match_finite_differences(sizes, activation):
    net, theta, x = setting(sizes, activation)
    d = sizes[0]
    values, _ = net.evaluate(theta, x, all_terms(d), jacobian=False)
    f = lambda y: plain_forward(theta, y, sizes, activation)  # noqa: E731
    scale = max(1.0, np.abs(values[0]).max())
    for k in range(d):
        first = (f(shift(x, k, 1e-5)) - f(shift(x, k, -1e-5))) / 2e-5
        second = (f(shift(x, k, 1e-4)) - 2 * f(x) + f(shift(x, k, -1e-4))) / 1e-8
        np.testing.assert_allclose(values[1 + k], first, atol=1e-8 * scale)
        np.testing.assert_allclose(values[1 + d + k], second, atol=1e-5 * scale)


def central_jacobian(fun, theta, h=1e-6):
    """``∂fun/∂θ`` by central differences, shape ``(*fun.shape, p)``."""
    columns = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        columns.append((fun(theta + e) - fun(theta - e)) / (2 * h))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
@pytest.mark.parametrize("sizes", ARCHITECTURES)
def test_theta_jacobians_match_finite_differences(sizes, activation):
    net, theta, x = setting(sizes, activation)
    d, q = sizes[0], sizes[-1]
    terms = all_terms(d)
    values, jacobians = net.evaluate(theta, x, terms)
    expected = central_jacobian(lambda t: np.stack(net.evaluate(t, x, terms, jacobian=False)[0]), theta)
    for i, term in enumerate(terms):
        assert jacobians[i].shape == ((x.shape[0], net.num_params) if q == 1 else (x.shape[0], q, net.num_params))
        scale = np.abs(expected[i]).max()
        np.testing.assert_allclose(jacobians[i], expected[i], atol=1e-7 * scale, err_msg=term)
    # the combined operator: its own values and Jacobian against finite differences
    op = mixed_operator(d)
    value, jac = net.evaluate_operator(theta, x, op)
    expected_op = central_jacobian(lambda t: net.evaluate_operator(t, x, op, jacobian=False)[0], theta)
    np.testing.assert_allclose(jac, expected_op, atol=1e-7 * np.abs(expected_op).max())
    # and 𝓛v = Σ_t a_t ∂_t v, term by term
    by_term = sum(a * values[terms.index(t)] for t, a in op.items())
    jac_by_term = sum(a * jacobians[terms.index(t)] for t, a in op.items())
    np.testing.assert_allclose(value, by_term, atol=1e-12 * np.abs(by_term).max())
    np.testing.assert_allclose(jac, jac_by_term, atol=1e-12 * np.abs(jac_by_term).max())


@pytest.mark.parametrize("sizes", [(2, 5, 4, 1), (3, 4, 2)])
def test_laplacian_operator_matches_the_sum_of_second_derivatives(sizes):
    net, theta, x = setting(sizes, "tanh", m=9)
    d = sizes[0]
    laplacian = {f"dd{k}": 1.0 for k in range(d)}
    value, jac = net.evaluate_operator(theta, x, laplacian)
    values, jacobians = net.evaluate(theta, x, [f"dd{k}" for k in range(d)])
    np.testing.assert_allclose(value, sum(values), atol=1e-13 * np.abs(value).max())
    np.testing.assert_allclose(jac, sum(jacobians), atol=1e-13 * np.abs(jac).max())
    # a single term as the operator is that term
    for term in all_terms(d):
        v, j = net.evaluate_operator(theta, x, term)
        vt, jt = net.evaluate(theta, x, (term,))
        np.testing.assert_array_equal(v, vt[0])
        np.testing.assert_array_equal(j, jt[0])


# ------------------------------------------------------------ JVP / VJP
@pytest.mark.parametrize("sizes", [(1, 5, 1), (2, 4, 3, 2), (3, 3, 2, 3, 1), (2, 6, 2)])
@pytest.mark.parametrize("operator", ["value", "d1", "dd0", "laplacian", "mixed"])
def test_jvp_and_vjp_match_the_jacobian(sizes, operator):
    net, theta, x = setting(sizes, "silu", m=8)
    d, q = sizes[0], sizes[-1]
    op = {
        "laplacian": {f"dd{k}": -1.0 for k in range(d)},
        "mixed": mixed_operator(d),
        "d1": f"d{d - 1}",
    }.get(operator, operator)
    _, J = net.evaluate_operator(theta, x, op)
    rng = np.random.default_rng(3)
    c = rng.standard_normal(net.num_params)
    r = rng.standard_normal(x.shape[0] if q == 1 else (x.shape[0], q))
    Jc, Jtr = J @ c, np.tensordot(r, J, axes=r.ndim)
    jvp, vjp = net.jvp(theta, x, c, op), net.vjp(theta, x, r, op)
    assert jvp.shape == Jc.shape and vjp.shape == (net.num_params,)
    np.testing.assert_allclose(jvp, Jc, atol=1e-12 * np.abs(Jc).max())
    np.testing.assert_allclose(vjp, Jtr, atol=1e-12 * np.abs(Jtr).max())
    # ⟨J c, r⟩ = ⟨c, Jᵀ r⟩
    assert np.vdot(jvp, r) == pytest.approx(np.vdot(c, vjp), rel=1e-12)


def test_jvp_and_vjp_default_to_values():
    net, theta, x = setting((2, 4, 1), "tanh")
    _, J = net.evaluate(theta, x)
    c, r = np.arange(net.num_params) / 10.0, np.linspace(-1, 1, x.shape[0])
    np.testing.assert_allclose(net.jvp(theta, x, c), J[0] @ c, atol=1e-13)
    np.testing.assert_allclose(net.vjp(theta, x, r), J[0].T @ r, atol=1e-13)


# ------------------------------------------------------------ ShallowNetwork, dtypes
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "sin"])
def test_shallow_network_is_the_one_hidden_layer_mlp(activation):
    shallow, mlp = models.ShallowNetwork(2, 6, activation), models.MLP((2, 6, 1), activation)
    assert shallow.num_params == mlp.num_params == 6 * 4 + 1
    assert isinstance(shallow, models.MLP)
    np.testing.assert_array_equal(shallow.initial_parameters(4), mlp.initial_parameters(4))
    theta = shallow.initial_parameters(4) + 0.1
    x = np.random.default_rng(2).uniform(-1, 1, (7, 2))
    terms = all_terms(2)
    # ShallowNetwork evaluates the one-layer closed forms (a faster path than the MLP's
    # layer-by-layer propagation): the same values and Jacobians up to round-off
    for got, expected in zip(shallow.evaluate(theta, x, terms), mlp.evaluate(theta, x, terms), strict=True):
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-14 * max(1.0, np.abs(b).max()))
    W, b, a, c = shallow.unpack(theta)
    (W1, b1), (W2, b2) = mlp.layers(theta)
    np.testing.assert_array_equal(W, W1)
    np.testing.assert_array_equal(b, b1)
    np.testing.assert_array_equal(a, W2[0])
    assert c == b2[0]
    # v = Σⱼ aⱼ σ(wⱼ·x + bⱼ) + c written out
    expected = plain_activation(activation, x @ W.T + b) @ a + c
    np.testing.assert_allclose(shallow(theta, x), expected, rtol=1e-13)


def test_initial_parameters_are_seeded_and_scaled_by_fan_in():
    net = models.MLP((50, 200, 100, 2))
    theta = net.initial_parameters(7)
    np.testing.assert_array_equal(theta, net.initial_parameters(7))
    (W1, b1), (W2, b2), (W3, b3) = net.layers(theta)

    def assert_variance(sample, variance):  # within 4 standard deviations of the sample variance, √(2/n) σ²
        assert abs(np.mean(sample**2) - variance) < 4 * np.sqrt(2 / sample.size) * variance

    assert_variance(W1, 1 / 50)
    assert_variance(W2, 1 / 200)
    assert_variance(W3, 1 / 100)
    assert_variance(np.concatenate([b1, b2]), 1.0)
    np.testing.assert_array_equal(b3, 0.0)


def test_float32_in_float32_out():
    net = models.MLP((2, 5, 3, 2), "softplus")
    theta = net.initial_parameters(0).astype(np.float32)
    x = np.random.default_rng(0).uniform(-1, 1, (6, 2)).astype(np.float32)
    values, jacobians = net.evaluate(theta, x, ("value", "d1", "dd0"))
    assert all(v.dtype == np.float32 for v in values) and all(j.dtype == np.float32 for j in jacobians)
    value, jac = net.evaluate_operator(theta, x, {"dd0": -1.0, "dd1": -1.0})
    assert value.dtype == jac.dtype == np.float32
    assert net.jvp(theta, x, theta, "dd0").dtype == np.float32
    assert net.vjp(theta, x, np.ones((6, 2), np.float32), {"value": 1.0, "d0": 2.0}).dtype == np.float32
    reference = net.evaluate(theta.astype(float), x.astype(float), ("value",))[1][0]
    np.testing.assert_allclose(jacobians[0], reference, atol=1e-5 * np.abs(reference).max())


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: models.MLP((2,)), "layer_sizes"),
        (lambda: models.MLP(3), "layer_sizes"),
        (lambda: models.MLP("23"), "layer_sizes"),
        (lambda: models.MLP((2, 0, 1)), "layer_sizes"),
        (lambda: models.MLP((2, 3.5, 1)), "layer_sizes"),
        (lambda: models.MLP((2, True, 1)), "layer_sizes"),
        (lambda: models.MLP((2, 3, 1), "relu"), "activation"),
        (lambda: models.MLP((2, 3, 1), None), "activation"),
        (lambda: models.ShallowNetwork(2, 3, "gelu"), "activation"),
    ],
)
def test_bad_constructor_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_evaluation_arguments():
    net = models.MLP((2, 3, 1))
    theta, x = net.initial_parameters(0), np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"theta must have shape \(13,\)"):
        net.evaluate(theta[:-1], x)
    with pytest.raises(ValueError, match=r"theta must have shape \(13,\)"):
        net.evaluate(theta[:, None], x)
    with pytest.raises(TypeError, match="theta must have a real floating dtype"):
        net.evaluate(np.arange(13), x)
    for points in (np.zeros(4), np.zeros((4, 3)), np.zeros((4, 2, 1))):
        with pytest.raises(ValueError, match=r"points must have 2 coordinates: x must have shape \(m, 2\)"):
            net.evaluate(theta, points)
    with pytest.raises(ValueError, match="asks for axis 2"):
        net.evaluate(theta, x, ("dd2",))
    with pytest.raises(ValueError, match="unknown term"):
        net.evaluate_operator(theta, x, {"lap": 1.0})
    with pytest.raises(ValueError, match="terms must be a sequence"):
        net.evaluate(theta, x, "value")
    with pytest.raises(ValueError, match="operator must be"):
        net.evaluate_operator(theta, x, {})
    with pytest.raises(ValueError, match="coefficient of 'dd0' must be a real number"):
        net.evaluate_operator(theta, x, {"dd0": "1"})
    with pytest.raises(ValueError, match=r"tangent must have shape \(13,\)"):
        net.jvp(theta, x, np.zeros(12))
    with pytest.raises(ValueError, match=r"cotangent must have shape \(4,\)"):
        net.vjp(theta, x, np.zeros((4, 1)))
    one_d = models.MLP((1, 3, 1))
    assert one_d.evaluate(one_d.initial_parameters(0), np.zeros(4))[0][0].shape == (4,)  # (m,) when d_in = 1


# ------------------------------------------------------------ in the library
def test_mlp_on_a_model_manifold_descends():
    x, w = spaces.gauss_legendre(30)
    net = models.MLP((1, 8, 8, 1))
    problem = riemgd.Problem(riemgd.ModelManifold(net, spaces.L2(x, w)), losses.L2(lambda y: np.sin(3 * y)))
    theta0 = net.initial_parameters(0)
    result = riemgd.GradientDescent(max_iterations=20, log_verbosity=1).run(problem, initial_point=theta0)
    costs = result.log["iterations"]["cost"]
    assert costs[-1] < 1e-2 * costs[0]
    assert np.all(np.diff(costs) <= 1e-15 * costs[0])


def test_multi_output_mlp_on_an_l2_space_flattens_output_major():
    x, w = spaces.gauss_legendre(5)
    net = models.MLP((1, 4, 2))
    theta = net.initial_parameters(1)
    v, J = spaces.L2(x, w, outputs=2).evaluate(net, theta)
    values, jacobians = net.evaluate(theta, x)
    np.testing.assert_array_equal(v, np.concatenate([values[0][:, 0], values[0][:, 1]]))
    np.testing.assert_array_equal(J, np.concatenate([jacobians[0][:, 0], jacobians[0][:, 1]]))


SIZES_2D = (2, 64, 64, 1)


def poisson_2d(n_side=5, per_edge=3):
    t = (np.arange(n_side) + 0.5) / n_side
    gx, gy = np.meshgrid(t, t, indexing="ij")
    interior = spaces.L2(np.column_stack([gx.ravel(), gy.ravel()]))
    s = (np.arange(per_edge) + 0.5) / per_edge
    zero, one = np.zeros(per_edge), np.ones(per_edge)
    boundary = np.concatenate([np.column_stack(e) for e in ((s, zero), (s, one), (zero, s), (one, s))])

    def source(p):
        return 2 * np.pi**2 * np.sin(np.pi * p[:, 0]) * np.sin(np.pi * p[:, 1])

    return losses.PDEResidual({"dd0": -1.0, "dd1": -1.0}, source, interior, boundary)


def autograd_twin(sizes):
    """The same network as a :class:`riemgd.models.Function` differentiated by autograd."""
    return models.Function(lambda t, y: plain_forward(t, y, sizes, "tanh", anp), models.MLP(sizes).num_params)


def test_deep_laplacian_energy_jacobian_matches_autograd():
    pde = poisson_2d()  # 25 interior + 12 boundary points
    net, auto = models.MLP(SIZES_2D), autograd_twin(SIZES_2D)  # p = 4417
    theta = net.initial_parameters(0)
    fast, slow = pde.energy_manifold(net), pde.energy_manifold(auto)
    v_fast, J_fast = fast.space.evaluate(fast.model, theta)  # (−Δv at the interior, v at the boundary)
    v_slow, J_slow = slow.space.evaluate(slow.model, theta)
    assert J_fast.shape == (37, 4417)
    np.testing.assert_allclose(v_fast, v_slow, atol=1e-12 * np.abs(v_slow).max())
    np.testing.assert_allclose(J_fast, J_slow, atol=1e-12 * np.abs(J_slow).max())
    g_fast = riemgd.Problem(fast, pde.energy_loss()).euclidean_gradient(theta)
    g_slow = riemgd.Problem(slow, pde.energy_loss()).euclidean_gradient(theta)
    np.testing.assert_allclose(g_fast, g_slow, atol=1e-12 * np.abs(g_slow).max())


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # autograd's tanh' = 1/cosh² overflows (to 0)
def test_deep_energy_natural_gradient_step_matches_autograd():
    # a narrower deep network, so that the p × p Gram solve stays small
    sizes = (2, 12, 12, 1)
    pde, net, auto = poisson_2d(), models.MLP(sizes), autograd_twin(sizes)
    theta = net.initial_parameters(1)
    optimizer = riemgd.GradientDescent(0.5, max_iterations=1, log_verbosity=1)
    steps = [
        optimizer.run(
            riemgd.Problem(pde.energy_manifold(model, damping=1e-6), pde.energy_loss()), initial_point=theta
        ).point
        - theta
        for model in (net, auto)
    ]
    assert np.linalg.norm(steps[0]) > 1e-3
    np.testing.assert_allclose(steps[0], steps[1], atol=1e-9 * np.abs(steps[1]).max())


class _PerTerm(models.Model):
    """The same network seen only through ``evaluate`` (no ``evaluate_operator``)."""

    def __init__(self, net):
        self.net, self.num_params = net, net.num_params

    def evaluate(self, theta, x, terms=("value",), *, jacobian=True):
        return self.net.evaluate(theta, x, terms, jacobian=jacobian)


@pytest.mark.parametrize("operator", [{"dd0": -1.0, "dd1": -1.0}, {"dd0": -0.1, "d1": 1.0, "value": 2.0}])
def test_pde_residual_with_one_operator_call_matches_the_per_term_path(operator):
    pde = poisson_2d(6, 4)
    pde = losses.PDEResidual(operator, pde.source, pde.interior, pde.boundary.points)
    net = models.MLP((2, 7, 5, 1), "sin")
    theta = net.initial_parameters(2)
    calls = []
    net.evaluate_operator = lambda *args, **kwargs: (
        calls.append(args[2]) or models.MLP.evaluate_operator(net, *args, **kwargs)
    )
    fast, slow = pde.residuals(net, theta, jacobian=True), pde.residuals(_PerTerm(net), theta, jacobian=True)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-13 * np.abs(b).max())
    assert calls == [operator]  # the interior residual and its Jacobian in one call
    without = pde.residuals(net, theta, jacobian=False), pde.residuals(_PerTerm(net), theta, jacobian=False)
    for a, b in zip(*without, strict=True):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, atol=1e-13 * np.abs(b).max())


# ------------------------------------------------------------ other array libraries
def _check_on(to, host):
    net = models.MLP((2, 5, 4, 2), "gelu_tanh")
    theta = net.initial_parameters(0)
    x = np.random.default_rng(1).uniform(-1, 1, (7, 2))
    op = {"dd0": -1.0, "dd1": -1.0, "d0": 0.5}
    values, jacobians = net.evaluate(to(theta), to(x), ("value", "d1", "dd0"))
    expected_values, expected_jacobians = net.evaluate(theta, x, ("value", "d1", "dd0"))
    for got, expected in zip([*values, *jacobians], [*expected_values, *expected_jacobians], strict=True):
        np.testing.assert_allclose(host(got), expected, rtol=1e-12, atol=1e-13)
    value, jac = net.evaluate_operator(to(theta), to(x), op)
    expected_value, expected_jac = net.evaluate_operator(theta, x, op)
    np.testing.assert_allclose(host(value), expected_value, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(host(jac), expected_jac, rtol=1e-12, atol=1e-13)
    c, r = np.linspace(-1, 1, net.num_params), np.ones((7, 2))
    np.testing.assert_allclose(host(net.jvp(to(theta), to(x), to(c), op)), net.jvp(theta, x, c, op), rtol=1e-12)
    np.testing.assert_allclose(host(net.vjp(to(theta), to(x), to(r), op)), net.vjp(theta, x, r, op), rtol=1e-12)


def test_mlp_on_array_api_strict_matches_numpy():
    xs = pytest.importorskip("array_api_strict")
    _check_on(lambda a: xs.asarray(a), lambda a: np.asarray(np.from_dlpack(a)))


def test_mlp_on_cupy_matches_numpy():
    cupy = cupy_or_skip()
    _check_on(cupy.asarray, cupy.asnumpy)


@pytest.mark.parametrize("activation", ["tanh", "sin", "gelu_tanh"])
@pytest.mark.parametrize(
    "operator", ["value", "d1", {"dd0": -1.0, "dd1": -1.0}, {"value": 0.5, "d0": 2.0, "dd1": -3.0}, {"d0": 0.0}]
)
def test_shallow_network_operator_values_alone_match_the_mlp(activation, operator):
    """The cost's path (``jacobian=False``: one product per derivative order) against the
    MLP's layer-by-layer propagation of the same network."""
    shallow, mlp = models.ShallowNetwork(2, 7, activation), models.MLP((2, 7, 1), activation)
    theta = shallow.initial_parameters(5) + 0.2
    x = np.random.default_rng(6).uniform(-1, 1, (11, 2))
    value, none = shallow.evaluate_operator(theta, x, operator, jacobian=False)
    expected, _ = mlp.evaluate_operator(theta, x, operator)
    assert none is None
    np.testing.assert_allclose(value, expected, rtol=0, atol=1e-13 * max(1.0, np.abs(expected).max()))
    with pytest.raises(ValueError, match="operator must be"):
        shallow.evaluate_operator(theta, x, {}, jacobian=False)
    with pytest.raises(ValueError, match="asks for axis 2"):
        shallow.evaluate_operator(theta, x, {"dd2": 1.0}, jacobian=False)


@pytest.mark.parametrize("activation", ["tanh", "sin", "gelu_tanh"])
@pytest.mark.parametrize(
    "operator", ["value", "d1", {"dd0": -1.0, "dd1": -1.0}, {"value": 0.5, "d0": 2.0, "dd1": -3.0}, {"d0": 0.0}]
)
def test_shallow_network_operator_jacobian_matches_the_mlp(activation, operator):
    """The Jacobian path (all orders assembled once, ``_operator_jacobian``) against the MLP's
    layer-by-layer propagation, and its values against the values-only path."""
    shallow, mlp = models.ShallowNetwork(2, 7, activation), models.MLP((2, 7, 1), activation)
    theta = shallow.initial_parameters(5) + 0.2
    x = np.random.default_rng(6).uniform(-1, 1, (11, 2))
    value, jacobian = shallow.evaluate_operator(theta, x, operator)
    expected_value, expected_jacobian = mlp.evaluate_operator(theta, x, operator)
    scale = max(1.0, np.abs(expected_jacobian).max())
    np.testing.assert_allclose(jacobian, expected_jacobian, rtol=0, atol=1e-13 * scale)
    np.testing.assert_allclose(value, shallow.evaluate_operator(theta, x, operator, jacobian=False)[0], rtol=1e-14)
    np.testing.assert_allclose(value, expected_value, rtol=0, atol=1e-13 * max(1.0, np.abs(expected_value).max()))


def test_shallow_network_operator_jacobian_matches_central_differences():
    shallow = models.ShallowNetwork(1, 5)
    theta = shallow.initial_parameters(2) + 0.1
    x = np.linspace(-1.0, 1.0, 9)
    operator = {"value": 2.0, "d0": -1.0, "dd0": 0.5}
    _, jacobian = shallow.evaluate_operator(theta, x, operator)
    h = 1e-6
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        plus, _ = shallow.evaluate_operator(theta + e, x, operator, jacobian=False)
        minus, _ = shallow.evaluate_operator(theta - e, x, operator, jacobian=False)
        np.testing.assert_allclose(jacobian[:, i], (plus - minus) / (2 * h), rtol=1e-7, atol=1e-8)

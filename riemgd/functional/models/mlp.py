"""``MLP``: a fully connected network of any depth, with analytic Jacobians (no autograd).

Notation: layer sizes ``(n₀, n₁, …, n_L, n_{L+1}) = (d_in, h₁, …, h_L, d_out)``,
``h₀ = x``, ``z_l = W_l h_{l−1} + b_l`` and ``h_l = σ(z_l)`` for the hidden
layers ``l = 1 … L``, and the output ``v = z_{L+1}`` (no activation).

x-derivatives are carried forward layer by layer (Taylor mode, the "forward
Laplacian" of Li et al. 2023): for a linear operator
``𝓛v = a v + Σ_k b_k ∂_k v + Σ_k c_k ∂²_k v`` each layer holds *channels*
``(z, ∂_k z for the axes k used, S z = Σ_k c_k ∂²_k z)``, with

* linear layers: ``z = W h + b``, ``∂_k z = W ∂_k h``, ``S z = W S h``;
* activations: ``h = σ(z)``, ``∂_k h = σ'(z) ∂_k z``,
  ``S h = σ'(z) S z + σ''(z) Q``, ``Q = Σ_k c_k (∂_k z)²``;
* inputs: ``h₀ = x``, ``∂_k h₀ = e_k``, ``S h₀ = 0``.

The θ-Jacobian comes from one backward sweep of the sensitivities
``ζ = ∂𝓛v/∂(z, ∂_k z, S z)`` per sample (vectorized over samples): from
``η = Wᵀ ζ`` at a layer's output,

* ``ζ_z = σ' η_h + σ'' Σ_k η_k ∂_k z + η_S (σ'' S z + σ''' Q)``,
* ``ζ_k = σ' η_k + 2 c_k σ'' ∂_k z η_S``,  ``ζ_S = σ' η_S``,

and each layer's block is ``∂/∂W_l = ζ_z ⊗ h + Σ_k ζ_k ⊗ ∂_k h + ζ_S ⊗ S h``
(the ``h`` of layer ``l − 1``), ``∂/∂b_l = ζ_z``.

Reference: R. Li, H. Ye, D. Jiang, X. Wen, C. Wang, Z. Li, X. Li, D. He, J. Chen,
W. Ren, L. Wang, "A computational framework for neural network-based
variational Monte Carlo with Forward Laplacian", Nature Machine Intelligence 2024
(arXiv:2307.08214, 2023).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.functional.models.activations import ACTIVATIONS
from riemgd.functional.models.base import Array, Model, check_theta, parse_term

Operator = str | Mapping[str, float]


class _Spec:
    """A linear operator ``𝓛 = a + Σ_k b_k ∂_k + Σ_k c_k ∂²_k`` as channel seeds.

    ``axes``: the input axes ``k`` with ``b_k ≠ 0`` or ``c_k ≠ 0`` (one first-derivative
    channel each); ``second``: whether a second-derivative channel ``S = Σ_k c_k ∂²_k`` is
    carried; ``seeds``: ``𝓛v = Σ_channels seed · channel`` at the output
    (``(a, b_k…, 1)``); ``order``: highest x-derivative order.
    """

    def __init__(self, operator: Operator, in_dim: int):
        if isinstance(operator, str):
            operator = {operator: 1.0}
        if not isinstance(operator, Mapping) or not operator:
            raise ValueError(
                f"operator must be a term such as 'value' or 'dd0', or a non-empty mapping {{term: coefficient}}, "
                f"got {operator!r}"
            )
        value, first, second = 0.0, {}, {}
        for term, coefficient in operator.items():
            if not isinstance(term, str):
                raise ValueError(f"operator terms must be strings such as 'value', 'd0', 'dd1', got {term!r}")
            order, k = parse_term(term)
            if order and not 0 <= k < in_dim:
                raise ValueError(f"term {term!r} asks for axis {k}, but the input has {in_dim} axes")
            if isinstance(coefficient, bool) or not isinstance(coefficient, numbers.Real):
                raise ValueError(f"operator coefficient of {term!r} must be a real number, got {coefficient!r}")
            if not np.isfinite(coefficient):
                raise ValueError(f"operator coefficient of {term!r} must be finite, got {coefficient!r}")
            if order == 0:
                value = float(coefficient)
            elif order == 1:
                first[k] = float(coefficient)
            else:
                second[k] = float(coefficient)
        self.axes = sorted(set(first) | set(second))
        self.first = [first.get(k, 0.0) for k in self.axes]  # b_k per carried axis
        self.second = [second.get(k, 0.0) for k in self.axes]  # c_k per carried axis
        self.has_second = bool(second)
        self.seeds = [value, *self.first] + ([1.0] if self.has_second else [])
        self.channels = len(self.seeds)
        self.order = 2 if second else (1 if first else 0)


class _Forward:
    """The forward pass of one operator: per layer, the channels entering it
    (``inputs[l]``, ``(m, C, n_{l−1})``), and for hidden layers the pre-activation
    channels, ``[σ, σ', …]`` at ``z`` and ``Q = Σ_k c_k (∂_k z)²``."""

    __slots__ = ("inputs", "output", "pre", "q", "sigma")

    def __init__(self) -> None:
        self.inputs: list[Array] = []
        self.pre: list[Array] = []
        self.sigma: list[list[Array]] = []
        self.q: list[Array | None] = []
        self.output: Array = None


class MLP(Model):
    """Fully connected network ``v_θ = z_{L+1}``, ``z_l = W_l h_{l−1} + b_l``, ``h_l = σ(z_l)``, ``h₀ = x``.

    Any depth and width: ``layer_sizes = (d_in, h₁, …, h_L, d_out)`` (``L = 0``
    is an affine map). The parameters are packed layer after layer, each as
    ``W_l`` (``h_l × h_{l−1}``, row-major) then ``b_l``, so
    ``p = Σ_l h_l (h_{l−1} + 1)``; for ``(d, w, 1)`` this is
    :class:`ShallowNetwork`'s ``(W, b, a, c)``.

    Values, x-derivatives (terms ``"value"``, ``"d<k>"``, ``"dd<k>"``) and their
    θ-Jacobians are computed by forward propagation of derivatives and one
    backward sweep per term (see the module docstring for the formulas),
    vectorized over the samples, in array-API code (numpy, CuPy). Points are
    ``(m,)`` when ``d_in = 1`` or ``(m, d_in)``; values are ``(m,)`` when
    ``d_out = 1`` and ``(m, d_out)`` otherwise, with Jacobians ``(m, p)`` or
    ``(m, d_out, p)``.

    :meth:`evaluate_operator` gives a whole linear operator ``𝓛v`` (e.g. the
    Laplacian) and its Jacobian in one pass; :meth:`jvp` and :meth:`vjp` give
    ``J c`` and ``Jᵀ r`` without forming ``J``.

    Args:
        layer_sizes: ``(d_in, h₁, …, h_L, d_out)``, at least two positive integers.
        activation: ``"tanh"`` (default), ``"sigmoid"``, ``"sin"``, ``"softplus"``,
            ``"silu"`` (``z·s(z)``) or ``"gelu_tanh"`` (the tanh form of GELU); see
            :mod:`riemgd.functional.models.activations`.
    """

    def __init__(self, layer_sizes: Sequence[int], activation: str = "tanh"):
        if (
            isinstance(layer_sizes, (str, bytes))
            or not isinstance(layer_sizes, Sequence)
            or len(layer_sizes) < 2
            or any(isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1 for n in layer_sizes)
        ):
            raise ValueError(
                "layer_sizes must be a sequence of at least 2 positive integers (d_in, h_1, ..., d_out), "
                f"got {layer_sizes!r}"
            )
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.layer_sizes = tuple(int(n) for n in layer_sizes)
        self.activation = activation
        self._sigma = ACTIVATIONS[activation]
        # offsets[l] = start of W_l in θ; W_l then b_l
        self._offsets, start = [], 0
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True):
            self._offsets.append(start)
            start += n_out * (n_in + 1)
        self.num_params = start

    @property
    def input_dim(self) -> int:
        """``d_in``."""
        return self.layer_sizes[0]

    @property
    def output_dim(self) -> int:
        """``d_out``."""
        return self.layer_sizes[-1]

    def __repr__(self) -> str:
        return f"MLP({self.layer_sizes}, activation={self.activation!r})"

    # ------------------------------------------------------------ parameters
    def layers(self, theta: Array) -> list[tuple[Array, Array]]:
        """``[(W_l, b_l)]``: views of ``θ``, ``W_l`` of shape ``(h_l, h_{l−1})``."""
        xp = backend.namespace(theta)
        out = []
        for start, n_in, n_out in zip(self._offsets, self.layer_sizes[:-1], self.layer_sizes[1:], strict=True):
            mid = start + n_out * n_in
            out.append((xp.reshape(theta[start:mid], (n_out, n_in)), theta[mid : mid + n_out]))
        return out

    def initial_parameters(self, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """Glorot-style initialization, drawn layer by layer: ``W_l ~ N(0, 1/h_{l−1})``
        (variance one over the fan-in, which keeps ``z_l`` of order one), hidden
        biases ``b_l ~ N(0, 1)``, and output bias ``b_{L+1} = 0``. For
        ``(d, w, 1)`` this is the draw of :meth:`ShallowNetwork.initial_parameters`."""
        g = backend.default_rng(rng)
        parts = []
        last = len(self.layer_sizes) - 2
        for l, (n_in, n_out) in enumerate(zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True)):
            parts.append(g.standard_normal(n_out * n_in) / np.sqrt(n_in))
            parts.append(np.zeros(n_out) if l == last else g.standard_normal(n_out))
        return np.concatenate(parts)

    # ------------------------------------------------------------ checks
    def _inputs(self, theta: Array, x: Array) -> tuple[Any, Array]:
        """The namespace and the points as ``(m, d_in)``, after checking θ and x."""
        check_theta(theta, self.num_params)
        if not backend.is_real_floating(theta):
            raise TypeError(f"theta must have a real floating dtype, got {theta.dtype}")
        d = self.input_dim
        shape = tuple(getattr(x, "shape", ()))
        if not (shape[1:] == (d,) or (d == 1 and len(shape) == 1)) or len(shape) not in (1, 2):
            expected = f"(m, {d})" + (" or (m,)" if d == 1 else "")
            raise ValueError(
                f"points must have {d} coordinates: x must have shape {expected}, got {getattr(x, 'shape', x)!r}"
            )
        xp = backend.namespace(theta, x)
        return xp, (x[:, None] if x.ndim == 1 else x)

    def _shape_output(self, xp: Any, array: Array) -> Array:
        """``(m, q, …)`` → ``(m, …)`` for a single output."""
        if self.output_dim != 1:
            return array
        return xp.reshape(array, (array.shape[0], *tuple(array.shape[2:])))

    # ------------------------------------------------------------ forward
    def _forward(self, xp: Any, theta: Array, X: Array, spec: _Spec, sigma_order: int) -> _Forward:
        """Propagate the channels ``(z, ∂_k z, S z)`` through the layers (module docstring)."""
        m, d = X.shape
        dtype = xp.result_type(theta, X)
        X = xp.astype(X, dtype)
        # h₀ = x, ∂_k h₀ = e_k, S h₀ = 0
        channels = [X[:, None, :]]
        for k in spec.axes:
            e_k = xp.astype(xp.arange(d) == k, dtype)
            channels.append(xp.broadcast_to(e_k, (m, 1, d)))
        if spec.has_second:
            channels.append(xp.zeros((m, 1, d), dtype=dtype))
        h = backend.concat(xp, channels, axis=1) if len(channels) > 1 else channels[0]
        K = len(spec.axes)
        c = xp.asarray(spec.second, dtype=dtype)[None, :, None] if spec.has_second else None
        bias_mask = xp.asarray([1.0] + [0.0] * (spec.channels - 1), dtype=dtype)[:, None]  # b enters z only
        fwd = _Forward()
        layers = self.layers(theta)
        for l, (W, b) in enumerate(layers):
            fwd.inputs.append(h)
            z = _linear(xp, h, W) + bias_mask * b
            if l == len(layers) - 1:
                fwd.output = z
                break
            sig = self._sigma(z[:, 0, :], xp, sigma_order)
            parts = [sig[0][:, None, :]]
            q = None
            if K:
                dz = z[:, 1 : 1 + K, :]
                parts.append(sig[1][:, None, :] * dz)  # ∂_k h = σ' ∂_k z
            if spec.has_second:
                q = xp.sum(c * dz * dz, axis=1)  # Q = Σ_k c_k (∂_k z)²
                parts.append((sig[1] * z[:, K + 1, :] + sig[2] * q)[:, None, :])  # S h = σ' S z + σ'' Q
            fwd.pre.append(z)
            fwd.sigma.append(sig)
            fwd.q.append(q)
            h = backend.concat(xp, parts, axis=1) if len(parts) > 1 else parts[0]
        return fwd

    def _apply_seeds(self, xp: Any, spec: _Spec, channels: Array) -> Array:
        """``Σ_channels seed · channel``: ``(m, C, q) → (m, q)``."""
        out = None
        for i, s in enumerate(spec.seeds):
            if s == 0.0:
                continue
            term = channels[:, i, :] if s == 1.0 else s * channels[:, i, :]
            out = term if out is None else out + term
        return out if out is not None else 0.0 * channels[:, 0, :]

    # ------------------------------------------------------------ backward
    def _backward(self, xp: Any, theta: Array, spec: _Spec, fwd: _Forward, zeta: Array) -> Iterator[tuple[int, Array]]:
        """Yield ``(l, ζ_l)`` from the output layer down: ``ζ_l`` of shape ``(M, B, C, n_l)``
        is the sensitivity of ``B`` outputs to layer ``l``'s channels ``(z, ∂_k z, S z)``."""
        layers = self.layers(theta)
        K = len(spec.axes)
        c = None
        if spec.has_second:
            c = xp.asarray(spec.second, dtype=zeta.dtype)[None, None, :, None]
        for l in range(len(layers) - 1, -1, -1):
            yield l, zeta
            if l == 0:
                return
            eta = _linear_back(xp, zeta, layers[l][0])  # η = Wᵀ ζ at the output of layer l − 1
            z, sig, q = fwd.pre[l - 1], fwd.sigma[l - 1], fwd.q[l - 1]
            s1 = sig[1][:, None, :]
            zeta0 = s1 * eta[:, :, 0, :]  # σ' η_h
            if K:
                dz = z[:, None, 1 : 1 + K, :]  # (m, 1, K, n)
                eta_d = eta[:, :, 1 : 1 + K, :]
                s2 = sig[2][:, None, :]
                zeta0 = zeta0 + s2 * xp.sum(eta_d * dz, axis=2)  # σ'' Σ_k η_k ∂_k z
                zeta_d = s1[:, :, None, :] * eta_d  # σ' η_k
            if spec.has_second:
                eta_s = eta[:, :, K + 1, :]
                s3 = sig[3][:, None, :]
                zeta0 = zeta0 + eta_s * (s2 * z[:, None, K + 1, :] + s3 * q[:, None, :])  # η_S (σ'' S z + σ''' Q)
                zeta_d = zeta_d + 2.0 * (c * dz) * (s2 * eta_s)[:, :, None, :]  # 2 c_k σ'' ∂_k z η_S
            parts = [zeta0[:, :, None, :]]
            if K:
                parts.append(zeta_d)
            if spec.has_second:
                parts.append((s1 * eta_s)[:, :, None, :])  # ζ_S = σ' η_S
            zeta = backend.concat(xp, parts, axis=2) if len(parts) > 1 else parts[0]

    def _output_seeds(self, xp: Any, spec: _Spec, dtype: Any, cotangent: Array | None) -> Array:
        """``ζ`` at the output layer: ``ζ[b, c, j] = seed_c δ_bj`` (``(1, q, C, q)``, one
        row per output) or, for a cotangent ``r`` (``(m, q)``), ``seed_c r_j`` (``(m, 1, C, q)``)."""
        seeds = xp.asarray(spec.seeds, dtype=dtype)
        q = self.output_dim
        if cotangent is None:
            return (seeds[:, None] * xp.eye(q, dtype=dtype)[:, None, :])[None, ...]  # (1, q, C, q)
        return (seeds[None, :, None] * cotangent[:, None, :])[:, None, ...]  # (m, 1, C, q)

    def _jacobian(self, xp: Any, theta: Array, spec: _Spec, fwd: _Forward) -> Array:
        """``∂(𝓛v)/∂θ`` per sample and output, ``(m, q, p)``: layer blocks
        ``∂/∂W_l[b, i, j] = Σ_channels ζ_l[b, c, i] h_{l−1}[c, j]``, ``∂/∂b_l = ζ_l[b, z, :]``."""
        h0 = fwd.inputs[0]
        m, dtype, q = h0.shape[0], h0.dtype, self.output_dim
        J = xp.zeros((m, q, self.num_params), dtype=dtype)
        zeta_out = self._output_seeds(xp, spec, dtype, None)
        for l, zeta in self._backward(xp, theta, spec, fwd, zeta_out):
            h = fwd.inputs[l]  # (m, C, n_in)
            n_in, n_out = h.shape[2], zeta.shape[3]
            # Σ_c ζ[b, c, i] h[c, j] per sample: a stack of (n_out × C) · (C × n_in) products
            block = xp.matmul(xp.permute_dims(zeta, (0, 1, 3, 2)), h[:, None, :, :])  # (m, q, n_out, n_in)
            start = self._offsets[l]
            J[:, :, start : start + n_out * n_in] = xp.reshape(block, (m, q, n_out * n_in))
            J[:, :, start + n_out * n_in : start + n_out * (n_in + 1)] = zeta[:, :, 0, :]
        return J

    # ------------------------------------------------------------ public API
    def evaluate(
        self, theta: Array, x: Array, terms: Sequence[str] = ("value",), *, jacobian: bool = True
    ) -> tuple[list[Array], list[Array] | None]:
        """Values and θ-Jacobians of each term (``"value"``, ``"d<k>" = ∂v/∂x_k``,
        ``"dd<k>" = ∂²v/∂x_k²``), each by one forward pass of its channels and one
        backward sweep (module docstring). Shapes: values ``(m,)`` / ``(m, q)``,
        Jacobians ``(m, p)`` / ``(m, q, p)``."""
        if isinstance(terms, str):
            raise ValueError(f"terms must be a sequence of terms such as ('value',), got the string {terms!r}")
        xp, X = self._inputs(theta, x)
        for term in terms:
            if not isinstance(term, str):
                raise ValueError(f"terms must be strings such as 'value', 'd0', 'dd1', got {term!r}")
        specs = [_Spec(term, self.input_dim) for term in terms]
        values, jacobians = [], []
        for spec in specs:
            v, j = self._operator(xp, theta, X, spec, jacobian)
            values.append(v)
            jacobians.append(j)
        return values, (jacobians if jacobian else None)

    def evaluate_operator(
        self, theta: Array, x: Array, operator: Operator, *, jacobian: bool = True
    ) -> tuple[Array, Array | None]:
        """``(𝓛v_θ(x), ∂(𝓛v_θ)/∂θ)`` for ``𝓛v = Σ_t a_t ∂_t v`` given as ``{term: a_t}``
        (e.g. the Laplacian ``{"dd0": 1, "dd1": 1}``), or one term name.

        One forward pass carries only ``v``, the first derivatives along the axes
        the operator uses and the single weighted sum ``Σ_k c_k ∂²_k v`` (the
        forward Laplacian), and one backward sweep gives the Jacobian, instead of
        one Jacobian per term. Values ``(m,)`` / ``(m, q)``; Jacobian ``(m, p)`` /
        ``(m, q, p)``, or ``None`` when ``jacobian`` is false.
        """
        xp, X = self._inputs(theta, x)
        return self._operator(xp, theta, X, _Spec(operator, self.input_dim), jacobian)

    def _operator(self, xp: Any, theta: Array, X: Array, spec: _Spec, jacobian: bool) -> tuple[Array, Array | None]:
        fwd = self._forward(xp, theta, X, spec, spec.order + (1 if jacobian else 0))
        values = self._apply_seeds(xp, spec, fwd.output)  # (m, q)
        if self.output_dim == 1:
            values = values[:, 0]
        if not jacobian:
            return values, None
        return values, self._shape_output(xp, self._jacobian(xp, theta, spec, fwd))

    def jvp(self, theta: Array, x: Array, tangent: Array, operator: Operator = "value") -> Array:
        """``J c``: the directional derivative ``Σ_j c_j ∂(𝓛v_θ(x_i))/∂θ_j`` at each point,
        without forming ``J``.

        Forward mode in θ alongside the channels: with ``ċ`` the tangent of a
        channel, linear layers ``ż = W ḣ + Ẇ h + ḃ`` (``ḃ`` on ``z`` only), and
        activations ``ḣ = σ' ż``, ``∂_k ḣ = σ'' ż ∂_k z + σ' ∂_k ż``,
        ``Ṡh = σ'' ż S z + σ' Ṡz + σ''' ż Q + σ'' Q̇``, ``Q̇ = 2 Σ_k c_k ∂_k z ∂_k ż``.
        Cost ``O(m p)``; memory ``O(m · width · channels)``.

        Args:
            theta: Parameters ``(p,)``.
            x: Points ``(m,)`` or ``(m, d_in)``.
            tangent: ``c``, shape ``(p,)``.
            operator: A term (``"value"``, ``"d<k>"``, ``"dd<k>"``) or ``{term: a_t}``.

        Returns:
            ``(m,)`` (``(m, q)`` for ``q`` outputs): ``J c`` for ``J`` of :meth:`evaluate_operator`.
        """
        xp, X = self._inputs(theta, x)
        if not hasattr(tangent, "shape") or tuple(tangent.shape) != (self.num_params,):
            got = getattr(tangent, "shape", tangent)
            raise ValueError(f"tangent must have shape ({self.num_params},), got {got!r}")
        spec = _Spec(operator, self.input_dim)
        fwd = self._forward(xp, theta, X, spec, spec.order + 1)
        layers, tangents = self.layers(theta), self.layers(tangent)
        K = len(spec.axes)
        dtype = fwd.output.dtype
        c = xp.asarray(spec.second, dtype=dtype)[None, :, None] if spec.has_second else None
        bias_mask = xp.asarray([1.0] + [0.0] * (spec.channels - 1), dtype=dtype)[:, None]
        hdot = None  # ḣ₀ = 0: the inputs do not depend on θ
        for l, ((W, _), (Wdot, bdot)) in enumerate(zip(layers, tangents, strict=True)):
            zdot = _linear(xp, fwd.inputs[l], Wdot) + bias_mask * bdot
            if hdot is not None:
                zdot = zdot + _linear(xp, hdot, W)
            if l == len(layers) - 1:
                break
            z, sig, q = fwd.pre[l], fwd.sigma[l], fwd.q[l]
            z0dot = zdot[:, 0, :]
            parts = [(sig[1] * z0dot)[:, None, :]]
            if K:
                dz, dzdot = z[:, 1 : 1 + K, :], zdot[:, 1 : 1 + K, :]
                parts.append((sig[2] * z0dot)[:, None, :] * dz + sig[1][:, None, :] * dzdot)
            if spec.has_second:
                qdot = 2.0 * xp.sum(c * dz * dzdot, axis=1)
                sdot = sig[2] * z0dot * z[:, K + 1, :] + sig[1] * zdot[:, K + 1, :] + sig[3] * z0dot * q + sig[2] * qdot
                parts.append(sdot[:, None, :])
            hdot = backend.concat(xp, parts, axis=1) if len(parts) > 1 else parts[0]
        out = self._apply_seeds(xp, spec, zdot)
        return out[:, 0] if self.output_dim == 1 else out

    def vjp(self, theta: Array, x: Array, cotangent: Array, operator: Operator = "value") -> Array:
        """``Jᵀ r = Σ_i r_i ∂(𝓛v_θ(x_i))/∂θ``, without forming ``J``.

        The backward sweep of :meth:`evaluate_operator` seeded with ``r`` per sample,
        with each layer's block summed over the samples:
        ``Σ_i Σ_channels ζ_l[i, c, :] ⊗ h_{l−1}[i, c, :]`` for ``W_l`` and
        ``Σ_i ζ_l[i, z, :]`` for ``b_l``. Cost ``O(m p)``; memory ``O(m · width · channels)``.

        Args:
            theta: Parameters ``(p,)``.
            x: Points ``(m,)`` or ``(m, d_in)``.
            cotangent: ``r``, shape ``(m,)`` (``(m, q)`` for ``q`` outputs).
            operator: A term or ``{term: a_t}``, as for :meth:`jvp`.

        Returns:
            ``Jᵀ r``, shape ``(p,)``.
        """
        xp, X = self._inputs(theta, x)
        m, q = X.shape[0], self.output_dim
        expected = (m,) if q == 1 else (m, q)
        if not hasattr(cotangent, "shape") or tuple(cotangent.shape) != expected:
            raise ValueError(f"cotangent must have shape {expected}, got {getattr(cotangent, 'shape', cotangent)!r}")
        spec = _Spec(operator, self.input_dim)
        fwd = self._forward(xp, theta, X, spec, spec.order + 1)
        dtype = fwd.output.dtype
        r = xp.astype(cotangent, dtype)
        r = r[:, None] if q == 1 else r
        blocks: list[Array] = [None] * (2 * len(self._offsets))
        for l, zeta in self._backward(xp, theta, spec, fwd, self._output_seeds(xp, spec, dtype, r)):
            h = fwd.inputs[l]
            n_in, n_out, C = h.shape[2], zeta.shape[3], spec.channels
            # Σ_i Σ_c ζ[i, c, :] ⊗ h[i, c, :]: one (n_out × mC) · (mC × n_in) product
            gW = xp.reshape(zeta, (m * C, n_out)).T @ xp.reshape(h, (m * C, n_in))
            blocks[2 * l] = xp.reshape(gW, (-1,))
            blocks[2 * l + 1] = xp.sum(zeta[:, 0, 0, :], axis=0)
        return backend.concat(xp, blocks)


def _linear(xp: Any, h: Array, W: Array) -> Array:
    """``W h`` for every sample and channel: ``(m, C, n_in) → (m, C, n_out)``, as one
    ``(mC × n_in) · (n_in × n_out)`` product."""
    m, C, n_in = h.shape
    return xp.reshape(xp.reshape(h, (m * C, n_in)) @ W.T, (m, C, W.shape[0]))


def _linear_back(xp: Any, zeta: Array, W: Array) -> Array:
    """``Wᵀ ζ`` for every sample, output and channel: ``(M, B, C, n_out) → (M, B, C, n_in)``."""
    shape = tuple(zeta.shape)
    return xp.reshape(xp.reshape(zeta, (-1, shape[-1])) @ W, (*shape[:-1], W.shape[1]))

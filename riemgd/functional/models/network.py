"""``ShallowNetwork``: one hidden layer, the ``(d, width, 1)`` case of :class:`MLP`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from riemgd import backend
from riemgd.functional.models.activations import ACTIVATIONS, single_derivative
from riemgd.functional.models.base import Array, check_theta, parse_term
from riemgd.functional.models.mlp import MLP, _Spec


class ShallowNetwork(MLP):
    """One hidden layer, ``v_θ(x) = Σⱼ aⱼ σ(wⱼ·x + bⱼ) + c``: ``MLP((in_dim, width, 1))``.

    Parameters are packed as ``θ = (W (width × in_dim, row-major), b (width),
    a (width), c)``, so ``p = width · (in_dim + 2) + 1`` (61 for the seed's
    4-input, 10-neuron Mackey–Glass network). With ``zⱼ = wⱼ·x + bⱼ``, the
    Jacobians :class:`MLP` computes are

    * values: ``∂v/∂aⱼ = σ(zⱼ)``, ``∂v/∂bⱼ = aⱼσ'(zⱼ)``, ``∂v/∂Wⱼₗ = aⱼσ'(zⱼ)xₗ``, ``∂v/∂c = 1``;
    * ``"d<k>"``: ``∂ₖv = Σⱼ aⱼσ'(zⱼ)Wⱼₖ``, with ``∂/∂Wⱼₗ = aⱼσ''(zⱼ)xₗWⱼₖ + aⱼσ'(zⱼ)δₖₗ``;
    * ``"dd<k>"``: ``∂ₖ²v = Σⱼ aⱼσ''(zⱼ)Wⱼₖ²``, with ``∂/∂Wⱼₗ = aⱼσ'''(zⱼ)xₗWⱼₖ² + 2aⱼσ''(zⱼ)Wⱼₖδₖₗ``.

    evaluated here in these closed forms (for one layer about 20× faster than
    the general layer-by-layer propagation of :class:`MLP`, which still serves
    ``jvp`` and ``vjp``). Everything is array-API code: it runs on numpy and
    CuPy alike.

    Args:
        in_dim: Input dimension ``d``; points are ``(m,)`` when ``d = 1`` or ``(m, d)``.
        width: Number of hidden neurons.
        activation: ``"tanh"`` (default), ``"sigmoid"``, or any other :class:`MLP` activation.
    """

    def __init__(self, in_dim: int, width: int, activation: str = "tanh"):
        if int(in_dim) != in_dim or in_dim < 1:
            raise ValueError(f"in_dim must be a positive integer, got {in_dim}")
        if int(width) != width or width < 1:
            raise ValueError(f"width must be a positive integer, got {width}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        super().__init__((int(in_dim), int(width), 1), activation)
        self.in_dim, self.width = int(in_dim), int(width)

    def __repr__(self) -> str:
        return f"ShallowNetwork({self.in_dim}, {self.width}, activation={self.activation!r})"

    def unpack(self, theta: Array) -> tuple[Array, Array, Array, Array]:
        """``(W, b, a, c)`` views of ``θ``."""
        xp = backend.namespace(theta)
        n, d = self.width, self.in_dim
        return xp.reshape(theta[: n * d], (n, d)), theta[n * d : n * d + n], theta[n * d + n : n * d + 2 * n], theta[-1]

    def initial_parameters(self, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """Glorot-style initialization: ``W ~ N(0, 1/d)``, ``b ~ N(0, 1)``,
        ``a ~ N(0, 1/width)``, ``c = 0``."""
        g = backend.default_rng(rng)
        n, d = self.width, self.in_dim
        return np.concatenate(
            [g.standard_normal(n * d) / np.sqrt(d), g.standard_normal(n), g.standard_normal(n) / np.sqrt(n), [0.0]]
        )

    def evaluate(
        self, theta: Array, x: Array, terms: Sequence[str] = ("value",), *, jacobian: bool = True
    ) -> tuple[list[Array], list[Array] | None]:
        xp = backend.namespace(theta, x)
        check_theta(theta, self.num_params)
        X = x[:, None] if x.ndim == 1 else x
        if X.shape[1] != self.in_dim:
            raise ValueError(f"points must have {self.in_dim} coordinates, got shape {tuple(x.shape)}")
        W, b, a, c = self.unpack(theta)
        z = X @ W.T + b  # (m, width)
        # only the derivatives of σ the terms need: order k for a term, k + 1 for its Jacobian
        order = max(parse_term(term)[0] for term in terms) + (1 if jacobian else 0)
        s0, s1, s2, s3 = [*ACTIVATIONS[self.activation](z, xp, order), None, None, None][:4]
        m = X.shape[0]
        values, jacobians = [], []
        for term in terms:
            order, k = parse_term(term)
            if order and not 0 <= k < self.in_dim:
                raise ValueError(f"term {term!r} asks for axis {k}, but the input has {self.in_dim} axes")
            if order == 0:
                values.append(s0 @ a + c)
                if jacobian:
                    jacobians.append(self._pack(xp, (a * s1)[:, :, None] * X[:, None, :], a * s1, s0, 1.0, m))
                continue
            w_k = W[:, k]
            onehot = xp.astype(xp.arange(self.in_dim) == k, theta.dtype) if jacobian else None
            if order == 1:  # ∂ₖv = Σⱼ aⱼσ'(zⱼ)Wⱼₖ
                values.append(s1 @ (a * w_k))
                if jacobian:
                    dW = (a * s2 * w_k)[:, :, None] * X[:, None, :] + (a * s1)[:, :, None] * onehot
                    jacobians.append(self._pack(xp, dW, a * s2 * w_k, s1 * w_k, 0.0, m))
            else:  # ∂ₖ²v = Σⱼ aⱼσ''(zⱼ)Wⱼₖ²
                w2 = w_k * w_k
                values.append(s2 @ (a * w2))
                if jacobian:
                    dW = (a * s3 * w2)[:, :, None] * X[:, None, :] + (2.0 * a * s2 * w_k)[:, :, None] * onehot
                    jacobians.append(self._pack(xp, dW, a * s3 * w2, s2 * w2, 0.0, m))
        return values, (jacobians if jacobian else None)

    def evaluate_operator(
        self, theta: Array, x: Array, operator: str | Mapping[str, float], *, jacobian: bool = True
    ) -> tuple[Array, Array | None]:
        """``Σ_t a_t ∂_t v`` and its θ-Jacobian, from the closed forms of :meth:`evaluate`."""
        operator = {operator: 1.0} if isinstance(operator, str) else dict(operator)
        if not jacobian:
            return self._operator_values(theta, x, operator), None
        return self._operator_jacobian(theta, x, operator)

    def _points(self, theta: Array, x: Array) -> Array:
        """``x`` as ``(m, d)``, after checking ``θ`` and the number of coordinates."""
        check_theta(theta, self.num_params)
        X = x[:, None] if x.ndim == 1 else x
        if X.shape[1] != self.in_dim:
            raise ValueError(f"points must have {self.in_dim} coordinates, got shape {tuple(x.shape)}")
        return X

    def _pre_activations(self, theta: Array, x: Array) -> tuple[Any, Array, Array, tuple]:
        """``(xp, X, z, (W, b, a, c))`` with the points ``X`` as ``(m, d)`` (checked) and
        ``z = X Wᵀ + b`` ``(m, width)``."""
        xp = backend.namespace(theta, x)
        X = self._points(theta, x)
        W, b, a, c = self.unpack(theta)
        z = X @ W.T
        z += b
        return xp, X, z, (W, b, a, c)

    def _operator_jacobian(self, theta: Array, x: Array, operator: Mapping[str, float]) -> tuple[Array, Array]:
        """``𝓛v`` and its θ-Jacobian for ``𝓛 = c₀ + Σ_k c₁ₖ ∂ₖ + Σ_k c₂ₖ ∂ₖ²``, grouped by order
        ``q`` with the per-neuron weights ``ω_q = W^{∘q} c_q`` (``ω₀ = c₀``)::

            𝓛v = c₀ c + Σ_q σ⁽q⁾(z) (a ⊙ ω_q),
            ∂/∂aⱼ = Σ_q σ⁽q⁾(zⱼ) ω_qⱼ,   ∂/∂bⱼ = aⱼ Σ_q σ⁽q⁺¹⁾(zⱼ) ω_qⱼ,   ∂/∂c = c₀,
            ∂/∂Wⱼₗ = xₗ ∂/∂bⱼ + aⱼ Σ_{q≥1} q c_qₗ Wⱼₗ^{q−1} σ⁽q⁾(zⱼ),

        one pass per order over the ``m × width`` arrays and one assembly of the ``m × p``
        Jacobian, instead of a Jacobian per term summed afterwards."""
        xp, X, z, (W, _, a, c) = self._pre_activations(theta, x)
        orders, coefficients = self._grouped(operator)
        sigma = ACTIVATIONS[self.activation](z, xp, max(orders) + 1)
        c0 = float(coefficients[0][0])
        weights = {0: c0} | {q: (W**q) @ backend.as_array_like(coefficients[q], theta) for q in orders if q}  # ω_q
        d_a = d_b = None  # Σ_q σ⁽q⁾ω_q and Σ_q σ⁽q⁺¹⁾ω_q, (m, width)
        for q in orders:
            part_a, part_b = sigma[q] * weights[q], sigma[q + 1] * weights[q]
            d_a = part_a if d_a is None else d_a + part_a
            d_b = part_b if d_b is None else d_b + part_b
        d_b *= a  # ∂/∂b
        m, (n, d) = X.shape[0], W.shape
        jac = xp.empty((m, self.num_params), dtype=d_b.dtype)  # θ = (W row-major, b, a, c)
        for axis in range(d):
            column = d_b * X[:, axis : axis + 1]  # ∂/∂W_jl, l = axis: xₗ ∂/∂bⱼ + …
            for q in orders:
                if q:
                    column += sigma[q] * (a * (q * float(coefficients[q][axis])) * W[:, axis] ** (q - 1))
            jac[:, axis : n * d : d] = column
        jac[:, n * d : n * d + n] = d_b
        jac[:, n * d + n : n * d + 2 * n] = d_a
        jac[:, -1] = c0
        return d_a @ a + c0 * c, jac

    def _operator_values(self, theta: Array, x: Array, operator: Mapping[str, float]) -> Array:
        """``Σ_t a_t ∂_t v`` alone (the cost's path), grouped by derivative order:
        ``Σ_k c_k ∂ₖ^q v = σ⁽q⁾(z) (a ⊙ W^{∘q} c)`` for ``q = 1, 2`` (``W^{∘q}`` entrywise
        powers, ``c`` the coefficients of the order-``q`` terms by axis), ``c₀(σ(z)a + c)`` for
        ``q = 0``: one product per order instead of one per term."""
        xp, _, z, (W, _, a, c) = self._pre_activations(theta, x)
        return self._values_from(z, W, a, c, self._grouped(operator), xp, theta)

    def operator_values_along(
        self, theta: Array, direction: Array, x: Array, operator: str | Mapping[str, float], steps: Sequence[float]
    ) -> Iterator[Array]:
        """``𝓛v`` at ``θ + t d`` for each ``t`` of ``steps`` (a grid line search's trials), lazily.

        The pre-activations are affine in the step, ``z(θ + t d) = z + t dz`` with
        ``z = W x + b`` and ``dz = dW x + db``: the products with the points are made
        once for the whole line, and each step costs the activation and one product."""
        operator = {operator: 1.0} if isinstance(operator, str) else dict(operator)
        check_theta(direction, self.num_params)
        xp, X, z0, (W, _, a, c) = self._pre_activations(theta, x)  # checked now, not at the first step
        dW, db, da, dc = self.unpack(direction)
        dz = X @ dW.T
        dz += db
        grouped = self._grouped(operator)

        def line() -> Iterator[Array]:
            for t in steps:
                z = dz * t
                z += z0  # z(θ + t d), one pass and one array less than z0 + t dz
                yield self._values_from(z, W + t * dW, a + t * da, c + t * dc, grouped, xp, theta)

        return line()

    def values_along(
        self, theta: Array, direction: Array, x: Array, terms: Sequence[str], steps: Sequence[float]
    ) -> Iterator[list[Array]]:
        """:meth:`evaluate`'s values (one array per term) at ``θ + t d`` for each ``t`` of
        ``steps`` (see :meth:`operator_values_along`)."""
        lines = [self.operator_values_along(theta, direction, x, term, steps) for term in terms]
        return (list(values) for values in zip(*lines, strict=True))

    def _values_from(self, z: Array, W: Array, a: Array, c: Array, grouped: tuple, xp: Any, theta: Array) -> Array:
        """``𝓛v`` from the pre-activations ``z`` and ``W, a, c`` (``grouped``: :meth:`_grouped`'s)."""
        orders, coefficients = grouped
        if len(orders) == 1:  # one order (a Laplacian, or values): that derivative alone
            (q,) = orders
            derivative, factor = single_derivative(self.activation, z, xp, q)
            if q == 0:
                return (factor * coefficients[0][0]) * (derivative @ a + c)
            weights = (W**q) @ backend.as_array_like(coefficients[q], theta)
            return derivative @ ((factor * a) * weights)
        sigma = ACTIVATIONS[self.activation](z, xp, max(orders))
        total = None
        for q in orders:
            if q == 0:
                term = coefficients[0][0] * (sigma[0] @ a + c)
            else:
                term = sigma[q] @ (a * ((W**q) @ backend.as_array_like(coefficients[q], theta)))
            total = term if total is None else total + term
        return total

    def _grouped(self, operator: Mapping[str, float]) -> tuple[list[int], dict[int, np.ndarray]]:
        """The orders ``q`` an operator needs and its coefficients by order and axis, validated
        once per operator (a cost evaluation should not parse its operator again)."""
        key = tuple(operator.items())
        try:
            hash(key)
        except TypeError:  # an unhashable coefficient: let the validation say what is wrong
            _Spec(operator, self.in_dim)
            raise
        cache = self.__dict__.setdefault("_grouped_cache", {})
        if key not in cache:
            spec = _Spec(operator, self.in_dim)  # validates the terms and coefficients
            coefficients = {q: np.zeros(self.in_dim) for q in range(3)}
            coefficients[0][0] = spec.seeds[0]
            coefficients[1][spec.axes] = spec.first
            coefficients[2][spec.axes] = spec.second
            orders = [q for q in range(3) if coefficients[q].any()] or [0]  # an all-zero operator is 0·v
            if len(cache) > 16:  # operators are few; a caller building new ones must not grow this
                cache.clear()
            cache[key] = (orders, coefficients)
        return cache[key]

    def _pack(self, xp: Any, dW: Array, db: Array, da: Array, dc: float, m: int) -> Array:
        """Jacobian ``(m, p)`` in the order of θ: ``[W (row-major), b, a, c]``."""
        dc_column = xp.full((m, 1), dc, dtype=db.dtype)
        return backend.concat(xp, [xp.reshape(dW, (m, -1)), db, da, dc_column], axis=1)

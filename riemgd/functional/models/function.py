"""``Function``: any user function ``fun(θ, x)``, differentiated by autograd if needed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from riemgd.functional.models.base import Array, Model, check_theta, parse_term


class Function(Model):
    """A model given by a user function, ``v_θ = fun(θ, x)``.

    Args:
        fun: ``fun(theta, x)`` returning the discretized ``v_θ`` at the points
            ``x`` (shape ``(m,)``, or ``(m, q)``; ``x`` is ``None`` on a
            :class:`~riemgd.spaces.Weighted` space, where ``fun`` returns the
            coefficient vector). Write it with ``autograd.numpy`` when
            autograd is to differentiate it; it must act point by point for
            x-derivatives.
        num_params: ``p``.
        jacobian: Optional ``jacobian(theta, x)`` of shape ``(m, p)``
            (``(m, q, p)``); autograd computes it when omitted (numpy only).

    The model pickles when ``fun`` (and ``jacobian``) do: module-level
    functions do, ``lambda`` expressions and local functions do not.
    """

    def __init__(self, fun: Callable[[Array, Array], Array], num_params: int, jacobian: Callable | None = None):
        if not callable(fun):
            raise TypeError(f"fun must be callable, got {type(fun).__name__}")
        if jacobian is not None and not callable(jacobian):
            raise TypeError(f"jacobian must be callable, got {type(jacobian).__name__}")
        if int(num_params) != num_params or num_params < 1:
            raise ValueError(f"num_params must be a positive integer, got {num_params}")
        self.fun, self.num_params, self._jacobian = fun, int(num_params), jacobian

    def _term_function(self, term: str) -> Callable[[Array, Array], Array]:
        order, axis = parse_term(term)
        if order == 0:
            return self.fun
        from autograd import elementwise_grad

        def component(g: Array, x: Array) -> Array:
            return g if x.ndim == 1 else g[:, axis]

        def first(theta: Array, x: Array) -> Array:
            return component(elementwise_grad(lambda y: self.fun(theta, y))(x), x)

        if order == 1:
            return first

        def second(theta: Array, x: Array) -> Array:
            return component(elementwise_grad(lambda y: first(theta, y))(x), x)

        return second

    def evaluate(
        self, theta: Array, x: Array, terms: Sequence[str] = ("value",), *, jacobian: bool = True
    ) -> tuple[list[Array], list[Array] | None]:
        check_theta(theta, self.num_params)
        values, jacobians = [], []
        for term in terms:
            fun = self._term_function(term)
            value = fun(theta, x)
            values.append(value)
            if not jacobian:
                continue
            if term == "value" and self._jacobian is not None:
                jac = self._jacobian(theta, x)
            else:
                from autograd import jacobian as autograd_jacobian

                jac = autograd_jacobian(fun, 0)(theta, x)
            expected = (*tuple(value.shape), self.num_params)
            if tuple(getattr(jac, "shape", ())) != expected:
                raise ValueError(
                    f"jacobian must return shape {expected} for term {term!r}, got {getattr(jac, 'shape', None)}"
                )
            jacobians.append(jac)
        return values, (jacobians if jacobian else None)

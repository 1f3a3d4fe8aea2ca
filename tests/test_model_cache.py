"""The ModelManifold point cache: identity as the fast path, a content check for the user's
arrays, states freed with their points, nothing handed out for writing, nothing pickled."""

import gc
import pickle

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces
from riemgd.functional import manifold as manifold_module

X = np.linspace(0.0, 1.0, 30)
W = np.full(30, 1 / 30)


def target(x):
    return np.sin(3.0 * x)


def network_problem(**kwargs):
    manifold = riemgd.ModelManifold(models.ShallowNetwork(1, 4), spaces.L2(X, W), **kwargs)
    return riemgd.Problem(manifold, losses.L2(target)), manifold


class Counting(models.ShallowNetwork):
    """Counts the Jacobian evaluations."""

    jacobians = 0

    def evaluate(self, theta, x, terms=("value",), *, jacobian=True):
        type(self).jacobians += bool(jacobian)
        return super().evaluate(theta, x, terms, jacobian=jacobian)


def test_a_users_point_edited_in_place_is_recomputed():
    problem, manifold = network_problem()
    theta = manifold.model.initial_parameters(0).copy()
    before = float(problem.cost(theta))
    theta[0] += 1.0  # the user's own array: its contents are checked before a reuse
    after = float(problem.cost(theta))
    fresh = float(problem.cost(theta.copy()))
    assert after == fresh and after != before


def test_points_the_manifold_makes_are_read_only_and_the_users_are_untouched():
    _, manifold = network_problem()
    theta = manifold.model.initial_parameters(0).copy()
    c = np.full(theta.size, 0.1)
    moved = manifold.retraction(theta, c)
    assert theta.flags.writeable and c.flags.writeable  # never the user's arrays
    with pytest.raises(ValueError):
        moved[0] = 0.0
    with pytest.raises(ValueError):
        manifold.random_point(rng=0)[0] = 0.0
    np.testing.assert_array_equal(moved, theta + c)


def test_identity_is_the_fast_path(monkeypatch):
    problem, manifold = network_problem()
    calls = []
    same = manifold_module._same

    def counting(a, b):
        calls.append(1)
        return same(a, b)

    monkeypatch.setattr(manifold_module, "_same", counting)
    theta = manifold.model.initial_parameters(0).copy()
    riemgd.GradientDescent(0.1, max_iterations=10, min_gradient_norm=0).run(problem, initial_point=theta)
    # only the user's initial point is compared by content (today: about 12 per iteration)
    assert len(calls) <= 12


def test_the_cache_frees_states_of_dead_points():
    _, manifold = network_problem()
    theta = manifold.random_point(rng=0)
    manifold.solver(theta)
    other = manifold.retraction(theta, np.full(theta.size, 0.1))
    manifold.solver(other)
    assert len(manifold._states) == 2
    del theta, other
    gc.collect()
    assert len(manifold._states) == 0


def test_a_run_keeps_at_most_two_jacobian_sized_states():
    problem, manifold = network_problem()
    seen = []

    def callback(iterate):
        seen.append(sum(state.whitened is not None for state in manifold._states))

    theta = manifold.random_point(rng=1)
    optimizer = riemgd.HeavyBall(0.1, 0.5, max_iterations=8, min_gradient_norm=0, log_verbosity=1)
    optimizer.run(problem, initial_point=theta, callback=callback)
    assert max(seen) <= 2


def test_evaluations_happen_once_per_point():
    Counting.jacobians = 0
    manifold = riemgd.ModelManifold(Counting(1, 4), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(target))
    theta = manifold.random_point(rng=2)
    riemgd.HeavyBall(0.1, 0.5, max_iterations=6, min_gradient_norm=0).run(problem, initial_point=theta)
    assert Counting.jacobians == 7  # one Jacobian per iterate θ₀ … θ₆, the transport's reused


@pytest.mark.parametrize("method", ["embed", "function_values", "gram"])
def test_cached_arrays_are_handed_out_read_only(method):
    problem, manifold = network_problem()
    theta = manifold.random_point(rng=0)
    cost, natural = float(problem.cost(theta)), problem.riemannian_gradient(theta)
    gram = manifold.gram(theta).copy()
    handed = getattr(manifold, method)(theta)
    with pytest.raises(ValueError):
        handed[0] = 123.0
    assert float(problem.cost(theta)) == cost
    np.testing.assert_array_equal(problem.riemannian_gradient(theta), natural)
    np.testing.assert_array_equal(manifold.gram(theta), gram)


def test_a_pickled_manifold_does_not_carry_its_cache():
    problem, manifold = network_problem()
    size = len(pickle.dumps(manifold))
    result = riemgd.GradientDescent(0.1, max_iterations=5).run(problem, initial_point=manifold.random_point(rng=0))
    assert manifold._states and result.point is manifold._states[0].point()  # the run filled the cache ...
    carried = len(pickle.dumps(manifold))
    manifold._states = []
    assert carried == len(pickle.dumps(manifold))  # ... which does not travel
    assert abs(carried - size) < 16  # (the space remembers the last sampling token)
    clone = pickle.loads(pickle.dumps(problem))
    theta = manifold.random_point(rng=3)
    assert float(clone.cost(theta)) == float(problem.cost(theta))


def test_a_new_sample_invalidates_the_cached_evaluations():
    space = spaces.L2(X, W, batch_size=10, rng=0)
    manifold = riemgd.ModelManifold(models.ShallowNetwork(1, 3), space)
    problem = riemgd.Problem(manifold, losses.L2(target))
    theta = manifold.random_point(rng=0)
    problem.begin_iteration(0)
    first = np.array(manifold.embed(theta))
    problem.begin_iteration(1)
    np.testing.assert_allclose(manifold.embed(theta), manifold.model(theta, space.points), rtol=1e-14)
    assert not np.array_equal(first, manifold.embed(theta))


class CountingLinear(models.Linear):
    """Counts the evaluations, with and without the Jacobian (its evaluate is Linear's:
    it says again that the Jacobian is constant)."""

    constant_jacobian = True

    def __init__(self, features):
        super().__init__(features, np.eye(4))
        self.calls = []

    def evaluate(self, theta, x, terms=("value",), *, jacobian=True):
        self.calls.append(bool(jacobian))
        return super().evaluate(theta, x, terms, jacobian=jacobian)


def _features(x):
    return np.stack([np.ones_like(x), x, np.sin(5.0 * x), np.cos(7.0 * x)], axis=1)


def test_a_constant_jacobian_is_evaluated_once_per_sample_not_once_per_point():
    # Linear's J = Φ does not depend on θ: after the first point, the natural gradient at a new θ
    # needs only the values Φθ (one evaluation), not a second Φθ next to J
    space = spaces.L2(X, W)
    model = CountingLinear(_features)
    manifold = riemgd.ModelManifold(model, space)
    problem = riemgd.Problem(manifold, losses.L2(target))
    problem.riemannian_gradient(np.ones(4))
    model.calls.clear()
    theta = np.array([0.3, -1.0, 2.0, 0.5])
    gradient = problem.riemannian_gradient(theta)
    assert model.calls == [False]
    # against the weighted least-squares normal equations: grad = G⁻¹ Φᵀ K (Φθ − u)
    phi = _features(X)
    expected = np.linalg.lstsq(np.sqrt(W)[:, None] * phi, np.sqrt(W) * (phi @ theta - target(X)), rcond=None)[0]
    np.testing.assert_allclose(gradient, expected, rtol=1e-10)


def test_a_constant_jacobian_is_formed_again_on_a_new_sample():
    space = spaces.L2(X, W, batch_size=10, rng=0)
    manifold = riemgd.ModelManifold(models.Linear(_features, np.eye(4)), space)
    problem = riemgd.Problem(manifold, losses.L2(target))
    for iteration in range(3):
        problem.begin_iteration(iteration)
        theta = np.array([0.3, -1.0, 2.0, 0.5]) + iteration  # a new point on each new sample
        x, w = space.points, space.weights
        phi = _features(x)
        expected = np.linalg.lstsq(np.sqrt(w)[:, None] * phi, np.sqrt(w) * (phi @ theta - target(x)), rcond=None)[0]
        np.testing.assert_allclose(problem.riemannian_gradient(theta), expected, rtol=1e-9)


def test_a_pickled_manifold_does_not_carry_a_constant_jacobian():
    manifold = riemgd.ModelManifold(models.Linear(np.ones((30, 4)) + np.eye(30, 4)), spaces.L2(X, W))
    size = len(pickle.dumps(manifold))
    manifold.gram(np.ones(4))
    assert manifold._constant_jacobian() is not None
    assert len(pickle.dumps(manifold)) < size + 16


class ThetaDependentLinear(models.Linear):
    """A user's subclass whose evaluate makes the Jacobian depend on θ (J = (1 + θ₀) Φ):
    it inherits ``constant_jacobian = True`` from Linear, which must not be trusted."""

    def evaluate(self, theta, x, terms=("value",), *, jacobian=True):
        phi = _features(x)
        scale = 1.0 + theta[0]
        values = scale * (phi @ theta)
        jac = scale * phi
        jac[:, 0] += phi @ theta  # ∂/∂θ₀ of (1 + θ₀) Φθ
        return [values], ([jac] if jacobian else None)


def test_a_subclass_that_evaluates_otherwise_is_not_taken_for_a_constant_jacobian():
    manifold = riemgd.ModelManifold(ThetaDependentLinear(_features, np.eye(4)), spaces.L2(X, W))
    problem = riemgd.Problem(manifold, losses.L2(target))
    problem.riemannian_gradient(np.ones(4))
    theta = np.array([0.3, -1.0, 2.0, 0.5])
    phi = _features(X)
    jac = (1.0 + theta[0]) * phi
    jac[:, 0] += phi @ theta
    residual = (1.0 + theta[0]) * (phi @ theta) - target(X)
    expected = np.linalg.lstsq(np.sqrt(W)[:, None] * jac, np.sqrt(W) * residual, rcond=None)[0]
    np.testing.assert_allclose(problem.riemannian_gradient(theta), expected, rtol=1e-9)

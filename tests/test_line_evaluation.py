"""Costs along a line, ``f(R_θ(t d))`` for a grid of ``t`` at once (``Problem.costs_along``):
the shallow network's affine pre-activations ``z + t dz`` against the points one by one, and
the grid line search that uses them against the one that does not."""

import numpy as np
import pytest
from test_mlp import poisson_2d

import riemgd
from riemgd import losses, models, spaces
from riemgd.optimizers import GridSearch

STEPS = [0.5**k for k in range(12)]


@pytest.mark.parametrize("activation", ["tanh", "sin"])
@pytest.mark.parametrize("operator", ["value", {"dd0": -1.0, "dd1": -1.0}, {"value": 0.5, "d0": 2.0, "dd1": -3.0}])
def test_shallow_network_values_along_a_line_are_the_values_at_each_point(activation, operator):
    net = models.ShallowNetwork(2, 6, activation)
    rng = np.random.default_rng(0)
    theta, direction = net.initial_parameters(1) + 0.1, rng.standard_normal(net.num_params)
    x = rng.uniform(-1.0, 1.0, (9, 2))
    line = list(net.operator_values_along(theta, direction, x, operator, STEPS))
    assert len(line) == len(STEPS)
    for t, values in zip(STEPS, line, strict=True):
        expected, _ = net.evaluate_operator(theta + t * direction, x, operator, jacobian=False)
        np.testing.assert_allclose(values, expected, rtol=1e-13, atol=1e-13)


def test_shallow_network_values_along_check_their_input_before_the_first_step():
    net = models.ShallowNetwork(2, 3)
    theta = net.initial_parameters(0)
    with pytest.raises(ValueError, match="theta must have shape"):
        net.operator_values_along(theta, np.ones(3), np.zeros((4, 2)), "value", STEPS)
    with pytest.raises(ValueError, match="2 coordinates"):
        net.operator_values_along(theta, theta, np.zeros((4, 3)), "value", STEPS)


def _problems():
    pde = poisson_2d(5, 3)
    net = models.ShallowNetwork(2, 5)
    energy = riemgd.Problem(pde.energy_manifold(net, damping=1e-8), pde.energy_loss())
    x = np.linspace(-1.0, 1.0, 25)
    fit = riemgd.Problem(riemgd.ModelManifold(models.ShallowNetwork(1, 4), spaces.L2(x)), losses.L2(np.sin(3.0 * x)))
    return {"energy": energy, "fit": fit}


@pytest.mark.parametrize("name", ["energy", "fit"])
def test_costs_along_a_line_are_the_costs_of_the_retracted_points(name):
    problem = _problems()[name]
    manifold = problem.manifold
    theta = manifold.model.initial_parameters(3)
    direction = -np.asarray(problem.riemannian_gradient(theta))
    costs = problem.costs_along(theta, direction, STEPS)
    expected = [float(problem.cost(manifold.retraction(theta, t * direction))) for t in STEPS]
    np.testing.assert_allclose(costs, expected, rtol=1e-12)


def test_costs_along_are_none_where_the_work_cannot_be_shared():
    pde = poisson_2d(4, 2)
    deep = riemgd.Problem(pde.energy_manifold(models.MLP((2, 4, 1)), damping=1e-8), pde.energy_loss())
    theta = deep.manifold.model.initial_parameters(0)
    assert deep.costs_along(theta, theta, STEPS) is None  # the MLP evaluates point by point
    sphere = riemgd.Problem(riemgd.Sphere(3), lambda x: x[0], euclidean_gradient=lambda x: np.eye(3)[0])
    assert sphere.costs_along(np.eye(3)[1], np.eye(3)[0], STEPS) is None

    class Shifted(losses.L2):  # a cost other than L(v_θ): its own, never the shared one
        def cost(self, manifold, theta):
            return super().cost(manifold, theta) + 1.0

    fit = _problems()["fit"]
    shifted = riemgd.Problem(fit.manifold, Shifted(fit.loss.target))
    assert shifted.costs_along(np.zeros(fit.manifold.dim), np.ones(fit.manifold.dim), STEPS) is None


class PointByPoint(riemgd.Problem):
    """The same problem without the shared line: the grid search evaluates each trial point."""

    def costs_along(self, point, tangent_vector, steps):
        return None


def test_grid_search_along_the_line_takes_the_steps_of_the_search_point_by_point():
    pde = poisson_2d(6, 4)
    net = models.ShallowNetwork(2, 6)
    theta0 = net.initial_parameters(4)
    runs = []
    for kind in (riemgd.Problem, PointByPoint):
        problem = kind(pde.energy_manifold(net, damping=1e-8), pde.energy_loss())
        optimizer = riemgd.GradientDescent(GridSearch(31), max_iterations=8, min_gradient_norm=0.0, min_step_size=0.0)
        runs.append((problem, optimizer.run(problem, initial_point=theta0)))
    (problem, along), (_, by_point) = runs
    assert problem.costs_along(theta0, theta0, [1.0]) is not None  # the shared path was there to take
    np.testing.assert_allclose(along.point, by_point.point, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(along.cost, by_point.cost, rtol=1e-12)
    assert along.cost_evaluations == by_point.cost_evaluations == 8 * 31 + 1
    assert along.cost < 0.5 * float(problem.cost(theta0))

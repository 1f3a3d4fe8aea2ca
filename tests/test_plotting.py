"""riemgd.plot_convergence: the lines it draws are the logged data, on a log scale."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import riemgd

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

N = 6
A = np.diag(np.arange(1.0, N + 1.0)) + 0.2 * np.ones((N, N))


def runs():
    problem = riemgd.Problem(riemgd.Sphere(N), lambda x: -x @ A @ x, euclidean_gradient=lambda x: -2.0 * A @ x)
    start = riemgd.Sphere(N).random_point(rng=0)
    options = {"max_iterations": 15, "min_gradient_norm": 0.0, "log_verbosity": 1}
    return (
        riemgd.GradientDescent(0.05, **options).run(problem, initial_point=start),
        riemgd.Nesterov(0.05, 0.5, **options).run(problem, initial_point=start),
    )


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_writes_a_figure_with_one_line_per_run_holding_the_logged_data(tmp_path):
    gd, nesterov = runs()
    ax = riemgd.plot_convergence(gd, nesterov, labels=["GD", "Nesterov"], y="gradient_norm")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["GD", "Nesterov"]
    for line, result in zip(lines, (gd, nesterov), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(result.iterations + 1))
        np.testing.assert_array_equal(line.get_ydata(), result.log["iterations"]["gradient_norm"])
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["GD", "Nesterov"]
    path = tmp_path / "convergence.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_against_time_on_given_axes_with_the_cost_gap():
    gd, nesterov = runs()
    optimum = -float(np.linalg.eigvalsh(A)[-1])  # min of −xᵀAx on the sphere
    _, ax = plt.subplots()
    returned = riemgd.plot_convergence(gd, nesterov, x="time", optimum=optimum, ax=ax, color="k")
    assert returned is ax
    for line, result in zip(ax.get_lines(), (gd, nesterov), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), result.log["iterations"]["time"])
        np.testing.assert_allclose(line.get_ydata(), np.array(result.log["iterations"]["cost"]) - optimum)
        assert line.get_color() == "k"
    assert [line.get_label() for line in ax.get_lines()] == ["GradientDescent", "Nesterov"]  # default labels
    assert ax.get_yscale() == "log" and "f*" in ax.get_ylabel()
    assert ax.get_legend() is not None  # two results
    assert riemgd.plot_convergence(gd, labels=["GD"], legend=False).get_legend() is None


def test_a_callable_y_is_evaluated_at_every_logged_point_and_floored():
    gd, _ = runs()
    top = np.linalg.eigh(A)[1][:, -1]

    def distance(x):
        return min(np.linalg.norm(x - top), np.linalg.norm(x + top))

    ax = riemgd.plot_convergence(gd, y=distance, floor=1e-3)
    expected = np.maximum([distance(p) for p in gd.log["iterations"]["point"]], 1e-3)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), expected)
    assert ax.get_ylabel() == "distance"


def test_a_column_added_to_the_history_can_be_plotted():
    gd, nesterov = runs()
    for result in (gd, nesterov):
        result.history["error"] = [abs(c + 7.2) for c in result.history["cost"]]
    ax = riemgd.plot_convergence(gd, nesterov, y="error")
    for line, result in zip(ax.get_lines(), (gd, nesterov), strict=True):
        np.testing.assert_array_equal(line.get_ydata(), result.history["error"])
    gd.history["short"] = [1.0, 2.0]
    with pytest.raises(ValueError, match="shape"):
        riemgd.plot_convergence(gd, y="short")


def test_negative_costs_keep_a_linear_axis():
    gd, _ = runs()  # −xᵀAx < 0
    ax = riemgd.plot_convergence(gd)
    assert ax.get_yscale() == "linear"
    assert riemgd.plot_convergence(gd, yscale="symlog").get_yscale() == "symlog"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": "steps"}, "x must be one of"),
        ({"y": "grad"}, "y must be one of"),
        ({"y": "point"}, "y must be one of"),
        ({"labels": ["one", "two"]}, "one entry per result"),
        ({"y": "gradient_norm", "optimum": 0.0}, "optimum"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    gd, _ = runs()
    with pytest.raises(ValueError, match=message):
        riemgd.plot_convergence(gd, **kwargs)


def test_a_result_without_history_or_no_result_is_refused():
    problem = riemgd.Problem(riemgd.Sphere(N), lambda x: -x @ A @ x)
    bare = riemgd.GradientDescent(max_iterations=2, min_gradient_norm=0.0).run(problem)
    with pytest.raises(ValueError, match="log_verbosity=1"):
        riemgd.plot_convergence(bare)
    with pytest.raises(ValueError, match="at least one"):
        riemgd.plot_convergence()


def test_without_matplotlib_the_error_names_the_extra(monkeypatch):
    gd, _ = runs()
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"riemgd\[plot\]"):
        riemgd.plot_convergence(gd)

"""Progress output (print_every, verbosity, the tqdm bar), the compact result
(repr, summary), the history as columns, and the reproducible default start."""

from __future__ import annotations

import re
import sys
import types

import numpy as np
import pytest
from conftest import MANIFOLDS, OPTIMIZERS

import riemgd
from riemgd.optimizers import DEFAULT_SEED, History

N = 6
A = np.diag(np.arange(1.0, N + 1.0)) + 0.2 * np.ones((N, N))
ROW = re.compile(r"^\s*(\d+)\s+([+-]\d\.\d{16}e[+-]\d+)\s+(\d\.\d{8}e[+-]\d+)\s+(\S+)\s+(\d+\.\d{3})$")


def rayleigh(n: int = N, matrix: np.ndarray = A) -> riemgd.Problem:
    return riemgd.Problem(riemgd.Sphere(n), lambda x: -x @ matrix @ x, euclidean_gradient=lambda x: -2.0 * matrix @ x)


def start(n: int = N) -> np.ndarray:
    return riemgd.Sphere(n).random_point(rng=0)


def run(capsys=None, **kwargs):
    kwargs = {"max_iterations": 10, "min_gradient_norm": 0.0, "log_verbosity": 1, **kwargs}
    return riemgd.GradientDescent(0.05, **kwargs).run(rayleigh(), initial_point=start())


# ------------------------------------------------------------------ print_every
@pytest.mark.parametrize("every", [1, 3, 4, 20])
def test_print_every_prints_a_header_the_chosen_rows_and_the_reason(every, capsys):
    result = run(print_every=every)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["iteration", "cost", "gradient", "norm", "step", "size", "time", "[s]"]
    assert lines[-1] == result.stopping_criterion
    rows = [ROW.match(line) for line in lines[1:-1]]
    assert all(rows), lines
    iterations = [int(m.group(1)) for m in rows]
    assert iterations == sorted({*range(0, 11, every), 10})  # every k-th, and the last iterate
    history = result.history
    for m in rows:  # the printed figures are the logged ones
        k = int(m.group(1))
        assert float(m.group(2)) == pytest.approx(history["cost"][k], rel=1e-15)
        assert float(m.group(3)) == pytest.approx(history["gradient_norm"][k], rel=1e-8)
        step = float(m.group(4))
        assert np.isnan(step) if k == 0 else step == pytest.approx(history["step_size"][k], rel=1e-3)
        assert float(m.group(5)) >= 0.0


def test_verbosity_two_is_print_every_one(capsys):
    run(verbosity=2)
    by_verbosity = capsys.readouterr().out.splitlines()
    run(print_every=1)
    by_print_every = capsys.readouterr().out.splitlines()

    def untimed(lines):  # a row as its iteration number; the final line without its seconds
        return [ROW.sub(lambda m: m.group(1), line) for line in lines[:-1]] + [lines[-1].rsplit(",", 1)[0]]

    assert untimed(by_verbosity) == untimed(by_print_every)
    assert untimed(by_verbosity)[1:-1] == [str(k) for k in range(11)]


def test_print_every_overrides_the_row_per_iteration_of_verbosity_two(capsys):
    run(verbosity=2, print_every=5)
    rows = [int(m.group(1)) for m in map(ROW.match, capsys.readouterr().out.splitlines()) if m]
    assert rows == [0, 5, 10]


@pytest.mark.parametrize("value", [0, -1, 2.5, "3"])
def test_print_every_must_be_a_positive_integer(value):
    with pytest.raises((ValueError, TypeError), match="print_every"):
        riemgd.GradientDescent(print_every=value)


EVERY_OPTIMIZER = {
    **OPTIMIZERS,
    "newton": lambda **kw: riemgd.Newton(**kw),
    "spring": lambda **kw: riemgd.Spring(0.05, **kw),
}


@pytest.mark.parametrize("name", sorted(EVERY_OPTIMIZER))
def test_every_optimizer_takes_print_every(name, capsys):
    # SPRING needs coordinates (a Euclidean or model manifold): the quadratic ½‖x − 1‖² on R⁴
    problem = riemgd.Problem(riemgd.Euclidean(4), lambda x: 0.5 * np.sum((x - 1.0) ** 2))
    optimizer = EVERY_OPTIMIZER[name](max_iterations=4, min_gradient_norm=0.0, min_step_size=0.0, print_every=2)
    result = optimizer.run(problem, initial_point=np.zeros(4))
    lines = capsys.readouterr().out.splitlines()
    rows = [int(m.group(1)) for m in map(ROW.match, lines) if m]
    assert rows == sorted({*range(0, result.iterations + 1, 2), result.iterations})
    assert lines[-1] == result.stopping_criterion


# ---------------------------------------------------------------- progress bar
def test_progress_bar_shows_iterations_cost_and_gradient_norm(capsys):
    pytest.importorskip("tqdm")
    result = run(progress=True, max_iterations=25)
    captured = capsys.readouterr()
    assert captured.out == ""  # the bar is on stderr
    final = captured.err.replace("\r", "\n").splitlines()[-1]
    assert "25/25" in final and "max_iterations" in final
    cost = float(re.search(r"cost=(\S+),", final).group(1))
    gradient = float(re.search(r"grad=(\S+?),", final).group(1))
    assert cost == pytest.approx(result.cost, rel=1e-6)
    assert gradient == pytest.approx(result.gradient_norm, rel=1e-3)
    assert re.search(r"\d\d:\d\d", final)  # tqdm's elapsed time


def test_progress_without_tqdm_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    with pytest.raises(ImportError, match=r"riemgd\[progress\]"):
        riemgd.GradientDescent(progress=True)
    riemgd.GradientDescent(progress=False)  # no bar asked: no tqdm needed


def test_progress_must_be_a_bool():
    with pytest.raises(TypeError, match="progress"):
        riemgd.GradientDescent(progress=1)


# --------------------------------------------------------------- repr, summary
def test_repr_of_a_300_dimensional_logged_run_is_compact():
    n = 300
    matrix = np.diag(np.linspace(1.0, 2.0, n))
    result = riemgd.GradientDescent(0.2, max_iterations=200, min_gradient_norm=0.0, log_verbosity=1).run(
        rayleigh(n, matrix), initial_point=start(n)
    )
    text = repr(result)
    assert len(text) < 1024, len(text)
    assert len(text.splitlines()) <= 8
    assert "ndarray(300,) float64" in text and "History(201 iterates" in text
    assert f"cost={result.cost!r}" in text and "reason='max_iterations'" in text
    assert len(repr(result.history)) < 200 and len(str(result.log)) < 2000


def test_summary_lists_the_main_figures():
    result = riemgd.GradientDescent(max_iterations=30).run(rayleigh(), initial_point=start())
    text = result.summary()
    assert isinstance(text, str) and repr(text) == str(text)  # shows as a table at the prompt
    lines = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in text.splitlines()[1:])
    assert float(lines["cost"]) == result.cost
    assert float(lines["gradient norm"]) == pytest.approx(result.gradient_norm, rel=1e-6)
    assert int(lines["iterations"]) == result.iterations
    assert int(lines["cost evaluations"]) == result.cost_evaluations
    assert int(lines["gradient evaluations"]) == result.gradient_evaluations
    assert lines["time"].endswith(" s")
    assert lines["stopping reason"] == result.stopping_criterion
    assert text.splitlines()[0].startswith(f"GradientDescent ({result.reason})")


# -------------------------------------------------------------------- history
def test_history_converts_to_arrays_and_keeps_the_log_dict_access():
    result = run(max_iterations=7)
    history = result.history
    assert isinstance(history, History) and history is result.log["iterations"]
    assert history.num_iterates == 8
    arrays = history.to_arrays()
    assert sorted(arrays) == ["cost", "gradient_norm", "iteration", "step_size", "time"]
    np.testing.assert_array_equal(arrays["iteration"], np.arange(8))
    for key in ("cost", "gradient_norm", "step_size", "time"):
        assert arrays[key].dtype == np.float64 and arrays[key].shape == (8,)
        np.testing.assert_array_equal(arrays[key], np.array(result.log["iterations"][key]))
    points = history.to_arrays(points=True)["point"]
    assert points.shape == (8, N)
    np.testing.assert_array_equal(points[0], start())
    np.testing.assert_array_equal(points[-1], result.point)
    costs = [-p @ A @ p for p in points]  # independent: the cost at each logged point
    np.testing.assert_allclose(arrays["cost"], costs, rtol=1e-14)


def test_history_of_a_product_manifold_stacks_each_component():
    manifold = riemgd.Product([riemgd.Sphere(3), riemgd.Euclidean(2)])
    problem = riemgd.Problem(manifold, lambda x: -x[0] @ np.diag([1.0, 2.0, 3.0]) @ x[0] + x[1] @ x[1])
    result = riemgd.GradientDescent(0.1, max_iterations=4, min_gradient_norm=0.0, log_verbosity=1).run(problem)
    sphere_part, euclidean_part = result.history.to_arrays(points=True)["point"]
    assert sphere_part.shape == (5, 3) and euclidean_part.shape == (5, 2)
    np.testing.assert_array_equal(euclidean_part[-1], result.point[1])


def test_history_to_dataframe_passes_the_columns_to_pandas(monkeypatch):
    captured = {}

    def data_frame(data, index):
        captured.update(data=data, index=index)
        return "frame"

    fake = types.SimpleNamespace(DataFrame=data_frame, Index=lambda values, name: (name, list(values)))
    monkeypatch.setitem(sys.modules, "pandas", fake)
    result = run(max_iterations=3)
    assert result.history.to_dataframe() == "frame"
    assert captured["index"] == ("iteration", [0, 1, 2, 3])
    assert sorted(captured["data"]) == ["cost", "gradient_norm", "step_size", "time"]
    np.testing.assert_array_equal(captured["data"]["cost"], result.log["iterations"]["cost"])


def test_history_to_dataframe_without_pandas_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pandas"):
        run(max_iterations=2).history.to_dataframe()


def test_history_with_real_pandas():
    pandas = pytest.importorskip("pandas")
    frame = run(max_iterations=3).history.to_dataframe()
    assert isinstance(frame, pandas.DataFrame) and list(frame.index) == [0, 1, 2, 3]


def test_history_without_a_log_says_how_to_get_one():
    result = run(log_verbosity=0)
    with pytest.raises(ValueError, match="log_verbosity=1"):
        _ = result.history


# ------------------------------------------------------- reproducible start
def parts(point):
    return tuple(point) if isinstance(point, tuple) else (point,)


def assert_same_point(got, expected):
    for part, want in zip(parts(got), parts(expected), strict=True):
        np.testing.assert_array_equal(part, want)


@pytest.mark.parametrize("name", sorted(MANIFOLDS))
def test_default_initial_point_is_the_documented_seed(name):
    manifold = MANIFOLDS[name]()
    problem = riemgd.Problem(manifold, lambda x: 0.0, riemannian_gradient=manifold.zero_vector)
    optimizer = riemgd.GradientDescent(0.1, max_iterations=0, log_verbosity=1)
    for _ in range(2):
        assert_same_point(optimizer.run(problem).history["point"][0], manifold.random_point(rng=DEFAULT_SEED))
    assert_same_point(optimizer.run(problem, rng=7).history["point"][0], manifold.random_point(rng=7))


def test_model_manifold_runs_without_initial_point_are_reproducible():
    from riemgd import losses, models, spaces

    x, w = spaces.gauss_legendre(32)
    manifold = riemgd.ModelManifold(models.ShallowNetwork(1, 4), spaces.L2(x, w))
    problem = riemgd.Problem(manifold, losses.L2(lambda x: np.sin(2 * np.pi * x)))
    costs = {riemgd.GradientDescent(max_iterations=30).run(problem).cost for _ in range(3)}
    assert len(costs) == 1
    seeded = riemgd.GradientDescent(max_iterations=30).run(problem, initial_point=manifold.random_point(rng=0))
    assert costs == {seeded.cost}


def test_rng_and_initial_point_together_are_refused():
    with pytest.raises(ValueError, match="initial_point or rng"):
        riemgd.GradientDescent().run(rayleigh(), initial_point=start(), rng=1)


def test_pymanopt_manifold_start_is_seeded_and_leaves_numpys_global_state_alone():
    pymanopt = pytest.importorskip("pymanopt")
    problem = riemgd.Problem(pymanopt.manifolds.Sphere(N), lambda x: -x @ A @ x)
    optimizer = riemgd.GradientDescent(max_iterations=0, min_gradient_norm=0.0, log_verbosity=1)
    np.random.seed(11)
    expected_next = np.random.rand()
    np.random.seed(11)
    first = optimizer.run(problem).history["point"][0]
    second = optimizer.run(problem).history["point"][0]
    assert np.random.rand() == expected_next  # the seeded draw restored the global state
    np.testing.assert_array_equal(first, second)
    assert optimizer.run(problem, rng=3).history["point"][0] @ first != pytest.approx(1.0)

"""Sample-parallel natural gradient on Dask (riemgd.chunked): a space on dask arrays
chunked along samples gives the in-memory iterates, chunk by chunk.

Where each test runs: ``scheduler`` parametrizes the threaded scheduler (no
cluster) and a ``distributed.LocalCluster`` of 2 in-process workers
(``processes=False``, one thread each: fast, and robust on 2 cores); the fault
test starts its own cluster of 2 worker processes (``processes=True``) and
kills one of them mid-run.

Tolerance of the in-memory comparison: ``1e-10`` on the iterates (``θ`` of
order one, ``G`` of condition ~10²). The only difference is the order of
summation: ``G = Σ_c (S_cJ_c)ᵀ(S_cJ_c)``, ``(SJ)ᵀb`` and the inner products are
summed per chunk and then over chunks, where in memory one BLAS call sums
all rows; each sum differs by a few ulps (``~1e-16`` relative), the solve
amplifies that by ``κ(G)``, and the iterates agree to about ``1e-14``.
"""

from __future__ import annotations

import concurrent.futures
import os
import signal

import numpy as np
import pytest

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import riemgd  # noqa: E402
from riemgd import backend, chunked, losses, models, spaces  # noqa: E402
from riemgd.optimizers import Armijo  # noqa: E402

M, CHUNK, P, K = 1200, 300, 4, 6
TOLERANCE = 1e-10  # summation order only (module docstring)


def features(x: np.ndarray) -> np.ndarray:
    """Chebyshev features ``T_0 … T_5`` on ``[0, 1]``."""
    return np.polynomial.chebyshev.chebvander(2.0 * x - 1.0, K - 1)


def target(x: np.ndarray) -> np.ndarray:
    return np.exp(np.sin(3.0 * x))


def _data():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, M)
    w = rng.uniform(0.5, 1.5, M) / M
    B = rng.standard_normal((P, K))
    Q = 0.3 * rng.standard_normal((P, P, K))
    theta0 = 0.3 * rng.standard_normal(P)
    return x, w, models.Quadratic(features, B, Q), theta0


X, W, MODEL, THETA0 = _data()


def chunked_space(**kwargs) -> spaces.L2:
    return spaces.L2(da.from_array(X, chunks=CHUNK), da.from_array(W, chunks=CHUNK), **kwargs)


def iterates(space, optimizer, solver: str = "parameter") -> np.ndarray:
    manifold = riemgd.ModelManifold(MODEL, space, solver=solver)
    problem = riemgd.Problem(manifold, losses.L2(target))
    points: list[np.ndarray] = []
    optimizer.run(problem, initial_point=THETA0, callback=lambda it: points.append(np.array(it.point)))
    return np.array(points)


@pytest.fixture(scope="module")
def cluster_client():
    """2 in-process workers, one thread each."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0", memory_limit=0
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(params=["threads", "distributed"])
def scheduler(request):
    if request.param == "threads":
        with dask.config.set(scheduler="threads"):
            yield None
    else:
        client = request.getfixturevalue("cluster_client")
        with dask.config.set(scheduler=client):
            yield client


OPTIMIZERS = {
    "natural gradient": lambda: riemgd.GradientDescent(0.5, max_iterations=6, min_gradient_norm=0.0),
    "natural gradient, Armijo": lambda: riemgd.GradientDescent(
        line_search=Armijo(), max_iterations=6, min_gradient_norm=0.0
    ),
    "heavy ball LM": lambda: riemgd.HeavyBall(0.3, 0.5, max_iterations=6, min_gradient_norm=0.0),
    "heavy ball FD": lambda: riemgd.HeavyBall(0.3, 0.5, "FD", max_iterations=6, min_gradient_norm=0.0),
    "Nesterov": lambda: riemgd.Nesterov(0.3, 0.5, max_iterations=6, min_gradient_norm=0.0),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_iterates_equal_in_memory_threads(name):
    with dask.config.set(scheduler="threads"):
        expected = iterates(spaces.L2(X, W), OPTIMIZERS[name]())
        got = iterates(chunked_space(), OPTIMIZERS[name]())
    assert got.shape == expected.shape == (7, P)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)
    assert np.abs(expected[-1] - expected[0]).max() > 1e-2  # the runs moved


@pytest.mark.parametrize("name", ["natural gradient", "heavy ball LM", "Nesterov"])
def test_iterates_equal_in_memory_distributed(name, cluster_client):
    with dask.config.set(scheduler=cluster_client):
        expected = iterates(spaces.L2(X, W), OPTIMIZERS[name]())
        got = iterates(chunked_space(), OPTIMIZERS[name]())
    assert got.shape == expected.shape == (7, P)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)
    assert np.abs(expected[-1] - expected[0]).max() > 1e-2  # the runs moved


def test_cg_products_chunk_wise():
    """The CG solver's products ``(SJ)ᵀ(SJ c)`` on a chunked ``SJ`` give the in-memory CG iterates."""
    with dask.config.set(scheduler="threads"):
        expected = iterates(
            spaces.L2(X, W), riemgd.HeavyBall(0.3, 0.5, max_iterations=3, min_gradient_norm=0.0), solver="cg"
        )
        got = iterates(
            chunked_space(), riemgd.HeavyBall(0.3, 0.5, max_iterations=3, min_gradient_norm=0.0), solver="cg"
        )
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


def test_matrix_free_cg_runs_the_model_products_per_chunk():
    """``solver="cg"`` with a model that has ``jvp``/``vjp`` (no ``J`` formed): ``J c`` and
    ``Jᵀ y = Σ_c J_cᵀ y_c`` per chunk give the in-memory iterates (``λ = 10⁻²``: κ moderate)."""
    network = models.ShallowNetwork(1, 4)
    theta = network.initial_parameters(0)
    runs = []
    with dask.config.set(scheduler="threads"):
        for space in (spaces.L2(X, W), chunked_space()):
            manifold = riemgd.ModelManifold(network, space, solver="cg", damping=1e-2)
            assert manifold._products_free  # the model's products, not a formed SJ
            problem = riemgd.Problem(manifold, losses.L2(target))
            runs.append(
                riemgd.HeavyBall(0.3, 0.5, max_iterations=4, min_gradient_norm=0.0)
                .run(problem, initial_point=theta)
                .point
            )
    np.testing.assert_allclose(runs[1], runs[0], rtol=0, atol=TOLERANCE)
    assert np.abs(runs[0] - theta).max() > 1e-2


class Chebyshev(models.Model):
    """``v_θ(x) = Σ_k θ_k T_k(x)``, ``p`` Chebyshev polynomials on ``[-1, 1]``: ``J = Φ``."""

    def __init__(self, p: int):
        self.num_params = p

    def evaluate(self, theta, x, terms=("value",), *, jacobian=True):
        phi = np.polynomial.chebyshev.chebvander(x, self.num_params - 1)
        return [phi @ theta], ([phi] if jacobian else None)


def test_reductions_are_per_chunk_and_stay_on_workers(cluster_client):
    """``G``, ``∇_θL`` and the cost against a dense numpy computation; ``S J`` persisted in
    4 chunks of 8 MB, each held by exactly one worker (none copied elsewhere, none on the
    client). Chunks this large make Dask run every task on ``S J`` where its chunk is
    (moving one would cost more than waiting); work stealing, which may move a task to
    an idle worker, is off."""
    rows, p = 20_000, 50
    x = np.cos(np.pi * np.random.default_rng(1).uniform(size=4 * rows))
    w = np.full(x.size, 1.0 / x.size)
    model, theta = Chebyshev(p), np.random.default_rng(2).standard_normal(p) / p
    with dask.config.set({"scheduler": cluster_client, "distributed.scheduler.work-stealing": False}):
        space = spaces.L2(da.from_array(x, chunks=rows), da.from_array(w, chunks=rows))
        manifold = riemgd.ModelManifold(model, space, solver="parameter")
        loss = losses.L2(target)
        gram, gradient = manifold.gram(theta), loss.euclidean_gradient(manifold, theta)
        cost = loss.cost(manifold, theta)
        manifold.norm(theta, gradient)  # one more pass over S J
        whitened = manifold._whitened(theta)
        held = cluster_client.who_has(whitened)
    J = np.polynomial.chebyshev.chebvander(x, p - 1)
    r = J @ theta - target(x)
    np.testing.assert_allclose(gram, J.T @ (w[:, None] * J), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gradient, J.T @ (w * r), rtol=1e-11, atol=1e-15)
    assert isinstance(gram, np.ndarray) and isinstance(gradient, np.ndarray)
    assert cost == pytest.approx(0.5 * np.sum(w * r**2), rel=1e-12)
    assert whitened.chunks[0] == (rows,) * 4
    assert len(held) == 4 and all(len(workers) == 1 for workers in held.values()), held


def test_sobolev_layout_matches_in_memory(scheduler):
    """``H¹`` (values and x-derivatives stacked): the chunked layout is the in-memory one."""
    network = models.ShallowNetwork(1, 5)
    theta = network.initial_parameters(3)
    memory = riemgd.ModelManifold(network, spaces.H1(X, W), solver="parameter")
    dask_backed = riemgd.ModelManifold(network, spaces.H1(da.from_array(X, chunks=CHUNK), W), solver="parameter")
    np.testing.assert_allclose(backend.to_numpy(dask_backed.embed(theta)), memory.embed(theta), rtol=0, atol=1e-14)
    np.testing.assert_allclose(dask_backed.gram(theta), memory.gram(theta), rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- mini-batches per chunk
def expected_batch(seed: int, iteration: int, rows: int, drawn: int) -> tuple[np.ndarray, np.ndarray]:
    """The batch of iteration ``k``, drawn independently here: chunk ``c`` takes ``drawn``
    of its ``rows`` points from ``SeedSequence(seed, spawn_key=(k, c))``, weights × rows / drawn."""
    index = []
    for c in range(M // rows):
        generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(iteration, c)))
        index.append(c * rows + np.sort(generator.choice(rows, size=drawn, replace=False)))
    index = np.concatenate(index)
    return X[index], W[index] * (rows / drawn)


def test_mini_batches_are_drawn_per_chunk(scheduler):
    space = chunked_space(batch_size=100, rng=7)
    assert space.resample(3)
    points, weights = expected_batch(7, 3, CHUNK, 25)
    np.testing.assert_array_equal(backend.to_numpy(space.points), points)
    np.testing.assert_allclose(backend.to_numpy(space.weights), weights, rtol=1e-15)
    assert space.points.chunks[0] == (25,) * 4  # each chunk's batch stayed in its chunk


def test_stochastic_natural_gradient_equals_in_memory_steps(scheduler):
    """Three natural-gradient steps on per-chunk mini-batches equal three in-memory
    steps ``θ ← θ − ½ G_k⁻¹ ∇L_k`` on spaces built from the independently drawn batches."""
    got = iterates(
        chunked_space(batch_size=100, rng=11), riemgd.GradientDescent(0.5, max_iterations=3, min_gradient_norm=0.0)
    )
    theta = THETA0
    for k in range(3):
        np.testing.assert_allclose(got[k], theta, rtol=0, atol=TOLERANCE)
        manifold = riemgd.ModelManifold(MODEL, spaces.L2(*expected_batch(11, k, CHUNK, 25)), solver="parameter")
        gradient = losses.L2(target).euclidean_gradient(manifold, theta)
        theta = theta - 0.5 * np.linalg.solve(manifold.gram(theta), gradient)
    np.testing.assert_allclose(got[3], theta, rtol=0, atol=TOLERANCE)


def test_batch_sizes_follow_the_chunks():
    assert chunked.batch_sizes((300, 300, 200), 80) == (30, 30, 20)
    assert chunked.batch_sizes((10, 10, 10), 4) == (2, 1, 1)  # remainders 1/3 each: ties to the first
    with pytest.raises(ValueError, match="batch_size must give every chunk"):
        chunked.batch_sizes((500, 10), 20)  # the small chunk would draw 0.39 → 0 points


# ---------------------------------------------------------------- bad input
def test_bad_input_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="sampler is not supported on chunked"):
        chunked_space(sampler=lambda rng: (X, W))
    with pytest.raises(ValueError, match="batch_size must give every chunk"):
        chunked_space(batch_size=3)  # 4 chunks

    class Wrong(models.Model):
        num_params = P

        def evaluate(self, theta, x, terms=("value",), *, jacobian=True):
            return [np.zeros(x.shape[0] + 1)], None

    with dask.config.set(scheduler="threads"):  # the space's chunks are persisted on the scheduler it is built on
        manifold = riemgd.ModelManifold(Wrong(), chunked_space(), solver="parameter")
        with pytest.raises(ValueError, match=r"on a chunk of 300 points must have"):
            backend.to_numpy(manifold.embed(THETA0))


# ---------------------------------------------------------------- a worker lost mid-run
def test_a_killed_worker_is_recomputed_and_the_run_completes():
    """A ``LocalCluster`` of 2 worker processes; at iteration 3 one worker is killed
    (SIGKILL; its persisted chunks of ``v_θ`` and ``S J`` are lost). Dask recomputes
    them from the graph and the heavy-ball run ends with the in-memory iterates; a
    run that cannot recover must stop with ``error.partial_result`` holding the last
    good point, not hang (every wait here has a timeout)."""
    expected = iterates(spaces.L2(X, W), riemgd.HeavyBall(0.3, 0.5, max_iterations=6, min_gradient_norm=0.0))
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", memory_limit=0
    )
    client = distributed.Client(cluster, timeout=30)
    try:
        pids = client.run(os.getpid)
        killed = []

        def kill_at_iteration_3(iterate):
            if iterate.iteration == 3:
                os.kill(next(iter(pids.values())), signal.SIGKILL)
                killed.append(True)

        with dask.config.set(scheduler=client):  # the points are persisted on this cluster
            manifold = riemgd.ModelManifold(MODEL, chunked_space(), solver="parameter")
        problem = riemgd.Problem(manifold, losses.L2(target))
        points: list[np.ndarray] = []

        def run():
            def callback(iterate):
                points.append(np.array(iterate.point))
                kill_at_iteration_3(iterate)

            optimizer = riemgd.HeavyBall(0.3, 0.5, max_iterations=6, min_gradient_norm=0.0)
            with dask.config.set(scheduler=client):
                return optimizer.run(problem, initial_point=THETA0, callback=callback)

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            try:
                result = pool.submit(run).result(timeout=120)
            except Exception as error:  # a clean stop: the last good point comes with the error
                partial = getattr(error, "partial_result", None)
                assert partial is not None, f"the run failed without a partial result: {error!r}"
                np.testing.assert_allclose(partial.point, expected[len(points) - 1], rtol=0, atol=TOLERANCE)
                pytest.fail(f"Dask did not recompute the lost chunks ({error!r}); the run stopped cleanly")
        assert killed
        np.testing.assert_allclose(np.array(points), expected, rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(result.point, expected[-1], rtol=0, atol=TOLERANCE)
    finally:
        client.close(timeout=30)
        cluster.close(timeout=30)

"""Stochastic spaces, reproducibly: the sample of iteration k depends only on
(seed, k); copies are independent; threads sharing a space do not see each
other's samples."""

from __future__ import annotations

import copy
import itertools
import pickle
import threading

import numpy as np
import pytest

import riemgd
from riemgd import losses, models, spaces

X = np.linspace(0.0, 1.0, 40)
W = np.full(40, 1.0 / 40)


def features(x):
    return np.stack([np.ones_like(x), np.sin(np.pi * x), np.cos(np.pi * x)], axis=1)


def target(x):
    return np.exp(x)


def sampler(rng):
    return spaces.monte_carlo(12, [(0.0, 1.0)], rng)


def batch_space(rng=7):
    return spaces.L2(X, W, batch_size=6, rng=rng)


def sampler_space(rng=7):
    return spaces.L2(*sampler(np.random.default_rng(0)), sampler=sampler, rng=rng)


KINDS = {"batch": batch_space, "sampler": sampler_space}


def sample(space, iteration):
    space.resample(iteration)
    return space.points.copy(), space.weights.copy()


def assert_same(a, b):
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


# ------------------------------------------------ the sample depends on (seed, k)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_sample_of_an_iteration_depends_only_on_seed_and_iteration(kind):
    forward = KINDS[kind]()
    drawn = {k: sample(forward, k) for k in range(6)}
    shuffled = KINDS[kind]()
    for k in (5, 2, 0, 3, 3, 1, 4):  # any order, repeats included
        assert_same(sample(shuffled, k), drawn[k])
    assert all(not np.array_equal(drawn[k][0], drawn[k + 1][0]) for k in range(5))  # a new sample each k
    other = KINDS[kind](rng=8)
    assert any(not np.array_equal(sample(other, k)[0], drawn[k][0]) for k in range(6))


def test_a_second_call_for_the_same_iteration_keeps_the_sample():
    space = batch_space()
    assert space.resample(3) is True
    version = space.version
    assert space.resample(3) is False  # a space shared by manifold and loss draws once per iteration
    assert space.version == version
    assert space.resample(4) is True and space.version != version


def test_iteration_none_draws_from_a_running_stream():
    a, b = batch_space(), batch_space()
    stream = [sample(a, None) for _ in range(4)]
    assert all(not np.array_equal(s[0], t[0]) for s, t in itertools.pairwise(stream))
    for expected in stream:  # seeded: the same stream from the same seed
        assert_same(sample(b, None), expected)


def test_rng_none_draws_its_seed_once_and_exposes_it():
    space = spaces.L2(X, W, batch_size=6)
    drawn = sample(space, 2)
    assert_same(sample(space, 1), sample(spaces.L2(X, W, batch_size=6, rng=space.seed), 1))
    assert_same(sample(space, 2), drawn)  # the same space gives the same sample every time
    assert spaces.L2(X, W, batch_size=6).seed != space.seed  # fresh entropy per space


def test_a_generator_is_asked_for_one_seed_at_construction():
    first = spaces.L2(X, W, batch_size=6, rng=np.random.default_rng(3))
    second = spaces.L2(X, W, batch_size=6, rng=np.random.default_rng(3))
    assert first.seed == second.seed
    assert_same(sample(first, 5), sample(second, 5))


@pytest.mark.parametrize("iteration", [-1, 1.5, "2", True])
def test_iteration_must_be_a_non_negative_integer(iteration):
    with pytest.raises(ValueError, match="iteration must be a non-negative integer or None"):
        batch_space().resample(iteration)


@pytest.mark.parametrize("rng", [-3, 2.5, "seed", np.random.RandomState(0)])
def test_rng_must_be_a_seed_or_a_generator(rng):
    with pytest.raises(TypeError, match="rng must be a non-negative integer seed, a numpy Generator or None"):
        spaces.L2(X, W, batch_size=6, rng=rng)


def test_sampler_returning_the_wrong_shapes():
    def columns(rng):
        points, weights = sampler(rng)
        return points[:, None, None], weights

    def short_weights(rng):
        points, weights = sampler(rng)
        return points, weights[:-1]

    def one_array(rng):
        return sampler(rng)[0]

    for fun, match in [
        (columns, r"sampler must return points of shape \(m,\).*got \(12, 1, 1\)"),
        (short_weights, r"sampler must return one weight per point, shape \(12,\), got \(11,\)"),
        (one_array, r"sampler must return a pair \(points, weights\)"),
    ]:
        space = spaces.L2(X, W, sampler=fun, rng=0)
        with pytest.raises((ValueError, TypeError), match=match):
            space.resample(0)


# ------------------------------------------------------ whole runs, reproducibly
def run(space, initial=(1.0, -1.0, 0.5), iterations=8, problem=None, callback=None):
    if problem is None:
        manifold = riemgd.ModelManifold(models.Linear(features, np.eye(3)), space)
        problem = riemgd.Problem(manifold, losses.L2(target))
    optimizer = riemgd.GradientDescent(0.3, max_iterations=iterations, min_gradient_norm=0.0, log_verbosity=1)
    return optimizer.run(problem, initial_point=np.array(initial), callback=callback)


def trajectory(result):
    return np.array(result.log["iterations"]["point"]), np.array(result.log["iterations"]["cost"])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_running_twice_on_one_space_gives_the_same_result(kind):
    space = KINDS[kind]()
    first, second = run(space), run(space)  # a fresh Problem each time: iterations counted from the start
    for a, b in zip(trajectory(first), trajectory(second), strict=True):
        np.testing.assert_array_equal(a, b)
    assert first.cost == second.cost


def test_running_one_problem_twice_gives_the_same_result():
    space = batch_space()
    manifold = riemgd.ModelManifold(models.Linear(features, np.eye(3)), space)
    problem = riemgd.Problem(manifold, losses.L2(target))
    first, second = run(space, problem=problem), run(space, problem=problem)
    np.testing.assert_array_equal(trajectory(first)[0], trajectory(second)[0])


def test_a_deep_copy_is_an_independent_space():
    space = batch_space()
    space.resample(1)
    twin = copy.deepcopy(space)
    untouched = copy.deepcopy(space)
    np.testing.assert_array_equal(twin.points, space.points)  # starts from the copied sample
    for _ in range(3):
        space.resample(None)  # advances only the original's stream
    assert_same(sample(twin, None), sample(untouched, None))
    before = space.points.copy()
    twin.resample(6)
    np.testing.assert_array_equal(space.points, before)  # drawing on the copy leaves the original alone
    assert_same(sample(twin, 6), sample(space, 6))  # same seed: same samples


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_pickled_space_gives_the_same_run(kind):
    space = KINDS[kind]()
    expected = trajectory(run(space))
    copied = pickle.loads(pickle.dumps(space))
    for a, b in zip(trajectory(run(copied)), expected, strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------ threads
def test_a_thread_drawing_from_a_shared_space_does_not_change_another_threads_run():
    space = batch_space()
    expected = trajectory(run(space))
    turn_main, turn_other = threading.Semaphore(0), threading.Semaphore(0)
    done = threading.Event()
    draws = []

    def other():  # between every two iterations of the run, draw a sample of its own
        while not done.is_set():
            if turn_other.acquire(timeout=0.05):
                draws.append(sample(space, None))
                turn_main.release()

    def ping_pong(iterate):
        turn_other.release()
        assert turn_main.acquire(timeout=10)

    worker = threading.Thread(target=other)
    worker.start()
    try:
        result = run(space, callback=ping_pong)
    finally:
        done.set()
        worker.join()
    assert len(draws) == 9  # the other thread really drew between the iterations
    for a, b in zip(trajectory(result), expected, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_two_threads_running_on_one_space_match_the_serial_runs(kind):
    space = KINDS[kind]()
    starts = [(1.0, -1.0, 0.5), (0.0, 2.0, -1.0)]
    expected = [trajectory(run(space, start)) for start in starts]
    barrier = threading.Barrier(2)
    results = [None, None]

    def lockstep(iterate):
        barrier.wait(timeout=10)  # interleave the two runs iteration by iteration

    def work(i):
        results[i] = run(space, starts[i], callback=lockstep)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for result, reference in zip(results, expected, strict=True):
        for a, b in zip(trajectory(result), reference, strict=True):
            np.testing.assert_array_equal(a, b)

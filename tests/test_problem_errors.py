"""Errors a user of autograd or of pymanopt 0.x meets, caught early with what to do."""

from __future__ import annotations

import traceback

import numpy as np
import pytest
import scipy.linalg

import riemgd
from riemgd.problem import LEGACY_KEYWORDS, AutogradError

A = np.diag([1.0, 2.0, 3.0])


def float_cost(x):
    return float(x @ A @ x)  # float() of autograd's ArrayBox


def expm_cost(x):
    return np.trace(scipy.linalg.expm(np.outer(x, x)))  # scipy cannot take a traced array


@pytest.mark.parametrize(
    ("cost", "cause", "hint"),
    [(float_cost, TypeError, "float()"), (expm_cost, ValueError, "scipy.linalg.expm")],
    ids=["float", "expm"],
)
def test_a_cost_autograd_cannot_trace_fails_at_the_first_evaluation_with_advice(cost, cause, hint):
    problem = riemgd.Problem(riemgd.Sphere(3), cost)
    with pytest.raises(AutogradError) as caught:
        riemgd.GradientDescent().run(problem, initial_point=np.array([1.0, 0.0, 0.0]))
    message = str(caught.value)
    assert hint in message and "autograd.numpy" in message and "euclidean_gradient=" in message
    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value.__cause__, cause)  # the original error, chained
    # raised from riemgd's own frames (Problem.check → the autograd wrapper), not 13 frames down in autograd
    frames = traceback.extract_tb(caught.value.__traceback__)
    assert frames[-1].filename.endswith("problem.py")
    assert not any("autograd" in frame.filename for frame in frames)


def test_the_same_cost_with_a_euclidean_gradient_runs():
    problem = riemgd.Problem(riemgd.Sphere(3), float_cost, euclidean_gradient=lambda x: 2.0 * A @ x)
    result = riemgd.GradientDescent().run(problem, initial_point=np.array([1.0, 1.0, 1.0]) / np.sqrt(3.0))
    assert result.cost == pytest.approx(1.0, abs=1e-9)  # the smallest eigenvalue of A


def test_a_cost_that_fails_on_plain_arrays_keeps_its_own_error():
    def broken(x):
        raise ZeroDivisionError("the user's bug")

    problem = riemgd.Problem(riemgd.Euclidean(2), broken)
    with pytest.raises(ZeroDivisionError, match="the user's bug"):
        problem.euclidean_gradient(np.ones(2))


@pytest.mark.parametrize("old", sorted(LEGACY_KEYWORDS))
def test_pymanopt_0x_keywords_name_the_new_ones(old):
    with pytest.raises(TypeError, match=rf"{old}= is pymanopt 0.x's name.*{LEGACY_KEYWORDS[old]}="):
        riemgd.Problem(riemgd.Sphere(3), lambda x: x @ x, **{old: lambda x: 2 * x})


@pytest.mark.parametrize("old", sorted(LEGACY_KEYWORDS))
def test_the_new_names_are_the_ones_problem_takes(old):
    problem = riemgd.Problem(riemgd.Sphere(3), lambda x: x @ x, **{LEGACY_KEYWORDS[old]: lambda *a: a[-1]})
    assert isinstance(problem, riemgd.Problem)


def test_an_unknown_keyword_is_still_a_plain_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'gradient'"):
        riemgd.Problem(riemgd.Sphere(3), lambda x: x @ x, gradient=lambda x: 2 * x)

"""Interoperability with other Riemannian optimization libraries."""

from riemgd.interop.pymanopt import PymanoptManifold, PymanoptProblem, as_riemgd_problem

__all__ = ["PymanoptManifold", "PymanoptProblem", "as_riemgd_problem"]

"""riemgd manifolds are pymanopt manifolds, without importing pymanopt.

pymanopt's backend decorators (``pymanopt.function.autograd(manifold)``,
``…numpy(manifold)``) and nothing else refuse a manifold by
``isinstance(manifold, pymanopt.manifolds.manifold.Manifold)``; that class is
an ``abc.ABCMeta`` class, so ``Manifold.register(riemgd.manifolds.Manifold)``
makes every riemgd manifold pass the check (a virtual subclass: no pymanopt
code is inherited or changed, and ``issubclass`` answers True).

pymanopt stays optional and is never imported by riemgd (importing it takes a
second and switches JAX to 64-bit): when pymanopt's manifold module is already
loaded, :func:`install` registers at once; otherwise it puts a finder on
``sys.meta_path`` that wraps the loader of ``pymanopt.manifolds.manifold``
and registers right after that module runs, whichever of the two libraries is
imported first.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from typing import Any

_MODULE = "pymanopt.manifolds.manifold"


def _register(module: Any, riemgd_class: type) -> None:
    base = getattr(module, "Manifold", None)
    register = getattr(base, "register", None)
    if register is not None:  # an ABCMeta class, as in pymanopt 2.x
        register(riemgd_class)


class _RegisteringLoader(importlib.abc.Loader):
    """pymanopt's own loader, plus the registration after the module has run."""

    def __init__(self, loader: importlib.abc.Loader, riemgd_class: type):
        self._loader, self._class = loader, riemgd_class

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        _register(module, self._class)

    def __getattr__(self, name: str) -> Any:  # get_source, get_code, … for tracebacks and inspect
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds ``pymanopt.manifolds.manifold`` through the other finders and wraps its loader."""

    def __init__(self, riemgd_class: type):
        self._class = riemgd_class

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != _MODULE:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _RegisteringLoader(spec.loader, self._class)
                return spec
        return None


def install(riemgd_class: type) -> None:
    """Make ``riemgd_class`` a virtual subclass of pymanopt's ``Manifold``, now or
    when pymanopt is imported (idempotent)."""
    module = sys.modules.get(_MODULE)
    if module is not None:
        _register(module, riemgd_class)
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder(riemgd_class))  # also for a later importlib.reload of pymanopt

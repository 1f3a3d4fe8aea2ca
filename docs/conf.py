"""Sphinx configuration for the riemgd documentation.

Build from the repository root with warnings as errors::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Only extensions that ship with Sphinx are used, the theme is Sphinx's default
(alabaster), and nothing is fetched from the network at build time.

The gallery page (``gallery.rst``) includes ``generated/gallery.inc``, which
this file writes at build time from whatever ``examples/*.py`` scripts exist:
title from each script's module docstring, its figure only when
``_static/gallery/<name>.png`` exists, so a missing script or figure never
produces a warning.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # riemgd importable from a plain checkout, too

import riemgd  # noqa: E402

# -- Project -----------------------------------------------------------------
project = "riemgd"
author = "riemgd developers"
copyright = "riemgd developers"
release = riemgd.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build", "generated", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []
root_doc = "index"
language = "en"
pygments_style = "sphinx"
default_role = "math"  # `x` in the prose pages is inline math (the docstrings use ``literal``)

# -- autodoc / autosummary / napoleon ----------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the Google-style "Args:" sections carry the types and shapes
autodoc_inherit_docstrings = False  # show what each class itself documents, not the base class again
autodoc_default_options: dict[str, object] = {}  # each directive says what it shows
autodoc_class_signature = "mixed"
autosummary_generate = False  # summary tables only; every object is documented once, by hand-placed autodoc
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = False

# -- HTML --------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"riemgd {release}"
html_static_path = ["_static"]
html_theme_options = {
    "description": "Natural gradient, heavy ball and Nesterov in function space, on a manifold abstraction",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "240px",
}
html_show_sourcelink = True

# -- The gallery, generated from examples/*.py -------------------------------

EXAMPLES = ROOT / "examples"
FIGURES = DOCS / "_static" / "gallery"
GENERATED = DOCS / "generated"

# A short description per script (rst), keyed by the script's name without ".py".
# Scripts not listed here get the second paragraph of their docstring, if that
# parses as clean reStructuredText, or nothing.
GALLERY_DESCRIPTIONS = {
    "01_orthonormal_linear": (
        "The seed's first toy example: a linear model `v_\\theta = \\theta^T\\Phi` in an "
        "`L^2`-orthonormal basis. Its Gram matrix is the identity, so gradient descent and natural "
        "gradient descent produce the same iterates and move straight towards the projection of the target."
    ),
    "02_biased_features": (
        "The same linear model with a mixing matrix, `v_\\theta = \\theta^T B\\Phi`. Now `G = B B^T \\neq I`: "
        "gradient descent follows a curved, biased path in function space, while natural gradient "
        "(`G^{-1}\\nabla_\\theta L`) moves along the straight segment to the projection of the target "
        "and, with step 1, reaches it in one step."
    ),
    "03_non_isotropic_loss": (
        "A non-isotropic loss `\\tfrac12\\|u - v\\|_K^2` with an SPD matrix `K`: natural gradient with the "
        "Gram matrix of the `K` metric (`G = B K B^T`, a :class:`~riemgd.spaces.Weighted` space) goes "
        "straight to the target, the isotropic `L^2` Gram matrix is biased, the Hessian-weighted Gram matrix "
        "removes the bias, and Newton's method produces the natural-gradient iterates."
    ),
    "04_quadratic_manifold": (
        "A curved model manifold, the quadratic model `v_\\theta = (\\theta^T B + \\tfrac12\\theta^T Q\\theta)\\Phi` "
        "(:class:`~riemgd.models.Quadratic`), whose Gram matrix depends on `\\theta`: natural gradient, "
        "heavy ball and Nesterov in functional form all reach the same best approximation, the momentum "
        "methods in fewer iterations."
    ),
    "05_escaping_local_minima": (
        "The seed's model `v_\\theta = \\theta\\, b^T\\Phi + \\theta^2\\, b^{\\perp T}\\Phi` has a worse local "
        "minimum; natural gradient stops in it, while heavy ball (LM variant, momentum transported by "
        "projection) and Nesterov carry enough speed to cross the barrier to the better one."
    ),
    "06_twisted_loss_momentum": (
        "A loss that is not the squared `V`-norm, `\\tfrac12\\|f(u) - f(v)\\|_K^2` "
        "(:class:`~riemgd.losses.Composite`): natural gradient with the plain Gram matrix is biased; "
        "the seed's remedies are compared — the LM, FD and LG momentum variants, Nesterov, and the "
        "Hessian-weighted Gram matrix `G^H = J^T H_L J`."
    ),
    "07_mackey_glass": (
        "A less toy example after Park, Amari & Fukumizu (2000): prediction of the Mackey–Glass chaotic "
        "time series by a shallow network with 4 inputs and 10 neurons (61 parameters), by gradient "
        "descent, natural gradient and natural gradient with momentum."
    ),
    "08_pinn_convection_diffusion": (
        "A physics-informed network for `-\\varepsilon v'' + v' = 1` on `(0, 1)` "
        "(:class:`~riemgd.losses.PDEResidual`), the seed's PDE-residual example, trained by natural "
        "gradient with and without momentum."
    ),
    "09_poisson_2d_energy_ng": (
        "Energy natural gradient (Müller & Zeinhofer 2023) for a Poisson problem in two dimensions: the "
        "Gram matrix of the PDE residual map, from "
        ":meth:`PDEResidual.energy_manifold <riemgd.losses.PDEResidual.energy_manifold>`."
    ),
    "10_rosenbrock_composite": (
        "The Rosenbrock function as a composite problem `L(f(x))` (Grosse, CSC 2541, lecture 3): "
        "gradient descent bounces across the valley, while natural gradient with the output metric pulled "
        "back (here also the Gauss–Newton matrix) moves the output straight towards the minimizer."
    ),
    "11_fisher_natural_gradient": (
        "Natural gradient in the classic sense, with the Fisher information as the metric: maximum "
        "likelihood for a Gaussian in two coordinate systems (the natural-gradient path does not depend "
        "on them), logistic regression with a :class:`~riemgd.spaces.Pullback` space and "
        ":class:`~riemgd.spaces.BernoulliFisher`, and a KL trust-region step."
    ),
    "12_pymanopt_problems": (
        "Classical matrix manifolds: one :class:`~riemgd.Problem` each on the sphere, the Stiefel manifold "
        "and the SPD cone, handed both to riemgd's optimizers and to pymanopt's solvers; every method "
        "must reach the known optimum."
    ),
}


def _module_docstring(path: Path) -> str:
    """The script's module docstring ("" when it cannot be read or parsed)."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    try:
        return ast.get_docstring(ast.parse(source)) or ""
    except (SyntaxError, ValueError):  # a script being written right now
        match = re.match(r'\s*(?:[rRuU]?)("""|\'\'\')(.*?)\1', source, re.S)
        return match.group(2).strip() if match else ""


def _is_clean_rst(text: str) -> bool:
    """True when ``text`` parses as reStructuredText without any system message."""
    if not text.strip():
        return False
    from docutils import nodes
    from docutils.core import publish_doctree

    try:
        tree = publish_doctree(text, settings_overrides={"report_level": 5, "halt_level": 5, "warning_stream": False})
    except Exception:
        return False
    return not any(True for _ in tree.findall(nodes.system_message))


def _literal(text: str) -> str:
    """``text`` as an inline literal that cannot break the page."""
    return "``" + text.replace("`", "'") + "``" if text else ""


def _gallery_entry(path: Path) -> str:
    name = path.stem
    doc = _module_docstring(path)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", doc) if p.strip()]
    title = paragraphs[0].splitlines()[0].strip().rstrip(".") if paragraphs else ""
    heading = f"{name}: {title}" if title else name
    if not _is_clean_rst(heading) or "\n" in heading:
        heading = name
    description = GALLERY_DESCRIPTIONS.get(name, "")
    if not description and len(paragraphs) > 1 and _is_clean_rst(paragraphs[1]):
        description = paragraphs[1]
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        source = ""
    fast = "--fast" in source or "_common" in source
    from docutils.utils import column_width

    lines = [f".. _gallery-{name}:", "", heading, "-" * column_width(heading), ""]
    if description:
        lines += [description, ""]
    figure = FIGURES / f"{name}.png"
    if figure.is_file() and not re.search(r"\s", name):  # image paths cannot hold whitespace
        lines += [
            f".. image:: /_static/gallery/{name}.png",
            f"   :alt: figure of examples/{name}.py",
            "   :width: 100%",
            "",
        ]
    lines += ["Run it from the repository root:", "", ".. code-block:: bash", ""]
    lines += [f"   python examples/{name}.py"]
    if fast:
        lines += [
            f"   python examples/{name}.py --fast                            # a quick smoke run",
            f"   python examples/{name}.py --output docs/_static/gallery     # this page's figure",
        ]
    lines += [
        "",
        f".. literalinclude:: ../examples/{name}.py",
        "   :language: python",
        f"   :caption: examples/{name}.py",
        "",
        "",
    ]
    return "\n".join(lines)


def write_gallery() -> None:
    """Write ``generated/gallery.inc`` (only when its contents change, so that
    an unchanged gallery does not force a rebuild)."""
    scripts = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")) if EXAMPLES.is_dir() else []
    if scripts:
        parts = [
            "The scripts, in order:",
            "",
            *[f"* :ref:`{p.stem} <gallery-{p.stem}>`" for p in scripts],
            "",
            "",
        ]
        parts += [_gallery_entry(p) for p in scripts]
    else:
        parts = ["No example scripts were found in ``examples/`` when this page was built.", ""]
    text = "\n".join(parts)
    GENERATED.mkdir(exist_ok=True)
    target = GENERATED / "gallery.inc"
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


write_gallery()

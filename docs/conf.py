"""Sphinx configuration for the riemgd documentation.

Build from the repository root with warnings as errors::

    sphinx-build -W --keep-going -b html docs docs/_build/html

The site is self-contained: the theme (pydata-sphinx-theme), the copy button
and MathJax (bundled by ``sphinx-mathjax-offline``) are all served from the
build's own ``_static/``, so it shows its formulas without a network
(``tests/test_docs_offline.py`` checks that no page loads a remote script or
stylesheet).

The gallery (``gallery/``) is made by sphinx-gallery from ``examples/*.py``:
every script is run, with ``--fast`` (see ``_ext/riemgd_gallery.py``;
``RIEMGD_GALLERY_FULL=1`` runs the full-size versions), and its page shows
the script, its printed tables and its figure; a script that fails fails the
build.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # riemgd importable from a plain checkout, too
sys.path.insert(0, str(DOCS / "_ext"))  # riemgd_gallery: the gallery's reset_argv
sys.path.insert(0, str(ROOT / "examples"))  # the examples import their helper module _common

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
    "sphinx-mathjax-offline",  # MathJax 3 from the build's own _static/mathjax, not from a CDN
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
]
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []
root_doc = "index"
language = "en"
default_role = "math"  # `x` in the prose pages is inline math (the docstrings use ``literal``)
highlight_language = "none"  # "::" blocks hold formulas and tables; code says its language

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
# pydata-sphinx-theme: the theme of numpy, scipy, matplotlib and scikit-learn, made
# for sphinx-gallery pages and API references; every asset it needs is bundled.
html_theme = "pydata_sphinx_theme"
html_title = f"riemgd {release}"
html_static_path = ["_static"]
html_css_files = ["riemgd.css"]
html_theme_options = {
    "logo": {"text": f"riemgd {version}"},
    "navbar_align": "left",
    "header_links_before_dropdown": 6,  # the rest under "More": one row at 1280 px
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": {
        # (patterns that do not overlap: "*" does not match "/")
        "*": ["page-toc", "sourcelink"],
        "howto/*": ["page-toc", "sourcelink"],
        "api/*": ["page-toc", "sourcelink"],
        "gallery/*": [],  # the full width for the script; its download links are on the page
    },
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_show_sourcelink = True
# no left bar on pages without sub-pages (it would be empty) and on the gallery's
html_sidebars = {page: [] for page in ("index", "getting_started", "theory", "choosing", "benchmarks", "changelog")}
html_sidebars["gallery/*"] = []

# -- sphinx-copybutton -------------------------------------------------------
copybutton_prompt_text = r">>> |\.\.\. |\$ "  # copy the code, not the prompts
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = False  # blocks without prompts are copied whole

# -- sphinx-gallery ----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",  # relative to this folder
    "gallery_dirs": "gallery",
    "filename_pattern": r"[\\/]\d\d_[^\\/]*\.py$",  # run every numbered script ...
    "ignore_pattern": r"(^|[\\/])_[^\\/]*\.py$",  # ... but show no private helper (_common.py)
    "within_subsection_order": "FileNameSortKey",
    "reset_argv": "riemgd_gallery.reset_argv",  # --fast, unless RIEMGD_GALLERY_FULL=1
    "notebook_extensions": set(),  # the scripts read command-line flags: offer them as scripts
    "download_all_examples": False,  # the gallery's header links the folder's files instead
    "write_computation_times": False,  # no sg_execution_times.rst written into the sources
    "remove_config_comments": True,
    "min_reported_time": 1e9,  # the scripts report their own timings
    "show_signature": False,
}

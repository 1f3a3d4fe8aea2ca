"""The built documentation works without a network: no page loads a remote
script, stylesheet or font, and the math is typeset by a MathJax served from
the build's own ``_static/`` folder.

The test builds a small copy of the docs with the real ``docs/conf.py`` (its
theme, extensions and gallery settings), one page of math and code and a
one-script gallery, in a few seconds. With ``RIEMGD_DOCS_HTML`` set to a
built site it also scans that site (``.ci/run`` does so after building the
docs).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# <link rel=...> values that make the browser fetch the target (canonical, next, ... do not)
_FETCHING_RELS = {
    *("stylesheet", "preload", "modulepreload", "prefetch"),
    *("icon", "shortcut", "preconnect", "dns-prefetch"),
}
# url(...) and @import in CSS
_CSS_URL = re.compile(r"""(?:@import\s+(?:url\()?|url\()\s*['"]?\s*((?:https?:)?//[^'")\s;]+)""", re.I)


def _is_remote(url: str) -> bool:
    """http://, https:// and protocol-relative //host/ addresses."""
    return bool(re.match(r"\s*(?:https?:)?//", url, re.I))


class _Loads(HTMLParser):
    """Collects what a page makes the browser load: script src, fetching link
    href, and the url()s of inline <style> blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[tuple[str, str]] = []  # (what, url)
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "script" and a.get("src"):
            self.loads.append(("script", a["src"]))
        elif tag == "link" and a.get("href") and _FETCHING_RELS & set(a.get("rel", "").lower().split()):
            self.loads.append((f"link rel={a['rel']}", a["href"]))
        elif tag == "style":
            self._in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.loads += [("inline style", url) for url in _CSS_URL.findall(data)]


def page_loads(html: str) -> list[tuple[str, str]]:
    """What one HTML page loads, as (kind, url) pairs."""
    parser = _Loads()
    parser.feed(html)
    return parser.loads


def remote_loads(html_dir: Path) -> list[str]:
    """Every remote script, stylesheet, font or import of a built site:
    ``"page: kind url"`` for each, empty when the site is self-contained."""
    found = []
    for page in sorted(html_dir.rglob("*.html")):
        for kind, url in page_loads(page.read_text(encoding="utf-8", errors="replace")):
            if _is_remote(url):
                found.append(f"{page.relative_to(html_dir)}: {kind} {url}")
    for css in sorted(html_dir.rglob("*.css")):
        for url in _CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            found.append(f"{css.relative_to(html_dir)}: css {url}")
    return found


# --- the scanner itself, on pages whose answer is known


def test_scanner_finds_remote_scripts_and_styles() -> None:
    page = """<html><head>
    <script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>
    <script src="//unpkg.com/x.js"></script>
    <script src="_static/local.js"></script>
    <link rel="stylesheet" href="http://fonts.example.org/a.css">
    <link rel="preload" as="font" href="https://fonts.example.org/f.woff2">
    <link rel="canonical" href="https://riemgd.example.org/index.html">
    <link rel="stylesheet" href="_static/local.css">
    <style>@import url("https://fonts.example.org/b.css"); .x { background: url(_static/a.png) }</style>
    </head><body><a href="https://pymanopt.org">a link, not a load</a></body></html>"""
    remote = [(kind, url) for kind, url in page_loads(page) if _is_remote(url)]
    assert remote == [
        ("script", "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"),
        ("script", "//unpkg.com/x.js"),
        ("link rel=stylesheet", "http://fonts.example.org/a.css"),
        ("link rel=preload", "https://fonts.example.org/f.woff2"),
        ("inline style", "https://fonts.example.org/b.css"),
    ]


# --- a small build with the real configuration

PAGE = r"""
Offline
=======

Inline math `\nabla_\theta L` and a display:

.. math::

   \theta_{k+1} = \theta_k - \alpha\, G^{-1} \nabla_\theta L .

.. code-block:: python

   import riemgd

* :doc:`gallery/index`

.. toctree::

   gallery/index
"""

EXAMPLE = '''"""A one-line example
====================

It prints a number and draws a figure.
"""

import matplotlib.pyplot as plt

print(1 + 1)
_ = plt.plot([0, 1], [1, 0])
'''


@pytest.fixture(scope="module")
def small_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("sphinx")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("pydata_sphinx_theme")
    pytest.importorskip("sphinx_copybutton")
    tmp = tmp_path_factory.mktemp("docs_offline")
    docs = tmp / "docs"
    docs.mkdir()
    shutil.copy(DOCS / "conf.py", docs / "conf.py")
    for folder in ("_ext", "_static"):
        shutil.copytree(DOCS / folder, docs / folder, ignore=shutil.ignore_patterns("gallery"))  # not the figures
    (docs / "index.rst").write_text(PAGE, encoding="utf-8")
    examples = tmp / "examples"
    examples.mkdir()
    (examples / "GALLERY_HEADER.rst").write_text("Gallery\n=======\n\nOne script.\n", encoding="utf-8")
    (examples / "01_tiny.py").write_text(EXAMPLE, encoding="utf-8")
    out = tmp / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(docs), str(out)],
        capture_output=True,
        text=True,
        cwd=tmp,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=300,
    )
    assert proc.returncode == 0, f"sphinx-build failed:\n{proc.stdout}\n{proc.stderr}"
    return out


def test_no_page_loads_anything_remote(small_build: Path) -> None:
    pages = sorted(p.relative_to(small_build).as_posix() for p in small_build.rglob("*.html"))
    assert {"index.html", "gallery/index.html", "gallery/01_tiny.html"} <= set(pages)
    assert remote_loads(small_build) == []


def test_math_is_typeset_by_the_bundled_mathjax(small_build: Path) -> None:
    html = (small_build / "index.html").read_text(encoding="utf-8")
    assert r"\nabla_\theta L" in html  # the TeX is in the page, for MathJax to typeset
    scripts = [url for kind, url in page_loads(html) if kind == "script" and "mathjax" in url.lower()]
    assert scripts == ["_static/mathjax/tex-chtml.js"]
    mathjax = small_build / "_static" / "mathjax"
    assert (mathjax / "tex-chtml.js").stat().st_size > 100_000  # the real MathJax, not a stub
    fonts = list((mathjax / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert any(f.name.startswith("MathJax_Main-Regular") for f in fonts)  # the CHTML fonts, served locally


def test_gallery_page_shows_output_and_figure(small_build: Path) -> None:
    html = (small_build / "gallery" / "01_tiny.html").read_text(encoding="utf-8")
    output = re.search(r'class="sphx-glr-script-out[^"]*".*?<pre>(?:<span></span>)?(.*?)</pre>', html, re.S)
    assert output is not None and output.group(1).strip() == "2"  # what print(1 + 1) wrote
    assert re.search(r'<img[^>]+src="[^"]*sphx_glr_01_tiny_001\.png"', html)  # the captured figure
    assert (small_build / "_images" / "sphx_glr_01_tiny_001.png").is_file()


@pytest.mark.skipif(
    not os.environ.get("RIEMGD_DOCS_HTML"),
    reason="set RIEMGD_DOCS_HTML to a built site to scan it (.ci/run does, after building the docs)",
)
def test_full_build_loads_nothing_remote() -> None:
    site = Path(os.environ["RIEMGD_DOCS_HTML"])
    pages = list(site.rglob("*.html"))
    assert len(pages) > 10, f"{site} holds {len(pages)} HTML pages: build the docs first"
    assert remote_loads(site) == []

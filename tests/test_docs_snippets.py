"""The how-to pages quote what their snippets print: run each snippet and
compare.

A page's ``.. code-block:: text`` blocks hold lines of the snippet's output.
Every such line must be printed by the snippet, word for word, with each
result (a number in scientific notation) within a factor of two of the quoted
one and every other number exact (a margin for round-off on another machine:
the runs are seeded, but a few hundred Gauss–Newton steps amplify the last
bits). A change that moves a quoted result further than that
must update the page.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# (page, snippet) pairs whose text blocks quote the snippet's output
QUOTING_PAGES = [("howto/pde.rst", "snippets/pde_pinn.py")]

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", re.I)


def text_blocks(rst: str) -> list[str]:
    """The non-blank lines of every ``.. code-block:: text`` block, dedented."""
    lines, out, i = rst.splitlines(), [], 0
    while i < len(lines):
        if lines[i].strip() == ".. code-block:: text":
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith("   ")):
                if lines[i].strip():
                    out.append(lines[i].strip())
                i += 1
        else:
            i += 1
    return out


def same_line(quoted: str, printed: str, factor: float = 2.0) -> bool:
    """Equal words; results (``1.2e-05``) within ``factor`` of each other with
    the same sign; every other number (counts, settings) equal."""
    if _NUMBER.sub("#", quoted).split() != _NUMBER.sub("#", printed).split():
        return False
    for q_text, p_text in zip(_NUMBER.findall(quoted), _NUMBER.findall(printed), strict=True):
        if "e" not in q_text.lower():
            if q_text != p_text:
                return False
            continue
        q, p = float(q_text), float(p_text)
        if q != p and (q * p <= 0 or max(abs(q), abs(p)) > factor * min(abs(q), abs(p))):
            return False
    return True


def test_same_line_compares_words_and_numbers() -> None:
    assert same_line("error 2.3e-06 after 200", "error 3.1e-06 after 200")
    assert not same_line("error 2.3e-06 after 200", "error 5.0e-06 after 200")  # more than 2x
    assert not same_line("error 2.3e-06 after 200", "error 2.3e-06 after 201")  # counts are exact
    assert not same_line("fixed 1.0 error 2.3e-06", "fixed 0.5 error 2.3e-06")  # and so are settings
    assert not same_line("error 2.3e-06", "error -2.3e-06")
    assert not same_line("L2 error 2.3e-06", "H1 error 2.3e-06")
    assert text_blocks("a\n\n.. code-block:: text\n\n   x 1\n   y 2\n\nb\n") == ["x 1", "y 2"]


@pytest.mark.parametrize(("page", "snippet"), QUOTING_PAGES)
def test_page_quotes_what_its_snippet_prints(page: str, snippet: str) -> None:
    quoted = text_blocks((DOCS / page).read_text(encoding="utf-8"))
    assert quoted, f"{page} quotes no output"
    proc = subprocess.run(
        [sys.executable, str(DOCS / snippet)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=600,
    )
    assert proc.returncode == 0, f"{snippet} failed:\n{proc.stdout}\n{proc.stderr}"
    printed = [line.strip() for line in proc.stdout.splitlines() if line.strip()]
    missing = [q for q in quoted if not any(same_line(q, p) for p in printed)]
    assert not missing, f"{page} quotes lines that {snippet} no longer prints:\n" + "\n".join(
        [*missing, "--- it printed:", *printed]
    )

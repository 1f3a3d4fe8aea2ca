"""Shared plumbing for the example scripts: arguments, tables, figures.

Every example runs as ``python examples/NAME.py [--fast] [--output DIR]``:
``--fast`` shrinks sizes and iteration counts (CI runs every example so), and
the figure is saved as ``DIR/NAME.png`` (default ``examples/output``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "output"


def parse_args(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """``--fast`` and ``--output DIR``; ``description`` is the script's docstring
    (empty when sphinx-gallery runs the script: it shows the docstring as text)."""
    parser = argparse.ArgumentParser(description=(description or "").strip().split("\n", 1)[0])
    parser.add_argument("--fast", action="store_true", help="few iterations and small sizes (smoke test)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="folder for the PNG figure")
    return parser.parse_args(argv)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> None:
    """A compact fixed-width table; floats in scientific notation."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.3e}"
        return str(value)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in text)) for i, h in enumerate(headers)]
    if title:
        print(title)
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in text:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def save_figure(fig: Any, name: str, output: Path) -> Path:
    """Save ``fig`` as ``output/name.png`` and close it; returns the path.

    During a docs build the figure stays open: sphinx-gallery's matplotlib
    scraper puts the figures still open at the end of a script on its page
    (and closes them).
    """
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{name}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    if "sphinx_gallery" not in sys.modules:
        plt.close(fig)
    print(f"figure saved to {path}")
    return path


def deviation_from_segment(points: Any, start: Any, end: Any) -> float:
    """Largest distance of the planar ``points`` (k × 2) from the line through
    ``start`` and ``end``, relative to the segment length: 0 for a straight path."""
    d = (end - start) / np.linalg.norm(end - start)
    r = points - start
    return float(np.abs(r[:, 0] * d[1] - r[:, 1] * d[0]).max() / np.linalg.norm(end - start))

"""Helpers for the sphinx-gallery configuration in ``docs/conf.py``.

They live in an importable module, not in ``conf.py``, because sphinx-gallery
takes callables by their qualified name (``"riemgd_gallery.reset_argv"``),
which keeps the Sphinx configuration picklable.
"""

from __future__ import annotations

import os
from typing import Any

#: Set ``RIEMGD_GALLERY_FULL=1`` to build the gallery from the full-size runs
#: (minutes) instead of the ``--fast`` ones (seconds each).
FULL_ENV = "RIEMGD_GALLERY_FULL"


def reset_argv(gallery_conf: dict[str, Any], script_vars: dict[str, Any]) -> list[str]:
    """The command-line arguments each example gets during the docs build.

    ``--fast`` (small sizes, few iterations) unless ``RIEMGD_GALLERY_FULL=1``;
    ``--output output``: the figure file goes where a plain run puts it,
    ``examples/output/`` (sphinx-gallery runs each script from its own folder),
    and the line the script prints about it reads the same as a plain run's.
    The page's figure itself is captured from the open matplotlib figure.

    It also defines ``__file__`` for the script, as ``python script.py`` does
    (the scripts name their figure after it): sphinx-gallery leaves it
    undefined on purpose but hands this hook the script's globals, before the
    script runs.
    """
    script_vars["example_globals"]["__file__"] = str(script_vars["src_file"])
    fast = os.environ.get(FULL_ENV, "") not in ("1", "true", "yes")
    return (["--fast"] if fast else []) + ["--output", "output"]

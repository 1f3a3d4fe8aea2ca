"""Independent implementations of methods riemgd is measured against (benchmark-only peers).

Nothing here imports riemgd: a peer is written from the paper's formulas, so
agreement with riemgd is evidence, not a tautology.
"""

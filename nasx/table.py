"""Plain-text tables and human-readable counts for the terminal."""

from __future__ import annotations


def human(n: float) -> str:
    """12345678 -> '12.35M'."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f}{unit}"
    return str(int(n))


def render(header: list[str], rows: list[list], right: set[int] | None = None) -> str:
    """Columns padded to their widest cell; columns in `right` (default: all but the first) right-aligned."""
    right = set(range(1, len(header))) if right is None else right
    cells = [[str(c) for c in row] for row in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)

"""The key tables of an analysis as terminal text."""

from __future__ import annotations

from nasx.analysis.analyze import Analysis
from nasx.analysis.tables import text


def summary(analysis: Analysis) -> str:
    parts = [f"note: {n}" for n in analysis.notes]
    for caption, table in analysis.summary:
        parts += [f"\n{caption}", text(table)]
    return "\n".join(parts).lstrip("\n")

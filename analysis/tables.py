"""Tables as text: numbers formatted by column, rendered for the terminal, Markdown and HTML."""
from __future__ import annotations

import html
import math

import pandas as pd

from nasx.table import human, render


def cell(value, column: str = "") -> str:
    """One value as text: accuracies and errors to 4 decimals, counts of MACs/params in K/M/G, NaN as '-'."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and any(k in column for k in ("macs", "params", "cost")) \
            and "ratio" not in column and abs(value) >= 1000:
        return human(value)
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def rows_of(frame: pd.DataFrame) -> list[list[str]]:
    return [[cell(v, str(c)) for c, v in zip(frame.columns, row)] for row in frame.itertuples(index=False)]


def text(frame: pd.DataFrame) -> str:
    return render([str(c) for c in frame.columns], rows_of(frame)) if len(frame) else "(none)"


def markdown(frame: pd.DataFrame) -> str:
    if not len(frame):
        return "(none)"
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows_of(frame)]
    return "\n".join(lines)


def html_table(frame: pd.DataFrame) -> str:
    if not len(frame):
        return "<p>(none)</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows_of(frame))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

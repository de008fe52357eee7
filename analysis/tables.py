"""Tables as text: numbers formatted by column, rendered for the terminal, Markdown and HTML.

In Markdown and HTML an arch string (a column whose name holds "arch") longer than ARCH_CHARS is shortened
to the start of its body stages: the full string is the cell's title (shown on hover) in HTML and a
footnote in Markdown."""

from __future__ import annotations

import html
import math

import pandas as pd

from nasx.table import human, render

ARCH_CHARS = 48
ELLIPSIS = "\u2026"


def cell(value, column: str = "") -> str:
    """One value as text: accuracies and errors to 4 decimals, counts of MACs/params in K/M/G, NaN as '-'."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if (
        isinstance(value, (int, float))
        and any(k in column for k in ("macs", "params", "cost"))
        and "ratio" not in column
        and abs(value) >= 1000
    ):
        return human(value)
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def rows_of(frame: pd.DataFrame) -> list[list[str]]:
    return [[cell(v, str(c)) for c, v in zip(frame.columns, row)] for row in frame.itertuples(index=False)]


def text(frame: pd.DataFrame) -> str:
    return render([str(c) for c in frame.columns], rows_of(frame)) if len(frame) else "(none)"


def is_long(column: str, text: str) -> bool:
    """A cell the report shortens: an arch string over ARCH_CHARS characters."""
    return "arch" in column and len(text) > ARCH_CHARS


def shorten(text: str) -> str:
    """The start of the body stages (header and stem, alike across a search, left out), cut with an ellipsis."""
    parts = text.split("|")
    lead, body = (
        (ELLIPSIS + "|", "|".join(parts[2:])) if len(parts) > 2 and parts[1].startswith("stem:") else ("", text)
    )
    return lead + body[: ARCH_CHARS - len(lead) - 1] + ELLIPSIS


def markdown(frame: pd.DataFrame, label: str = "a") -> str:
    """A Markdown table; each long arch string shortened, with a footnote `[^<label><n>]` holding it in full
    (`label` keeps footnotes apart when a page holds several tables)."""
    if not len(frame):
        return "(none)"
    columns = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    notes: list[str] = []
    for row in rows_of(frame):
        cells = []
        for column, c in zip(columns, row):
            if is_long(column, c):
                notes.append(f"[^{label}{len(notes) + 1}]: `{c}`")
                c = f"{shorten(c)}[^{label}{len(notes)}]"
            cells.append(c.replace("|", "\\|"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines + ([""] + notes if notes else []))


def html_table(frame: pd.DataFrame) -> str:
    """An HTML table; each long arch string shortened, in full in the cell's title attribute."""
    if not len(frame):
        return "<p>(none)</p>"
    columns = [str(c) for c in frame.columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)

    def td(column: str, c: str) -> str:
        if is_long(column, c):
            return f"<td class='arch' title='{html.escape(c, quote=True)}'>{html.escape(shorten(c))}</td>"
        return f"<td>{html.escape(c)}</td>"

    body = "".join("<tr>" + "".join(td(k, c) for k, c in zip(columns, row)) + "</tr>" for row in rows_of(frame))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

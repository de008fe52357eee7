"""The report of an analysis: figures as PNG files, a self-contained report.html (figures embedded) and
report.md (figures linked), with the tables and each run's provenance."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from nasx.analysis.analyze import Analysis
from nasx.analysis.tables import html_table, markdown
from nasx.results.run_paths import link_error, write_bytes

FIGURES = "figures"
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;font-size:12px;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
    "padding:2px 6px;text-align:right;overflow-wrap:anywhere;max-width:32em}"
    "td:first-child,th:first-child{text-align:left}td.arch{text-align:left;font-family:monospace;"
    "cursor:help}"
    "img{max-width:100%}pre{background:#f5f5f5;padding:.5em;font-size:12px;overflow:auto}"
    "figcaption{font-size:13px;color:#555}"
)


def png_bytes(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def write(analysis: Analysis, out_dir: str | Path) -> dict[str, Path]:
    """Write figures/*.png, report.html and report.md under `out_dir`, never through a symbolic link (one is a
    one-line ValueError naming it); returns their paths by name."""
    out_dir = Path(out_dir)
    if (out_dir / FIGURES).is_symlink():
        raise link_error(out_dir / FIGURES)
    (out_dir / FIGURES).mkdir(parents=True, exist_ok=True)
    images = {}
    for section in analysis.sections:
        for name, figure, _ in section.figures:
            images[name] = png_bytes(figure)
            write_bytes(out_dir / FIGURES / f"{name}.png", images[name])
    paths = {"html": out_dir / "report.html", "md": out_dir / "report.md"}
    write_bytes(paths["html"], _html(analysis, images).encode("utf-8"))
    write_bytes(paths["md"], _markdown(analysis).encode("utf-8"))
    return paths


def _title(analysis: Analysis) -> str:
    return "nasx analysis: " + ", ".join(Path(r["run"]).name for r in analysis.runs)


PROVENANCE_KEYS = (
    "run",
    "trials",
    "ok",
    "failed",
    "pruned",
    "dataset",
    "resolution",
    "seeds",
    "searchers",
    "git_commit",
    "config_hash",
    "versions",
)


def _html(analysis: Analysis, images: dict[str, bytes]) -> str:
    out = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(_title(analysis))}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(_title(analysis))}</h1>"
    ]
    out += [f"<p><em>{html.escape(n)}</em></p>" for n in analysis.notes]
    for section in analysis.sections:
        out.append(f"<h2>{html.escape(section.title)}</h2>")
        out += [f"<p>{html.escape(n)}</p>" for n in section.notes]
        for name, _, caption in section.figures:
            data = base64.b64encode(images[name]).decode()
            out.append(
                f"<figure><img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
                f"<figcaption>{html.escape(caption)} ({FIGURES}/{name}.png)</figcaption></figure>"
            )
        for caption, table in section.tables:
            out.append(f"<h3>{html.escape(caption)}</h3>{html_table(table)}")
    out.append("<h2>Provenance</h2>")
    for run in analysis.runs:
        rows = "".join(f"<tr><th>{k}</th><td>{html.escape(str(run[k]))}</td></tr>" for k in PROVENANCE_KEYS)
        out.append(f"<table>{rows}</table>")
        if run["config"]:
            out.append(
                f"<details><summary>config.yaml of {html.escape(run['run'])}</summary>"
                f"<pre>{html.escape(run['config'])}</pre></details>"
            )
    out.append("</body></html>")
    return "\n".join(out)


def _markdown(analysis: Analysis) -> str:
    out = [f"# {_title(analysis)}", ""]
    out += [f"*{n}*\n" for n in analysis.notes]
    for i, section in enumerate(analysis.sections):
        out += [f"## {section.title}", ""]
        out += [f"{n}\n" for n in section.notes]
        for name, _, caption in section.figures:
            out += [f"![{caption}]({FIGURES}/{name}.png)", ""]
        for j, (caption, table) in enumerate(section.tables):
            out += [f"### {caption}", "", markdown(table, label=f"s{i}t{j}a"), ""]
    out += ["## Provenance", ""]
    for run in analysis.runs:
        out += ["| field | value |", "|---|---|"]
        out += [f"| {k} | {str(run[k]).replace('|', '/')} |" for k in PROVENANCE_KEYS]
        out.append("")
        if run["config"]:
            out += [f"config.yaml of {run['run']}:", "", "```yaml", run["config"].rstrip(), "```", ""]
    return "\n".join(out)

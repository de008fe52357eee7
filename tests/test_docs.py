"""The documentation: the site builds with `mkdocs build --strict` (no broken link, anchor or API reference),
the links of the Markdown files outside it resolve, its tables of numbers are the registry's and the golden
file's, and README's tour runs."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nasx import families

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GOLDEN = json.loads((Path(__file__).parent / "golden" / "families.json").read_text())
OUTSIDE = [
    "README.md",
    "CONTRIBUTING.md",
    "CHANGELOG.md",
    "bench/README.md",
    "conf/README.md",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "experiments").glob("*.md")),
]
LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)\)")


def _mkdocs(config: Path, site: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_the_site_builds_strict(tmp_path):
    built = _mkdocs(ROOT / "mkdocs.yml", tmp_path / "site")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-5000:]
    assert (tmp_path / "site" / "index.html").is_file()
    api = (tmp_path / "site" / "api" / "arch" / "index.html").read_text()
    assert "nasx.arch.spec" in api and "ArchSpec" in api  # mkdocstrings rendered the docstrings


@pytest.mark.slow
def test_a_broken_link_or_anchor_fails_the_build(tmp_path):
    """The same configuration on a page with a link to a missing page and one to a missing anchor."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    config.pop("nav")
    config["docs_dir"] = str(tmp_path / "docs")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nSee [a page](gone.md).\n")
    (tmp_path / "docs" / "other.md").write_text("# Other\n\nSee [home](index.md#no-such-heading).\n")
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    built = _mkdocs(tmp_path / "mkdocs.yml", tmp_path / "site")
    out = built.stdout + built.stderr
    assert built.returncode != 0, out[-3000:]
    assert "gone.md" in out and "no-such-heading" in out, out[-3000:]


def _slug(heading: str) -> str:
    """The anchor Python-Markdown's toc gives a heading (its default slugify)."""
    text = re.sub(r"[`*]", "", heading).strip().lower()
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text)).strip("-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    return {_slug(m) for m in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


@pytest.mark.parametrize("name", OUTSIDE)
def test_links_of_the_markdown_files_outside_the_site_resolve(name):
    source = ROOT / name
    text = re.sub(r"```.*?```", "", source.read_text(), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # a URL
        path, _, anchor = target.partition("#")
        dest = (source.parent / path).resolve() if path else source
        if not dest.exists() or (anchor and dest.suffix == ".md" and anchor not in _anchors(dest)):
            broken.append(target)
    assert not broken, f"{name} links to what does not exist: {broken}"


def _table(text: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header line starts with `header`, cells without backticks."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.lstrip().startswith("|"):
            break
        rows.append([c.strip().replace("`", "") for c in line.strip().strip("|").split("|")])
    return rows


def test_the_families_page_is_what_nasx_families_prints():
    from nasx.cli.families_cmd import rows

    text = (DOCS / "families.md").read_text()
    assert f"nasx has {len(families.names())} families." in text
    table = _table(text, "| family | source |")
    want = [
        [
            r["name"],
            r["source"],
            str(r["resolution"]),
            f"{r['params']:,}",
            f"{r['macs']:,}",
            ", ".join(r["spaces"]) or "none",
        ]
        for r in rows()
    ]
    assert table == want


def test_the_timm_table_holds_the_golden_numbers():
    golden = {k: v for k, v in GOLDEN["timm"].items() if not k.startswith("_")}
    table = _table((DOCS / "timm.md").read_text(), "| timm name |")
    assert table, "no timm table"
    for name, resolution, params, macs, macs_224 in table:
        ref = golden[name]
        assert [int(resolution), params, macs, macs_224] == [
            ref["resolution"],
            f"{ref['params']:,}",
            f"{ref['macs']:,}",
            f"{ref['macs_224']:,}",
        ], name
        assert families.info(f"timm:{name}").resolution == ref["resolution"], name


def test_the_readme_tour_runs():
    tour = re.search(r"## A ten-line tour\n\n```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    assert len(tour.strip().splitlines()) <= 12
    scope: dict = {}
    exec(compile(tour, "README.md", "exec"), scope)  # noqa: S102  (the project's own example)
    spec, model, point = scope["spec"], scope["model"], scope["point"]
    assert scope["nasx"].decode(scope["text"]) == spec and scope["space"].contains(point)
    assert sum(p.numel() for p in model.parameters()) == scope["cost"].params

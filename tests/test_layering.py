"""The floors of the house: lower packages never import higher ones, and nothing imports the generic
folder names (analysis, search_spaces, bench) as top-level packages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "nasx"
LINKED = {"analysis": "analysis", "search_spaces": "search_spaces", "conf": "conf"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if not any(part in LINKED for part in p.relative_to(folder).parts))


def _under(names: set[str], package: str) -> set[str]:
    return {n for n in names if n == package or n.startswith(package + ".")}


@pytest.mark.parametrize(
    "path",
    [p for p in _modules(LIBRARY) if p.relative_to(LIBRARY).parts[0] not in ("cli", "__main__.py")],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_library_imports_neither_the_command_line_nor_the_analysis(path):
    names = _imports(path)
    assert not _under(names, "nasx.cli") and not _under(names, "nasx.analysis"), path


@pytest.mark.parametrize(
    "path", _modules(ROOT / "analysis") + _modules(ROOT / "search_spaces"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_analysis_and_spaces_do_not_import_the_command_line(path):
    assert not _under(_imports(path), "nasx.cli"), path


def test_search_spaces_do_not_import_the_search_driver():
    for path in _modules(ROOT / "search_spaces"):
        assert not _under(_imports(path), "nasx.search"), path


@pytest.mark.parametrize("folder", ["nasx", "analysis", "search_spaces", "tests", "bench", "experiments"])
def test_no_generic_top_level_import_names(folder):
    for path in _modules(ROOT / folder) if (ROOT / folder).is_dir() else []:
        names = _imports(path)
        for generic in ("analysis", "search_spaces"):
            assert not _under(names, generic), f"{path} imports {generic} (use nasx.{generic})"


def test_linked_folders_are_the_project_folders():
    for link, target in LINKED.items():
        assert (LIBRARY / link).is_symlink() and (LIBRARY / link).resolve() == (ROOT / target).resolve()


def _layout_paths() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("\n## Layout\n") :]
    table = table[: table.find("\n## ", 1)] if "\n## " in table[1:] else table
    return {p.rstrip("/") for p in re.findall(r"`([\w./]+)`", table)}


def test_readme_layout_names_every_module_and_folder():
    listed = _layout_paths()
    entries = [
        p
        for p in LIBRARY.iterdir()
        if p.name not in ("__init__.py", "__main__.py", "__pycache__") and not p.name.endswith(".egg-info")
    ]
    entries += [ROOT / d for d in ("analysis", "search_spaces", "conf", "experiments", "bench", "tests", "docs")]
    missing = sorted(str(p.relative_to(ROOT)) for p in entries if str(p.relative_to(ROOT)) not in listed)
    assert not missing, f"README's layout section does not name {missing}"


@pytest.mark.parametrize(
    "path",
    [p for p in _modules(LIBRARY) if p.relative_to(LIBRARY).parts[0] != "ray"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_the_ray_adapter_imports_ray(path):
    assert not _under(_imports(path), "ray"), f"{path} imports Ray (only nasx/ray/ may)"


def test_the_search_driver_and_evaluators_do_not_reach_ray():
    for path in [LIBRARY / "search" / "driver.py", *sorted((LIBRARY / "search" / "evaluators").glob("*.py"))]:
        assert not _under(_imports(path), "nasx.ray"), path


def _docs_layout_rows() -> list[str]:
    """The paths in the first column of docs/layout.md's tables."""
    return re.findall(r"^\| `([^`]+)` \|", (ROOT / "docs" / "layout.md").read_text(), flags=re.M)


def _every_module() -> set[str]:
    """What docs/layout.md must name: every module file of the project's packages and folders (a package
    by its folder, `pkg/`, which stands for its __init__.py), the links of nasx/, and the other folders."""
    wanted = {f"nasx/{link}" for link in LINKED} | {"experiments/", "docs/", "tests/"}
    for top in ("nasx", "analysis", "search_spaces", "conf", "bench"):
        for path in (ROOT / top).rglob("*"):
            rel = path.relative_to(ROOT)
            if (
                (top == "nasx" and rel.parts[1] in LINKED)
                or "__pycache__" in rel.parts
                or not path.is_file()
                or path.suffix not in (".py", ".sh", ".typed")
            ):
                continue
            wanted.add(f"{rel.parent}/" if path.name in ("__init__.py", "__main__.py") else str(rel))
    return wanted


def test_docs_layout_names_every_module():
    missing = sorted(_every_module() - set(_docs_layout_rows()))
    assert not missing, f"docs/layout.md does not name {missing}"


def test_docs_layout_names_only_what_exists_once():
    rows = _docs_layout_rows()
    gone = sorted(p for p in rows if not (ROOT / p).exists())
    assert not gone, f"docs/layout.md names what does not exist: {gone}"
    assert len(rows) == len(set(rows)), sorted({p for p in rows if rows.count(p) > 1})

"""What the wheel declares: every third-party package nasx imports is a dependency, and the installed
versions meet the declared floors."""

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("nasx", "analysis", "search_spaces", "conf")  # what installs as nasx, nasx.analysis, ...


def _declared(extras: bool = False) -> dict[str, Requirement]:
    """The dependencies (with `extras`, the optional ones too) by normalised name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    if extras:
        listed += [r for group in project.get("optional-dependencies", {}).values() for r in group]
    return {re.sub(r"[-_.]+", "-", r.name).lower(): r for r in map(Requirement, listed)}


def _imported_top_names() -> set[str]:
    names = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"nasx", "__future__"}


def test_every_imported_package_is_declared():
    distributions = metadata.packages_distributions()
    imported = _imported_top_names()
    assert {"torch", "ray", "optuna", "hydra", "omegaconf", "yaml", "PIL"} <= imported
    declared = _declared(extras=True)
    missing = {
        name: distributions.get(name)
        for name in imported
        if not any(re.sub(r"[-_.]+", "-", d).lower() in declared for d in distributions.get(name, []))
    }
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_the_installed_versions_meet_the_floors():
    for name, requirement in _declared().items():
        version = metadata.version(name)
        assert requirement.specifier.contains(version, prereleases=True), (name, version, str(requirement))


def test_the_installed_dev_tools_meet_their_floors():
    """pytest, setuptools and the documentation tools of the `dev` extra, as `make` installs them."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in map(Requirement, project["optional-dependencies"]["dev"]):
        version = metadata.version(requirement.name)
        assert requirement.specifier.contains(version, prereleases=True), (requirement.name, version, str(requirement))


def test_the_licence_is_declared_and_shipped():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text

"""The layout's promises, read from the code's imports (docs/adding-a-scheme.md):

- the neutral layers (core, store, documents) import no scheme and not the platform;
- no scheme imports another scheme;
- a scheme's provider side and fund side never import each other (they talk through files);
- the platform names no scheme outside the registry (it knows schemes through ``platform.schemes``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tierspayant
from tierspayant.platform.schemes import registered_schemes
from tierspayant.schemes import REGISTERED

PACKAGE = Path(tierspayant.__file__).parent
NEUTRAL = ("core", "store", "documents")
# The two sides of each scheme: (provider side, fund side).
SIDES = {"lu_kin": ("practice", "fund"), "be_nursing": ("nurse", "mutuality"), "lu_doctors": ("practice", "fund")}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("tierspayant")}


def modules_under(*parts: str) -> list[Path]:
    return sorted((PACKAGE.joinpath(*parts)).rglob("*.py"))


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE) if path.is_relative_to(PACKAGE) else path.name} imports {name}"
        for path in paths
        for name in sorted(imports_of(path))
        if name.startswith(forbidden)
    ]


def test_the_check_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from tierspayant.schemes.lu_kin.fund import service\nimport tierspayant.platform.app\n")
    assert offending([sample], ("tierspayant.schemes",)) == [
        "sample.py imports tierspayant.schemes.lu_kin.fund",
        "sample.py imports tierspayant.schemes.lu_kin.fund.service",
    ]
    assert offending([sample], ("tierspayant.core",)) == []


@pytest.mark.parametrize("layer", NEUTRAL)
def test_neutral_layers_import_no_scheme_and_not_the_platform(layer: str) -> None:
    assert offending(modules_under(layer), ("tierspayant.schemes", "tierspayant.platform")) == []


@pytest.mark.parametrize("scheme", REGISTERED)
def test_no_scheme_imports_another(scheme: str) -> None:
    others = tuple(f"tierspayant.schemes.{other}" for other in REGISTERED if other != scheme)
    assert offending(modules_under("schemes", scheme), others) == []


@pytest.mark.parametrize(("scheme", "provider", "fund"), [(s, *sides) for s, sides in SIDES.items()])
def test_provider_and_fund_sides_never_import_each_other(scheme: str, provider: str, fund: str) -> None:
    root = f"tierspayant.schemes.{scheme}"
    assert offending(modules_under("schemes", scheme, provider), (f"{root}.{fund}", f"{root}.store.{fund}")) == []
    assert offending(modules_under("schemes", scheme, fund), (f"{root}.{provider}", f"{root}.store.{provider}")) == []


def test_only_a_schemes_platform_room_imports_the_platform() -> None:
    for scheme in REGISTERED:
        rooms = [p for p in modules_under("schemes", scheme) if p.parent.name not in ("platform", "templates")]
        allowed = {PACKAGE / "schemes" / scheme / "registration.py"}
        assert offending([p for p in rooms if p not in allowed], ("tierspayant.platform",)) == [], scheme


def test_the_platform_names_no_scheme() -> None:
    """Only the registry (``tierspayant.schemes.REGISTERED``) is read, by the module that loads the schemes."""
    found = offending(modules_under("platform"), ("tierspayant.schemes.",))
    assert found == ["platform/schemes.py imports tierspayant.schemes.REGISTERED"]


def test_every_registered_scheme_has_the_same_rooms() -> None:
    for scheme in registered_schemes():
        folder = PACKAGE / "schemes" / scheme.name
        rooms = {"formats", "store", "platform", "commands", "examples", "reference"}
        assert rooms <= {p.name for p in folder.iterdir() if p.is_dir()}, scheme.name
        assert (folder / "rules.yaml").is_file() and (folder / "registration.py").is_file()


def test_each_account_sees_its_own_schemes_pages_in_the_navigation() -> None:
    from tierspayant.platform.schemes import navigation_for

    assert {n.href.split("/")[1] for n in navigation_for("be_nursing", "provider")} == {"nurse"}
    assert {n.href.split("/")[1] for n in navigation_for("be_nursing", "fund")} == {"mutuality"}
    assert {n.href.split("/")[1] for n in navigation_for("lu_kin", "provider")} == {"practice"}
    assert navigation_for(None, "provider") == navigation_for("lu_kin", "provider")  # an account of no scheme
    assert [n.href for n in navigation_for("lu_kin", "fund")] == ["/fund/registrations"]  # issue 16

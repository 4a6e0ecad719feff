"""Every party's Alembic tree has one head: two branches merged from parallel work must be put in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

import tierspayant

TREES = sorted(p.parent for p in Path(tierspayant.__file__).parent.rglob("migrations/env.py"))


def test_the_trees_are_found() -> None:
    names = {str(t.relative_to(Path(tierspayant.__file__).parent)) for t in TREES}
    assert {"platform/store/migrations", "schemes/lu_kin/store/fund/migrations"} <= names


@pytest.mark.parametrize("tree", TREES, ids=lambda t: str(t.parent.name))
def test_one_head_per_tree(tree: Path) -> None:
    config = Config()
    config.set_main_option("script_location", str(tree))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"{tree}: heads {heads}"

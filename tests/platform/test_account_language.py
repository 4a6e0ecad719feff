"""The language kept on an account (migration 0003), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tierspayant.core.findings import FindingsError

from .conftest import World


def test_the_language_is_kept_and_forgotten(world_any_db: World) -> None:
    accounts = world_any_db.context.accounts
    accounts.set_kind("alpha", "lu_kin.physiotherapist")
    assert accounts.principal("alpha").language is None  # type: ignore[union-attr]
    accounts.set_language("alpha", "de")
    assert accounts.principal("alpha").language == "de"  # type: ignore[union-attr]
    accounts.set_language("alpha", None)
    assert accounts.principal("alpha").language is None  # type: ignore[union-attr]


def test_only_the_scheme_s_languages_are_kept(world_any_db: World) -> None:
    accounts = world_any_db.context.accounts
    accounts.set_kind("alpha", "lu_kin.physiotherapist")
    with pytest.raises(FindingsError, match="'nl' is not offered here; offered: fr, de, en"):
        accounts.set_language("alpha", "nl")
    accounts.set_kind("bravo", "be_nursing.nurse")
    accounts.set_language("bravo", "nl")
    with pytest.raises(FindingsError, match="'de' is not offered"):
        accounts.set_language("bravo", "de")
    assert accounts.principal("bravo").language == "nl"  # type: ignore[union-attr]
    accounts.set_language("admin", "en")  # an account of no scheme: any of the platform's

"""The OpenAPI schema exercised with schemathesis: generated requests (valid and invalid) against every
operation, as a provider, a fund agent and an administrator — no server error, responses as documented.

(Driven through hypothesis directly: schemathesis' pytest plugin does not run under the pytest of this project.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection as not_accepting_negative
from schemathesis.checks import positive_data_acceptance as not_rejecting_positive
from tests.conftest import not_applicable

from tierspayant.platform.app import create_app
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.sftp.mailbox import Area

from .conftest import CODE_A, make_settings, populate

ACTORS = ("alpha", "agent", "admin")
# Inputs the schema cannot fully describe (a provider account needs its code; a key must decode): a schema-valid
# request may still be refused with 422 and a finding.
SEMANTIC_INPUT = {"POST /api/v1/admin/accounts", "POST /api/v1/admin/accounts/{username}/keys"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[schemathesis.BaseSchema, dict[str, str]]]:
    tmp: Path = tmp_path_factory.mktemp("schema")
    context = PlatformContext.open(make_settings(tmp / "var"))
    populate(context, tmp)
    tokens = {name: context.accounts.issue_token(name, "schemathesis") for name in ACTORS}
    (context.mailboxes.get(CODE_A).folder(Area.OUT) / "RETURN.xml").write_bytes(b"<RETAUT/>")
    yield schemathesis.openapi.from_asgi("/api/openapi.json", create_app(context)), tokens
    context.close()


def operation_labels() -> list[str]:
    """The operations, read from the schema of an app without data (collection must not need a database)."""
    from fastapi import FastAPI

    from tierspayant.platform.api import api_router

    app = FastAPI(openapi_url="/api/openapi.json")
    app.include_router(api_router())
    paths = app.openapi()["paths"]
    return sorted(f"{method.upper()} {path}" for path, item in paths.items() for method in item)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("label", operation_labels())
def test_operation_conforms(
    loaded: tuple[schemathesis.BaseSchema, dict[str, str]], label: str, actor: str, mode: GenerationMode
) -> None:
    schema, tokens = loaded
    operation = schema.find_operation_by_label(label)
    assert operation is not None, label
    headers = {"Authorization": f"Bearer {tokens[actor]}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        # Invalid requests must not break anything nor answer off-schema; FastAPI ignores unknown query
        # parameters by design, so "negative data accepted" is not a failure here.
        excluded = [not_accepting_negative] if mode is GenerationMode.NEGATIVE else []
        if label in SEMANTIC_INPUT:
            excluded.append(not_rejecting_positive)
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.NEGATIVE:
            not_applicable(f"{label} takes no input that could be invalid")
        raise

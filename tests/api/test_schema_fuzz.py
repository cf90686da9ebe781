"""Schemathesis against the running app (its WSGI handler, in this test's database): every
operation of /api/v1/openapi.json, with generated valid and invalid input, never answers 5xx
and answers what the schema says."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.services import api_key_create
from tests.factories import CustomerFactory, DeviceFactory, PartFactory, WorksOrderFactory

EXAMPLES = 8  # per operation and mode: quick enough for every `make test`


@pytest.fixture
def api_schema(db):
    """The real WSGI handler. Its end-of-request signal would close the test's database
    connection (and with it the test's transaction): held off here, as Django's test client
    does."""
    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth(personas) -> dict[str, str]:
    customer = CustomerFactory(shop=personas.shop)
    DeviceFactory(shop=personas.shop, customer=customer)
    WorksOrderFactory(branch=personas.branch, by=personas.front_desk, customer=customer)
    PartFactory(shop=personas.shop)
    _, key = api_key_create(by=personas.manager, name="Fuzz", scope="write")
    return {"Authorization": f"Bearer {key}"}


def fuzz(operation, mode: GenerationMode, auth: dict[str, str], seen: list[int]) -> None:
    checks = [not_a_server_error]
    if mode == GenerationMode.POSITIVE:  # invalid input is refused: no schema to match then
        checks.append(response_schema_conformance)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_well(case) -> None:
        response = case.call(headers=auth)
        seen.append(response.status_code)
        case.validate_response(response, checks=checks)

    answers_well()


def test_the_api_never_answers_5xx_and_keeps_to_its_schema(api_schema, auth):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    valid: list[int] = []
    invalid: list[int] = []
    for operation in operations:
        fuzz(operation, GenerationMode.POSITIVE, auth, valid)
        fuzz(operation, GenerationMode.NEGATIVE, auth, invalid)  # its headers may spoil the key
    # The key was taken, reads found things, and invalid input was refused.
    assert 200 in valid and 401 not in valid, sorted(set(valid))
    assert 422 in invalid, sorted(set(invalid))

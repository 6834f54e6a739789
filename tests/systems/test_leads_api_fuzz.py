"""The connected systems' API (leads, referral status) under generated input (schemathesis, from the OpenAPI schema the project publishes):
whatever a connected system sends — valid, malformed, out of range — no answer is a server error,
and every answer matches the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from systems.models import ConnectedSystem

pytestmark = pytest.mark.django_db


def leads_schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw).include(path_regex=r"^/api/(?:leads|referral-status)/")
    schema.app = WSGIHandler()
    return schema


@pytest.fixture
def in_process():
    """Requests served in the test's own connection, as Django's test client serves them (a real
    WSGI handler closes the connection after each request, which would end the test's transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_no_generated_request_makes_the_systems_api_fail(cast, tell, in_process):
    from demo.stories import SENT

    tell(SENT)  # a transfer to the police, so that the bureau's own system finds none and 404s are real
    system = ConnectedSystem(name="模糊测试系统", agency=cast.agencies["zj-msb"])
    token = system.token_set()
    system.save()
    operations = [result.ok() for result in leads_schema().get_all_operations()]
    assert {operation.method.upper() + " " + operation.path for operation in operations} == {
        "POST /api/leads/", "GET /api/leads/{id}/", "GET /api/referral-status/", "GET /api/referral-status/{id}/"}
    statuses = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):  # what fits the schema, and what does not
            @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                                                  checks=[not_a_server_error, response_schema_conformance])
                statuses.append(response.status_code)

            run()
    assert {201, 400, 404} <= set(statuses)  # leads were received, bad input refused, others' ids not found
    assert max(statuses) < 500

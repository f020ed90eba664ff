"""API fuzzing: schemathesis drives the published OpenAPI description (/openapi.json) against the app served
on loopback. Every generated request must get a non-5xx answer whose status, content type and body match
the description. Bounded: a fixed number of examples per operation, derandomized (reproducible)."""

import itertools
import random
import threading

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import WSGIRequestHandler, make_server

from bench._support import create_survey_world, survey_answers
from evalplatform import create_app
from tests import factories
from tests.conftest import CSRF_RE

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {
    ("/s/{token}/responses", "POST"): 60,
    ("/engagements/{engagement_id}/inspections/sync", "POST"): 60,
    ("/engagements/{engagement_id}/inspections/sync/photo", "POST"): 25,
    ("/engagements/{engagement_id}/evidence", "POST"): 25,
}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # hundreds of requests: keep the test output readable
        pass


@pytest.fixture
def served(database_url, tmp_path):
    """The app (not in testing mode: errors are answered, not raised) on a loopback port."""
    app = create_app(
        {"DATABASE_URL": database_url, "STORAGE_DIR": str(tmp_path / "store"), "SECRET_KEY": "t", "REDIS_URL": None}
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["evalplatform.db"].engine.dispose()


def test_the_openapi_description_is_served_and_lists_the_json_endpoints(served):
    description = requests.get(f"{served}/openapi.json", timeout=10).json()
    assert description["openapi"].startswith("3.")
    assert set(description["paths"]) == {path for path, _method in EXAMPLES}


def test_fuzzed_requests_to_every_json_endpoint_never_get_a_5xx_and_match_the_description(served, database_url):
    survey = create_survey_world(database_url)
    token, engagement_id = survey["token"], survey["engagement_id"]
    http = requests.Session()
    login_page = http.get(f"{served}/login", timeout=10).text
    reply = http.post(
        f"{served}/login",
        data={
            "username": survey["evaluator"],
            "password": factories.PASSWORD,
            "csrf_token": CSRF_RE.search(login_page).group(1),
        },
        allow_redirects=False,
        timeout=10,
    )
    assert reply.status_code == 302, reply.text[:300]
    csrf = CSRF_RE.search(http.get(f"{served}/engagements/{engagement_id}/evidence", timeout=10).text).group(1)
    schema = schemathesis.openapi.from_url(f"{served}/openapi.json")
    seen: dict[tuple, set] = {}
    counter, rng = itertools.count(), random.Random(5)

    for (path, method), examples in EXAMPLES.items():
        operation = schema[path][method]

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case):
            if "token" in (case.path_parameters or {}):
                case.path_parameters["token"] = token
            if "engagement_id" in (case.path_parameters or {}):
                case.path_parameters["engagement_id"] = engagement_id
            if path.startswith("/s/") and isinstance(case.body, dict) and next(counter) % 3 == 0:
                # Fuzzed uuid, device token and duration with valid answers, so the storing path is fuzzed too.
                case.body["answers"] = survey_answers(rng)
            if path.endswith("/evidence") and isinstance(case.body, dict):
                case.body["csrf_token"] = csrf
            response = case.call(
                base_url=served, session=http, headers={"X-CSRFToken": csrf, "Accept": "application/json"}, timeout=30
            )
            seen.setdefault((path, method), set()).add(response.status_code)
            case.validate_response(response, checks=CHECKS)

        exercise()
    # The fuzzing reached past the front door: some submissions were stored, others refused.
    assert {200, 422} <= seen[("/s/{token}/responses", "POST")], seen

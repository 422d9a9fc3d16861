import re

import pytest
from django.test import Client

from tests.conftest import host_of


@pytest.mark.parametrize("client_name", ["hotel_client", "platform_client"])
def test_the_api_root_answers_on_both_hosts(request, client_name):
    client = request.getfixturevalue(client_name)
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["version"] == "v1"


def test_each_host_has_its_own_schema(hotel_client, platform_client):
    tenant_schema = hotel_client.get("/api/schema/", {"format": "json"}).json()
    platform_schema = platform_client.get("/api/schema/", {"format": "json"}).json()
    assert tenant_schema["openapi"].startswith("3.")
    assert "/api/v1/branding/" in tenant_schema["paths"]
    assert "/api/v1/branding/" not in platform_schema["paths"]


def test_branding_endpoint_returns_the_tenants_look(hotel_client):
    body = hotel_client.get("/api/v1/branding/").json()
    assert body["display_name"] == "Hotel Test"
    assert re.fullmatch(r"#[0-9a-f]{6}", body["primary_colour"])


def test_the_docs_load_everything_from_our_own_static_files(hotel_client):
    response = hotel_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    external = re.findall(r"""(?:src|href)=["'](https?:)?//[^"']+""", html)
    assert external == []
    assert "/static/drf_spectacular_sidecar/" in html


def test_unknown_api_paths_get_a_404_not_a_500(hotel_client):
    assert hotel_client.get("/api/v1/nothing-here/").status_code == 404


@pytest.mark.parametrize("vertical", ["hotel", "shop", "school"])
def test_every_operation_documents_its_errors_with_a_body(request, vertical):
    # each cabinet's schema: the common endpoints and its own vertical's
    browser = Client(HTTP_HOST=host_of(request.getfixturevalue(vertical)))
    schema = browser.get("/api/schema/", {"format": "json"}).json()
    checked = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            errors = {code: r for code, r in responses.items() if code >= "400"}
            assert errors, f"{method} {path} documents no errors"
            for code, response in errors.items():
                if code != "414":  # the HTTP server's refusal, before Django: no body of ours
                    assert "application/json" in response.get("content", {}), (method, path, code)
            if {} not in operation.get("security", [{}]):  # credentials needed
                assert {"401", "403"} <= set(errors), (method, path)
            if "{" in path:
                assert "404" in errors, (method, path)
            if "requestBody" in operation:
                assert {"400", "415"} <= set(errors), (method, path)
            checked += 1
    assert checked >= 20
    own = {"hotel": "/api/v1/staff/stays/by-external-id/{external_id}/",
           "shop": "/api/v1/returns/", "school": "/api/v1/staff/classes/import/"}  # fmt: skip
    assert [path for path in own.values() if path in schema["paths"]] == [own[vertical]]
    assert "429" in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    retry = schema["paths"]["/api/v1/staff/clients/{id}/"]["get"]["responses"]["429"]["headers"]
    assert "Retry-After" in retry


def test_unknown_api_paths_answer_json(hotel_client):
    response = hotel_client.get("/api/v1/orders/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"

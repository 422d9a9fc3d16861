import re

import pytest


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

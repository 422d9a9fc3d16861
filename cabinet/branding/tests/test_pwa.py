import json

from django_tenants.utils import tenant_context

from cabinet.branding.services import branding_update


def test_the_manifest_carries_the_tenants_name_and_colour(hotel, hotel_client, shop_client):
    with tenant_context(hotel):
        branding_update(primary_colour="#112233")
    manifest = json.loads(hotel_client.get("/manifest.webmanifest").content)
    assert manifest["name"] == "Hotel Test"
    assert manifest["theme_color"] == "#112233"
    assert manifest["display"] == "standalone"
    assert json.loads(shop_client.get("/manifest.webmanifest").content)["name"] == "Shop Test"


def test_icons_and_the_service_worker_are_served(hotel_client):
    icon = hotel_client.get("/icons/192.png")
    assert icon["Content-Type"] == "image/png"
    assert icon.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert hotel_client.get("/icons/9999.png").status_code == 200  # falls back to 192
    worker = hotel_client.get("/sw.js")
    assert worker["Content-Type"] == "application/javascript"
    assert "showNotification" in worker.content.decode()
    assert hotel_client.get("/offline/").status_code == 200
    assert 'rel="manifest"' in hotel_client.get("/").content.decode()

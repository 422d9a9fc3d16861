import datetime as dt
import io
import json
import re

import time_machine
from django.test import Client
from django_tenants.utils import tenant_context
from pypdf import PdfReader

from rbac.account import accounts_purge_due
from rbac.models import AuditEntry, DataExport, User
from tests.factories import PASSWORD, UserFactory


def signed_in(tenant, client: Client, **fields) -> User:
    with tenant_context(tenant):
        user = UserFactory(**fields)
        client.force_login(user)
    return user


def download_links(page: str) -> list[str]:
    return re.findall(r'href="(/account/download/[^"]+)"', page)


def test_a_client_downloads_their_data_as_json_and_pdf(
    hotel, hotel_client, eager_tasks, django_capture_on_commit_callbacks
):
    signed_in(hotel, hotel_client, email="anna@guest.example.com", full_name="Анна Гостева")
    with django_capture_on_commit_callbacks(execute=True):
        hotel_client.post("/account/export/")
    json_url, pdf_url = download_links(hotel_client.get("/account/").content.decode())
    data = json.loads(b"".join(hotel_client.get(json_url).streaming_content))
    assert data["cabinet"] == "Hotel Test"
    assert data["sections"][0]["records"][0]["email"] == "anna@guest.example.com"
    pdf = PdfReader(io.BytesIO(b"".join(hotel_client.get(pdf_url).streaming_content)))
    text = pdf.pages[0].extract_text()
    assert "anna@guest.example.com" in text
    assert "Анна Гостева" in text


def test_download_links_are_personal_and_expire(
    hotel, hotel_client, eager_tasks, django_capture_on_commit_callbacks
):
    signed_in(hotel, hotel_client)
    with django_capture_on_commit_callbacks(execute=True):
        hotel_client.post("/account/export/")
    link = download_links(hotel_client.get("/account/").content.decode())[0]
    other = Client(HTTP_HOST="hotel.localhost")
    signed_in(hotel, other)
    assert other.get(link).status_code == 404  # someone else's link
    assert Client(HTTP_HOST="shop.localhost").get(link).status_code in (302, 404)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=11)):
        hotel_client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        assert hotel_client.get(link).status_code in (302, 404)


def test_the_export_files_are_not_public_media(
    hotel, hotel_client, eager_tasks, django_capture_on_commit_callbacks
):
    user = signed_in(hotel, hotel_client)
    with django_capture_on_commit_callbacks(execute=True):
        hotel_client.post("/account/export/")
    with tenant_context(hotel):
        export = DataExport.objects.get(user=user)
    assert (
        Client(HTTP_HOST="hotel.localhost").get(f"/media/{export.json_file.name}").status_code
        == 404
    )


def test_progress_is_shown_while_the_worker_builds_it(hotel, hotel_client):
    user = signed_in(hotel, hotel_client)
    hotel_client.post("/account/export/")  # no worker here: it stays queued
    with tenant_context(hotel):
        export = DataExport.objects.get(user=user)
    fragment = hotel_client.get(f"/account/export/{export.pk}/").content.decode()
    assert "<progress" in fragment
    assert 'hx-trigger="every 1s"' in fragment
    assert hotel_client.get("/account/export/999999/").status_code == 404


def test_deletion_waits_for_the_grace_period_and_can_be_cancelled(hotel, hotel_client):
    user = signed_in(hotel, hotel_client, email="leaving@guest.example.com")
    assert hotel_client.post("/account/delete/", {"password": "wrong"}).status_code == 302
    with tenant_context(hotel):
        user.refresh_from_db()
        assert user.deletion_scheduled_for is None
    hotel_client.post("/account/delete/", {"password": PASSWORD})
    with tenant_context(hotel):
        user.refresh_from_db()
        assert user.deletion_scheduled_for is not None
        assert accounts_purge_due() == 0  # not yet
    hotel_client.post("/account/delete/cancel/")
    hotel_client.post("/account/delete/", {"password": PASSWORD})
    with (
        time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=15)),
        tenant_context(hotel),
    ):
        assert accounts_purge_due() == 1
        assert not User.objects.filter(email="leaving@guest.example.com").exists()
        assert AuditEntry.objects.filter(action="account.deleted").exists()
        assert AuditEntry.objects.filter(action="account.deletion_cancelled").exists()


def test_the_owner_cannot_delete_their_account_this_way(hotel, hotel_client):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
        hotel_client.force_login(owner)
    hotel_client.post("/account/delete/", {"password": "owner-pass-4-tests"})
    with tenant_context(hotel):
        owner.refresh_from_db()
        assert owner.deletion_scheduled_for is None


def test_the_account_page_needs_a_sign_in(hotel_client):
    assert hotel_client.get("/account/").status_code == 302

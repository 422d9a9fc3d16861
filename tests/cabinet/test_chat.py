import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context
from PIL import Image

from cabinet.accounts.models import ClientProfile
from cabinet.messaging.models import Message, Thread
from cabinet.staff.services import client_assign
from rbac.models import User
from rbac.roles import role_set
from tests.factories import UserFactory


@pytest.fixture
def people(hotel):
    with tenant_context(hotel):
        guest = UserFactory(full_name="Gina Guest")
        client = ClientProfile.objects.create(user=guest)
        operator = UserFactory(is_staff=True, full_name="Oleg Operator")
        role_set(user=operator, role="operator")
        client_assign(
            client=client, staff=operator, by=User.objects.get(email="owner@hotel.example.com")
        )
        outsider = UserFactory(is_staff=True)
        role_set(user=outsider, role="operator")
        other_guest = UserFactory()
    return {
        "guest": guest,
        "client": client,
        "operator": operator,
        "outsider": outsider,
        "other": other_guest,
    }


def as_(hotel, user) -> Client:
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(user)
    return browser


def png(name: str = "photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (30, 30), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_a_guest_asks_staff_answer_and_the_answer_arrives_by_polling(hotel, people):
    guest = as_(hotel, people["guest"])
    guest.post("/messages/send/", {"body": "Where is breakfast?"})
    with tenant_context(hotel):
        thread = Thread.objects.get(client=people["client"])
        assert thread.staff_unread == 1
        first_id = thread.messages.get().pk
    operator = as_(hotel, people["operator"])
    assert "Where is breakfast?" in operator.get(f"/staff/messages/{thread.pk}/").content.decode()
    operator.post(
        f"/staff/messages/{thread.pk}/reply/", {"body": "In the main restaurant, 7 to 10:30."}
    )
    fragment = guest.get("/messages/poll/", {"after": first_id}).content.decode()
    assert "In the main restaurant" in fragment
    assert 'hx-trigger="every 2s"' in fragment
    with tenant_context(hotel):
        thread.refresh_from_db()
        assert thread.first_response_at is not None
        assert thread.assignee_id == people["operator"].pk


def test_nobody_else_reads_the_conversation(hotel, shop, people):
    as_(hotel, people["guest"]).post("/messages/send/", {"body": "private question"})
    with tenant_context(hotel):
        thread = Thread.objects.get(client=people["client"])
    assert "private question" not in as_(hotel, people["other"]).get("/messages/").content.decode()
    assert as_(hotel, people["outsider"]).get(f"/staff/messages/{thread.pk}/").status_code == 404
    assert (
        as_(hotel, people["outsider"])
        .post(f"/staff/messages/{thread.pk}/reply/", {"body": "x"})
        .status_code
        == 404
    )
    assert (
        Client(HTTP_HOST="shop.localhost").get(f"/staff/messages/{thread.pk}/").status_code == 302
    )


def test_script_is_shown_as_text(hotel, people):
    guest = as_(hotel, people["guest"])
    guest.post("/messages/send/", {"body": "<script>alert(1)</script>"})
    page = guest.get("/messages/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_images_are_re_encoded_and_disguised_files_refused(hotel, people):
    guest = as_(hotel, people["guest"])
    guest.post("/messages/send/", {"body": "", "attachment": png("../../etc/passwd.png")})
    fake = SimpleUploadedFile("cat.jpg", b"MZ\x90\x00 this is an exe", content_type="image/jpeg")
    response = guest.post("/messages/send/", {"body": "look", "attachment": fake}, follow=True)
    assert "picture" in response.content.decode()
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (6 * 1024 * 1024))
    guest.post("/messages/send/", {"body": "", "attachment": big})
    with tenant_context(hotel):
        (message,) = Message.objects.all()
        assert message.attachment_name == "passwd.png"
        assert ".." not in message.attachment.name
    assert guest.get(f"/messages/attachments/{message.pk}/").status_code == 200
    assert (
        as_(hotel, people["other"]).get(f"/messages/attachments/{message.pk}/").status_code == 404
    )


def test_flooding_is_slowed_down_and_a_closed_thread_takes_nothing(hotel, people):
    guest = as_(hotel, people["guest"])
    for n in range(12):
        guest.post("/messages/send/", {"body": f"hello {n}"})
    with tenant_context(hotel):
        assert Message.objects.count() == 10
        thread = Thread.objects.get()
    as_(hotel, people["operator"]).post(f"/staff/messages/{thread.pk}/reply/", {"close": "1"})
    response = as_(hotel, people["operator"]).post(
        f"/staff/messages/{thread.pk}/reply/", {"body": "late"}, follow=True
    )
    assert "closed" in response.content.decode()
    with tenant_context(hotel):
        assert Message.objects.count() == 10


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_empty_or_huge_messages_are_refused(hotel, people, body):
    as_(hotel, people["guest"]).post("/messages/send/", {"body": body})
    with tenant_context(hotel):
        assert not Message.objects.exists()


def test_the_client_card_shows_the_conversation_so_far(hotel, people):
    as_(hotel, people["guest"]).post("/messages/send/", {"body": "Is the spa open late?"})
    page = (
        as_(hotel, people["operator"])
        .get(f"/staff/clients/{people['client'].pk}/")
        .content.decode()
    )
    assert "Is the spa open late?" in page

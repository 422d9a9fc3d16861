"""The community board: clients talk to each other where the owner switched it on; staff hide,
close and ban; direct messages only between two clients who both agreed, where allowed. Nothing
of it crosses to another cabinet, and nobody sees another's email."""

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.messaging.models import CommunityReply, CommunityTopic, DirectMessage
from cabinet.notifications.models import Notification
from rbac.models import AuditEntry, SecurityPolicy, User
from rbac.policy import policy_forget
from rbac.roles import role_set
from tests.factories import UserFactory


def switch_on(tenant, *, direct: bool = False) -> None:
    with tenant_context(tenant):
        SecurityPolicy.objects.update_or_create(
            defaults={"community_enabled": True, "community_direct_messages": direct}
        )
        policy_forget()


def member(tenant, name: str, *, accepts: bool = False) -> tuple[User, Client]:
    with tenant_context(tenant):
        user = UserFactory(full_name=name, email=f"{name.split()[0].lower()}@guest.example.com")
        ClientProfile.objects.create(user=user, accepts_direct_messages=accepts)
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return user, browser


def staff_member(tenant, role: str | None = "operator") -> Client:
    with tenant_context(tenant):
        user = UserFactory(is_staff=True)
        if role:
            role_set(user=user, role=role)
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def start_topic(browser: Client, title: str = "Sunset spots?", body: str = "Where to watch it?"):
    response = browser.post("/community/", {"title": title, "body": body})
    assert response.status_code == 302, response.content.decode()[:400]
    return int(response["Location"].strip("/").split("/")[-1])


def test_the_board_is_off_until_the_owner_switches_it_on(hotel):
    _maria, browser = member(hotel, "Maria Lopez")
    assert browser.get("/community/").status_code == 404
    assert "/community/" not in browser.get("/").content.decode()
    switch_on(hotel)
    assert browser.get("/community/").status_code == 200
    assert "/community/" in browser.get("/").content.decode()


def test_clients_talk_and_the_author_hears_about_a_reply(hotel):
    switch_on(hotel)
    maria, maria_browser = member(hotel, "Maria Lopez")
    _tom, tom_browser = member(hotel, "Tom Baker")
    pk = start_topic(maria_browser)
    response = tom_browser.post(f"/community/{pk}/", {"body": "The pier, at eight."})
    assert response.status_code == 302
    page = tom_browser.get(f"/community/{pk}/").content.decode()
    assert "The pier, at eight." in page
    assert "Maria L." in page
    assert "Tom B." in page
    assert "maria@guest.example.com" not in page
    with tenant_context(hotel):
        note = Notification.objects.get(user=maria)
        assert "Tom B. replied" in note.title
        assert CommunityTopic.objects.get(pk=pk).reply_count == 1


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [("", "text", "Write something"), ("title", "", "Write something"),
     ("x" * 121, "text", "at most 120"), ("title", "y" * 4001, "at most 4000"),
     ("title", "bad\x00byte", "control characters")],
)  # fmt: skip
def test_bad_posts_are_refused_and_nothing_is_saved(hotel, title, body, message):
    switch_on(hotel)
    _maria, browser = member(hotel, "Maria Lopez")
    response = browser.post("/community/", {"title": title, "body": body})
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(hotel):
        assert not CommunityTopic.objects.exists()


def test_script_in_posts_is_shown_as_text(hotel):
    switch_on(hotel)
    _maria, browser = member(hotel, "Maria Lopez")
    pk = start_topic(
        browser, title="<script>alert(1)</script>", body="<img src=x onerror=alert(1)>"
    )
    page = browser.get(f"/community/{pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_staff_hide_close_and_ban_and_clients_see_the_effect(hotel):
    switch_on(hotel)
    maria, maria_browser = member(hotel, "Maria Lopez")
    _tom, tom_browser = member(hotel, "Tom Baker")
    pk = start_topic(maria_browser)
    tom_browser.post(f"/community/{pk}/", {"body": "rude words"})
    with tenant_context(hotel):
        reply = CommunityReply.objects.get()
    desk = staff_member(hotel)
    moderate = f"/staff/community/{pk}/moderate/"
    desk.post(moderate, {"action": "hide_reply", "reply": reply.pk, "reason": "rude"})
    assert "rude words" not in maria_browser.get(f"/community/{pk}/").content.decode()
    assert "rude words" in desk.get(f"/staff/community/{pk}/").content.decode()
    desk.post(moderate, {"action": "lock", "reason": "answered"})
    response = tom_browser.post(f"/community/{pk}/", {"body": "one more"})
    assert response.status_code == 400
    assert "closed to new replies" in response.content.decode()
    desk.post(moderate, {"action": "ban", "user": maria.pk, "reason": "spam links"})
    response = maria_browser.post("/community/", {"title": "again", "body": "spam"})
    assert response.status_code == 400
    assert "no longer post" in response.content.decode()
    desk.post(moderate, {"action": "hide", "reason": "spam"})
    assert maria_browser.get(f"/community/{pk}/").status_code == 404
    with tenant_context(hotel):
        actions = set(AuditEntry.objects.filter(action__startswith="community.").values_list(
            "action", flat=True))  # fmt: skip
    assert {"community.reply_hidden", "community.topic_lock", "community.banned",
            "community.topic_hide"} <= actions  # fmt: skip


def test_a_ban_needs_a_reason_and_staff_cannot_be_banned(hotel):
    switch_on(hotel)
    maria, maria_browser = member(hotel, "Maria Lopez")
    pk = start_topic(maria_browser)
    desk = staff_member(hotel)
    page = desk.post(f"/staff/community/{pk}/moderate/", {"action": "ban", "user": maria.pk},
                     follow=True).content.decode()  # fmt: skip
    assert "Say why" in page
    assert maria_browser.post(f"/community/{pk}/", {"body": "still here"}).status_code == 302


def test_clients_and_staff_without_the_ability_cannot_moderate(hotel):
    switch_on(hotel)
    _maria, maria_browser = member(hotel, "Maria Lopez")
    pk = start_topic(maria_browser)
    assert (
        maria_browser.post(f"/staff/community/{pk}/moderate/", {"action": "hide"}).status_code
        == 403
    )
    viewer = staff_member(hotel, role="viewer")
    assert viewer.get("/staff/community/").status_code == 403
    assert viewer.post(f"/staff/community/{pk}/moderate/", {"action": "hide"}).status_code == 403
    with tenant_context(hotel):
        assert not CommunityTopic.objects.get(pk=pk).is_hidden


def test_nothing_crosses_to_another_cabinet(hotel, shop):
    switch_on(hotel)
    switch_on(shop)
    _maria, maria_browser = member(hotel, "Maria Lopez")
    pk = start_topic(maria_browser, title="Hotel only")
    _boris, shop_browser = member(shop, "Boris Reader")
    assert shop_browser.get(f"/community/{pk}/").status_code == 404
    assert "Hotel only" not in shop_browser.get("/community/").content.decode()
    assert shop_browser.post(f"/community/{pk}/", {"body": "hi"}).status_code == 404


def test_direct_messages_only_between_two_who_agreed(hotel):
    switch_on(hotel, direct=True)
    maria, maria_browser = member(hotel, "Maria Lopez", accepts=True)
    tom, tom_browser = member(hotel, "Tom Baker", accepts=False)
    ann, ann_browser = member(hotel, "Ann Lee", accepts=True)
    # Tom has not agreed: nobody can write to him, and he cannot write either
    assert maria_browser.get(f"/community/messages/{tom.pk}/").status_code == 404
    assert tom_browser.post(f"/community/messages/{maria.pk}/", {"body": "hi"}).status_code == 404
    # Maria and Ann both agreed
    response = maria_browser.post(f"/community/messages/{ann.pk}/", {"body": "Dinner at 8?"})
    assert response.status_code == 302
    assert "Dinner at 8?" in ann_browser.get(f"/community/messages/{maria.pk}/").content.decode()
    # a third person cannot read it
    assert "Dinner" not in tom_browser.get("/community/messages/").content.decode()
    with tenant_context(hotel):
        assert DirectMessage.objects.count() == 1
        (message,) = DirectMessage.objects.all()
        assert message.read_at is not None  # Ann opened it


def test_direct_messages_are_off_unless_the_owner_allows_them(hotel):
    switch_on(hotel, direct=False)
    maria, _b = member(hotel, "Maria Lopez", accepts=True)
    _ann, ann_browser = member(hotel, "Ann Lee", accepts=True)
    assert ann_browser.get(f"/community/messages/{maria.pk}/").status_code == 404
    assert ann_browser.get("/community/messages/").status_code == 404


def test_a_client_turns_direct_messages_on_and_off(hotel):
    switch_on(hotel, direct=True)
    maria, maria_browser = member(hotel, "Maria Lopez")
    maria_browser.post("/community/direct/", {"accepts": "1"})
    with tenant_context(hotel):
        assert ClientProfile.objects.get(user=maria).accepts_direct_messages
    maria_browser.post("/community/direct/", {"accepts": "0"})
    with tenant_context(hotel):
        assert not ClientProfile.objects.get(user=maria).accepts_direct_messages


def test_the_owner_switches_the_board_and_messages_under_security(hotel):
    with tenant_context(hotel):
        owner = User.objects.get(email="owner@hotel.example.com")
    browser = Client(HTTP_HOST="hotel.localhost")
    with tenant_context(hotel):
        browser.force_login(owner)
    data = {"registration": "open", "idle_timeout_minutes": "15", "inactive_client_days": "365",
            "audit_retention_days": "730", "booking_reminder_hours": "18",
            "community_enabled": "on", "community_direct_messages": "on"}  # fmt: skip
    assert browser.post("/staff/security/", data).status_code == 302
    with tenant_context(hotel):
        policy = SecurityPolicy.objects.get()
        assert (policy.community_enabled, policy.community_direct_messages) == (True, True)

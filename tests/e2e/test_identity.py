"""Issue 4's walk-through in Chromium on a phone: register, verify from the outbox, sign in,
enrol an authenticator app, sign out, sign in with a code; a Cyrillic-layout password is warned
about; an idle session asks for the password again; none of it works on another cabinet."""

import datetime as dt
import re
import time

import pytest
import time_machine
from django.core import mail

from tests.conftest import host_of
from tests.e2e.conftest import screenshot
from tests.support.totp import current_code

pytestmark = pytest.mark.e2e

EMAIL, PASSWORD = "maria@guest.example.com", "seaside holiday 2026"


def code_for(secret: str) -> str:
    return current_code(secret)


def test_register_verify_enrol_totp_and_sign_in_with_a_code(
    module_tenant, live_port, phone, browser, django_db_blocker, request
):
    base = f"http://{host_of(module_tenant)}:{live_port}"
    mail.outbox.clear()
    # register
    phone.goto(base + "/accounts/signup/")
    phone.get_by_label("Email").fill(EMAIL)
    phone.get_by_label("Password").fill(PASSWORD)
    screenshot(phone, "identity-1-register")
    phone.get_by_role("button", name="Sign up").click()
    assert "Verify" in phone.locator("h1").inner_text()
    screenshot(phone, "identity-2-verify-sent")
    # verify with the link from the outbox
    (link,) = re.findall(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body)
    phone.goto(link.replace(f"http://{host_of(module_tenant)}/", base + "/"))
    phone.get_by_role("button", name="Confirm").click()
    assert "Welcome back" in phone.locator("h1").inner_text()
    screenshot(phone, "identity-3-verified-signed-in")
    # enrol an authenticator app
    phone.goto(base + "/accounts/2fa/totp/activate/")
    # signed in by the emailed link, not by a password: confirm it first (django-allauth)
    if "/accounts/reauthenticate/" in phone.url:
        phone.get_by_label("Password").fill(PASSWORD)
        phone.get_by_role("button", name="Confirm").click()
    secret = phone.locator("#authenticator_secret").input_value()
    phone.get_by_label("Authenticator code").fill(code_for(secret))
    screenshot(phone, "identity-4-enrol-totp")
    phone.get_by_role("button", name="Activate").click()
    screenshot(phone, "identity-5-totp-active")
    # sign out
    phone.goto(base + "/")
    phone.get_by_role("button", name="Sign out").click()
    # a password typed in the Cyrillic layout is warned about, before submitting
    phone.goto(base + "/accounts/login/")
    phone.get_by_label("Email").fill(EMAIL)
    phone.get_by_label("Password").press_sequentially("ыуфышву")  # "seaside" on a Russian keyboard
    warning = phone.locator(".field-warning")
    assert "Cyrillic" in warning.inner_text()
    screenshot(phone, "identity-6-cyrillic-warning")
    # sign in with the password and then a code
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    # the enrolment's code is spent and a code is good only in its own 30 seconds
    # (MFA_TOTP_TOLERANCE = 0): on to the next step (the clocks move there, as if we had waited
    # for it, and tick on) and type its code
    next_step = time_machine.travel(30 * (time.time() // 30 + 1) + 0.5, tick=True)
    next_step.start()
    request.addfinalizer(next_step.stop)
    phone.get_by_label("Code", exact=True).fill(code_for(secret))
    screenshot(phone, "identity-7-code")
    phone.get_by_role("button", name="Sign in", exact=True).click()
    assert "Welcome back" in phone.locator("h1").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    # after the cabinet's idle timeout, the next click asks for the password again
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=16)):
        phone.goto(base + "/accounts/sessions/")
        assert "/accounts/reauthenticate/" in phone.url
        screenshot(phone, "identity-8-idle-locked")
        phone.get_by_label("Password").fill(PASSWORD)
        phone.get_by_role("button", name="Confirm").click()
        assert phone.url.endswith("/accounts/sessions/")
    # none of it works on another cabinet: same credentials, different host
    shop = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    other = shop.new_page()
    other.goto(f"http://hotel.localhost:{live_port}/accounts/login/")
    other.get_by_label("Email").fill(EMAIL)
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Sign in", exact=True).click()
    assert "not correct" in other.content()
    screenshot(other, "identity-9-other-cabinet-refuses")
    shop.close()

"""The wrong keyboard layout is caught before a form is sent, both ways round: a password set in
Cyrillic and now typed in Latin, an email typed in Cyrillic, a Russian name typed in Latin."""

import pytest

from tests.conftest import host_of
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_the_wrong_layout_is_warned_both_ways(module_tenant, live_port, phone):
    base = f"http://{host_of(module_tenant)}:{live_port}"
    # a client sets a password in the Cyrillic layout on this phone
    phone.goto(base + "/accounts/signup/")
    phone.get_by_label("Email").fill("olga@guest.example.com")
    phone.get_by_label("Password").press_sequentially("пароль для отеля 2026")
    # allowed, but questioned while typing
    assert "Cyrillic" in phone.locator('[data-warning-for="id_password1"]').inner_text()
    phone.get_by_role("button", name="Sign up").click()
    assert "Verify" in phone.locator("h1").inner_text()
    # later, signing in with the keyboard in Latin: the page says so before sending
    phone.goto(base + "/accounts/login/")
    login = phone.get_by_label("Email or phone")
    login.press_sequentially("jkmuf@guest.example.com")
    assert phone.locator(".field-warning:visible").count() == 0
    password = phone.get_by_label("Password")
    password.press_sequentially("gfhjkm")  # "пароль" with the keyboard in Latin
    warning = phone.locator(f'[data-warning-for="{password.get_attribute("id")}"]')
    assert "set in the Cyrillic layout" in warning.inner_text()
    screenshot(phone, "layout-1-latin-for-a-cyrillic-password")
    # typed in Cyrillic, it is what this device expects: no warning
    password.fill("")
    password.press_sequentially("пароль")
    assert warning.inner_text() == ""
    # an email typed with the keyboard in Cyrillic: the Latin reading is offered
    login.fill("")
    login.press_sequentially('щдпф"пгуыеюучфьздуюсщь')
    login_warning = phone.locator(f'[data-warning-for="{login.get_attribute("id")}"]')
    assert "olga@guest.example.com" in login_warning.inner_text()
    screenshot(phone, "layout-2-email-in-cyrillic")
    login_warning.get_by_role("button").click()
    assert login.input_value() == "olga@guest.example.com"


def test_a_russian_name_typed_in_latin_is_caught_on_a_russian_page(module_tenant, live_port, phone):
    base = f"http://{host_of(module_tenant)}:{live_port}"
    phone.goto(base + "/accounts/signup/")
    phone.locator("button[name=language][value=ru]").click()
    phone.locator("html[lang=ru]").wait_for(state="attached")  # the page is back, in Russian
    phone.wait_for_load_state("load")  # and its scripts listen: the warning appears on input
    name = phone.locator("#id_full_name")
    name.press_sequentially("Bdfy Bdfyjd")  # "Иван Иванов"
    warning = phone.locator('[data-warning-for="id_full_name"]')
    assert "Иван Иванов" in warning.inner_text()
    screenshot(phone, "layout-3-name-in-latin")
    warning.get_by_role("button").click()
    assert name.input_value() == "Иван Иванов"
    # an English name is left alone
    name.fill("")
    name.press_sequentially("John Smith")
    assert warning.inner_text() == ""

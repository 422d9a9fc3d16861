"""The verticals are found among the installed apps: the registry gives Tenant.vertical its
choices, the system check refuses a declaration the core cannot honour, and the extension point
runs the current cabinet's vertical's function only."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from cabinet.checks import check_verticals
from cabinet.hooks import ORDER_PLACED, ExtensionPoint
from cabinet.verticals import vertical_named, verticals
from tenants.models import Tenant
from tenants.verticals import vertical_choices, vertical_keys


def test_the_choices_are_the_installed_verticals() -> None:
    # given the installed apps / when the registry is asked
    keys = vertical_keys()
    # then every CabinetVertical is there, with its label, and Tenant.vertical takes them only
    assert keys == [v.vertical_key for v in verticals()]
    assert len(keys) >= 3
    assert dict(vertical_choices())["shop"] == "Shop"
    field = Tenant._meta.get_field("vertical")
    assert field.clean("school", None) == "school"
    with pytest.raises(ValidationError):
        field.clean("laundromat", None)


def test_a_vertical_left_out_of_the_installed_apps_is_not_offered() -> None:
    # given the installed apps without the school
    from django.conf import settings

    apps = [app for app in settings.INSTALLED_APPS if app != "cabinet.school"]
    with override_settings(INSTALLED_APPS=apps):
        # then the school is no choice, and the others still are
        assert "school" not in vertical_keys()
        assert {"hotel", "shop"} <= set(vertical_keys())
    assert "school" in vertical_keys()


def test_the_check_refuses_an_unknown_extension_point(monkeypatch: pytest.MonkeyPatch) -> None:
    # given the shop declaring a point the core does not have
    shop = vertical_named("shop")
    assert check_verticals() == []
    monkeypatch.setattr(shop, "hooks", {"order_teleported": "cabinet.shop.services.shipment_open"})
    # then the system check says so
    assert [error.id for error in check_verticals()] == ["cabinet.E102"]


def test_an_extension_point_runs_the_current_verticals_function_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a point the shop implements
    point = ExtensionPoint("order_placed", ORDER_PLACED.when)
    calls = []

    def loaded(dotted: str) -> object:  # as cabinet.verticals.loaded: nothing for no name
        return (lambda **kw: calls.append(dotted)) if dotted else None

    monkeypatch.setattr("cabinet.hooks.loaded", loaded)
    # when it runs in a shop and in a school
    for key in ("shop", "school"):
        monkeypatch.setattr("cabinet.hooks.current", lambda key=key: vertical_named(key))
        point.run(order=None)
    # then only the shop's function was called
    assert calls == ["cabinet.shop.services.shipment_open"]

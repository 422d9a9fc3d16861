"""Fields the owner defines (issue 22, point 3): "Car plate" (staff only) on stays, "Allergies"
(personal data) on students, a client's own fields on the profile; typed, validated in the
client's language, masked and revealed with an audit, in exports, erased with the person, and
never reachable from another cabinet whose ids collide."""

import datetime as dt

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from cabinet.accounts.models import ClientProfile
from cabinet.accounts.personal_data import personal_data_erase, personal_data_sections
from cabinet.custom_fields import services as custom_fields
from cabinet.custom_fields.models import CustomField
from cabinet.hotel.models import Stay
from cabinet.orders.models import Order
from cabinet.school.services import parent_pair, student_create
from rbac.models import AuditEntry, StaffProfile, User
from rbac.roles import role_set
from tests.factories import UserFactory


def browser_for(tenant, user: User) -> Client:
    browser = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def owner_of(tenant) -> User:
    with tenant_context(tenant):
        return User.objects.get(email=f"owner@{tenant.slug}.example.com")


def a_guest(email: str = "greta@guest.example.com", **fields: object) -> ClientProfile:
    user = UserFactory(email=email, full_name="Greta Guest")
    return ClientProfile.objects.create(user=user, **fields)


def a_stay(client: ClientProfile) -> Stay:
    arrival = timezone.localdate() + dt.timedelta(days=3)
    return Stay.objects.create(
        client=client, reservation_code=f"R{client.pk}X", room_type="Sea view double",
        arrival=arrival, departure=arrival + dt.timedelta(days=2),
    )  # fmt: skip


def a_field(**values: object) -> CustomField:
    field = CustomField(**values)
    custom_fields.definition_clean(field)
    field.save()
    return field


def a_staff(role: str, email: str) -> User:
    user = UserFactory(email=email, full_name=email.split("@")[0].title(), is_staff=True)
    role_set(user=user, role=role)
    return user


# --- The owner defines them ---------------------------------------------------------------------


def test_the_owner_adds_a_field_from_the_content_pages_and_its_key_comes_from_the_label(hotel):
    owner = browser_for(hotel, owner_of(hotel))
    assert "/staff/content/fields/" in owner.get("/staff/").content.decode()
    page = owner.post("/staff/content/fields/new/", {
        "target": "stay", "label": "Car plate", "key": "", "kind": "text", "access": "staff",
        "position": "0", "active": "on", "choices": "",
    })  # fmt: skip
    assert page.status_code == 302
    with tenant_context(hotel):
        field = CustomField.objects.get()
        assert (field.target, field.key, field.access) == ("stay", "car_plate", "staff")
        assert AuditEntry.objects.filter(action="fields.created").exists()


def test_a_choice_field_needs_choices_and_a_key_is_used_once(hotel):
    owner = browser_for(hotel, owner_of(hotel))
    form = {"target": "client", "label": "Diet", "kind": "choice", "access": "client",
            "position": "0", "active": "on", "choices": ""}  # fmt: skip
    refused = owner.post("/staff/content/fields/new/", form)
    assert refused.status_code == 400
    assert "at least one choice" in refused.content.decode()
    assert owner.post("/staff/content/fields/new/", {**form, "choices": "Vegan\nHalal\nVegan"}
                      ).status_code == 302  # fmt: skip
    again = owner.post("/staff/content/fields/new/", {**form, "choices": "Kosher"})
    assert again.status_code == 400
    with tenant_context(hotel):
        assert CustomField.objects.get().choices == ["Vegan", "Halal"]


def test_a_stays_field_is_not_offered_on_a_shop(shop):
    owner = browser_for(shop, owner_of(shop))
    page = owner.get("/staff/content/fields/new/").content.decode()
    assert 'value="order"' in page
    assert 'value="stay"' not in page
    assert 'value="student"' not in page


# --- Staff only: "Car plate" on stays ----------------------------------------------------------


def test_a_staff_only_field_on_stays_is_set_by_staff_and_never_shown_to_the_guest(hotel):
    with tenant_context(hotel):
        a_field(target="stay", label="Car plate", kind="text", access="staff")
        guest = a_guest()
        stay = a_stay(guest)
        operator = a_staff(StaffProfile.Role.OPERATOR, "olga@hotel.example.com")
    owner = browser_for(hotel, owner_of(hotel))
    saved = owner.post(f"/staff/details/stay/{stay.pk}/", {"cf_car_plate": "AB 123 C"})
    assert saved.status_code == 302
    assert "AB 123 C" in owner.get(f"/staff/stays/{stay.pk}/").content.decode()
    with tenant_context(hotel):
        stay.refresh_from_db()
        assert stay.custom == {"car_plate": "AB 123 C"}
        entry = AuditEntry.objects.get(action="custom_fields.changed")
        assert entry.changes == {"car_plate": [None, "AB 123 C"]}
    guest_page = browser_for(hotel, guest.user).get(f"/stay/{stay.pk}/").content.decode()
    assert "AB 123 C" not in guest_page
    assert "Car plate" not in guest_page
    # the guest cannot reach it by address either
    assert browser_for(hotel, guest.user).get(f"/details/stay/{stay.pk}/").status_code == 404
    # an operator who may not see the guest gets 404, not the value
    assert browser_for(hotel, operator).get(f"/staff/details/stay/{stay.pk}/").status_code == 404


def test_values_are_typed_and_bad_ones_get_a_400_in_the_clients_language(hotel):
    with tenant_context(hotel):
        a_field(target="stay", label="Parking days", kind="number", access="client",
                required=True)  # fmt: skip
        a_field(target="stay", label="Pick-up date", kind="date", access="client")
        a_field(target="stay", label="Baby cot", kind="yes_no", access="client")
        guest = a_guest()
        guest.user.language = "ru"
        guest.user.save(update_fields=["language"])
        stay = a_stay(guest)
    browser = browser_for(hotel, guest.user)
    bad = {"cf_parking_days": "many", "cf_pick_up_date": "31.02.2027"}
    refused = browser.post(f"/details/stay/{stay.pk}/", bad)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Введите число" in html
    assert "Введите правильную дату" in html
    missing = browser.post(f"/details/stay/{stay.pk}/", {"cf_parking_days": ""})
    assert missing.status_code == 400
    assert "Обязательное поле" in missing.content.decode()
    ok = browser.post(f"/details/stay/{stay.pk}/", {
        "cf_parking_days": "3", "cf_pick_up_date": "2027-02-11", "cf_baby_cot": "yes",
    })  # fmt: skip
    assert ok.status_code == 302
    with tenant_context(hotel):
        stay.refresh_from_db()
        assert stay.custom == {"parking_days": 3, "pick_up_date": "2027-02-11", "baby_cot": True}


# --- Personal data: "Allergies" on students -----------------------------------------------------


def test_a_personal_field_is_the_parents_to_fill_and_masked_for_staff_until_revealed(school):
    with tenant_context(school):
        owner = User.objects.get(email="owner@school.example.com")
        a_field(target="student", label="Allergies", kind="text", access="personal")
        sofia = student_create(full_name="Sofia P", birth_date=None, by=owner)
        parent = ClientProfile.objects.create(
            user=UserFactory(email="clara@family.example.com", full_name="Clara Parent")
        )
        parent_pair(parent=parent, code=sofia.pairing_code)
        teacher = a_staff(StaffProfile.Role.VIEWER, "vera@school.example.com")
        teacher.user_permissions.add(Permission.objects.get(codename="view_all_classes"))
    # the parent fills it in from the child's page
    clara = browser_for(school, parent.user)
    assert f"/details/student/{sofia.pk}/" in clara.get(f"/children/{sofia.pk}/").content.decode()
    assert (
        clara.post(f"/details/student/{sofia.pk}/", {"cf_allergies": "Peanuts"}).status_code == 302
    )
    # the owner sees it masked, reveals it with a reason, and the look is audited
    boss = browser_for(school, owner)
    page = boss.get(f"/staff/details/student/{sofia.pk}/").content.decode()
    assert "Peanuts" not in page
    assert "•••" in page
    no_reason = boss.post(f"/staff/details/student/{sofia.pk}/reveal/",
                          {"field": "allergies", "reason": ""})  # fmt: skip
    assert no_reason.status_code == 400
    shown = boss.post(f"/staff/details/student/{sofia.pk}/reveal/",
                      {"field": "allergies", "reason": "school trip menu"})  # fmt: skip
    assert shown.status_code == 200
    assert "Peanuts" in shown.content.decode()
    # a staff member without the personal-data permission sees the mask and cannot reveal
    vera = browser_for(school, teacher)
    assert "Peanuts" not in vera.get(f"/staff/details/student/{sofia.pk}/").content.decode()
    assert vera.post(f"/staff/details/student/{sofia.pk}/reveal/",
                     {"field": "allergies", "reason": "curious"}).status_code == 403  # fmt: skip
    # and staff do not write a family's personal data
    boss.post(f"/staff/details/student/{sofia.pk}/", {"cf_allergies": "none"})
    with tenant_context(school):
        sofia.refresh_from_db()
        assert sofia.custom == {"allergies": "Peanuts"}
        revealed = AuditEntry.objects.get(action="custom_field.revealed")
        assert revealed.reason == "school trip menu"
        changed = AuditEntry.objects.get(action="custom_fields.changed")
        assert "Peanuts" not in str(changed.changes)  # the audit never copies personal data


# --- The client's own fields on the profile, exports and erasure --------------------------------


def test_a_clients_field_is_on_their_profile_and_in_the_staff_export(hotel):
    with tenant_context(hotel):
        a_field(target="client", label="VAT number", kind="text", access="client")
        a_field(target="client", label="Passport scan", kind="file", access="personal")
        guest = a_guest()
    browser = browser_for(hotel, guest.user)
    assert "VAT number" in browser.get("/account/profile/").content.decode()
    saved = browser.post("/account/profile/", {
        "full_name": "Greta Guest", "language": "en", "cf_vat_number": "DE123456789",
        "cf_passport_scan": SimpleUploadedFile("scan.pdf", b"%PDF-1.4 scan", "application/pdf"),
    })  # fmt: skip
    assert saved.status_code == 302
    with tenant_context(hotel):
        guest.refresh_from_db()
        assert guest.custom["vat_number"] == "DE123456789"
        assert guest.custom["passport_scan"]["name"] == "scan.pdf"
    download = browser.get(f"/details/client/{guest.pk}/file/passport_scan/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 scan"
    owner = browser_for(hotel, owner_of(hotel))
    card = owner.get(f"/staff/clients/{guest.pk}/").content.decode()
    assert "DE123456789" in card
    assert "VAT number" in card
    export = owner.post("/staff/clients/export/", {"confirm": "on"})
    body = b"".join(export.streaming_content) if export.streaming else export.content
    assert b"vat_number" in body
    assert b"DE123456789" in body


def test_the_persons_export_has_their_values_and_deletion_erases_them(hotel):
    with tenant_context(hotel):
        a_field(target="stay", label="Car plate", kind="text", access="staff")
        a_field(target="client", label="VAT number", kind="text", access="client")
        guest = a_guest()
        stay = a_stay(guest)
        owner = owner_of(hotel)
        custom_fields.values_save(record=stay, target="stay", values={"car_plate": "AB 123 C"},
                                  by=owner)  # fmt: skip
        custom_fields.values_save(record=guest, target="client",
                                  values={"vat_number": "DE1"}, by=guest.user)  # fmt: skip
        sections = {s.title: s for s in personal_data_sections(user=guest.user)}
        details = sections["Other details"].records
        assert {"about": f"stay {stay.pk}", "field": "Car plate", "value": "AB 123 C"} in details
        assert {"about": f"client {guest.pk}", "field": "VAT number", "value": "DE1"} in details
        personal_data_erase(user=guest.user)
        guest.refresh_from_db()
        stay.refresh_from_db()
        assert guest.custom == {}
        assert stay.custom == {}


# --- Isolation and query counts -----------------------------------------------------------------


def test_another_cabinet_with_the_same_ids_never_reaches_the_values(hotel, shop):
    with tenant_context(hotel):
        a_field(target="client", label="VAT number", kind="text", access="client")
        hotel_guest = a_guest(pk=9001)
        custom_fields.values_save(
            record=hotel_guest, target="client", values={"vat_number": "HOTEL-VAT"},
            by=hotel_guest.user,
        )  # fmt: skip
    with tenant_context(shop):
        shopper = a_guest(pk=9001)
        a_field(target="client", label="VAT number", kind="text", access="staff")
    assert shopper.pk == hotel_guest.pk  # the ids collide
    shop_owner = browser_for(shop, owner_of(shop))
    page = shop_owner.get(f"/staff/details/client/{shopper.pk}/").content.decode()
    assert "HOTEL-VAT" not in page
    shop_owner.post(f"/staff/details/client/{shopper.pk}/", {"cf_vat_number": "SHOP-VAT"})
    with tenant_context(hotel):
        hotel_guest.refresh_from_db()
        assert hotel_guest.custom == {"vat_number": "HOTEL-VAT"}
    with tenant_context(shop):
        shopper.refresh_from_db()
        assert shopper.custom == {"vat_number": "SHOP-VAT"}


def test_a_client_cannot_fill_in_someone_elses_record(hotel):
    with tenant_context(hotel):
        a_field(target="stay", label="Arrival flight", kind="text", access="client")
        stay = a_stay(a_guest())
        other = a_guest("otto@guest.example.com")
    browser = browser_for(hotel, other.user)
    assert (
        browser.post(f"/details/stay/{stay.pk}/", {"cf_arrival_flight": "LH1"}).status_code == 404
    )
    assert browser.get("/details/nowhere/1/").status_code == 404


def test_the_staff_order_queue_stays_at_its_query_count_with_fields(shop):
    with tenant_context(shop):
        a_field(target="order", label="Gift wrap", kind="yes_no", access="client")
    owner = browser_for(shop, owner_of(shop))

    def orders_page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner.get("/staff/orders/").status_code == 200
        return len(queries)

    with tenant_context(shop):
        client = a_guest()
    few = orders_page_queries()
    with tenant_context(shop):
        for n in range(5):
            Order.objects.create(client=client, payment="on_site", subtotal=10, total=10,
                                 status="new", submission_key=f"k{n}")  # fmt: skip
    assert orders_page_queries() <= few + 2  # the orders and their items, not a query per order
    assert "Custom fields" in owner.get("/staff/orders/").content.decode()


# --- The API: typed in each cabinet's schema ----------------------------------------------------


def test_the_cabinets_schema_types_its_own_fields_and_another_cabinets_does_not(hotel, shop):
    with tenant_context(hotel):
        a_field(target="client", label="Diet", kind="choice", access="client",
                choices=["Vegan", "Halal"])  # fmt: skip
        a_field(target="client", label="Visits per year", kind="number", access="client")
        a_field(target="client", label="ID scan", kind="file", access="personal")
        a_field(target="client", label="Risk note", kind="text", access="staff")
    schema = Client(HTTP_HOST="hotel.localhost").get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    mine = components["ProfileOutput"]["properties"]["custom"]["properties"]
    assert mine["diet"]["enum"] == ["Vegan", "Halal", None]
    assert mine["visits_per_year"]["type"] == "number"
    assert "id_scan" in mine
    assert "risk_note" not in mine  # staff only: not the client's to see
    writable = components["PatchedProfileInputRequest"]["properties"]["custom"]["properties"]
    assert "id_scan" not in writable  # files are uploaded in the cabinet
    staff = components["ClientOutput"]["properties"]["custom"]["properties"]
    assert "risk_note" in staff
    assert staff["id_scan"]["type"] == "string"  # masked for staff
    other = Client(HTTP_HOST="shop.localhost").get("/api/schema/", {"format": "json"}).json()
    assert (
        other["components"]["schemas"]["ProfileOutput"]["properties"]["custom"]["properties"] == {}
    )


def test_the_client_reads_and_writes_their_fields_through_the_api(hotel):
    with tenant_context(hotel):
        a_field(target="client", label="Diet", kind="choice", access="client",
                choices=["Vegan", "Halal"])  # fmt: skip
        a_field(target="client", label="Allergies", kind="text", access="personal")
        a_field(target="client", label="Risk note", kind="text", access="staff")
        guest = a_guest()
    api = browser_for(hotel, guest.user)
    bad = api.patch("/api/v1/me/profile/", {"custom": {"diet": "Paleo", "risk_note": "x"}},
                    content_type="application/json")  # fmt: skip
    assert bad.status_code == 400
    assert set(bad.json()["custom"]) == {"diet", "risk_note"}
    ok = api.patch("/api/v1/me/profile/", {"custom": {"diet": "Vegan", "allergies": "Nuts"}},
                   content_type="application/json")  # fmt: skip
    assert ok.status_code == 200
    assert ok.json()["custom"] == {"diet": "Vegan", "allergies": "Nuts"}
    owner = browser_for(hotel, owner_of(hotel))
    record = owner.get(f"/api/v1/staff/clients/{guest.pk}/").json()
    assert record["custom"] == {"diet": "Vegan", "allergies": "•••", "risk_note": None}


def test_the_staff_client_list_reads_the_fields_once_not_per_client(hotel):
    with tenant_context(hotel):
        a_field(target="client", label="Diet", kind="text", access="client")
        for n in range(3):
            a_guest(f"guest{n}@guest.example.com")
    owner = browser_for(hotel, owner_of(hotel))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner.get("/api/v1/staff/clients/").status_code == 200
        # the search_path set again after the test's own tenant_context is not the page's
        return sum(not q["sql"].startswith("SET search_path") for q in captured.captured_queries)

    queries()  # the first request warms the session's caches
    few = queries()
    with tenant_context(hotel):
        for n in range(3, 9):
            a_guest(f"guest{n}@guest.example.com")
    assert queries() == few

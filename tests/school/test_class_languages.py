"""School classes per content language (issue 22, point 1): the office gives a class's name and
subject in each content language on the class's page; a parent reads theirs on the child's page
and on the API, else the school's default; the missing-translations page lists the classes still
to translate; a teacher may not edit a class."""

from django.test import Client
from django_tenants.utils import tenant_context

from cabinet.branding.services import branding_update
from cabinet.school.services import grade_give
from tests.conftest import host_of


def as_(tenant, user) -> Client:
    browser = Client(HTTP_HOST=host_of(tenant))
    with tenant_context(tenant):
        browser.force_login(user)
    return browser


def test_a_class_written_in_german_shows_to_a_german_parent_and_the_default_otherwise(
    school, campus
):
    with tenant_context(school):
        branding_update(content_languages=["en", "de", "ru"])
        campus.clara.user.language = "de"
        campus.clara.user.save(update_fields=["language"])
        grade_give(school_class=campus.piano, student=campus.sofia, title="Scales", value=9,
                   comment="", by=campus.teacher)  # fmt: skip
    office = as_(school, campus.owner)
    piano = campus.piano
    page = office.get(f"/staff/classes/{piano.pk}/").content.decode()
    assert f"/staff/classes/{piano.pk}/edit/" in page
    form = office.get(f"/staff/classes/{piano.pk}/edit/").content.decode()
    assert 'name="name__de"' in form
    assert 'name="subject__ru"' in form

    saved = office.post(f"/staff/classes/{piano.pk}/edit/", {
        "name": piano.name, "subject": piano.subject, "room": piano.room,
        "name__de": "Klavier, 2. Klasse", "subject__de": "Klavier",
    })  # fmt: skip
    assert saved.status_code == 302
    with tenant_context(school):
        piano.refresh_from_db()
        assert piano.name == "Piano, grade 2"
        assert piano.translations == {"de": {"name": "Klavier, 2. Klasse", "subject": "Klavier"}}

    # the German parent reads German; the other parent (English) the default
    german = as_(school, campus.clara.user)
    assert "Klavier, 2. Klasse" in german.get("/children/").content.decode()
    assert "Klavier, 2. Klasse" in german.get(f"/children/{campus.sofia.pk}/").content.decode()
    english = as_(school, campus.daria.user).get(f"/children/{campus.lev.pk}/").content.decode()
    assert "Piano, grade 2" in english
    assert "Klavier" not in english
    # the API reads in the request's language, else the person's
    assert german.get("/api/v1/children/").json()[0]["classes"] == ["Klavier, 2. Klasse"]
    detail = german.get(f"/api/v1/children/{campus.sofia.pk}/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert detail["classes"][0]["name"] == "Piano, grade 2"  # no Russian: the default
    detail = german.get(f"/api/v1/children/{campus.sofia.pk}/").json()
    assert (detail["classes"][0]["name"], detail["classes"][0]["subject"]) == (
        "Klavier, 2. Klasse", "Klavier",
    )  # fmt: skip
    assert detail["grades"][0]["school_class"] == "Klavier, 2. Klasse"

    # the missing page lists the class for Russian, not for German; the choir for both
    missing = office.get("/staff/translations/").content.decode()
    assert f"/staff/classes/{piano.pk}/edit/#lang-ru" in missing
    assert f"/staff/classes/{piano.pk}/edit/#lang-de" not in missing
    assert f"/staff/classes/{campus.choir.pk}/edit/#lang-de" in missing


def test_a_teacher_cannot_edit_a_class_and_a_taken_name_is_refused(school, campus):
    teacher = as_(school, campus.teacher)
    assert teacher.get(f"/staff/classes/{campus.piano.pk}/edit/").status_code == 403
    assert (
        f"/staff/classes/{campus.piano.pk}/edit/"
        not in teacher.get(f"/staff/classes/{campus.piano.pk}/").content.decode()
    )
    office = as_(school, campus.owner)
    refused = office.post(f"/staff/classes/{campus.piano.pk}/edit/",
                          {"name": campus.choir.name, "subject": "Piano"})  # fmt: skip
    assert refused.status_code == 400
    assert office.get("/staff/classes/999999/edit/").status_code == 404

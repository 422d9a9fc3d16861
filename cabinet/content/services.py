"""Writes of what the owner edits in the content editors (pages, catalog, events, offers, …):
saving, deleting and the texts in other languages, each audited."""

from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest

from cabinet.branding.services import _delete_on_commit
from cabinet.common.images import picture_names
from cabinet.common.storage_quota import storage_changed
from rbac.audit import audit_record
from rbac.models import User


@transaction.atomic
def content_save(*, form: ModelForm, key: str, request: HttpRequest) -> models.Model:
    """Save a staff edit of a page, catalog item or event, with its audit entry."""
    created = form.instance.pk is None
    changes = {
        name: [str(form.initial.get(name, "")), str(form.cleaned_data.get(name, ""))]
        for name in form.changed_data
    }
    replaced = form.initial.get("image") if "image" in form.changed_data else None
    replaced_names = picture_names(replaced.name) if replaced else []
    saved = form.save()
    if replaced_names:  # a new picture (or none): the old one's files go once this commits
        _delete_on_commit(replaced.storage, replaced_names)
        storage_changed()
    audit_record(
        action=f"{key}.{'created' if created else 'updated'}",
        target=saved,
        changes=changes,
        request=request,
    )
    return saved


@transaction.atomic
def content_delete(*, obj: models.Model, key: str, request: HttpRequest) -> None:
    """Raises ProtectedError (nothing deleted) while something still refers to it."""
    audit_record(action=f"{key}.deleted", target=obj, changes={"was": str(obj)}, request=request)
    picture = getattr(obj, "image", None)
    obj.delete()
    if picture:  # its files go with it once this commits
        _delete_on_commit(picture.storage, picture_names(picture.name))
        storage_changed()


@transaction.atomic
def content_texts_set(
    *, obj: models.Model, texts: dict[str, str], translations: dict | None, actor: User
) -> models.Model:
    """Staff set a content object's texts in the default language and, when given, its whole
    `translations` (already checked: cabinet.content.translations.translations_clean), audited."""
    changes = {
        name: [str(getattr(obj, name)), str(value)]
        for name, value in texts.items()
        if getattr(obj, name) != value
    }
    for name in changes:
        setattr(obj, name, texts[name])
    if translations is not None and translations != obj.translations:
        changes["translations"] = [obj.translations, translations]
        obj.translations = translations
    obj.full_clean()
    obj.save()
    if changes:
        audit_record(action=f"{obj._meta.model_name}.updated", actor=actor, target=obj,
                     changes=changes)  # fmt: skip
    return obj

"""Classes and students from a student-information system's CSV, by its external ids.

The whole file is checked first and every refused line is reported with its number and the
reason, in the reader's language; a file with any refused line writes nothing. A line whose
external id is known updates that class or student; an unknown one creates it through the
office's own services (class_create, student_create, enrol: audited, the office's permission),
so the same file imported twice changes nothing the second time.

classes.csv:  external_id,name,subject,room,teacher_email
students.csv: external_id,full_name,birth_date,classes   (classes: external ids, ";" between)
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from cabinet.content.forms import plain_text
from cabinet.school.models import SchoolClass, Student
from cabinet.school.services import class_create, enrol, require_office, student_create
from rbac.audit import audit_record
from rbac.models import User

MAX_LINES = 5000
EXTERNAL_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._:-]{0,63}$")
COLUMNS = {
    "classes": ["external_id", "name", "subject", "room", "teacher_email"],
    "students": ["external_id", "full_name", "birth_date", "classes"],
}


@dataclass
class LineProblem:
    line: int
    errors: list[str]


@dataclass
class ImportResult:
    """What the file does (or did): lines that create, lines that update, lines that change
    nothing; and the refused lines, which stop the whole file."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)


class ImportRefused(Exception):
    """The file as a whole cannot be read (no header, wrong columns, too long)."""


def _rows(text: str, kind: str) -> list[tuple[int, dict[str, str]]]:
    if "\x00" in text:
        raise ImportRefused(_("This is not a CSV text file."))
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
    except csv.Error as exc:
        raise ImportRefused(_("This is not a CSV text file.")) from exc
    missing = [name for name in COLUMNS[kind] if name not in header]
    if missing:
        raise ImportRefused(
            _("The first line names the columns; missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if reader.line_num > MAX_LINES + 1:
                raise ImportRefused(_("At most %(n)d lines a file.") % {"n": MAX_LINES})
            values = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
            if any(values.values()):
                rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise ImportRefused(_("This is not a CSV text file.")) from exc
    if not rows:
        raise ImportRefused(_("The file has no lines after the header."))
    return rows


def _text(value: str, limit: int, errors: list[str], label: str, required: bool = True) -> str:
    try:
        cleaned = plain_text(value)
    except ValidationError:  # control characters
        errors.append(_("%(column)s has characters that are not text.") % {"column": label})
        return ""
    if required and not cleaned:
        errors.append(_("%(column)s is empty.") % {"column": label})
    elif len(cleaned) > limit:
        errors.append(_("%(column)s is longer than %(n)d characters.") % {"column": label,
                                                                        "n": limit})  # fmt: skip
    return cleaned


def _external_id(value: str, seen: set[str], errors: list[str]) -> str:
    if not EXTERNAL_ID.match(value):
        errors.append(_("external_id: 1 to 64 letters, digits and . _ : - (starting with a "
                        "letter or digit)."))  # fmt: skip
    elif value in seen:
        errors.append(_("external_id %(id)s is in the file twice.") % {"id": value})
    seen.add(value)
    return value


@transaction.atomic
def classes_import(*, text: str, by: User, write: bool) -> ImportResult:
    """Check `text` (classes.csv) and, when `write` and no line is refused, apply it."""
    require_office(by)
    result, seen, names, plans = ImportResult(), set(), set(), []
    teachers = {u.email.lower(): u for u in User.objects.filter(is_staff=True, is_active=True)}
    known = {c.external_id: c for c in SchoolClass.objects.exclude(external_id="")}
    by_name = {c.name: c for c in SchoolClass.objects.all()}
    for line, row in _rows(text, "classes"):
        errors: list[str] = []
        external_id = _external_id(row["external_id"], seen, errors)
        wanted = {
            "name": _text(row["name"], 80, errors, "name"),
            "subject": _text(row["subject"], 80, errors, "subject"),
            "room": _text(row["room"], 40, errors, "room", required=False),
        }
        if wanted["name"] in names:
            errors.append(_("The class %(name)s is in the file twice.") % {"name": wanted["name"]})
        names.add(wanted["name"])
        email = row["teacher_email"].lower()
        teacher = teachers.get(email) if email else None
        if email and teacher is None:
            errors.append(_("No member of staff has the email %(email)s.") % {"email": email})
        current = known.get(external_id)
        namesake = by_name.get(wanted["name"])
        taken = namesake is not None and (current is None or namesake.pk != current.pk)
        if taken and (namesake.external_id or current is not None):
            errors.append(_("Another class is called %(name)s.") % {"name": wanted["name"]})
        if errors:
            result.problems.append(LineProblem(line, errors))
            continue
        plans.append((external_id, current or namesake, wanted, teacher))
    if result.problems:
        return result
    with _writing("classes"):
        _classes_apply(plans, result, by=by, write=write)
    return result


def _classes_apply(plans: list, result: ImportResult, *, by: User, write: bool) -> None:
    for external_id, current, wanted, teacher in plans:
        if current is None:
            result.created.append(external_id)
            if write:
                made = class_create(teacher=teacher, by=by, **wanted)
                SchoolClass.objects.filter(pk=made.pk).update(external_id=external_id)
            continue
        wanted = {**wanted, "teacher_id": teacher.pk if teacher else None,
                  "external_id": external_id}  # fmt: skip
        changes = {k: v for k, v in wanted.items() if getattr(current, k) != v}
        (result.updated if changes else result.unchanged).append(external_id)
        if write and changes:
            for name, value in changes.items():
                setattr(current, name, value)
            current.save(update_fields=list(changes))
            audit_record(action="school.class_imported", actor=by, target=current,
                         changes={k: str(v) for k, v in changes.items()})  # fmt: skip


def _birth_date(value: str, errors: list[str]) -> datetime.date | None:
    if not value:
        return None
    try:
        born = datetime.date.fromisoformat(value)
    except ValueError:
        errors.append(_("birth_date: a date as YYYY-MM-DD."))
        return None
    if not datetime.date(1900, 1, 1) <= born < datetime.date.today():
        errors.append(_("birth_date: a date in the past."))
    return born


@transaction.atomic
def students_import(*, text: str, by: User, write: bool) -> ImportResult:
    """Check `text` (students.csv) and, when `write` and no line is refused, apply it. A
    student's classes are added to (enrolment is never taken away by an import)."""
    require_office(by)
    result, seen, plans = ImportResult(), set(), []
    classes = {c.external_id: c for c in SchoolClass.objects.exclude(external_id="")}
    known = {s.external_id: s for s in Student.objects.exclude(external_id="")
             .prefetch_related("classes")}  # fmt: skip
    for line, row in _rows(text, "students"):
        errors: list[str] = []
        external_id = _external_id(row["external_id"], seen, errors)
        full_name = _text(row["full_name"], 120, errors, "full_name")
        born = _birth_date(row["birth_date"], errors)
        wanted_classes = []
        for ref in filter(None, (part.strip() for part in row["classes"].split(";"))):
            if ref not in classes:
                errors.append(_("No class has the external id %(id)s.") % {"id": ref})
            else:
                wanted_classes.append(classes[ref])
        if errors:
            result.problems.append(LineProblem(line, errors))
            continue
        plans.append((external_id, known.get(external_id), full_name, born, wanted_classes))
    if result.problems:
        return result
    with _writing("students"):
        _students_apply(plans, result, by=by, write=write)
    return result


def _students_apply(plans: list, result: ImportResult, *, by: User, write: bool) -> None:
    for external_id, current, full_name, born, wanted_classes in plans:
        if current is None:
            result.created.append(external_id)
            if write:
                current = student_create(full_name=full_name, birth_date=born, by=by)
                Student.objects.filter(pk=current.pk).update(external_id=external_id)
                for school_class in wanted_classes:
                    enrol(student=current, school_class=school_class, by=by)
            continue
        changes = {k: v for k, v in {"full_name": full_name, "birth_date": born}.items()
                   if getattr(current, k) != v}  # fmt: skip
        enrolled = {c.pk for c in current.classes.all()}
        new_classes = [c for c in wanted_classes if c.pk not in enrolled]
        (result.updated if changes or new_classes else result.unchanged).append(external_id)
        if write and changes:
            for name, value in changes.items():
                setattr(current, name, value)
            current.save(update_fields=list(changes))
            audit_record(action="school.student_imported", actor=by, target=current,
                         changes={k: str(v) for k, v in changes.items()})  # fmt: skip
        if write:
            for school_class in new_classes:
                enrol(student=current, school_class=school_class, by=by)


@contextmanager
def _writing(kind: str) -> Iterator[None]:
    """One import of a kind at a time in this cabinet; what the records turned out to refuse
    while writing (another import, a page, between the check and the write) undoes the whole
    file and is said as a refusal."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                       [f"{connection.schema_name}:school.import:{kind}"])  # fmt: skip
    try:
        with transaction.atomic():
            yield
    except (ValidationError, IntegrityError) as exc:
        raise ImportRefused(
            _(
                "The file conflicts with the school's records as they are now: nothing was "
                "imported. Check it again."
            )
        ) from exc

"""The school's back office: a teacher's classes (roster, attendance, homework, grades), and the
office's classes, timetable, students (with their pairing codes) and enrolment."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabinet.access import staff_required
from cabinet.rendering import render_cabinet
from cabinet.school import selectors
from cabinet.school.forms import (
    ClassForm,
    ClassTextsForm,
    EnrolForm,
    GradeForm,
    HomeworkForm,
    ImportForm,
    LessonForm,
    StudentForm,
)
from cabinet.school.imports import ImportRefused, classes_import, students_import
from cabinet.school.models import Attendance, Student
from cabinet.school.services import (
    attendance_record,
    class_create,
    class_texts_save,
    enrol,
    grade_give,
    homework_add,
    lesson_add,
    student_create,
)
from cabinet.verticals import vertical_required

school_page = vertical_required("school")
MAX_STUDENT_ID = 2**31


def _class_or_404(request: HttpRequest, pk: int):
    found = selectors.staff_class(request.user, pk)
    if found is None:
        raise Http404
    return found


def _back(school_class, **query) -> HttpResponseRedirect:
    url = reverse("school-staff:class", args=[school_class.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return HttpResponseRedirect(url)


@require_http_methods(["GET", "POST"])
@staff_required
@school_page
def classes(request: HttpRequest) -> HttpResponse:
    office = request.user.has_perm("school.manage_classes")
    form = ClassForm(request.POST or None) if office else None
    if request.method == "POST":
        if not office:
            raise PermissionDenied("the school office's work")
        if form.is_valid():
            try:
                created = class_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return HttpResponseRedirect(reverse("school-staff:class", args=[created.pk]))
    status = 400 if request.method == "POST" else 200
    context = {"classes": selectors.staff_classes(request.user), "form": form, "office": office}
    return render_cabinet(request, "school/staff_classes.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
@school_page
def class_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The office renames a class and gives its name and subject in each content language."""
    if not request.user.has_perm("school.manage_classes"):
        raise PermissionDenied("the school office's work")
    school_class = _class_or_404(request, pk)
    form = ClassTextsForm(request.POST or None, instance=school_class)
    if request.method == "POST" and form.is_valid():
        try:
            class_texts_save(school_class=form.instance, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Class saved."))
            return _back(school_class)
    status = 400 if request.method == "POST" else 200
    context = {"school_class": school_class, "form": form}
    return render_cabinet(request, "school/staff_class_edit.html", context, status=status)


@require_GET
@staff_required
@school_page
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school_class = _class_or_404(request, pk)
    day = parse_date(request.GET.get("date", "")[:10]) if request.GET.get("date") else None
    day = day or timezone.localdate()
    roster = list(school_class.students.all())
    marks = dict(
        Attendance.objects.filter(school_class=school_class, date=day).values_list(
            "student_id", "status"
        )
    )
    office = request.user.has_perm("school.manage_classes")
    context = {
        "school_class": school_class,
        "roster": [(student, marks.get(student.pk, "")) for student in roster],
        "day": day,
        "statuses": Attendance.Status.choices,
        # both have a `title`: their own ids, so each label names its own field
        "homework_form": HomeworkForm(auto_id="homework_%s"),
        "grade_form": GradeForm(school_class=school_class, auto_id="grade_%s"),
        "homework": school_class.homework.order_by("-due_date")[:10],
        "grades": school_class.grades.select_related("student")[:20],
        "lessons": school_class.lessons.all(),
        "office": office,
        "enrol_form": EnrolForm() if office else None,
        "lesson_form": LessonForm() if office else None,
    }
    return render_cabinet(request, "school/staff_class.html", context)


def _form_action(
    request: HttpRequest, school_class, form, action, success: str, invalid: str = ""
) -> HttpResponseRedirect:
    """A class page's form: its errors (or `invalid`) as a message, else `action` on its data."""
    if not form.is_valid():
        messages.error(request, invalid or " ".join(e for es in form.errors.values() for e in es))
        return _back(school_class)
    return _run(request, school_class, lambda: action(form.cleaned_data), success)


def _run(request: HttpRequest, school_class, action, success: str) -> HttpResponseRedirect:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return _back(school_class)


@require_POST
@staff_required
@school_page
def class_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    school_class = _class_or_404(request, pk)
    day = parse_date(request.POST.get("date", "")[:10] or "")
    marks = {}
    for name, value in request.POST.items():
        if name.startswith("mark-") and value:
            try:
                student_id = int(name[5:])
            except ValueError:
                student_id = 0
            if not 0 < student_id < MAX_STUDENT_ID:
                messages.error(request, _("Mark only the students of this class."))
                return _back(school_class)
            marks[student_id] = value[:10]
    if day is None:
        messages.error(request, _("Choose the day."))
        return _back(school_class)
    return _run(
        request, school_class,
        lambda: attendance_record(school_class=school_class, date=day, marks=marks,
                                  by=request.user),
        _("Attendance is saved."),
    )  # fmt: skip


@require_POST
@staff_required
@school_page
def class_homework(request: HttpRequest, pk: int) -> HttpResponse:
    school_class = _class_or_404(request, pk)
    return _form_action(
        request, school_class, HomeworkForm(request.POST),
        lambda data: homework_add(school_class=school_class, by=request.user, **data),
        _("The homework is set."),
    )  # fmt: skip


@require_POST
@staff_required
@school_page
def class_grade(request: HttpRequest, pk: int) -> HttpResponse:
    school_class = _class_or_404(request, pk)
    return _form_action(
        request, school_class, GradeForm(request.POST, school_class=school_class),
        lambda data: grade_give(school_class=school_class, by=request.user, **data),
        _("The grade is given."),
    )  # fmt: skip


@require_POST
@staff_required
@school_page
def class_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    school_class = _class_or_404(request, pk)
    return _form_action(
        request, school_class, EnrolForm(request.POST),
        lambda data: enrol(student=data["student"], school_class=school_class, by=request.user),
        _("The student is enrolled."), invalid=_("Choose a student."),
    )  # fmt: skip


@require_POST
@staff_required
@school_page
def class_lesson(request: HttpRequest, pk: int) -> HttpResponse:
    school_class = _class_or_404(request, pk)
    return _form_action(
        request, school_class, LessonForm(request.POST),
        lambda data: lesson_add(school_class=school_class, by=request.user, **data),
        _("The lesson is in the timetable."), invalid=_("Choose the day and the times."),
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@staff_required
@school_page
def students(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("school.manage_classes"):
        raise PermissionDenied("the school office's work")
    form = StudentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        student = student_create(by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("%(name)s is added. Give the family the pairing code %(code)s.")
            % {"name": student.full_name, "code": student.pairing_code},
        )
        return HttpResponseRedirect(reverse("school-staff:students"))
    status = 400 if request.method == "POST" else 200
    rows = Student.objects.prefetch_related("classes", "parents")[:500]
    return render_cabinet(
        request, "school/staff_students.html", {"students": rows, "form": form}, status=status
    )


IMPORTS = {"classes": classes_import, "students": students_import}


@require_http_methods(["GET", "POST"])
@staff_required
@school_page
def csv_import(request: HttpRequest) -> HttpResponse:
    """The office's import from the student-information system: upload a CSV, see what it would
    create and update and every refused line with its number, then import it (the same checks
    and services as POST /api/v1/staff/classes/import/)."""
    if not request.user.has_perm("school.manage_classes"):
        raise PermissionDenied("the school office's work")
    form = ImportForm(request.POST or None, request.FILES or None)
    result, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            write = request.POST.get("step") == "import"
            run = IMPORTS[form.cleaned_data["kind"]]
            try:
                result = run(text=form.cleaned_data["text"], by=request.user, write=write)
            except ImportRefused as exc:
                form.add_error("file", str(exc))
            else:
                if write and not result.problems:
                    messages.success(request, _("Imported: %(created)d new, %(updated)d updated, "
                                                "%(unchanged)d unchanged.") % {
                        "created": len(result.created), "updated": len(result.updated),
                        "unchanged": len(result.unchanged)})  # fmt: skip
                    return HttpResponseRedirect(reverse("school-staff:import"))
                status = 400 if result.problems else 200
    previewed = form.cleaned_data if result is not None else {}
    context = {"form": form, "result": result, "text": previewed.get("text", ""),
               "kind": previewed.get("kind", "")}  # fmt: skip
    return render_cabinet(request, "school/staff_import.html", context, status=status)

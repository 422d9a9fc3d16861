"""A parent's pages: their children (linked with the school's pairing code) and each child's
timetable, homework, grades and attendance — to see, never to submit."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cabinet.access import client_of
from cabinet.rendering import render_cabinet
from cabinet.school import selectors
from cabinet.school.forms import PairingForm
from cabinet.school.models import WEEKDAYS, Attendance
from cabinet.school.services import parent_pair
from cabinet.verticals import vertical_required

school_page = vertical_required("school")


@require_http_methods(["GET", "POST"])
@login_required
@school_page
def children(request: HttpRequest) -> HttpResponse:
    parent = client_of(request)
    form = PairingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            student = parent_pair(parent=parent, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            messages.success(request, _("%s is linked to your account.") % student.full_name)
            return HttpResponseRedirect(reverse("school:child", args=[student.pk]))
    status = 400 if request.method == "POST" else 200
    context = {"children": selectors.parent_children(parent), "form": form}
    return render_cabinet(request, "school/children.html", context, status=status)


@require_GET
@login_required
@school_page
def child(request: HttpRequest, pk: int) -> HttpResponse:
    student = selectors.parent_child(client_of(request), pk)
    if student is None:
        raise Http404
    today = timezone.localdate()
    overview = selectors.child_overview(student, today)
    days = dict(WEEKDAYS)
    week = [
        (days[number], [lesson for lesson in overview["lessons"] if lesson.weekday == number])
        for number in range(1, 8)
    ]
    context = {
        **overview,
        "student": student,
        "week": [(day, lessons) for day, lessons in week if lessons],
        "today": today,
        "soon": today + datetime.timedelta(days=2),
        "attendance_counts": [
            (value, label, overview["attendance"].get(value, 0))
            for value, label in Attendance.Status.choices
        ],
    }
    return render_cabinet(request, "school/child.html", context)

"""The school on the API: a parent's children with their classes, timetable, grades, attendance
and homework (as the child's page shows them), the classes a member of staff may see (the
teacher their own, the office all), the teacher's writes on them (attendance, homework, grades:
checked by the class page's forms, saved by its services), and the import of classes and
students from a student-information system's CSV. Every endpoint answers 404 on cabinets that
are not schools."""

import datetime
from dataclasses import asdict

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ParseError, PermissionDenied
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from cabinet.accounts import selectors as accounts_selectors
from cabinet.content.translations import tr
from cabinet.rest import (
    FromSelectors,
    IsClient,
    IsStaff,
    JsonInput,
    Localized,
    LocalTimeField,
    OfVertical,
    Pages,
    PlainTextField,
    api_language,
    form_errors,
)
from cabinet.school import selectors
from cabinet.school.forms import GradeForm, HomeworkForm
from cabinet.school.imports import ImportRefused, classes_import, students_import
from cabinet.school.models import Attendance, Grade, Homework, SchoolClass, Student
from cabinet.school.services import attendance_record, grade_give, homework_add

IN_YOUR_LANGUAGE = (
    "In the request's language (Accept-Language), else the person's, else the school's default."
)
NOT_YOURS = OpenApiResponse(description="No such child or class, or not one you may see")
MAX_CSV_BYTES = 1_000_000
MAX_ID = 2**31 - 1
MAX_MARKS = 500


class ClassOutput(serializers.ModelSerializer):
    name = Localized("name", help_text=IN_YOUR_LANGUAGE)
    subject = Localized("subject", help_text=IN_YOUR_LANGUAGE)
    teacher = serializers.CharField(source="teacher.get_full_name", allow_null=True, default=None)

    class Meta:
        model = SchoolClass
        fields = ("id", "name", "subject", "room", "teacher")


class LessonOutput(serializers.Serializer):
    school_class = serializers.IntegerField(source="school_class_id")
    weekday = serializers.IntegerField(help_text="1 = Monday … 7 = Sunday")
    starts = LocalTimeField()
    ends = LocalTimeField()


class GradeOutput(serializers.ModelSerializer):
    school_class = Localized("name", of="school_class", help_text=IN_YOUR_LANGUAGE)

    class Meta:
        model = Grade
        fields = ("id", "school_class", "title", "value", "comment", "date")


class HomeworkOutput(serializers.ModelSerializer):
    school_class = Localized("name", of="school_class", help_text=IN_YOUR_LANGUAGE)

    class Meta:
        model = Homework
        fields = ("id", "school_class", "title", "description", "due_date")


class AttendanceCounts(serializers.Serializer):
    present = serializers.IntegerField()
    late = serializers.IntegerField()
    absent = serializers.IntegerField()
    excused = serializers.IntegerField()


class ChildOutput(serializers.ModelSerializer):
    classes = serializers.SerializerMethodField()

    class Meta:
        model = Student
        fields = ("id", "full_name", "birth_date", "classes")

    def get_classes(self, student: Student) -> list[str]:
        language = api_language(self.context.get("request"))
        return [tr(c, "name", language) for c in student.classes.all()]


class ChildDetailOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    classes = ClassOutput(many=True)
    lessons = LessonOutput(many=True)
    homework = HomeworkOutput(many=True, help_text="Due from a week ago on (at most 30)")
    grades = GradeOutput(many=True, help_text="The latest 20")
    attendance = AttendanceCounts(help_text="The last 30 days, by status")


class StudentRowOutput(serializers.ModelSerializer):
    class Meta:
        model = Student
        fields = ("id", "external_id", "full_name", "birth_date")


class StaffClassOutput(serializers.ModelSerializer):
    teacher = serializers.IntegerField(source="teacher_id", allow_null=True)
    size = serializers.IntegerField(help_text="Students enrolled")

    class Meta:
        model = SchoolClass
        fields = ("id", "external_id", "name", "subject", "room", "teacher", "size")


class AttendanceOutput(serializers.ModelSerializer):
    student = serializers.IntegerField(source="student_id")

    class Meta:
        model = Attendance
        fields = ("student", "date", "status")


class StaffGradeOutput(GradeOutput):
    student = serializers.IntegerField(source="student_id")

    class Meta(GradeOutput.Meta):
        fields = (*GradeOutput.Meta.fields, "student")


class StaffClassDetailOutput(serializers.Serializer):
    school_class = StaffClassOutput()
    students = StudentRowOutput(many=True)
    homework = HomeworkOutput(many=True)
    grades = StaffGradeOutput(many=True, help_text="The latest 200")
    attendance = AttendanceOutput(many=True, help_text="The last 30 days")


class Refused(APIException):
    """A well-formed request the class's present state turns down: 409 with the reason, as
    cabinet.rest.refused answers."""

    status_code = status.HTTP_409_CONFLICT


class AttendanceMarkInput(JsonInput):
    student = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                       help_text="A student of this class")  # fmt: skip
    status = serializers.ChoiceField(choices=Attendance.Status.choices)


class AttendanceInput(JsonInput):
    date = serializers.DateField(help_text="The day: today or before (a later day is a 409)")
    marks = AttendanceMarkInput(many=True, allow_empty=False, max_length=MAX_MARKS,
                                help_text="One mark per student; students left out keep "
                                "theirs")  # fmt: skip

    def validate_marks(self, marks: list[dict]) -> list[dict]:
        students = [mark["student"] for mark in marks]
        if len(set(students)) != len(students):
            raise serializers.ValidationError(_("Mark each student once."))
        return marks


class HomeworkInput(JsonInput):
    title = PlainTextField(max_length=120)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                        default="", help_text="What to do")  # fmt: skip
    due_date = serializers.DateField(help_text="Today or later (an earlier day is a 409)")


class GradeInput(JsonInput):
    student = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                       help_text="A student of this class")  # fmt: skip
    title = PlainTextField(max_length=120, help_text="For what")
    value = serializers.IntegerField(min_value=1, max_value=10)
    comment = PlainTextField(max_length=300, required=False, allow_blank=True, default="")


def _as_form_data(typed: dict) -> dict[str, str]:
    """What the serializer parsed, as the class page's form reads it (a date in one spelling)."""
    return {name: value.isoformat() if isinstance(value, datetime.date) else str(value)
            for name, value in typed.items()}  # fmt: skip


class ChildViewSet(FromSelectors, viewsets.GenericViewSet):
    """The children linked to the signed-in parent, as their pages show them (to see, never to
    submit)."""

    vertical = "school"
    permission_classes = (OfVertical, IsClient)
    pagination_class = None
    serializer_class = ChildOutput
    queryset = Student.objects.none()  # for the schema; rows come from the parent's selector

    def _parent(self):
        return accounts_selectors.client_profile_of(self.request.user)

    @extend_schema(summary="Your children")
    def list(self, request: Request) -> Response:
        children = selectors.parent_children(self._parent())
        return Response(ChildOutput(children, many=True, context={"request": request}).data)

    @extend_schema(
        responses={200: ChildDetailOutput, 404: NOT_YOURS},
        summary="A child's classes, timetable, homework, grades and attendance",
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        student = selectors.parent_child(self._parent(), pk)
        if student is None:
            raise NotFound()
        overview = selectors.child_overview(student, timezone.localdate())
        counts = {value: overview["attendance"].get(value, 0) for value in Attendance.Status}
        body = {"id": student.pk, "full_name": student.full_name, **overview,
                "attendance": counts}  # fmt: skip
        return Response(ChildDetailOutput(body, context={"request": request}).data)


class CsvParser(BaseParser):
    """A CSV file as the body (UTF-8, at most 1 MB)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> str:
        raw = stream.read(MAX_CSV_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_CSV_BYTES:
            raise ParseError("At most 1 MB of CSV at a time.")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError("The CSV is not UTF-8 text.") from exc


class LineProblemOutput(serializers.Serializer):
    line = serializers.IntegerField(help_text="The line of the file, the header being line 1")
    errors = serializers.ListField(child=serializers.CharField())


class ImportOutput(serializers.Serializer):
    written = serializers.BooleanField(help_text="False for a preview (dry_run)")
    created = serializers.ListField(child=serializers.CharField(), help_text="External ids")
    updated = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.ListField(child=serializers.CharField())


class ImportRefusedOutput(serializers.Serializer):
    detail = serializers.CharField()
    lines = LineProblemOutput(many=True, required=False)


DRY_RUN = OpenApiParameter(
    "dry_run", OpenApiTypes.BOOL, description="Check and say what would change, write nothing"
)


def _import_schema(columns: str):
    return extend_schema(
        request={"text/csv": OpenApiTypes.STR},
        parameters=[DRY_RUN],
        responses={
            200: ImportOutput,
            400: OpenApiResponse(ImportRefusedOutput, description="The file or some of its "
                                 "lines are refused (each with its number): nothing written"),
            403: OpenApiResponse(description="Not staff, or not the school office "
                                 "(Create classes and students)"),
        },
        summary=f"Import {columns.split(':')[0]} from CSV, by external id (idempotent)",
        description=f"Columns: {columns.split(':', 1)[1]}. A file with any refused line "
        "writes nothing; the same file again changes nothing.",
    )  # fmt: skip


class StaffClassViewSet(FromSelectors, viewsets.GenericViewSet):
    """The classes this staff member may see (their own; every class for the office), and the
    office's CSV import of classes and students."""

    vertical = "school"
    permission_classes = (OfVertical, IsStaff)
    key_scopes = {"GET": "school:read", "POST": "school:write", "PUT": "school:write"}
    pagination_class = Pages
    serializer_class = StaffClassOutput
    queryset = SchoolClass.objects.none()  # for the schema; rows come from the staff selector

    @extend_schema(summary="Classes you may see")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.staff_classes(request.user).order_by("name"))
        return self.get_paginated_response(StaffClassOutput(page, many=True).data)

    @extend_schema(
        responses={200: StaffClassDetailOutput, 404: NOT_YOURS},
        summary="A class: its students, homework, grades, and the last 30 days' attendance",
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        school_class = selectors.staff_class(request.user, pk)
        if school_class is None:
            raise NotFound()
        since = timezone.localdate() - datetime.timedelta(days=30)
        of_class = {"school_class": school_class}
        body = {
            "school_class": school_class,
            "students": school_class.students.all(),
            "homework": Homework.objects.filter(**of_class).select_related("school_class"),
            "grades": Grade.objects.filter(**of_class).select_related("school_class")[:200],
            "attendance": Attendance.objects.filter(**of_class, date__gte=since),
        }
        return Response(StaffClassDetailOutput(body).data)

    def _class(self, pk: str) -> SchoolClass:
        school_class = selectors.staff_class(self.request.user, pk)
        if school_class is None:
            raise NotFound()
        return school_class

    def _write(self, run) -> object:
        """Run a service of the class page: a student outside the class is the request's fault
        (400, on the field); another refusal is the class's present state (409)."""
        try:
            return run()
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            if exc.code == "student":
                raise serializers.ValidationError({"student": exc.messages}) from exc
            raise Refused(" ".join(exc.messages)) from exc

    @extend_schema(
        request=AttendanceInput,
        responses={
            200: OpenApiResponse(AttendanceOutput(many=True),
                                 description="The class's marks for that day, as saved"),
            404: NOT_YOURS,
            409: OpenApiResponse(description="A day after today"),
        },
        summary="Take attendance for a day (idempotent: the same marks again change nothing)",
        description="As on the class page: each student's mark for the day is set, replacing "
        "an earlier one; parents of the absent and the late are told.",
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="attendance", pagination_class=None)
    def attendance(self, request: Request, pk: str) -> Response:
        school_class = self._class(pk)
        data = AttendanceInput(data=request.data)
        data.is_valid(raise_exception=True)
        day = data.validated_data["date"]
        marks = {mark["student"]: mark["status"] for mark in data.validated_data["marks"]}
        self._write(lambda: attendance_record(school_class=school_class, date=day, marks=marks,
                                              by=request.user))  # fmt: skip
        saved = Attendance.objects.filter(school_class=school_class, date=day,
                                          student_id__in=marks).order_by("student_id")  # fmt: skip
        return Response(AttendanceOutput(saved, many=True).data)

    @extend_schema(
        request=HomeworkInput,
        responses={201: HomeworkOutput, 404: NOT_YOURS,
                   409: OpenApiResponse(description="Due before today")},
        summary="Set homework for the class (its parents are told)",
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="homework")
    def homework(self, request: Request, pk: str) -> Response:
        school_class = self._class(pk)
        data = HomeworkInput(data=request.data)
        data.is_valid(raise_exception=True)
        form = HomeworkForm(_as_form_data(data.validated_data))
        if not form.is_valid():
            raise form_errors(form)
        made = self._write(lambda: homework_add(school_class=school_class, by=request.user,
                                                **form.cleaned_data))  # fmt: skip
        return Response(HomeworkOutput(made, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)  # fmt: skip

    @extend_schema(
        request=GradeInput,
        responses={201: StaffGradeOutput, 404: NOT_YOURS},
        summary="Give a student of the class a grade (their parents are told)",
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="grades")
    def grades(self, request: Request, pk: str) -> Response:
        school_class = self._class(pk)
        data = GradeInput(data=request.data)
        data.is_valid(raise_exception=True)
        form = GradeForm(_as_form_data(data.validated_data), school_class=school_class)
        if not form.is_valid():
            raise form_errors(form)
        given = self._write(lambda: grade_give(school_class=school_class, by=request.user,
                                               **form.cleaned_data))  # fmt: skip
        return Response(StaffGradeOutput(given, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)  # fmt: skip

    def _import(self, request: Request, run) -> Response:
        if not isinstance(request.data, str):
            raise ParseError("Send the CSV as the body, with Content-Type: text/csv.")
        dry_run = request.query_params.get("dry_run", "false")
        if dry_run not in ("true", "false"):
            return Response({"detail": "dry_run is true or false.", "dry_run": ["true or false."]},
                            status=400)  # fmt: skip
        try:
            result = run(text=request.data, by=request.user, write=dry_run == "false")
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except ImportRefused as exc:
            return Response({"detail": str(exc)}, status=400)
        if result.problems:
            body = {"detail": _("Some lines are refused: nothing was written."),
                    "lines": [asdict(p) for p in result.problems]}  # fmt: skip
            return Response(body, status=400)
        return Response({"written": dry_run == "false", "created": result.created,
                         "updated": result.updated, "unchanged": result.unchanged})  # fmt: skip

    @_import_schema("classes: external_id, name, subject, room, teacher_email")
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[CsvParser])
    def import_classes(self, request: Request) -> Response:
        return self._import(request, classes_import)

    @_import_schema(
        "students: external_id, full_name, birth_date (YYYY-MM-DD), classes (the classes' "
        "external ids, separated by ;)"
    )
    @action(detail=False, methods=["post"], url_path="import-students",
            parser_classes=[CsvParser])  # fmt: skip
    def import_students(self, request: Request) -> Response:
        return self._import(request, students_import)


ROUTES = [
    ("children", ChildViewSet, "school-children"),
    ("staff/classes", StaffClassViewSet, "school-staff-classes"),
]

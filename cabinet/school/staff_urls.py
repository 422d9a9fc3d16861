from django.urls import path

from cabinet.school import staff_views

app_name = "school-staff"

urlpatterns = [
    path("classes/", staff_views.classes, name="classes"),
    path("classes/<int:pk>/", staff_views.class_detail, name="class"),
    path("classes/<int:pk>/edit/", staff_views.class_edit, name="class-edit"),
    path("classes/<int:pk>/attendance/", staff_views.class_attendance, name="attendance"),
    path("classes/<int:pk>/homework/", staff_views.class_homework, name="homework"),
    path("classes/<int:pk>/grades/", staff_views.class_grade, name="grade"),
    path("classes/<int:pk>/enrol/", staff_views.class_enrol, name="enrol"),
    path("classes/<int:pk>/lessons/", staff_views.class_lesson, name="lesson"),
    path("students/", staff_views.students, name="students"),
    path("import/", staff_views.csv_import, name="import"),
]

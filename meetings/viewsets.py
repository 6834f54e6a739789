"""The 联席会议 application in the Material site."""

from __future__ import annotations

from django.urls import path
from viewflow.urls import Application

from casework.viewsets import is_officer
from meetings import views


class MeetingsApp(Application):
    title = "联席会议"
    icon = "groups"
    app_name = "meetings"
    permission = staticmethod(is_officer)
    menu_template_name = None

    index_path = path("", views.IndexView.as_view(), name="index")
    mechanism_create_path = path("mechanisms/new/", views.MechanismCreateView.as_view(), name="mechanism_create")
    mechanism_path = path("mechanisms/<int:mechanism_id>/", views.MechanismDetailView.as_view(), name="mechanism")
    meeting_create_path = path("mechanisms/<int:mechanism_id>/convene/", views.MeetingCreateView.as_view(), name="convene")
    meeting_path = path("<int:meeting_id>/", views.MeetingDetailView.as_view(), name="meeting")
    attendance_path = path("<int:meeting_id>/attendance/", views.AttendanceView.as_view(), name="attendance")
    minutes_path = path("<int:meeting_id>/minutes/", views.MinutesView.as_view(), name="minutes")
    minutes_download_path = path("<int:meeting_id>/minutes/download/", views.minutes_download, name="minutes_download")
    resolution_path = path("resolutions/<int:resolution_id>/", views.ResolutionDetailView.as_view(), name="resolution")
    progress_path = path("resolutions/<int:resolution_id>/progress/", views.ResolutionProgressView.as_view(), name="progress")

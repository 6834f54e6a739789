"""Read-only REST endpoints for joint-meeting resolutions (议定事项), scoped like the pages."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from meetings import selectors
from meetings.models import Resolution


class ResolutionSerializer(serializers.ModelSerializer):
    meeting = serializers.CharField(source="meeting.title", read_only=True)
    minutes = serializers.CharField(source="meeting.issue_label", read_only=True)
    owner = serializers.CharField(source="owner.name", read_only=True)
    co_agencies = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    deadline = serializers.CharField(source="deadline_label", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Resolution
        fields = ["id", "meeting", "minutes", "number", "text", "kind", "owner", "co_agencies", "due_on", "ongoing",
                  "deadline", "status", "status_display", "overdue", "closed_at"]


class ResolutionViewSet(viewsets.ReadOnlyModelViewSet):
    """议定事项 of the mechanisms the user's agency belongs to."""

    serializer_class = ResolutionSerializer

    def get_queryset(self):
        return selectors.resolution_list_for_user(user=self.request.user).prefetch_related("co_agencies").order_by("pk")

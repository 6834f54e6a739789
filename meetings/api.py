"""Read-only REST endpoints for joint-meeting resolutions (议定事项), scoped like the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from meetings import selectors
from meetings.models import Resolution


class ResolutionSerializer(serializers.ModelSerializer):
    meeting = serializers.CharField(source="meeting.title", read_only=True, help_text="议定该事项的会议")
    minutes = serializers.CharField(source="meeting.issue_label", read_only=True, help_text="会议纪要期号")
    owner = serializers.CharField(source="owner.name", read_only=True, help_text="牵头落实单位")
    co_agencies = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name", help_text="配合单位")
    status_display = serializers.CharField(source="get_status_display", read_only=True, help_text="落实状态（中文）")
    deadline = serializers.CharField(source="deadline_label", read_only=True, help_text="完成时限")
    overdue = serializers.BooleanField(source="is_overdue", read_only=True, help_text="是否已超过完成时限")

    class Meta:
        model = Resolution
        fields = ["id", "meeting", "minutes", "number", "text", "kind", "owner", "co_agencies", "due_on", "ongoing",
                  "deadline", "status", "status_display", "overdue", "closed_at"]


@extend_schema_view(
    list=extend_schema(
        summary="联席会议决议列表",
        description="当前用户所在机关参加的联席会议机制议定的事项（会议纪要中的议定事项），按登记先后分页返回，"
        "含牵头单位、配合单位、办结期限和是否逾期。本机关未参加的机制的议定事项不会出现在列表中。",
        tags=["联席会议决议"],
    ),
    retrieve=extend_schema(
        summary="联席会议决议详情",
        description="一项议定事项的内容、所属会议和纪要、牵头与配合单位、期限和办理状态。当前用户无权查看的返回 404。",
        tags=["联席会议决议"],
    ),
)
class ResolutionViewSet(viewsets.ReadOnlyModelViewSet):
    """议定事项 of the mechanisms the user's agency belongs to."""

    serializer_class = ResolutionSerializer

    def get_queryset(self):
        return selectors.resolution_list_for_user(user=self.request.user).prefetch_related("co_agencies").order_by("pk")

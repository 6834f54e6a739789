"""The user's own notifications over REST: list (optionally after an id) and mark read."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import selectors, services
from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "title", "body", "url", "created_at", "read_at"]


@extend_schema_view(
    list=extend_schema(
        summary="通知列表",
        description="当前用户本人收到的通知，分页返回；不带参数时按时间倒序（最新的在前）。"
        "带 `after` 时只返回编号大于它的通知，按时间正序（最早的在前），"
        f"最多 {selectors.REPLAY_LIMIT} 条：客户端断线重连后用它补取错过的通知。",
        tags=["通知"],
        parameters=[
            OpenApiParameter(
                "after",
                OpenApiTypes.INT,
                description="只返回编号（id）大于此值的通知，通常填客户端已收到的最后一条通知的编号。不是非负整数时忽略此参数。",
            ),
        ],
    ),
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`?after=<id>` returns only newer notifications, oldest first (what a reconnecting client missed)."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        after = self.request.query_params.get("after", "")
        if after.isdigit():
            return selectors.notification_list_after(user=self.request.user, after_id=int(after))
        return selectors.notification_list_for_user(user=self.request.user)

    @extend_schema(
        summary="标记通知为已读",
        description="把本人的一条通知标为已读（已读的保持不变），返回剩余的未读通知数。别人的通知或不存在的通知返回 404。",
        tags=["通知"],
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="通知编号。")],
        request=None,
        responses=inline_serializer("NotificationUnreadCount", {"unread": serializers.IntegerField(label="未读通知数")}),
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        try:
            services.notification_mark_read(user=request.user, notification_id=int(pk))
        except Notification.DoesNotExist:
            raise Http404("没有找到该通知。") from None
        return Response({"unread": selectors.notification_unread_count(user=request.user, cap=None)})

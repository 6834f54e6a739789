"""The user's own notifications over REST: list (optionally after an id) and mark read."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import selectors, services
from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "event", "title", "body", "url", "created_at", "read_at"]


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`?after=<id>` returns only newer notifications, oldest first (what a reconnecting client missed)."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        after = self.request.query_params.get("after", "")
        if after.isdigit():
            return selectors.notification_list_after(user=self.request.user, after_id=int(after))
        return selectors.notification_list_for_user(user=self.request.user)

    @extend_schema(parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)], request=None)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        try:
            services.notification_mark_read(user=request.user, notification_id=int(pk))
        except Notification.DoesNotExist:
            raise Http404("没有找到该通知。") from None
        return Response({"unread": selectors.notification_unread_count(user=request.user, cap=None)})

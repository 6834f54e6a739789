"""Read-only REST endpoints for supervised cases, scoped like the pages."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from supervision import selectors
from supervision.models import Supervision, SupervisionStatus


class SupervisionSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True, help_text="案件编号")
    case_title = serializers.CharField(source="case.title", read_only=True, help_text="案件名称")
    handling_unit = serializers.CharField(source="case.agency.name", read_only=True, help_text="承办机关")
    supervisor = serializers.CharField(source="supervisor.name", read_only=True, help_text="督办机关")
    status_display = serializers.CharField(source="get_status_display", read_only=True, help_text="督办状态（中文）")
    notice_number = serializers.CharField(source="notice.number", read_only=True, default=None, help_text="挂牌督办通知书文号（尚未签发时为 null）")

    class Meta:
        model = Supervision
        fields = ["id", "case_number", "case_title", "handling_unit", "supervisor", "status", "status_display", "source",
                  "criteria", "notice_number", "due_on", "report_every_months", "ladder_step", "proposed_at", "closed_at"]


@extend_schema_view(
    list=extend_schema(
        summary="督办列表",
        description="当前用户所在机关相关的挂牌督办：本机关督办、协同督办的，以及本机关承办案件被督办的，分页返回。"
        "与本机关无关的督办不会出现在列表中。",
        tags=["督办"],
        parameters=[
            OpenApiParameter("q", str, description="搜索：案件名称、案件编号或督办通知文号中包含该文字。"),
            OpenApiParameter(
                "status",
                str,
                enum=SupervisionStatus.values,
                description="按督办状态筛选，取值：\n"
                + "\n".join(f"* `{value}` - {label}" for value, label in SupervisionStatus.choices),
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="督办详情",
        description="一件挂牌督办的案件、督办单位、状态、督办通知文号和办结期限。当前用户无权查看的督办返回 404。",
        tags=["督办"],
    ),
)
class SupervisionViewSet(viewsets.ReadOnlyModelViewSet):
    """Supervisions the user's agency holds, co-holds or handles. `?q=` searches; `?status=` filters."""

    serializer_class = SupervisionSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.supervision_list_for_user(user=self.request.user, search=params.get("q", "").strip(),
                                                   status=params.get("status", ""))

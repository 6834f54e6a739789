"""Read-only REST endpoints for cases, scoped through the same selectors as the pages."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from casework import selectors
from casework.models import Case, CaseStatus, Evidence, Subject


class SubjectSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, help_text="当事人类别（中文）")

    class Meta:
        model = Subject
        fields = ["id", "kind", "kind_display", "name", "identifier_type", "identifier", "address", "legal_representative", "amount"]


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "kind", "title", "pages", "size", "sha256", "uploaded_at"]


class CaseSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name", read_only=True, help_text="承办机关")
    status_display = serializers.CharField(source="get_status_display", read_only=True, help_text="案件状态（中文）")
    subjects = SubjectSerializer(many=True, read_only=True, help_text="当事人")
    evidence = EvidenceSerializer(many=True, read_only=True, help_text="证据材料（文件本身不在接口中）")

    class Meta:
        model = Case
        fields = [
            "id", "number", "title", "source", "status", "status_display", "agency", "amount_involved",
            "violation_types", "registered_at", "filed_at", "closed_at", "subjects", "evidence",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="案件列表",
        description="当前用户有权查看的案件（本机关登记办理的案件），按登记时间倒序分页返回，含当事人和证据清单。"
        "其他机关的案件不会出现在列表中。",
        tags=["案件"],
        parameters=[
            OpenApiParameter("q", str, description="搜索：案件编号、案件名称或当事人名称中包含该文字，或当事人证件号码与之相同。"),
            OpenApiParameter(
                "status",
                str,
                enum=CaseStatus.values,
                description="按案件状态筛选，取值：\n" + "\n".join(f"* `{value}` - {label}" for value, label in CaseStatus.choices),
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="案件详情",
        description="一件案件的登记信息、当事人和证据清单。当前用户无权查看的案件返回 404。",
        tags=["案件"],
    ),
)
class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Cases the user may see. `?q=` searches number, title and parties; `?status=` filters."""

    serializer_class = CaseSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.case_list_for_user(
            user=self.request.user, search=params.get("q", "").strip(), status=params.get("status", "")
        ).prefetch_related("subjects", "evidence")

"""Read-only REST endpoints for referrals: the transfer package as its viewer may see it."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from referral import selectors
from referral.models import IssuedDocument, Referral, ReferralStatus


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="下载文书（.docx）的地址")

    class Meta:
        model = IssuedDocument
        fields = ["id", "number", "title", "issued_at", "sha256", "size", "download_url"]

    def get_download_url(self, document: IssuedDocument) -> str:
        return reverse("referrals:document_download", args=[document.pk])


class ReferralSerializer(serializers.ModelSerializer):
    from_agency = serializers.CharField(source="from_agency.name", read_only=True, help_text="移出机关")
    to_agency = serializers.CharField(source="to_agency.name", read_only=True, default=None, help_text="接收机关（尚未确定时为 null）")
    status_display = serializers.CharField(source="get_status_display", read_only=True, help_text="移送状态（中文）")
    documents = DocumentSerializer(many=True, read_only=True, help_text="已签发的文书")
    manifest = serializers.SerializerMethodField(help_text="移送材料清单：每份材料的名称、种类、页数和 SHA-256")

    class Meta:
        model = Referral
        fields = [
            "id", "kind", "status", "status_display", "from_agency", "to_agency", "case_title", "facts", "amount",
            "suspected_offence", "sent_at", "received_at", "decision", "decision_reason", "decision_document_number",
            "police_case_number", "decided_at", "documents", "manifest",
        ]

    def get_manifest(self, referral: Referral) -> list[dict]:
        return [{"evidence": item.evidence.title, "sha256": item.sha256} for item in referral.package_items.all()]


@extend_schema_view(
    list=extend_schema(
        summary="移送列表",
        description="当前用户有权查看的移送：本机关移出的移送，以及已送达本机关或由本机关监督（如检察机关立案监督）的移送，按创建时间倒序分页返回。"
        "每条含移送文书（文号、下载地址）和移送材料清单（证据名称及 SHA-256）；移送机关内部的核查意见不在其中。",
        tags=["移送"],
        parameters=[
            OpenApiParameter("q", str, description="搜索：案件名称、案件编号或移送文书文号中包含该文字。"),
            OpenApiParameter(
                "status",
                str,
                enum=ReferralStatus.values,
                description="按移送状态筛选，取值：\n" + "\n".join(f"* `{value}` - {label}" for value, label in ReferralStatus.choices),
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="移送详情",
        description="一件移送的移送信息、受理决定、移送文书和材料清单。当前用户无权查看的移送返回 404。",
        tags=["移送"],
    ),
)
class ReferralViewSet(viewsets.ReadOnlyModelViewSet):
    """Referrals the user may see: sent by their agency, or received by it once sent."""

    serializer_class = ReferralSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.referral_list_for_user(
            user=self.request.user, search=params.get("q", "").strip(), status=params.get("status", "")
        ).prefetch_related("documents", "package_items__evidence")

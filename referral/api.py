"""Read-only REST endpoints for referrals: the transfer package as its viewer may see it."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers, viewsets

from referral import selectors
from referral.models import IssuedDocument, Referral


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = IssuedDocument
        fields = ["id", "number", "title", "issued_at", "sha256", "size", "download_url"]

    def get_download_url(self, document: IssuedDocument) -> str:
        return reverse("referrals:document_download", args=[document.pk])


class ReferralSerializer(serializers.ModelSerializer):
    from_agency = serializers.CharField(source="from_agency.name", read_only=True)
    to_agency = serializers.CharField(source="to_agency.name", read_only=True, default=None)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    manifest = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id", "kind", "status", "status_display", "from_agency", "to_agency", "case_title", "facts", "amount",
            "suspected_offence", "sent_at", "received_at", "decision", "decision_reason", "decision_document_number",
            "police_case_number", "decided_at", "documents", "manifest",
        ]

    def get_manifest(self, referral: Referral) -> list[dict]:
        return [{"evidence": item.evidence.title, "sha256": item.sha256} for item in referral.package_items.all()]


class ReferralViewSet(viewsets.ReadOnlyModelViewSet):
    """Referrals the user may see: sent by their agency, or received by it once sent."""

    serializer_class = ReferralSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.referral_list_for_user(
            user=self.request.user, search=params.get("q", "").strip(), status=params.get("status", "")
        ).prefetch_related("documents", "package_items__evidence")

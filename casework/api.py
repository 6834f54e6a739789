"""Read-only REST endpoints for cases, scoped through the same selectors as the pages."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from casework import selectors
from casework.models import Case, Evidence, Subject


class SubjectSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Subject
        fields = ["id", "kind", "kind_display", "name", "identifier_type", "identifier", "address", "legal_representative", "amount"]


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "kind", "title", "pages", "size", "sha256", "uploaded_at"]


class CaseSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    subjects = SubjectSerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id", "number", "title", "source", "status", "status_display", "agency", "amount_involved",
            "violation_types", "registered_at", "filed_at", "closed_at", "subjects", "evidence",
        ]


class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Cases the user may see. `?q=` searches number, title and parties; `?status=` filters."""

    serializer_class = CaseSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.case_list_for_user(
            user=self.request.user, search=params.get("q", "").strip(), status=params.get("status", "")
        ).prefetch_related("subjects", "evidence")

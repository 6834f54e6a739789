"""Read-only REST endpoints for supervised cases, scoped like the pages."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from supervision import selectors
from supervision.models import Supervision


class SupervisionSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    case_title = serializers.CharField(source="case.title", read_only=True)
    handling_unit = serializers.CharField(source="case.agency.name", read_only=True)
    supervisor = serializers.CharField(source="supervisor.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    notice_number = serializers.CharField(source="notice.number", read_only=True, default=None)

    class Meta:
        model = Supervision
        fields = ["id", "case_number", "case_title", "handling_unit", "supervisor", "status", "status_display", "source",
                  "criteria", "notice_number", "due_on", "report_every_months", "ladder_step", "proposed_at", "closed_at"]


class SupervisionViewSet(viewsets.ReadOnlyModelViewSet):
    """Supervisions the user's agency holds, co-holds or handles. `?q=` searches; `?status=` filters."""

    serializer_class = SupervisionSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.supervision_list_for_user(user=self.request.user, search=params.get("q", "").strip(),
                                                   status=params.get("status", ""))

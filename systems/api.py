"""POST /api/leads/ and GET /api/leads/<id>/: a connected system pushes a lead to its bureau and reads
what became of it; GET /api/referral-status/: the referrals sent to the system's agency, and where each stands. Authenticated by the system's own token (Authorization: Bearer …), never by a
session; the token reaches nothing else of the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from agencies.models import AgencyKind
from casework.models import CaseSource, ViolationType
from referral.models import Referral
from systems.models import ConnectedSystem, SubmittedLead, token_digest
from systems.services import KeyReused, lead_submit

# What a system may push: the sources a system finds; handoffs between agencies have their own paths.
API_SOURCES = [(value, label) for value, label in CaseSource.choices if value in {
    CaseSource.TIP, CaseSource.BIG_DATA, CaseSource.SMART_MONITORING, CaseSource.MEDIA, CaseSource.DEPARTMENT,
    CaseSource.SELF_INSPECTION, CaseSource.DAILY, CaseSource.SPECIAL,
}]
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class SystemPrincipal:
    """request.user for a connected system: authenticated, but nobody — it holds no permission."""

    system: ConnectedSystem
    is_authenticated: bool = True
    is_anonymous: bool = False


class SystemTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization 头应为“Bearer 令牌”。")
        system = ConnectedSystem.objects.select_related("agency").filter(
            token_digest=token_digest(parts[1].decode(errors="replace")), active=True).first()
        if system is None:
            raise exceptions.AuthenticationFailed("令牌无效或接入系统已停用。")
        ConnectedSystem.objects.filter(pk=system.pk).update(last_used_at=timezone.now())
        return SystemPrincipal(system), system

    def authenticate_header(self, request):
        return 'Bearer realm="lianban"'


class SystemTokenScheme(OpenApiAuthenticationExtension):
    target_class = "systems.api.SystemTokenAuthentication"
    name = "systemToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "接入系统的令牌（由安全管理员在管理后台创建，只显示一次）。"}


class IsConnectedSystem(BasePermission):
    message = "请使用接入系统的令牌调用（Authorization: Bearer 令牌）。"

    def has_permission(self, request, view):
        return isinstance(request.user, SystemPrincipal)


class LeadSerializer(serializers.Serializer):
    """A lead as the system sends it."""

    title = serializers.CharField(max_length=200, help_text="案件名称，如“××医院涉嫌虚构住院骗取医保基金案”")
    source = serializers.ChoiceField(choices=API_SOURCES, help_text="线索来源")
    source_detail = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                          help_text="来源说明：举报编号、模型名称等")
    summary = serializers.CharField(max_length=20000, help_text="线索摘要")
    violation_types = serializers.ListField(child=serializers.ChoiceField(choices=ViolationType.choices), required=False,
                                            default=list, max_length=20, help_text="初步判断的违法类型")
    amount_involved = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, default="0",
                                               help_text="初步涉案金额（元）")
    reporter_real_name = serializers.BooleanField(required=False, default=False, help_text="是否实名举报")
    reporter_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                          help_text="实名举报人姓名（保密）")
    reporter_contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                             help_text="实名举报人联系方式（保密）")

    def validate(self, data):
        if data["reporter_real_name"] and not (data["source"] == CaseSource.TIP and data["reporter_name"].strip()
                                               and data["reporter_contact"].strip()):
            raise serializers.ValidationError({"reporter_name": "实名举报的，请填写举报人姓名和联系方式（线索来源应为举报投诉）。"})
        if not data["title"].strip() or not data["summary"].strip():
            raise serializers.ValidationError({"summary": "案件名称和线索摘要不能为空白。"})
        return data

    def to_payload(self) -> dict:
        data = dict(self.validated_data)
        data["amount_involved"] = str(data["amount_involved"])
        return data


class LeadStateSerializer(serializers.ModelSerializer):
    """What became of a pushed lead (nothing of the case beyond its number)."""

    title = serializers.CharField(read_only=True, help_text="推送时的案件名称")
    status_display = serializers.CharField(read_only=True, source="get_status_display", help_text="状态的中文名称")
    case_number = serializers.CharField(read_only=True, source="case.number", default=None, allow_null=True,
                                        help_text="签收后登记的案件编号；未签收时为 null")

    class Meta:
        model = SubmittedLead
        fields = ["id", "title", "status", "status_display", "received_at", "case_number", "return_reason"]
        extra_kwargs = {"status": {"help_text": "pending 待签收；accepted 已签收登记；returned 已退回"},
                        "received_at": {"help_text": "接收时间"}, "return_reason": {"help_text": "退回理由"}}


@extend_schema(tags=["接入线索"])
class LeadViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    authentication_classes = [SystemTokenAuthentication]
    permission_classes = [IsConnectedSystem]
    serializer_class = LeadStateSerializer

    def get_queryset(self):
        if not isinstance(self.request.user, SystemPrincipal):
            return SubmittedLead.objects.none()
        return SubmittedLead.objects.filter(system=self.request.user.system).select_related("case")

    @extend_schema(
        summary="推送线索",
        description="推送一条线索到本系统所属的医疗保障局，待其工作人员签收登记。同一幂等键重复推送相同内容时返回原记录（200），"
                    "内容不同时拒绝（409）。",
        parameters=[OpenApiParameter(IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=True,
                                     description="幂等键：本系统为每条线索生成的唯一标识（1–100个字符），重试时原样携带")],
        request=LeadSerializer,
        responses={201: LeadStateSerializer, 200: LeadStateSerializer, 400: OpenApiResponse(description="内容有误，逐项说明"),
                   403: OpenApiResponse(description="本系统所属机关不是医疗保障局"),
                   409: OpenApiResponse(description="幂等键已用于内容不同的线索")},
    )
    def create(self, request, *args, **kwargs):
        if request.user.system.agency.kind != AgencyKind.MSB:
            raise exceptions.PermissionDenied("只有医疗保障局的接入系统可以推送线索。")
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not 1 <= len(key) <= 100:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: "请在请求头中提供幂等键（1–100个字符）。"})
        serializer = LeadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            lead, created = lead_submit(system=request.user.system, key=key, payload=serializer.to_payload())
        except KeyReused:
            return Response({"detail": f"幂等键“{key}”已用于内容不同的线索，请为新线索使用新的幂等键。"}, status=status.HTTP_409_CONFLICT)
        return Response(LeadStateSerializer(lead).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="查询推送线索的办理状态",
                   description="本系统推送的一条线索现在的状态：待签收、已签收登记（含案件编号）或已退回（含退回理由）。"
                               "只能查询本系统推送的线索，他人的线索按不存在处理（404）。")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class ReferralStateSerializer(serializers.ModelSerializer):
    """Where a referral sent to the system's agency stands (the package itself is read on Lianban's pages)."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True, help_text="移送种类（中文）")
    status_display = serializers.CharField(source="get_status_display", read_only=True, help_text="移送状态（中文）")
    from_agency = serializers.CharField(source="from_agency.name", read_only=True, help_text="移出机关")

    class Meta:
        model = Referral
        fields = ["id", "kind", "kind_display", "status", "status_display", "from_agency", "case_title", "sent_at", "received_at",
                  "decided_at", "closed_at"]
        extra_kwargs = {"kind": {"help_text": "移送种类"}, "status": {"help_text": "移送状态"}, "case_title": {"help_text": "案件名称"},
                        "sent_at": {"help_text": "移送时间"}, "received_at": {"help_text": "签收时间"},
                        "decided_at": {"help_text": "作出决定的时间"}, "closed_at": {"help_text": "办结时间"}}


@extend_schema_view(
    list=extend_schema(summary="送达本机关的移送及其状态",
                       description="接入系统所属机关收到的移送（已送达的），按移送时间倒序分页：种类、状态、移出机关和各环节时间。"
                                   "移送材料和文书在联办的移送页面查阅。"),
    retrieve=extend_schema(summary="一件送达本机关的移送的状态",
                           description="只能查询送达本系统所属机关的移送，其他移送按不存在处理（404）。"),
)
@extend_schema(tags=["接入线索"])
class ReferralStateViewSet(viewsets.ReadOnlyModelViewSet):
    authentication_classes = [SystemTokenAuthentication]
    permission_classes = [IsConnectedSystem]
    serializer_class = ReferralStateSerializer

    def get_queryset(self):
        if not isinstance(self.request.user, SystemPrincipal):
            return Referral.objects.none()
        return (Referral.objects.filter(to_agency=self.request.user.system.agency, sent_at__isnull=False)
                .select_related("from_agency").order_by("-sent_at", "-id"))

"""/api/search/: 搜索 for another system, scoped like the page (search.selectors)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from search.selectors import search_sections


def _section(name: str, label: str, fields: dict) -> serializers.Serializer:
    return inline_serializer(f"Search{name.title()}Section", {
        "results": serializers.ListField(child=inline_serializer(f"Search{name.title()}", fields), help_text=f"前十条匹配的{label}"),
        "more": serializers.CharField(allow_null=True, help_text=f"{label}列表按同一关键词搜索的地址；不超过十条时为 null"),
    }, help_text=f"匹配的{label}")


CASE = {
    "id": serializers.IntegerField(help_text="案件记录编号"), "number": serializers.CharField(help_text="案件编号"),
    "title": serializers.CharField(help_text="案件名称"), "agency": serializers.CharField(help_text="承办机关"),
    "status": serializers.CharField(help_text="案件状态"), "status_display": serializers.CharField(help_text="案件状态（中文）"),
    "url": serializers.CharField(help_text="案件页面地址"),
}
REFERRAL = {
    "id": serializers.IntegerField(help_text="移送记录编号"), "case_title": serializers.CharField(help_text="案件名称"),
    "kind_display": serializers.CharField(help_text="移送类型（中文）"), "from_agency": serializers.CharField(help_text="移出机关"),
    "to_agency": serializers.CharField(allow_null=True, help_text="接收机关（尚未确定时为 null）"),
    "status": serializers.CharField(help_text="移送状态"), "status_display": serializers.CharField(help_text="移送状态（中文）"),
    "url": serializers.CharField(help_text="移送页面地址"),
}
INSTITUTION = {
    "id": serializers.IntegerField(help_text="机构记录编号"), "name": serializers.CharField(help_text="机构名称"),
    "uscc": serializers.CharField(help_text="统一社会信用代码"), "status_display": serializers.CharField(help_text="协议状态（中文）"),
    "url": serializers.CharField(help_text="机构页面地址"),
}
ROWS = {
    "cases": lambda case: {"id": case.pk, "number": case.number, "title": case.title, "agency": case.agency.name,
                           "status": case.status, "status_display": case.get_status_display(),
                           "url": reverse("cases:detail", args=[case.pk])},
    "referrals": lambda r: {"id": r.pk, "case_title": r.case_title, "kind_display": r.get_kind_display(),
                            "from_agency": r.from_agency.name, "to_agency": r.to_agency.name if r.to_agency else None,
                            "status": r.status, "status_display": r.get_status_display(),
                            "url": reverse("referrals:detail", args=[r.pk])},
    "institutions": lambda i: {"id": i.pk, "name": i.name, "uscc": i.uscc, "status_display": i.get_status_display(),
                               "url": reverse("agreements:detail", args=[i.pk])},
}


class SearchAPIView(APIView):
    @extend_schema(
        summary="搜索",
        description="在当前用户有权查看的案件、移送和（医疗保障部门、经办机构的）定点医药机构中查找关键词，与“搜索”页面相同："
        "案件按编号、名称、当事人姓名或完整的身份证号、统一社会信用代码查找（结果中不返回身份证号），"
        "移送按案件名称、案件编号或文号查找，定点医药机构按名称或统一社会信用代码查找。每类返回前十条。",
        tags=["搜索"],
        parameters=[OpenApiParameter("q", str, required=True, description="关键词（最长 100 字）。")],
        responses=inline_serializer("SearchResult", {
            "q": serializers.CharField(help_text="实际搜索的关键词"),
            "cases": _section("cases", "案件", CASE),
            "referrals": _section("referrals", "移送", REFERRAL),
            "institutions": _section("institutions", "定点医药机构", INSTITUTION),
        }),
    )
    def get(self, request):
        q = request.query_params.get("q", "").strip()
        if not q:
            return Response({"q": ["请填写搜索关键词。"]}, status=400)
        result = {"q": q[:100]} | {kind: {"results": [], "more": None} for kind in ROWS}
        for section in search_sections(user=request.user, q=q):
            result[section.kind] = {"results": [ROWS[section.kind](row) for row in section.rows], "more": section.more_url}
        return Response(result)

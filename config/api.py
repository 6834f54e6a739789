"""/api/: read-only REST endpoints, the OpenAPI schema at /api/schema/ and its browsable docs at
/api/docs/ (Swagger UI). All three for signed-in users only.

The docs page runs under the site's Content-Security-Policy unchanged (script-src 'self'): Swagger UI's
files come from drf-spectacular-sidecar through our own static files, and the page's init script is
not inline but fetched from the same view (`/api/docs/?script=`, SpectacularSwaggerSplitView).
"""

from django.contrib.auth.decorators import login_required
from django.urls import include, path, reverse_lazy
from django.utils.text import format_lazy
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from casework.api import CaseViewSet
from meetings.api import ResolutionViewSet
from notifications.api import NotificationViewSet
from referral.api import ReferralViewSet
from search.api import SearchAPIView
from supervision.api import SupervisionViewSet
from systems.api import LeadViewSet, ReferralStateViewSet

router = DefaultRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("supervisions", SupervisionViewSet, basename="supervision")
router.register("resolutions", ResolutionViewSet, basename="resolution")
router.register("leads", LeadViewSet, basename="lead")
router.register("referral-status", ReferralStateViewSet, basename="referral-status")

# `?format=json` answers application/json (which every browser shows as text) rather than
# drf-spectacular's first JSON renderer, application/vnd.oai.openapi+json, which some browsers
# download. Without `format` the schema is still YAML (the `spectacular` command's format).
SCHEMA_RENDERERS = [OpenApiYamlRenderer, OpenApiYamlRenderer2, OpenApiJsonRenderer2, OpenApiJsonRenderer]


# What the fields every resource shares mean (the record's id, the pages of a list, a file's
# fingerprint): added by `describe_shared_fields` wherever a serializer leaves one undescribed.
SHARED_FIELDS = {
    "id": "记录编号",
    "count": "符合条件的记录总数（当前用户有权查看的）",
    "next": "下一页的地址；已是最后一页时为 null",
    "previous": "上一页的地址；已是第一页时为 null",
    "results": "本页的记录",
    "issued_at": "签发时间",
    "uploaded_at": "上传时间",
    "sha256": "文件内容的 SHA-256 摘要，可用于核对文件是否被改动",
    "size": "文件大小（字节）",
}


def describe_shared_fields(result, generator, request, public):
    """drf-spectacular postprocessing hook: the shared fields' Chinese descriptions (SHARED_FIELDS)."""
    for component in result.get("components", {}).get("schemas", {}).values():
        for name, field in component.get("properties", {}).items():
            if not field.get("description") and name in SHARED_FIELDS:
                field["description"] = SHARED_FIELDS[name]
    return result


class ApiDocsView(SpectacularSwaggerSplitView):
    """联办接口文档: Swagger UI over /api/schema/ (JSON, so the schema link in the page opens in the browser)."""

    permission_classes = [IsAuthenticated]
    template_name = "api/docs.html"
    title = "接口文档 · 联办"
    url = format_lazy("{}?format=json", reverse_lazy("api:schema"))


urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated], renderer_classes=SCHEMA_RENDERERS),
        name="schema",
    ),
    # login_required: a visitor is sent to the login form and comes back here, like on every page.
    path("docs/", login_required(ApiDocsView.as_view()), name="docs"),
    path("search/", SearchAPIView.as_view(), name="search"),
    path("", include(router.urls)),
]

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from agencies.admin import AuditedAdmin
from agencies.audit import audit_append
from agencies.administrators import THREAD
from systems.models import ConnectedSystem


class ConnectedSystemForm(forms.ModelForm):
    class Meta:
        model = ConnectedSystem
        fields = ["name", "agency", "active"]


@admin.register(ConnectedSystem)
class ConnectedSystemAdmin(AuditedAdmin):
    """安全管理员 connects a system: its token is shown once, on saving a new one or on 更换令牌."""

    form = ConnectedSystemForm
    list_display = ("name", "agency", "active", "token_hint", "created_at", "last_used_at")
    list_filter = ("active",)
    search_fields = ("name",)
    readonly_fields = ("token_hint", "created_at", "last_used_at")
    actions = ["replace_tokens"]

    def save_model(self, request, obj, form, change):
        token = None if change else obj.token_set()
        super().save_model(request, obj, form, change)
        if token:
            self._show(request, obj, token)

    @staticmethod
    def _show(request, system: ConnectedSystem, token: str) -> None:
        messages.warning(request, f"“{system.name}”的令牌（只显示这一次，请立即交给该系统的管理员保存）：{token}")

    @admin.action(description="更换令牌（旧令牌立即失效）")
    def replace_tokens(self, request, queryset):
        with transaction.atomic():
            for system in queryset.select_for_update():
                token = system.token_set()
                system.save(update_fields=["token_digest", "token_hint"])
                audit_append(actor=request.user, verb="admin.connectedsystem.token_replaced", target=system, thread=THREAD,
                             summary=f"在管理后台更换接入系统「{system}」的令牌")
                self._show(request, system, token)

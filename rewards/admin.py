from django.contrib import admin

from agencies.admin import AuditedAdmin
from rewards.models import RewardPolicy


@admin.register(RewardPolicy)
class RewardPolicyAdmin(AuditedAdmin):
    """系统管理员 keeps the reward standards, each change audited. A standard already applied to a
    reward cannot be deleted (the reward keeps it); it is ended with 废止日期 and followed by a new one."""

    list_display = ("region_name", "region_code", "effective_from", "effective_until", "name", "minimum", "maximum")
    list_filter = ("region_name",)
    search_fields = ("region_name", "region_code", "name")
    ordering = ("region_code", "-effective_from")

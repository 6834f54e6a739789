from django.contrib import admin

from agencies.models import Agency, AuditEvent, DocumentRegister, Officer


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "level", "region_name", "doc_prefix")
    list_filter = ("kind", "level")
    search_fields = ("name", "code", "region_name")


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "role", "title")
    list_filter = ("role", "agency__kind")
    search_fields = ("user__username", "user__first_name", "agency__name")


@admin.register(DocumentRegister)
class DocumentRegisterAdmin(admin.ModelAdmin):
    list_display = ("agency", "family", "year", "last_serial")
    readonly_fields = ("agency", "family", "year", "last_serial")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "occurred_at", "verb", "summary", "actor")
    search_fields = ("summary", "verb", "thread")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

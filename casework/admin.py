from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from agencies.admin import AuditedAdmin
from casework.models import CalendarDay, HolidayYear


@admin.register(HolidayYear)
class HolidayYearAdmin(AuditedAdmin):
    """系统管理员 keeps the calendar; every change is audited (thread "security")."""

    list_display = ("year", "status", "source", "days_link", "updated_at")
    list_filter = ("status",)
    search_fields = ("year", "source")
    readonly_fields = ("updated_at", "days_link")

    def get_readonly_fields(self, request, obj=None):
        # The year is the key of its days: fixed once the row exists.
        return ("year", *self.readonly_fields) if obj else self.readonly_fields

    @admin.display(description="节假日与调休日")
    def days_link(self, obj: HolidayYear) -> str:
        if obj.year is None:
            return "-"
        url = reverse("admin:casework_calendarday_changelist")
        return format_html('<a href="{}?date__year={}">查看{}年</a>', url, obj.year, obj.year)


class YearFilter(admin.SimpleListFilter):
    title = "年度"
    parameter_name = "date__year"

    def lookups(self, request, model_admin):
        return [(str(year), f"{year}年") for year in HolidayYear.objects.values_list("year", flat=True)]

    def queryset(self, request, queryset):
        return queryset.filter(date__year=self.value()) if self.value() else queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ("date", "weekday", "is_working_day", "name")
    list_filter = (YearFilter, "is_working_day")
    search_fields = ("name",)

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return f"星期{'一二三四五六日'[obj.date.weekday()]}"

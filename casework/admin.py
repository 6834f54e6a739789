from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from agencies.admin import AuditedAdmin
from casework.calendar_changes import clocks_recount
from casework.models import CalendarDay, HolidayYear


class RecountsClocks:
    """A change to the holiday table counts the open clocks through the changed years again, in the
    same transaction as the change, and tells the administrator how many moved."""

    def recount(self, request, years, reason: str) -> None:
        moved = clocks_recount(years=years, actor=request.user, reason=reason)
        if moved:
            messages.info(request, f"已按新的节假日安排重新计算{len(moved)}项未办结的期限，相关承办人和负责人已收到通知。")


@admin.register(HolidayYear)
class HolidayYearAdmin(RecountsClocks, AuditedAdmin):
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            self.recount(request, [obj.year], f"{obj.year}年节假日安排已改为“{obj.get_status_display()}”（依据：{obj.source or '未填写'}）")


class YearFilter(admin.SimpleListFilter):
    title = "年度"
    parameter_name = "date__year"

    def lookups(self, request, model_admin):
        return [(str(year), f"{year}年") for year in HolidayYear.objects.values_list("year", flat=True)]

    def queryset(self, request, queryset):
        return queryset.filter(date__year=self.value()) if self.value() else queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(RecountsClocks, AuditedAdmin):
    list_display = ("date", "weekday", "is_working_day", "name")
    list_filter = (YearFilter, "is_working_day")
    search_fields = ("name",)

    def get_readonly_fields(self, request, obj=None):
        # The date is the row's key: a wrong date is deleted and entered again, not renamed.
        return ("date",) if obj else ()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or form.changed_data:
            self.recount(request, [obj.date.year], f"节假日安排{'修改' if change else '录入'}：{obj}")

    def delete_model(self, request, obj):
        year, label = obj.date.year, str(obj)  # deleting clears the key
        super().delete_model(request, obj)
        self.recount(request, [year], f"节假日安排删除：{label}")

    def delete_queryset(self, request, queryset):
        days = list(queryset)
        years, labels = {day.date.year for day in days}, [str(day) for day in days]
        super().delete_queryset(request, queryset)
        self.recount(request, years, f"节假日安排删除：{'、'.join(labels[:5])}{'等' if len(labels) > 5 else ''}")

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return f"星期{'一二三四五六日'[obj.date.weekday()]}"

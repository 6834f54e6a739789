"""The admin site of the three administrators (三员分立; roles in `agencies.administrators`).

The site shows only administration: agencies, officers, accounts, document registers, the holiday
calendar, the audit trail (masked) and the account lockouts. `admin_site_confine` (called once from
`AgenciesConfig.ready`, after every app's admin module is loaded) unregisters everything else —
viewflow's processes and tasks, and anything another app registers that may carry case data.

Every write made here is appended to the audit chain: through a service (officers, accounts,
agencies) or by `AuditedAdmin`'s log_* hooks (holiday calendar, lockouts), under thread "security".
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.utils.html import format_html

from agencies import administrators
from agencies.audit import audit_append
from agencies.models import Agency, AuditEvent, DocumentRegister, Officer, Role
from agencies.services import agency_create, agency_recorder_validate, agency_set_recorder, officer_create

User = get_user_model()

# What the admin site may show; everything else is unregistered by `admin_site_confine`.
ADMIN_MODELS = frozenset({
    "auth.group",  # superusers only (no administrator role holds a group permission)
    "auth.user",
    "agencies.agency",
    "agencies.officer",
    "agencies.documentregister",
    "agencies.auditevent",
    "casework.holidayyear",
    "casework.calendarday",
    "rewards.rewardpolicy",
    "systems.connectedsystem",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
})

ACTIONS = {"added": "新增", "changed": "修改", "deleted": "删除"}
# Admin writes with a name of their own in the audit trail.
VERBS = {("axes.accessattempt", "deleted"): "account.unlocked"}


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit event (thread "security") beside each admin LogEntry, in the same transaction.

    `audited_actions` leaves out what a service called by `save_model` already audits.
    """

    audited_actions: frozenset[str] = frozenset(ACTIONS)

    def audit(self, request, obj, action: str, message) -> None:
        if action not in self.audited_actions:
            return
        label = obj._meta.label_lower
        audit_append(
            actor=request.user,
            verb=VERBS.get((label, action), f"admin.{obj._meta.model_name}.{action}"),
            target=obj,
            thread=administrators.THREAD,
            summary=f"在管理后台{ACTIONS[action]}{obj._meta.verbose_name}「{obj}」",
            data={"change": message} if message else None,
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self.audit(request, obj, "added", message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self.audit(request, obj, "changed", message)
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self.audit(request, obj, "deleted", "")
        return entries

    def response_action(self, request, queryset):
        # A bulk action (e.g. "delete selected") and its audit events commit together or not at all.
        with transaction.atomic():
            return super().response_action(request, queryset)


# --- agencies ---------------------------------------------------------------------------------------


class AgencyForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        try:
            agency_recorder_validate(agency=self.instance, recorded_by=cleaned.get("recorded_by"))
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    form = AgencyForm
    list_display = ("name", "kind", "level", "region_name", "doc_prefix", "recorded_by")
    list_filter = ("kind", "level")
    search_fields = ("name", "code", "region_name")
    audited_actions = frozenset({"changed"})  # agency_create audits the addition

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            recorded_by = obj.recorded_by
            obj.recorded_by_id = Agency.objects.filter(pk=obj.pk).values_list("recorded_by", flat=True).get()
            obj.save()
            try:
                agency_set_recorder(agency=obj, recorded_by=recorded_by, actor=request.user)
            except ValidationError as exc:  # the form's clean refused it already; a race lands here
                raise PermissionDenied("; ".join(exc.messages)) from exc
            obj.recorded_by = recorded_by
            return
        fields = {name: value for name, value in form.cleaned_data.items() if name != "parent"}
        created = agency_create(actor=request.user, parent=form.cleaned_data.get("parent"), **fields)
        obj.pk = created.pk


# --- officers ---------------------------------------------------------------------------------------


class OfficerCreateForm(forms.ModelForm):
    """新增工作人员: the account is created without a password; the security administrator sets it."""

    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=150)

    class Meta:
        model = Officer
        fields = ("agency", "role", "title", "badge_number", "phone")

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(f"用户名 {username} 已存在。")
        return username


@admin.register(Officer)
class OfficerAdmin(AuditedAdmin):
    list_display = ("user", "display_name", "agency", "role", "title", "is_active")
    list_filter = ("role", "agency__kind", "user__is_active")
    search_fields = ("user__username", "user__first_name", "agency__name")
    list_select_related = ("user", "agency")
    fields = ("user", "agency", "role", "title", "badge_number", "phone")
    actions = ("deactivate", "activate")
    audited_actions = frozenset()  # officer_create and officer_change audit every change

    @admin.display(description="姓名")
    def display_name(self, obj: Officer) -> str:
        return obj.display_name

    @admin.display(description="账号有效", boolean=True)
    def is_active(self, obj: Officer) -> bool:
        return obj.user.is_active

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OfficerCreateForm
            kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("username", "full_name", "agency", "role", "title", "badge_number", "phone")
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if request.user.has_perm(administrators.MOVE_OFFICER):
            return ("user",)
        return ("user", "agency", "title", "badge_number", "phone")  # 安全管理员: the role only

    def has_delete_permission(self, request, obj=None):
        return False  # officers are deactivated, never deleted

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = officer_create(
                actor=request.user, username=data["username"], full_name=data["full_name"], agency=data["agency"],
                role=data["role"], title=data.get("title", ""), badge_number=data.get("badge_number", ""),
                phone=data.get("phone", ""),
            )
            obj.pk, obj.user = created.pk, created.user
            return
        stored = Officer.objects.select_related("agency").get(pk=obj.pk)
        details = {field: data[field] for field in administrators.OFFICER_DETAILS if field in data}
        administrators.officer_change(
            actor=request.user, officer=stored, agency=data.get("agency", stored.agency), role=data.get("role", stored.role),
            **details,
        )

    def _set_active(self, request, queryset, active: bool) -> None:
        changed = sum(
            administrators.account_set_active(actor=request.user, user=officer.user, active=active)
            for officer in queryset.select_related("user")
        )
        self.message_user(request, f"已{'启用' if active else '停用'} {changed} 个账号。", messages.SUCCESS)

    @admin.action(description="停用所选人员的账号", permissions=["change"])
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description="启用所选人员的账号", permissions=["change"])
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)


# --- accounts (安全管理员) --------------------------------------------------------------------------------


class AccountAdmin(AuditedAdmin, UserAdmin):
    """Accounts without superuser, staff, group or permission editing; administrators' own accounts are
    made with `manage.py create_administrator` and do not appear here (except to a superuser)."""

    list_display = ("username", "first_name", "agency", "role", "is_active", "last_login")
    list_filter = ("is_active",)
    search_fields = ("username", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("first_name", "last_name", "email")}),
        ("状态", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    readonly_fields = ("is_active", "last_login", "date_joined")
    filter_horizontal = ()
    actions = ("deactivate", "activate")
    audited_actions = frozenset()  # audited below with account verbs

    def get_queryset(self, request):
        accounts = super().get_queryset(request).select_related("officer__agency")
        if request.user.is_superuser:
            return accounts
        return accounts.filter(is_staff=False, is_superuser=False)

    @admin.display(description="所在机关")
    def agency(self, user) -> str:
        officer = getattr(user, "officer", None)
        return officer.agency.short_name if officer else "-"

    @admin.display(description="角色")
    def role(self, user) -> str:
        officer = getattr(user, "officer", None)
        return Role(officer.role).label if officer else "-"

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        administrators.account_audit(actor=request.user, verb="account.created", user=obj, summary="新建账号")
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if request.resolver_match and request.resolver_match.url_name.endswith("_password_change"):
            administrators.account_audit(actor=request.user, verb="account.password_reset", user=obj, summary="重置密码")
        else:
            administrators.account_audit(
                actor=request.user, verb="account.changed", user=obj, summary="修改账号信息", data={"change": message}
            )
        return entry

    def _set_active(self, request, queryset, active: bool) -> None:
        changed = sum(administrators.account_set_active(actor=request.user, user=user, active=active) for user in queryset)
        self.message_user(request, f"已{'启用' if active else '停用'} {changed} 个账号。", messages.SUCCESS)

    @admin.action(description="停用所选账号", permissions=["change"])
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description="启用所选账号", permissions=["change"])
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)


# --- document registers --------------------------------------------------------------------------------


@admin.register(DocumentRegister)
class DocumentRegisterAdmin(admin.ModelAdmin):
    list_display = ("agency", "family", "year", "last_serial")
    readonly_fields = ("agency", "family", "year", "last_serial")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- the audit trail (审计管理员), masked ------------------------------------------------------------------

MASKED = "〔案件内容已遮蔽〕"
CONFIDENTIAL = "〔保密〕"
# Threads of administration rather than case work: shown in full. Every other thread (case,
# referral, institution, practitioner, supervision, …) may name people, ID numbers and amounts.
OPEN_THREADS = ("agency:", "security")


def _confidential_referral_ids() -> list[str]:
    """Ids of confidential (discipline) referrals. Read by name: agencies sits below referral."""
    try:
        referral_model = apps.get_model("referral", "Referral")
    except LookupError:
        return []
    return [str(pk) for pk in referral_model.objects.filter(confidential=True).values_list("pk", flat=True)]


@dataclass(frozen=True)
class _Titled:
    """What the change page shows for `original` (breadcrumbs, history link) instead of str(event)."""

    pk: int
    title: str

    def __str__(self) -> str:
        return self.title


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only. Who did what, when and to which record; the content of case events is masked, and
    the events of a confidential referral show no more than their time."""

    list_display = ("seq", "occurred_at", "shown_verb", "shown_actor", "shown_agency", "shown_target", "shown_summary")
    fields = ("seq", "occurred_at", "shown_verb", "shown_actor", "shown_agency", "shown_target", "shown_thread",
              "shown_summary", "shown_data", "hash")
    readonly_fields = fields
    search_fields = ("verb", "thread", "target_id")  # never the summary: a search would reveal its words
    date_hierarchy = "occurred_at"
    ordering = ("-id",)  # newest first
    list_select_related = ("actor", "agency")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The page title and breadcrumbs would print str(event), which holds the summary.
        event = self.get_object(request, object_id) if object_id else None
        if event is not None:
            stand_in = _Titled(pk=event.pk, title=f"第 {event.seq or '-'} 条 {self.shown_verb(event)}")
            extra_context = {**(extra_context or {}), "subtitle": stand_in.title, "original": stand_in}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        raise PermissionDenied  # the audit trail is its own history; the page would print str(event)

    def get_queryset(self, request):
        ids = _confidential_referral_ids()
        if ids:
            confidential = Q(thread__in=[f"referral:{pk}" for pk in ids]) | Q(target_type="referral.referral", target_id__in=ids)
            flag = ExpressionWrapper(confidential, output_field=BooleanField())
        else:
            flag = Value(False, output_field=BooleanField())
        return super().get_queryset(request).annotate(confidential=flag)

    @staticmethod
    def is_confidential(event: AuditEvent) -> bool:
        return bool(getattr(event, "confidential", True))  # not annotated: mask

    @staticmethod
    def is_open(event: AuditEvent) -> bool:
        return event.thread.startswith(OPEN_THREADS)

    @admin.display(description="动作")
    def shown_verb(self, event: AuditEvent) -> str:
        return CONFIDENTIAL if self.is_confidential(event) else event.verb

    @admin.display(description="操作人")
    def shown_actor(self, event: AuditEvent) -> str:
        if self.is_confidential(event):
            return CONFIDENTIAL
        return event.actor.get_username() if event.actor else "-"

    @admin.display(description="机关")
    def shown_agency(self, event: AuditEvent) -> str:
        if self.is_confidential(event):
            return CONFIDENTIAL
        return event.agency.short_name if event.agency else "-"

    @admin.display(description="对象")
    def shown_target(self, event: AuditEvent) -> str:
        return CONFIDENTIAL if self.is_confidential(event) else f"{event.target_type}:{event.target_id}"

    @admin.display(description="线索")
    def shown_thread(self, event: AuditEvent) -> str:
        return CONFIDENTIAL if self.is_confidential(event) else event.thread

    @admin.display(description="摘要")
    def shown_summary(self, event: AuditEvent) -> str:
        if self.is_confidential(event):
            return CONFIDENTIAL
        return event.summary if self.is_open(event) else MASKED

    @admin.display(description="数据")
    def shown_data(self, event: AuditEvent) -> str:
        if self.is_confidential(event):
            return CONFIDENTIAL
        if self.is_open(event):
            return format_html("<code>{}</code>", event.data)
        return f"{MASKED}（字段：{'、'.join(sorted(event.data)) or '无'}）"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


# --- one place that decides what the site shows ------------------------------------------------------------


def admin_site_confine(site: admin.AdminSite = admin.site) -> None:
    """Unregister every model not in ADMIN_MODELS, replace Django's user admin (superuser flag,
    groups, permissions, passwords without an audit) by AccountAdmin, and audit the lockout admins."""
    for model in list(site._registry):
        if model._meta.label_lower not in ADMIN_MODELS:
            site.unregister(model)
    if site.is_registered(User) and not isinstance(site._registry[User], AccountAdmin):
        site.unregister(User)
    if not site.is_registered(User):
        site.register(User, AccountAdmin)
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label == "axes" and not isinstance(model_admin, AuditedAdmin):
            audited = type(f"Audited{type(model_admin).__name__}", (AuditedAdmin, type(model_admin)), {})
            site.unregister(model)
            site.register(model, audited)

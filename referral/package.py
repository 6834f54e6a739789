"""What a referral's package must hold before it may go out (310 Art. 6; domain §7), and the check of
its evidence against the manifest when it arrives."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework.models import EvidenceKind
from referral.events import agency_handlers, record, sending_side, tell
from referral.models import PackageItem, Referral


@dataclass(frozen=True)
class Requirement:
    label: str
    met: Callable[[Referral], bool]


REQUIREMENTS: dict[str, Requirement] = {
    "facts": Requirement("已查明的事实", lambda r: bool(r.facts.strip())),
    "investigation_report": Requirement("涉嫌犯罪案件情况的调查报告", lambda r: bool(r.investigation_report.strip())),
    "task_force": Requirement("专案组（不少于2名执法人员）", lambda r: r.task_force.count() >= 2),
    "parties": Requirement("当事人（至少一名，含证件号码）", lambda r: r.case.subjects.exists()),
    "seized_items": Requirement("涉案物品清单", lambda r: bool(r.seized_items)),
    "evidence": Requirement("证据材料（至少一件）", lambda r: r.package_items.exists()),
    "expert_opinion": Requirement(
        "检验报告或鉴定意见", lambda r: r.package_items.filter(evidence__kind=EvidenceKind.EXPERT).exists()
    ),
    "request": Requirement("请求事项", lambda r: bool(r.request.strip())),
    "persons_involved": Requirement("涉及的公职人员（姓名、单位、职务）", lambda r: bool(r.persons_involved.strip())),
}


def missing(referral: Referral) -> list[str]:
    """The labels of what the configured requirements for this kind of referral still lack."""
    codes = settings.LIANBAN_PACKAGE_REQUIREMENTS.get(referral.kind, ())
    return [REQUIREMENTS[code].label for code in codes if not REQUIREMENTS[code].met(referral)]


def ensure_complete(referral: Referral) -> None:
    lacking = missing(referral)
    if lacking:
        raise ValidationError(f"移送材料不全，不能移送。缺少：{'；'.join(lacking)}。")


ITEM_FIELDS = ("name", "specification", "quantity", "location", "seal_number", "custodian", "note")


def clean_items(items: list[dict]) -> list[dict]:
    """Rows of a 涉案物品清单: blank rows dropped, every other row with a name and a quantity."""
    cleaned = [{key: str(item.get(key, "")).strip() for key in ITEM_FIELDS} for item in items]
    cleaned = [item for item in cleaned if any(item.values())]
    missing_fields = [index for index, item in enumerate(cleaned, start=1) if not (item["name"] and item["quantity"])]
    if missing_fields:
        raise ValidationError({"items": f"第{'、'.join(map(str, missing_fields))}项缺少名称或数量。"})
    return cleaned


def _sha256(item: PackageItem) -> str | None:
    digest = hashlib.sha256()
    try:
        with item.evidence.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def verify_manifest(referral: Referral) -> list[PackageItem]:
    """Hash every file of the package, record the result on its manifest line; return the mismatches."""
    now, mismatched = timezone.now(), []
    items = list(referral.package_items.select_related("evidence"))
    for item in items:
        item.verified_at, item.verified_ok = now, _sha256(item) == item.sha256
        if not item.verified_ok:
            mismatched.append(item)
    PackageItem.objects.bulk_update(items, ["verified_at", "verified_ok"])
    return mismatched


def report_manifest(referral: Referral, *, user) -> None:
    """On receipt, every file of the package is checked against the manifest and a mismatch flagged to
    both sides — after the receipt commits: hashing large files must not hold the flow's lock."""
    referral_id, user_id = referral.pk, user.pk
    transaction.on_commit(lambda: _check_and_report(referral_id, user_id), robust=True)


@transaction.atomic
def _check_and_report(referral_id: int, user_id: int) -> None:
    referral = Referral.objects.select_related("from_agency", "to_agency", "created_by").get(pk=referral_id)
    user = get_user_model().objects.get(pk=user_id)
    mismatched = verify_manifest(referral)
    if not mismatched:
        return
    titles = "、".join(item.evidence.title for item in mismatched)
    record(referral, actor=user, agency=referral.to_agency, verb="referral.manifest_mismatch", summary=f"材料与移送清单不一致：{titles}")
    tell(sending_side(referral) + agency_handlers(referral.to_agency), referral, event="referral.manifest_mismatch",
         title="移送材料与清单不一致", body=f"以下材料的 SHA-256 与移送清单记载不符：{titles}。请核实。")

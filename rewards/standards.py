"""Which 举报奖励标准 governs a case, and what it gives for a case value (分段累加, then the bounds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q

from rewards.models import RewardPolicy

CENT = Decimal("0.01")


def policy_for(*, region_code: str, on: date) -> RewardPolicy:
    """The standard in force on `on` for the region: the one of the longest matching region prefix,
    of that region the one that took effect last (a national one when no region has its own)."""
    prefixes = [region_code[:n] for n in range(len(region_code), 0, -1)] + [""]
    candidates = RewardPolicy.objects.filter(
        Q(effective_until__isnull=True) | Q(effective_until__gte=on), region_code__in=prefixes, effective_from__lte=on,
    )
    best = sorted(candidates, key=lambda policy: (len(policy.region_code), policy.effective_from), reverse=True)
    if not best:
        raise ValidationError(
            f"没有{on:%Y-%m-%d}适用于本地区（{region_code}）的举报奖励标准。请系统管理员在“举报奖励标准”中录入本省的标准。"
        )
    return best[0]


@dataclass(frozen=True)
class Calculation:
    amount: Decimal
    lines: list[str]  # how it was reached, one step a line, for the record and the approver


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def calculate(policy: RewardPolicy, basis: Decimal) -> Calculation:
    """Each tier's share of the case value times its rate, summed; then raised to the minimum or cut to the maximum."""
    total, lines, lower = Decimal("0"), [], Decimal("0")
    for upto, rate in policy.segments():
        part = (min(basis, upto) if upto is not None else basis) - lower
        if part <= 0:
            break
        share = (part * rate / 100).quantize(CENT, ROUND_HALF_UP)
        if upto is None:
            band = f"超过{_yuan(lower)}元的部分" if lower else "案值"
        else:
            band = f"{_yuan(lower)}元至{_yuan(upto)}元的部分" if lower else f"{_yuan(upto)}元以下的部分"
        lines.append(f"{band} {_yuan(part)}元 × {rate.normalize():f}% = {_yuan(share)}元")
        total += share
        if upto is None:
            break
        lower = upto
    lines.append(f"合计 {_yuan(total)}元")
    amount = total
    if amount < policy.minimum:
        amount = policy.minimum
        lines.append(f"低于最低奖励，按 {_yuan(policy.minimum)}元")
    elif amount > policy.maximum:
        amount = policy.maximum
        lines.append(f"超过最高奖励，按 {_yuan(policy.maximum)}元")
    return Calculation(amount=amount, lines=lines)

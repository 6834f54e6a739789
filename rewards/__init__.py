"""举报奖励 (tip-off rewards): the region's date-effective reward standards, and each tip-off case's
reward from eligibility to payment or waiver (domain.md §6.11)."""

"""The casework models, one module a subject: cases (and who may see them), penalties (and the money
that comes in), clocks (the holiday calendar and the statutory limits), intake (paper and screening).
Everything is importable from `casework.models`, as the migrations and the rest of the project do."""

from casework.models.cases import (
    Case, CaseGroupObjectPermission, CaseProcess, CaseSource, CaseStatus, CaseUserObjectPermission, Evidence, EvidenceKind,
    Handling, IdentifierType, ORGANISATION_KINDS, ParallelReferral, Subject, SubjectKind, ViolationType, evidence_upload_to,
)
from casework.models.clocks import (
    AssignedClueExtension, CalendarDay, ClockUnit, Deadline, DeadlineExtension, DeadlinePause, DeadlineQuerySet, DeadlineStatus, DecisionExtension,
    EscalationProcess, HolidayYear, OPEN_DEADLINE_STATUSES,
)
from casework.models.intake import (
    HitVerdict, PaperRecord, ScreeningHit, ScreeningImport, ScreeningImportState, paper_scan_upload_to,
)
from casework.models.penalties import (
    NOT_PENALTY_KINDS, ORGANISATION_ONLY_KINDS, PERSON_ONLY_KINDS, PaymentKind, PenaltyDecision, PenaltyKind, PenaltyPayment,
)

__all__ = [
    "Case", "CaseGroupObjectPermission", "CaseProcess", "CaseSource", "CaseStatus", "CaseUserObjectPermission", "Evidence",
    "EvidenceKind", "Handling", "IdentifierType", "ORGANISATION_KINDS", "ParallelReferral", "Subject", "SubjectKind",
    "ViolationType", "evidence_upload_to",
    "AssignedClueExtension", "CalendarDay", "ClockUnit", "Deadline", "DeadlineExtension", "DeadlinePause", "DeadlineQuerySet", "DeadlineStatus",
    "DecisionExtension", "EscalationProcess", "HolidayYear", "OPEN_DEADLINE_STATUSES",
    "HitVerdict", "PaperRecord", "ScreeningHit", "ScreeningImport", "ScreeningImportState", "paper_scan_upload_to",
    "NOT_PENALTY_KINDS", "ORGANISATION_ONLY_KINDS", "PERSON_ONLY_KINDS", "PaymentKind", "PenaltyDecision", "PenaltyKind",
    "PenaltyPayment",
]

"""Urgent-issue reports: drafts, submission with a reference number, similar open reports,
co-signing, the staff actions on a report, the staff queue and the members' view.

Status rules: new → in progress → escalated (to the national level) → resolved; in progress may
also be resolved directly; any open report may be declined, with a reason; merging closes a
report into another open one. Resolved, declined and merged reports are closed: nothing changes
their status again, and `resolved_at` records when they were closed. A report's response
deadline is met by its first public answer from staff (a reply or a status change); an open
report without one past its deadline is overdue.

Rights: staff of any association the report was routed to, staff of any association once the
report is joint, and admins; every staff action checks them again.

Nothing is deleted but the member's unfinished draft: co-signers withdraw by a date, reports
close by status, and every change is a row of the report's history and of the audit log.

The service is composed of its parts: report_filing (drafts, filing, similar reports,
co-signing), report_actions (what staff do), report_queries (reading, cards, the queue), on the
shared core of report_base; the rules, errors and data objects are in report_types.
"""

from __future__ import annotations

from bot.services.report_actions import ReportStaffActions
from bot.services.report_filing import ReportFiling
from bot.services.report_queries import ReportQueries
from bot.services.report_types import (
    AFFECTED_GROUPS,
    ATTACHMENTS_MAX,
    DESCRIPTION_MAX,
    MESSAGE_MAX,
    OPEN,
    POSITIONS,
    RESIDENTS_MAX,
    TITLE_MAX,
    TRANSITIONS,
    Actor,
    AlreadyTaken,
    AttachmentIn,
    AttachmentView,
    CardViewer,
    ConcurrentChange,
    HistoryEntry,
    QueueFilter,
    QueueItem,
    ReportCardData,
    ReportClosed,
    ReportForm,
    ReportView,
    SubmittedReport,
    SupporterView,
    TransitionRefused,
    UnknownReport,
    clean_description,
    clean_dream_id,
    clean_residents,
    clean_text,
    clean_title,
    normalise_reference,
)

# The service and what its callers use of report_types (the rest is imported from there).
__all__ = [
    "AFFECTED_GROUPS",
    "ATTACHMENTS_MAX",
    "DESCRIPTION_MAX",
    "MESSAGE_MAX",
    "OPEN",
    "POSITIONS",
    "RESIDENTS_MAX",
    "TITLE_MAX",
    "TRANSITIONS",
    "Actor",
    "AlreadyTaken",
    "AttachmentIn",
    "AttachmentView",
    "CardViewer",
    "ConcurrentChange",
    "HistoryEntry",
    "QueueFilter",
    "QueueItem",
    "ReportCardData",
    "ReportClosed",
    "ReportForm",
    "ReportService",
    "ReportView",
    "SubmittedReport",
    "SupporterView",
    "TransitionRefused",
    "UnknownReport",
    "clean_description",
    "clean_dream_id",
    "clean_residents",
    "clean_text",
    "clean_title",
    "normalise_reference",
]


class ReportService(ReportFiling, ReportStaffActions, ReportQueries):
    """Use cases on urgent-issue reports; each method is one transaction (retried when another
    change to the same report got there first)."""

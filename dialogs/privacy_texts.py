"""What members read about their data: the privacy notice of /privacy, and the readable HTML
copy of their data export (the JSON copy is the export itself). Both in the member's language;
shared by the bot and `hromada-bot member export`."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.content import AssociationInfo, PrivacyNotice
from bot.i18n import Translator
from bot.names import Names
from bot.services.retention import RetentionPeriods
from dialogs.presenters import local_time, unit_name


def notice_text(
    t: Translator,
    notice: PrivacyNotice,
    associations: Iterable[AssociationInfo],
    retention: RetentionPeriods,
) -> str:
    """The privacy notice of /privacy in one language (HTML)."""
    contacts = []
    if notice.email:
        contacts.append(t("privacy-contact-email", email=html.escape(notice.email, quote=False)))
    other = notice.other_contact(t.locale)
    if other:
        contacts.append(t("privacy-contact-other", contact=html.escape(other, quote=False)))
    websites = [f"{a.short(t.locale)} — {a.website}" for a in associations if a.website]
    if websites:
        contacts.append(
            t("privacy-contact-websites", websites=html.escape(", ".join(websites), quote=False))
        )
    contacts.append(t("privacy-contact-bot", ask_button=t("menu-ask")))
    days = {
        name.removesuffix("_days"): t("privacy-days", count=count)
        for name, count in asdict(retention).items()
    }
    return t(
        "privacy-notice",
        controller=html.escape(notice.controller(t.locale), quote=False),
        contacts="\n".join(contacts),
        **days,
    )


def export_file_names(today: date) -> tuple[str, str]:
    """The JSON and HTML files of a member's export."""
    stem = f"my-data-{today.isoformat()}"
    return f"{stem}.json", f"{stem}.html"


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


# ------------------------------------------------------------------------------ the HTML copy


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:56rem;
margin:2rem auto;padding:0 1rem;line-height:1.45;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
h3{font-size:1rem;margin-bottom:.3rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #eee}
th{width:30%;font-weight:600}.text{white-space:pre-wrap}.muted{color:#666}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=False)


class _Page:
    """The HTML copy of one export, built section by section."""

    def __init__(self, t: Translator, names: Names, tz: ZoneInfo) -> None:
        self.t, self.names, self.tz = t, names, tz
        self.parts: list[str] = []

    # -------------------------------------------------------------- pieces

    def when(self, value: str | None) -> str:
        return local_time(datetime.fromisoformat(value), self.tz) if value else ""

    def none(self) -> str:
        return f'<span class="muted">{_e(self.t("privacy-html-none"))}</span>'

    def yes_no(self, value: bool) -> str:
        return self.t("privacy-html-yes" if value else "privacy-html-no")

    def place(self, item: dict[str, Any]) -> str:
        hromada = item.get("hromada_name") or item.get("hromada_text") or ""
        if item.get("hromada_name"):
            hromada = unit_name(hromada, self.t.locale)
        oblast = self.names.oblast(item.get("oblast_code"), self.t.locale)
        return ", ".join(part for part in (hromada, oblast) if part)

    def table(self, rows: Iterable[tuple[str, str]]) -> None:
        """Rows of (label, value HTML); the labels are escaped here."""
        cells = "".join(f"<tr><th>{_e(label)}</th><td>{value}</td></tr>" for label, value in rows)
        self.parts.append(f"<table>{cells}</table>")

    def heading(self, key: str, level: int = 2, **args: Any) -> None:
        self.parts.append(f"<h{level}>{_e(self.t(key, **args))}</h{level}>")

    def text(self, value: str | None) -> str:
        return f'<div class="text">{_e(value)}</div>' if value else self.none()

    def values(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
        """An entry's values, one `key: before → after` line each."""
        before, after = before or {}, after or {}
        lines = []
        for key in [*before, *(k for k in after if k not in before)]:
            old = json.dumps(before.get(key), ensure_ascii=False) if key in before else ""
            new = json.dumps(after.get(key), ensure_ascii=False) if key in after else ""
            change = f"{old} → {new}" if old and new else old or new
            lines.append(f"{key}: {change}")
        return f'<div class="text">{_e(chr(10).join(lines))}</div>' if lines else ""

    def history(self, events: list[dict[str, Any]]) -> str:
        if not events:
            return self.none()
        items = []
        for event in events:
            label = self.t("privacy-html-event", kind=event["kind"])
            status = (event.get("after") or {}).get("status")
            if event["kind"] == "status" and status:
                label += f": {self.t(f'queue-status-{status}')}"
            text = f'<div class="text">{_e(event["text"])}</div>' if event.get("text") else ""
            items.append(f"<li>{_e(self.when(event['at']))} — {_e(label)}{text}</li>")
        return f"<ul>{''.join(items)}</ul>"

    # -------------------------------------------------------------- sections

    def profile(self, profile: dict[str, Any]) -> None:
        t, locale = self.t, self.t.locale
        self.heading("privacy-html-profile")
        codes = profile.get("associations") or []
        associations = (
            ", ".join(self.names.association(code, locale) for code in codes)
            if codes and not profile.get("associations_unsure")
            else t("profile-associations-unsure")
        )
        role = profile.get("role")
        language = profile.get("locale")
        self.table(
            [
                (t("privacy-html-telegram-id"), _e(profile["telegram_id"])),
                (t("privacy-html-name"), _e(profile.get("full_name")) or self.none()),
                (t("privacy-html-role"), _e(t(f"role-{role}")) if role else self.none()),
                (t("privacy-html-hromada"), _e(self.place(profile)) or self.none()),
                (t("privacy-html-associations"), _e(associations)),
                (t("privacy-html-phone"), _e(profile.get("phone")) or self.none()),
                (
                    t("privacy-html-language"),
                    _e(t(f"language-{language}")) if language else self.none(),
                ),
                (
                    t("privacy-html-status"),
                    _e(t(f"profile-status-{profile['verification']}")),
                ),
                (
                    t("privacy-html-announcements"),
                    _e(
                        t(
                            "privacy-html-muted"
                            if profile.get("announcements_muted")
                            else "privacy-html-not-muted"
                        )
                    ),
                ),
                (t("privacy-html-reachable"), _e(self.yes_no(bool(profile.get("reachable"))))),
                (t("privacy-html-consent"), _e(self.when(profile.get("consent_at")))),
                (t("privacy-html-registered"), _e(self.when(profile.get("registered_at")))),
                (t("privacy-html-created"), _e(self.when(profile.get("created_at")))),
            ]
        )

    def staff_rights(self, rights: list[dict[str, Any]]) -> None:
        if not rights:
            return
        self.heading("privacy-html-staff-rights")
        items = []
        for right in rights:
            if right["role"] == "admin":
                what = self.t("privacy-html-role-admin")
            else:
                association = self.names.association(right.get("association") or "", self.t.locale)
                what = self.t("privacy-html-role-staff", association=association)
            since = self.t("privacy-html-granted", time=self.when(right.get("granted_at")))
            items.append(f"<li>{_e(what)}, {_e(since)}</li>")
        self.parts.append(f"<ul>{''.join(items)}</ul>")

    def reports(self, reports: list[dict[str, Any]]) -> None:
        t, locale = self.t, self.t.locale
        self.heading("privacy-html-reports")
        if not reports:
            self.parts.append(f"<p>{self.none()}</p>")
        for report in reports:
            self.parts.append(f"<h3>{_e(report['reference'])}</h3>")
            files = ", ".join(a.get("file_name") or a["kind"] for a in report["attachments"])
            self.table(
                [
                    (t("privacy-html-title-field"), _e(report["title"])),
                    (t("privacy-html-status-field"), _e(t(f"queue-status-{report['status']}"))),
                    (
                        t("privacy-html-category"),
                        _e(self.names.category(report["category"], locale)),
                    ),
                    (t("privacy-html-urgency"), _e(self.names.urgency(report["urgency"], locale))),
                    (t("privacy-html-submitted"), _e(self.when(report["submitted_at"]))),
                    (t("privacy-html-place"), _e(self.place(report)) or self.none()),
                    (
                        t("privacy-html-residents"),
                        _e(report["residents"]) if report["residents"] is not None else self.none(),
                    ),
                    (
                        t("privacy-html-associations"),
                        _e(
                            ", ".join(
                                self.names.association(c, locale) for c in report["associations"]
                            )
                        ),
                    ),
                    (t("privacy-html-description"), self.text(report["description"])),
                    (t("privacy-html-attachments"), _e(files) or self.none()),
                    (t("privacy-html-history"), self.history(report["history"])),
                ]
            )

    def cosigned(self, reports: list[dict[str, Any]]) -> None:
        t = self.t
        self.heading("privacy-html-cosigned")
        if not reports:
            self.parts.append(f"<p>{self.none()}</p>")
        for report in reports:
            self.parts.append(f"<h3>{_e(report['reference'])}</h3>")
            rows = [
                (t("privacy-html-title-field"), _e(report["title"])),
                (t("privacy-html-status-field"), _e(t(f"queue-status-{report['status']}"))),
                (t("privacy-html-place"), _e(self.place(report)) or self.none()),
                (
                    t("privacy-html-residents"),
                    _e(report["residents"]) if report["residents"] is not None else self.none(),
                ),
                (t("privacy-html-joined"), _e(self.when(report["joined_at"]))),
            ]
            if report.get("withdrawn_at"):
                rows.append((t("privacy-html-withdrawn"), _e(self.when(report["withdrawn_at"]))))
            rows.append((t("privacy-html-history"), self.history(report["history"])))
            self.table(rows)

    def draft(self, draft: dict[str, Any] | None) -> None:
        if draft is None:
            return
        self.heading("privacy-html-draft")
        updated = self.t("privacy-html-draft-updated", time=self.when(draft["updated_at"]))
        data = json.dumps(draft["data"], ensure_ascii=False, indent=2)
        self.parts.append(f"<p>{_e(updated)}</p><pre>{_e(data)}</pre>")

    def questions(self, questions: list[dict[str, Any]]) -> None:
        t = self.t
        self.heading("privacy-html-questions")
        if not questions:
            self.parts.append(f"<p>{self.none()}</p>")
        for question in questions:
            self.parts.append(f"<h3>№ {_e(question['id'])}</h3>")
            rows = [
                (t("privacy-html-asked"), _e(self.when(question["created_at"]))),
                (t("privacy-html-what"), self.text(question["text"])),
            ]
            for answer in question["answers"]:
                label = t("privacy-html-answer", time=self.when(answer["created_at"]))
                rows.append((label, self.text(answer["text"])))
            if not question["answers"]:
                rows.append((t("privacy-html-answers"), _e(t("privacy-html-no-answer"))))
            self.table(rows)

    def announcements(self, announcements: list[dict[str, Any]]) -> None:
        t = self.t
        self.heading("privacy-html-sent-announcements")
        if not announcements:
            self.parts.append(f"<p>{self.none()}</p>")
        for item in announcements:
            head = [
                self.when(item["created_at"]),
                t("privacy-html-delivery", status=item["status"]),
            ]
            if item["urgent"]:
                head.append(t("privacy-html-urgent"))
            attachment = f"\n📎 {item['attachment']}" if item.get("attachment") else ""
            self.parts.append(
                f"<h3>{_e(' · '.join(head))}</h3>{self.text(item['text'] + attachment)}"
            )

    def consultations(self, answers: list[dict[str, Any]]) -> None:
        t = self.t
        self.heading("privacy-html-consultations")
        if not answers:
            self.parts.append(f"<p>{self.none()}</p>")
        for answer in answers:
            self.parts.append(f"<h3>{_e(answer['title'])}</h3>")
            if answer["chosen_options"]:
                chosen = "; ".join(
                    (option.get(t.locale) or option["uk"]) for option in answer["chosen_options"]
                )
            else:
                chosen = t(f"consult-member-position-{answer['choice']}")
            rows = [
                (t("privacy-html-consultation-answer"), _e(chosen)),
                (t("privacy-html-consultation-comment"), self.text(answer["comment"])),
                (t("privacy-html-consultation-changed"), _e(self.when(answer["updated_at"]))),
            ]
            self.table(rows)

    def kb_feedback(self, votes: list[dict[str, Any]]) -> None:
        if not votes:
            return
        self.heading("privacy-html-kb-feedback")
        self.table(
            (
                vote["slug"],
                _e(
                    self.t(
                        "privacy-html-helpful" if vote["helpful"] else "privacy-html-not-helpful"
                    )
                    + f" ({self.when(vote['updated_at'])})"
                ),
            )
            for vote in votes
        )

    def audit(self, entries: list[dict[str, Any]]) -> None:
        t = self.t
        self.heading("privacy-html-audit")
        if not entries:
            self.parts.append(f"<p>{self.none()}</p>")
            return
        head = "".join(
            f"<th>{_e(t(key))}</th>"
            for key in ("privacy-html-when", "privacy-html-what", "privacy-html-who")
        )
        rows = []
        for entry in entries:
            action = t("privacy-html-action", action=entry["action"].replace(".", "-"))
            values = self.values(entry.get("before"), entry.get("after"))
            rows.append(
                f"<tr><td>{_e(self.when(entry['at']))}</td><td>{_e(action)}{values}</td>"
                f"<td>{_e(t('privacy-html-by', by=entry['by']))}</td></tr>"
            )
        self.parts.append(f"<table><tr>{head}</tr>{''.join(rows)}</table>")


def export_html(t: Translator, data: dict[str, Any], names: Names, tz: ZoneInfo) -> str:
    """The readable copy of a member's export (`PrivacyService.export`), in one language."""
    page = _Page(t, names, tz)
    page.parts.append(f"<h1>{_e(t('privacy-html-title'))}</h1>")
    created = page.when(data["export"]["created_at"])
    page.parts.append(f"<p>{_e(t('privacy-html-intro', time=created))}</p>")
    page.profile(data["profile"])
    page.staff_rights(data["staff_rights"])
    page.reports(data["reports"])
    page.cosigned(data["cosigned_reports"])
    page.draft(data["report_draft"])
    page.questions(data["questions"])
    page.announcements(data["announcements"])
    page.consultations(data["consultation_answers"])
    page.kb_feedback(data["kb_feedback"])
    page.audit(data["audit"])
    return (
        f'<!DOCTYPE html>\n<html lang="{t.locale}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(t('privacy-html-title'))}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(page.parts)}</body></html>\n"
    )

## Urgent-issue reports, staff side: the card in the staff group (in the group's language), its
## buttons, replies to the card, and what the reporter and the supporters are told.

rdesk-card-title = 🚨 <b>Report { $reference }</b> · { $associations }
rdesk-card-urgency = ⏱ Urgency: { $urgency }. Answer by { $deadline } (Kyiv time)
rdesk-card-overdue = ❗️ <b>Overdue</b>
rdesk-card-category = 🗂 Category: { $category }
rdesk-card-status = 📌 Status: { $status }
rdesk-card-merged-into = 🔗 Merged into report { $reference }
rdesk-card-assignee = 🙋 Handled by: { $name }
rdesk-card-no-assignee = 🙋 Nobody has taken it yet
rdesk-card-reporter = 👤 Reported by: { $name } — { $role }
rdesk-card-place = 📍 { $place }
rdesk-card-phone = 📞 { $phone }
rdesk-card-phone-shared = 📞 A phone number was shared: see it in /queue in your private chat with the bot
rdesk-card-no-phone = 📞 No phone number shared
rdesk-card-verified = { $verified ->
    [yes] ✅ Membership verified
   *[no] ⏳ Membership not verified
}
rdesk-card-dream = 🏗 DREAM project: { $dream }
rdesk-card-residents = 🏘 Residents affected: { $residents }
rdesk-card-groups = 👥 Groups of people affected: { $groups }
rdesk-card-figures = ✍️ With the supporters (verified members only): { $hromadas } hromadas, { $oblasts } oblasts, { $residents } residents. Supported by: { $cosigners }
rdesk-card-joint = 🤝 <b>Joint issue of all associations</b>
rdesk-card-position = • { $association }: { $position ->
    [supports] supports
    [neutral] neutral
    [opposes] does not support
   *[none] no position yet
}
rdesk-card-attachments = 📎 Attachments: { $count }
rdesk-card-hint = ↩️ To answer the reporter, reply to this card. A message starting with // is an internal note: the reporter will not see it.
rdesk-card-truncated = ✂️ The description is long and shortened here.
rdesk-no-name = no name

rdesk-status-new = new
rdesk-status-in_progress = in progress
rdesk-status-escalated = escalated to the national level
rdesk-status-resolved = resolved
rdesk-status-declined = declined
rdesk-status-merged = merged into another report

rdesk-group-women = women
rdesk-group-men = men
rdesk-group-children = children
rdesk-group-older = older people
rdesk-group-disabled = people with disabilities
rdesk-group-idp = internally displaced persons
rdesk-group-veterans = veterans

## The card's buttons

rdesk-button-take = 🙋 Take it
rdesk-button-status = 📌 Change status
rdesk-button-joint = 🤝 Joint issue
rdesk-button-position = 🗳 Association's position
rdesk-button-merge = 🔗 Merge

## What the reporter and the supporters receive, in their language

rdesk-member-head = 📨 <b>Report { $reference }</b>
    "{ $title }"
rdesk-member-status = The report's status has changed: <b>{ $status }</b>.
rdesk-member-reason = Reason: { $reason }
rdesk-member-reply = 💬 The association's secretariat answers:
rdesk-member-merged-into = The report has been merged into a similar report, { $reference }. You now support that one, and further news will be about { $reference }.
rdesk-member-merged-from = A similar report, { $reference }, has been merged into this one with its supporters.
rdesk-member-joint = The report is now a joint issue of all associations.

## The reporter's answer, under the card

rdesk-reporter-reply = ↩️ <b>The reporter answers</b> ({ $reference }, { $name }):

## Choices shown on the card (in the group's language)

rdesk-button-back = ⬅️ Back
rdesk-button-comment = 💬 Add a comment to the position
rdesk-choose-status = 📌 { $reference }: choose the new status.
rdesk-set-in_progress = ▶️ In progress
rdesk-set-escalated = ⬆️ Escalate to the national level
rdesk-set-resolved = ✅ Resolved
rdesk-set-declined = ⛔️ Decline (with a reason)
rdesk-choose-position = 🗳 { $reference }: your association's position on this joint issue.
rdesk-position-supports = ✅ Supports
rdesk-position-neutral = ➖ Neutral
rdesk-position-opposes = ❌ Does not support
rdesk-position-comment-offer = 🗳 { $reference }: position recorded. Add a comment if needed.

## Requests for a text: an alert in the group, a message in private chat

rdesk-ask-decline-group = To decline report { $reference }, reply to its card with the reason. The reporter and the supporters will see it.
rdesk-ask-decline = ⛔️ Reply to this message with the reason for declining report { $reference }. The reporter and the supporters will see it.
rdesk-ask-merge-group = To merge report { $reference } into another one, reply to its card with the other report's reference (like R-2026-00042).
rdesk-ask-merge = 🔗 Reply to this message with the reference of the report to merge { $reference } into (like R-2026-00042).
rdesk-ask-comment-group = Reply to the card of report { $reference } with the comment on your position.
rdesk-ask-comment = 💬 Reply to this message with the comment on your position on report { $reference }.

## Answers to the card's buttons (alerts, in the presser's language)

rdesk-not-found = Report not found.
rdesk-not-staff = ⛔️ Only the secretariat staff of the associations this report was sent to can work on it.
rdesk-stale-button = That button is out of date.
rdesk-closed = The report is already closed (status: { $status }).
rdesk-transition-refused = That status cannot be set now: the report is "{ $status }".
rdesk-try-again = Someone else has just changed this report. Please try again.
rdesk-taken = The report is yours now.
rdesk-yours-already = You are already handling this report.
rdesk-taken-by = { $name } is already handling this report.
rdesk-status-set = Status changed: { $status }.
rdesk-joint-done = The report is now a joint issue. Its card has been sent to every association's group.
rdesk-joint-already = The report has already been made a joint issue.
rdesk-position-set = The association's position is recorded.

## Replies to the card (in the group's language)

rdesk-reply-not-staff = ⛔️ Only the secretariat staff of the associations this report was sent to can answer it.
rdesk-text-only = Please send the answer as text.
rdesk-too-long = The text is too long: { $limit } { $limit ->
        [one] character
       *[other] characters
    } at most.
rdesk-note-saved = 📝 Internal note saved. The reporter will not see it.
rdesk-reply-sent = ✅ Answer sent. Received by { $told } of { $total } (the reporter and the supporters).
rdesk-declined = ⛔️ Report declined. The reason was sent to the reporter and the supporters (received by { $told }).
rdesk-merge-unknown = No report has that reference. Send it like R-2026-00042.
rdesk-merged = 🔗 Report merged into { $reference }. Its reporter and supporters now count towards that one and have been told.
rdesk-merge-self = A report cannot be merged into itself. Send another report's reference.
rdesk-merge-foreign = Report { $reference } was sent to other associations, so you cannot merge into it. Send another report's reference.

## Answering in private chat (the card's link)

rdesk-button-reply = ✍️ Answer in private chat
rdesk-no-rights = Only the associations' secretariat staff can do this.
rdesk-dialog-prompt = ✍️ Send the answer for the reporter and the supporters. You can look it over, or keep it as an internal note, before it goes.
rdesk-dialog-unavailable = The report was not found, or you cannot work on it.
rdesk-dialog-preview = 👀 This is how the reporter will see the answer:
rdesk-dialog-preview-parts = The answer will arrive in several messages ({ $count }).
rdesk-dialog-send = ✅ Send to the reporter
rdesk-dialog-note = 📝 Keep as an internal note
rdesk-dialog-edit = ✏️ Change
rdesk-dialog-sent = ✅ Answer sent. Received by { $told } of { $total } (the reporter and the supporters).
rdesk-dialog-again = ✍️ Write another
rdesk-card-reason = ⛔️ Reason for declining: { $reason }

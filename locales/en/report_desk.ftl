## Urgent-issue reports, staff side: the card in the staff group (in the group's language), its
## buttons, replies to the card, and what the reporter and co-signers are told.

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
rdesk-card-verified = { $verified ->
    [yes] ✅ Membership verified
   *[no] ⏳ Membership not verified
}
rdesk-card-dream = 🏗 DREAM project: { $dream }
rdesk-card-residents = 🏘 Residents affected: { $residents }
rdesk-card-groups = 👥 Mostly affects: { $groups }
rdesk-card-figures = ✍️ With co-signers (verified members only): { $hromadas } hromadas, { $oblasts } oblasts, { $residents } residents. Co-signers: { $cosigners }
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
rdesk-group-idp = internally displaced people
rdesk-group-veterans = veterans

## The card's buttons

rdesk-button-take = 🙋 Take it
rdesk-button-status = 📌 Change status
rdesk-button-joint = 🤝 Joint issue
rdesk-button-position = 🗳 Association's position
rdesk-button-merge = 🔗 Merge

## What the reporter and co-signers receive, in their language

rdesk-member-head = 📨 <b>Report { $reference }</b>
    “{ $title }”
rdesk-member-status = The report's status has changed: <b>{ $status }</b>.
rdesk-member-reason = Reason: { $reason }
rdesk-member-reply = 💬 The association's secretariat answers:

    { $text }
rdesk-member-merged-into = The report has been merged into a similar report, { $reference }. You now support that one, and further news will be about { $reference }.
rdesk-member-merged-from = A similar report, { $reference }, has been merged into this one with its co-signers.
rdesk-member-joint = The report is now a joint issue of all associations.

## The reporter's answer, under the card

rdesk-reporter-reply = ↩️ <b>The reporter answers</b> ({ $reference }, { $name }):

    { $text }

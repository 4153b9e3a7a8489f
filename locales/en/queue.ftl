## The staff queue in private chat (/queue) and the reports spreadsheet (/export, `hromada-bot export issues`).

queue-status-new = New
queue-status-in_progress = In progress
queue-status-escalated = Escalated to the national level
queue-status-resolved = Resolved
queue-status-declined = Declined
queue-status-merged = Merged into another

queue-group-women = women
queue-group-men = men
queue-group-children = children
queue-group-older = older people
queue-group-disabled = people with disabilities
queue-group-idp = internally displaced persons
queue-group-veterans = veterans

## The spreadsheet

queue-export-sheet = Reports
queue-export-yes = yes
queue-export-no = no
queue-export-column-reference = Reference
queue-export-column-title = Title
queue-export-column-created = Created
queue-export-column-submitted = Submitted
queue-export-column-deadline = Response deadline
queue-export-column-status = Status
queue-export-column-category = Category
queue-export-column-urgency = Urgency
queue-export-column-associations = Associations
queue-export-column-hromada = Hromada
queue-export-column-oblast = Oblast
queue-export-column-katottg = KATOTTG code
queue-export-column-hromadas = Hromadas
queue-export-column-oblasts = Oblasts
queue-export-column-residents = Residents
queue-export-column-cosigners = Supporters
queue-export-column-groups = Affected groups
queue-export-column-first-response = First response, hours
queue-export-column-resolution = Resolution, hours
queue-export-column-dream = DREAM project id
queue-export-column-joint = Joint
queue-export-column-assignee = Assignee

## /queue

queue-no-rights = ⛔ The reports queue is only for the associations' secretariat staff.
queue-title = 🗂 <b>Reports queue</b> — found: { $total }
queue-empty = 🗂 <b>Reports queue</b>
    No reports match these filters.
queue-page = Page { $page } of { $pages }
queue-prev = ◀️ Previous
queue-next = Next ▶️
queue-nobody = nobody
queue-no-name = no name
queue-item = <b>{ $reference }</b> · { $title }
    { $status } · { $category }
    📍 { $place } · { $overdue ->
        [yes] ⏰ overdue since
       *[no] ⏳ by
    } { $deadline }
    🙋 { $assignee } · 👥 { $cosigners }{ $joint ->
        [yes] {" "}· 🤝 joint
       *[no] {""}
    }
queue-filters-summary = 🔎 Filters: { $status } · { $urgency } · { $category } · { $oblast }{ $overdue ->
        [yes] {" "}· overdue only
       *[no] {""}
    }
queue-filter-any = all
queue-filter-open = all open
queue-filter-status = Status: { $value }
queue-filter-category = Category: { $value }
queue-filter-oblast = Oblast: { $value }
queue-filter-urgency = Urgency: { $value }
queue-filter-overdue = { $on ->
        [yes] ✅ Overdue only
       *[no] ⏰ Overdue only
    }
queue-reset = ✖️ Clear filters
queue-filter-status-prompt = Choose the status:
queue-filter-category-prompt = Choose the category:
queue-filter-oblast-prompt = Choose the oblast:
queue-filter-urgency-prompt = Choose the urgency:
queue-back-to-list = ⬅️ Back to the queue
queue-show-again = 🔄 Show again
queue-report-shown = ⬆️ Report { $reference } is above: its card with the action buttons, the attachments, who supported it and the full history.
queue-report-not-found = There is no such report.
queue-report-foreign = ⛔ This report went to another association, so you cannot work on it.

## An opened report: attachments, supporters, history

queue-attachments-caption = 📎 Attachments of report { $reference }
queue-attachments-failed = ⚠️ The attachments could not be shown: Telegram no longer has these files.
queue-cosigners-none = 👥 Nobody has supported report { $reference } yet.
queue-cosigners-title = 👥 <b>Supporters of report { $reference }</b> ({ $count })
queue-cosigner = • { $name } — { $place } · { $verified ->
        [yes] ✅ membership verified
       *[no] ⏳ membership not verified (not counted in the figures)
    } · { $joined }
queue-cosigner-residents = { $place }, residents: { $residents }
queue-history-title = 📜 <b>History of report { $reference }</b>
queue-history-entry = <b>{ $time }</b> · { $actor }
    { $what }
queue-history-submitted = 📨 Submitted the report
queue-history-status = 🔄 Status: { $before } → { $after }
queue-history-assign = 🙋 Took the report
queue-history-reply = 💬 Answer to the reporter and the supporters:
queue-history-note = 🔒 Internal note (members never see it):
queue-history-reporter-reply = ↩️ The reporter's answer:
queue-history-cosign = ➕ Supported the report
queue-history-withdraw = ➖ Withdrew their support
queue-history-joint = 🤝 Marked as joint for all associations
queue-history-position = 📌 Position of { $association }: { $position ->
        [supports] supports
        [neutral] neutral
       *[opposes] does not support
    }
queue-history-merged-into = 🔗 Merged into report { $reference }
queue-history-merged-from = 🔗 Report { $reference } merged into this one

## /export

queue-export-caption = 📊 Reports of your associations: { $count }. The spreadsheet opens in Excel or LibreOffice.
queue-export-failed = ⚠️ The spreadsheet could not be sent. Please try again a little later.
queue-command-queue = Reports queue
queue-command-export = Reports spreadsheet (Excel)

# Secretariat digests: the message in the staff group, the chart, the spreadsheet, /digest settings.

## Numbers with the right word forms

digest-reports = { $count ->
    [one] { $count } report
   *[other] { $count } reports
}
digest-cosigners = { $count ->
    [one] supported by { $count } member
   *[other] supported by { $count } members
}
digest-questions = { $count ->
    [one] { $count } question
   *[other] { $count } questions
}
digest-hours = { $amount } h
digest-days = { $amount } days
digest-more = …and { $count } more

## The digest message

digest-title-association = 📊 <b>Reports digest: { $association }</b>
digest-title-joint = 📊 <b>Joint weekly digest of the associations</b>
digest-period = Period: from { $start } to { $end } (Kyiv time)
digest-new = 🆕 New in the period: { $reports }. Resolved: { $resolved }.
digest-open = 📂 <b>Open now: { $reports }</b>
digest-open-none = 📂 No open reports.
digest-open-status = • { $status }: { $count }
digest-overdue = ⏰ <b>Overdue: { $reports }</b> (no first response by the deadline, oldest first)
digest-overdue-none = ⏰ No overdue reports.
digest-overdue-item = • { $reference } — { $title } (deadline { $deadline })
digest-cosigned = ✍️ <b>Most supported</b> (verified members only)
digest-cosigned-item = • { $reference } — { $title }: { $cosigners }
digest-by-category = 🗂 <b>New by category</b>
digest-by-oblast = 📍 <b>New by oblast</b>
digest-by-group = 👥 <b>New by affected group</b>
digest-count-item = • { $name }: { $count }
digest-oblast-unknown = oblast not given
digest-times = ⏱ <b>Handling times</b> (from submission; median, average in brackets)
digest-first-response = • first response: { $median } ({ $average }), { $reports } in the period
digest-first-response-none = • first response: none in the period
digest-resolution = • resolution: { $median } ({ $average }), { $reports } in the period
digest-resolution-none = • resolution: none resolved in the period
digest-open-questions = ❓ <b>Open questions to the experts: { $questions }</b>
digest-open-questions-none = ❓ No open questions to the experts.
digest-question-item = • No. { $id } of { $date }: { $text }

## The chart and the spreadsheet

digest-chart-title = Reports: { $name }
digest-chart-joint = Reports to all associations
digest-chart-days = New and resolved per day
digest-chart-new = New
digest-chart-resolved = Resolved
digest-chart-categories = Open by category
digest-chart-none-open = No open reports
digest-chart-others = Other
digest-chart-caption = 📊 New and resolved reports per day; open ones by category.
digest-sheet-caption = 📎 Spreadsheet of the reports received in the period: { $reports }.

## Settings: /digest in the staff group

digest-command = Reports digest and its schedule
digest-settings-title = ⚙️ <b>Digest: { $name }</b>
digest-settings-joint-title = ⚙️ <b>Joint weekly digest of the associations</b>
digest-settings-schedule = 🗓 Schedule: { $days } at { $time } (Kyiv time)
digest-settings-off = 🗓 Schedule: off
digest-settings-next = ⏭ Next: { $when }
digest-settings-language = 🌐 Group language: { $language }
digest-settings-hint = The association's secretariat staff and the bot's administrators can change the schedule and the language. /digest now sends a digest now; /digest joint shows the joint digest's schedule.
digest-settings-joint-hint = The joint digest goes to every bound group; the bot's administrators change its schedule.
digest-days-working = on working days (Mon–Fri)
digest-days-daily = every day
digest-days-weekly = every Monday
digest-days-custom = on { $days }
digest-weekday-1 = Mon
digest-weekday-2 = Tue
digest-weekday-3 = Wed
digest-weekday-4 = Thu
digest-weekday-5 = Fri
digest-weekday-6 = Sat
digest-weekday-7 = Sun
digest-button-working = Working days
digest-button-daily = Every day
digest-button-weekly = Every Monday
digest-button-off = Turn off
digest-button-now = 📨 Send now
digest-button-language = Language: { $language }
digest-saved = Saved.
digest-no-rights = Only the association's secretariat staff and the bot's administrators can change the digest.
digest-joint-admins-only = Only the bot's administrators change the joint digest's schedule.
digest-not-bound = This group is not bound to an association, so no digest comes here. A bot administrator binds the group with /bind.
digest-unknown-schedule = This group gets no digest called "{ $name }". Try: { $choices }.
digest-private = /digest works in the association's staff group: send it there.
digest-sending = Sending the digest…
digest-sent = Digest sent.
digest-send-failed = The digest could not be sent. Please try again later.

## Reporting an urgent issue

report-form-register-first = Registered members can report issues. Please finish registering first (/start).
report-form-back = ⬅️ Back
report-form-back-preview = ⬅️ Back to the preview
report-form-skip = ⏭ Skip
report-form-cancel = ✖️ Cancel
report-form-cancelled = Your draft is saved: continue any time from the menu.
report-form-text-only = This step needs text. Please send your answer as a message.

report-form-resume =
    📝 <b>You have an unfinished report</b>
    
    "{ $draft_title }" ({ $draft_category }), saved { $saved_at }.
    
    Continue where you left off, or start again?
report-form-resume-continue = ▶️ Continue the draft
report-form-resume-discard = 🗑 Discard it and start again
report-form-untitled = untitled

report-form-category-prompt =
    📝 <b>Report an issue</b>
    
    Step 1. Choose the category of the issue.
    Your answers are kept as a draft: you can come back to it later.

report-form-urgency-prompt =
    Step 2. How urgent is it?
    
    { $urgency_lines }
report-form-urgency-line = { $mark } <b>{ $name }</b> — { $meaning }. Response within { $within }.
report-form-urgency-button = { $mark } { $name } · within { $within }
report-form-within-hours = { $hours } { $hours ->
        [one] hour
       *[other] hours
    }
report-form-within-days = { $days } { $days ->
        [one] day
       *[other] days
    }

report-form-title-prompt =
    Step 3. Name the issue briefly — up to { $title_limit } { $title_limit ->
        [one] character
       *[other] characters
    }.
    For example: <i>No funds to repair the school roof after shelling</i>
report-form-title-empty = The title is empty. Please write a few words about the issue.
report-form-title-too-long =
    The title is too long: { $length } { $length ->
        [one] character
       *[other] characters
    }, and the limit is { $limit }. Please shorten it and send it again — your earlier answers are kept.

report-form-description-prompt =
    Step 4. Describe the issue in detail — up to { $description_limit } { $description_limit ->
        [one] character
       *[other] characters
    }: what happened, whom and what it affects, what has been done and what help is needed.
report-form-description-empty = The description is empty. Please tell us what happened.
report-form-description-too-long =
    The description is too long: { $length } { $length ->
        [one] character
       *[other] characters
    }, and the limit is { $limit }. Your text is still in your message above: shorten it and send it again — your earlier answers are kept.

report-form-files-prompt =
    Step 5. Add photos or documents if you have any (up to { $files_limit } { $files_limit ->
        [one] file
       *[other] files
    }): send them one by one or several at once.
    When you are done, press "Done". No files? Press "Skip".
report-form-files-count = 📎 Files added: { $files } of { $files_limit }.
report-form-files-done = ✅ Done
report-form-files-clear = 🗑 Remove all files
report-form-files-full = You can add at most { $limit } { $limit ->
        [one] file
       *[other] files
    }. Press "Done" to continue.
report-form-file-voice = Audio and voice messages are not accepted: the secretariat staff cannot always listen to them. Please put the point in writing in the description, or add a photo or a document.
report-form-file-video = Videos are not accepted: the bot keeps photos and documents only. Please send a photo (a screenshot) or a document.
report-form-file-sticker = Stickers are not added to a report. Send a photo or a document, or press "Done".
report-form-file-text = This step expects photos or documents. To add to the description, go back a step; to continue, press "Done" or "Skip".
report-form-file-other = This file cannot be added: only photos and documents (PDF, Word, Excel and the like) are accepted.
report-form-file-photo-label = { $number }. photo
report-form-file-document-label = { $number }. { $name }

report-form-residents-prompt =
    Step 6. How many residents does the issue affect? Send a number (for example, 1200) or press "Skip".
report-form-residents-not-a-number = A number is needed, for example 1200. Please send digits only, or press "Skip".
report-form-residents-negative = The number of residents cannot be negative. Please send a number.
report-form-residents-too-large = The number is too large: at most { $limit }. Please check it and send it again.

report-form-groups-prompt =
    Step 7. Whom does the issue affect most? Tick one or more groups (or none) and press "Next".
report-form-groups-done = ➡️ Next
report-form-group-women = Women
report-form-group-men = Men
report-form-group-children = Children
report-form-group-older = Older people
report-form-group-disabled = People with disabilities
report-form-group-idp = Internally displaced persons
report-form-group-veterans = Veterans

report-form-dream-prompt =
    Step 8. If the issue concerns a project in the DREAM system, send its id, for example <code>DREAM-UA-070825-07BFF93A</code>. If not, press "Skip".
report-form-dream-invalid = This does not look like a DREAM project id. It looks like this: <code>DREAM-UA-070825-07BFF93A</code>. Please check it, or press "Skip".

report-form-similar =
    🔎 <b>Similar open reports</b>
    
    Other hromadas may have reported this issue already. If it is the same one, join it: your hromada is added to the report, and it carries more weight.
    
    { $similar_lines }
report-form-similar-line = <b>{ $reference }</b> — { $title }
    Hromadas: { $hromadas }
report-form-similar-join = 🤝 Join { $reference }
report-form-similar-different = ➡️ Mine is different
report-form-join-closed = This report has been closed. Choose another one or continue with yours.
report-form-join-own = This is your own report.
report-form-joined =
    ✅ You have joined report <b>{ $reference }</b> "{ $joined_title }".
    
    Your hromada is added to those it affects. We will tell you about every change in this chat. Your draft report has been discarded; you can withdraw your support in "My reports".
report-form-my-reports = 📂 My reports

report-form-preview-head =
    📝 <b>Check your report</b>
    This is how the secretariat staff will see it.
    
    <b>{ $title }</b>
    
    🗂 Category: { $category }
    ⏱ Urgency: { $urgency } (response within { $within })
    📍 Hromada: { $hromada }
    👤 Reported by: { $name }
report-form-preview-details =
    📎 Files:{ $files }
    👥 Residents affected: { $residents }
    🧩 Groups affected: { $groups }
    🏗 DREAM project: { $dream_id }
report-form-preview-hint = To correct a field, press ✏️ with its name. If everything is right, press "Submit".
report-form-preview-shortened = <i>(The description is shortened in this preview; the secretariat will receive all of it.)</i>
report-form-preview-none = —
report-form-preview-unverified = ℹ️ Your membership is not confirmed yet, so the secretariat will see a note saying so on the report.
report-form-edit-category = Category
report-form-edit-urgency = Urgency
report-form-edit-title = Title
report-form-edit-description = Description
report-form-edit-attachments = Files
report-form-edit-residents = Residents
report-form-edit-groups = Groups
report-form-edit-dream = DREAM
report-form-submit = 📨 Submit
report-form-submit-incomplete = The report is not complete. Please check the fields marked "—" and fill them in.
report-form-submitted =
    ✅ <b>Report filed</b>
    
    Reference: <b>{ $reference }</b>
    To read it out over the phone: "{ $spoken }"
    
    A response is due within { $within } — by { $deadline } (Kyiv time).
    We will tell you about every change in this chat. The report's status is in "My reports".

## My reports

report-mine-status-new = new
report-mine-status-in_progress = in progress
report-mine-status-escalated = escalated to the national level
report-mine-status-resolved = resolved
report-mine-status-declined = declined
report-mine-status-merged = merged into another report
report-mine-list =
    📂 <b>My reports</b>: { $count }
    
    Your reports and those you support (🤝). Choose one to see its history.
report-mine-empty =
    📂 <b>My reports</b>
    
    You have not filed or supported any reports yet.
report-mine-new = 📝 Report an issue
report-mine-report =
    { $mark } <b>{ $reference }</b>
    "{ $title }"
    
    Status: <b>{ $status }</b>
    Category: { $category }
    Urgency: { $urgency }
    Filed: { $submitted }
report-mine-deadline = Response due by: { $deadline } (Kyiv time)
report-mine-first-response = First response: { $first_response }
report-mine-closed-at = Closed: { $closed_at }
report-mine-figures = It affects: hromadas — { $hromadas }, oblasts — { $oblasts }, residents — { $residents }.
report-mine-own = ✍️ You filed this report.
report-mine-cosigned = 🤝 You support this report.
report-mine-merged = 🔗 The report was merged into { $merged_into }: it is handled there.
report-mine-history = <b>History</b>
report-mine-history-earlier = … { $count } earlier { $count ->
        [one] entry
       *[other] entries
    }
report-mine-history-submitted = report filed
report-mine-history-status = status changed: <b>{ $status }</b>
report-mine-history-reason = Reason: { $reason }
report-mine-history-reply = 💬 the secretariat's reply: { $text }
report-mine-history-answer = ✍️ your answer: { $text }
report-mine-history-merged-into = merged into report { $reference }
report-mine-history-merged-from = a similar report { $reference } was merged into it
report-mine-history-joint = made a joint issue of all associations
report-mine-not-found = This report is not among yours: perhaps you have withdrawn your support.
report-mine-to-list = ⬅️ To the list
report-mine-to-report = ⬅️ To the report
report-mine-withdraw-button = ↩️ Withdraw my support
report-mine-withdraw-confirm =
    Withdraw your support for report <b>{ $reference }</b> "{ $title }"?
    
    Your hromada will no longer be counted among those it affects, and you will stop receiving its updates.
report-mine-withdraw-yes = ↩️ Yes, withdraw
report-mine-withdrawn = Your support for { $reference } has been withdrawn.
report-mine-answer-button = ✍️ Answer the secretariat
report-mine-answer-prompt =
    ✍️ Write your answer to the secretariat about report <b>{ $reference }</b> in one message (up to { $limit } { $limit ->
        [one] character
       *[other] characters
    }).
report-mine-answer-empty = The answer is empty. Please write some text.
report-mine-answer-too-long =
    The answer is too long: { $length } { $length ->
        [one] character
       *[other] characters
    }, and the limit is { $limit }. Please shorten it.
report-mine-answer-text-only = Answers are accepted as text only. Please write yours as a message.
report-mine-answer-refused = This report can no longer be answered: it was merged into another one.
report-mine-answer-sent = ✅ Your answer about report { $reference } has been sent to the secretariat.

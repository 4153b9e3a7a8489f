## Announcements from staff to members: what a member receives, the author's progress message
## with its buttons and final report, and refusals (ids announcement-error-<code> match the
## codes of BroadcastError).

announcement-header = 📢 <b>Announcement · { $sender }</b>
announcement-header-urgent = ❗ <b>Urgent · { $sender }</b>

announcement-progress-title = 📣 <b>Announcement No. { $id }: delivery</b>
announcement-progress-status = { $status ->
    [sending] ▶️ Sending
    [paused] ⏸ Paused
    [cancelled] ✖️ Cancelled
   *[done] ✅ Finished
}
announcement-progress-cancelling = ⏳ Delivery cancelled: the bot sends nothing new and only finishes the messages already on their way.
announcement-progress-counts = Recipients: { $total }
    • sent: { $sent }
    • unreachable (blocked the bot or deleted the account): { $unreachable }
    • could not be sent: { $failed }
    • remaining: { $remaining }
announcement-progress-rate = Rate: { $rate } msg/s · about { $eta } left
announcement-progress-rate-unknown = Measuring the rate…
announcement-progress-final = 📊 <b>Delivery report</b>
    • sent: { $sent }
    • unreachable: { $unreachable }
    • could not be sent: { $failed }
    • delivery unknown (the bot stopped while sending; not sent again): { $uncertain }
    • cancelled before sending: { $cancelled }
announcement-progress-duration = Duration: { $duration }
announcement-eta-seconds = { $seconds } s
announcement-eta-minutes = { $minutes } min { $seconds } s
announcement-eta-hours = { $hours } h { $minutes } min

announcement-button-pause = ⏸ Pause
announcement-button-resume = ▶️ Resume
announcement-button-cancel = ✖️ Cancel
announcement-button-cancel-confirm = ✖️ Yes, cancel the delivery
announcement-button-cancel-back = ↩️ No, keep it going

announcement-paused = Delivery paused.
announcement-resumed = Delivery resumed.
announcement-cancel-question = Cancel the delivery? Messages not yet sent will not be sent.
announcement-cancel-kept = The delivery goes on.
announcement-cancelled = Delivery cancelled.

announcement-error-not-allowed = You are not allowed to send announcements or to manage this delivery.
announcement-error-empty-audience = No recipient matches this audience. Please change it.
announcement-error-empty-text = The Ukrainian text of the announcement is required.
announcement-error-too-long =
    { $locale ->
        [en] The English
       *[other] The Ukrainian
    } text is too long: { $length } { $length ->
        [one] character
       *[other] characters
    } with the header, and at most { $limit } are allowed. Please shorten it by { $excess } { $excess ->
        [one] character
       *[other] characters
    }.
announcement-error-unsupported-attachment = This file cannot be attached to an announcement. You can attach a photo or a PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, TXT, CSV or ZIP document.
announcement-error-file-too-large = The file is too large: files up to 20 MB can be attached.
announcement-error-not-found = This delivery was not found.
announcement-error-finished = This delivery has already finished.

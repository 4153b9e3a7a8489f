## Consultations as members receive and answer them: the message, its answer buttons, the
## comment, the menu's list and the outcome in News.

consult-member-title = 🗳 <b>Consultation: { $title }</b>
consult-member-reminder = ⏰ <b>Reminder.</b> You have not answered yet. { $hours ->
    [0] The consultation closes in less than an hour.
    [one] The consultation closes in { $hours } hour.
   *[other] The consultation closes in { $hours } hours.
}
consult-member-closes = 🕒 Answers are accepted until { $date } { $time } (Kyiv time).
consult-member-closed-note = 🔒 The consultation is closed; answers are no longer accepted.
consult-member-how-position = Choose your answer with a button below. To add a comment, reply to this message or press “Comment”.
consult-member-how-priorities = Tick up to { $max } { $max ->
    [one] priority
   *[other] priorities
} and press “Submit”. To add a comment, reply to this message.
consult-member-yours = ✅ <b>Your answer:</b> { $choice }
consult-member-your-comment = 💬 <b>Your comment:</b> { $comment }
consult-member-change-hint = You can change your answer until the consultation closes.

consult-member-position-support = I support it
consult-member-position-amend = I support it with amendments
consult-member-position-oppose = I oppose it
consult-member-position-none = No opinion

consult-member-submit = 📨 Submit ({ $count } of { $max })
consult-member-comment-button = 💬 Comment
consult-member-closed-button = 🔒 The consultation is closed

consult-member-saved = Your answer is saved.
consult-member-alert-closed = The consultation is closed; answers are no longer accepted.
consult-member-alert-not-in-audience = This consultation was not sent to you, so you cannot answer it.
consult-member-alert-unavailable = This consultation was not found. Open “Consultations” in the main menu.
consult-member-alert-too-many = You can choose at most { $max } { $max ->
    [one] priority
   *[other] priorities
}. Untick another one first.
consult-member-alert-none-chosen = Tick at least one priority.
consult-member-alert-no-answer = Choose your answer first, then add a comment.

consult-member-comment-prompt = 💬 <b>{ $title }</b>
    Write your comment in one message (up to { $limit } characters).
consult-member-amend-prompt = ✍️ <b>{ $title }</b>
    You chose “I support it with amendments”. Write the amendments you propose in one message (up to { $limit } characters). Without a comment this answer is not saved.
consult-member-comment-cancel = ↩️ Cancel
consult-member-comment-cancelled = No comment was sent; your previous answer stays as it was.
consult-member-comment-saved = ✅ Your comment is saved.
consult-member-comment-too-long = The comment is too long: { $length } { $length ->
    [one] character
   *[other] characters
}, and at most { $limit } are accepted. Shorten it and send it again.
consult-member-comment-text-only = Comments are accepted as text only. Please send it as a text message.
consult-member-reply-unknown = To comment on a consultation, reply to the message with the answer buttons.

consult-member-menu-button = 🗳 Consultations
consult-member-list-title = 🗳 <b>Open consultations</b>
    Choose one to answer or to change your answer.
consult-member-list-empty = There are no open consultations for you right now.
consult-member-list-item = { $answered ->
    [yes] ✅
   *[no] ❔
} { $title } · until { $date }

consult-member-outcome-header = 📌 <b>Outcome of the consultation “{ $title }” · { $sender }</b>
consult-member-news-outcome = 📌 { $date } · Outcome: { $title }

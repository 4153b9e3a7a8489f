# Consultation results for secretariat staff: the summary, the chart, the spreadsheet, the
# results window and the final summary in the staff group.

## Counts

consult-results-members = { $count ->
    [one] { $count } member
   *[other] { $count } members
}
consult-results-from-hromadas = { $count ->
    [one] from { $count } hromada
   *[other] from { $count } hromadas
}
consult-results-in-oblasts = { $count ->
    [one] in { $count } oblast
   *[other] in { $count } oblasts
}
consult-results-hromadas = { $count ->
    [one] { $count } hromada
   *[other] { $count } hromadas
}
consult-results-unverified = { $count ->
    [one] { $count } more unverified
   *[other] { $count } more unverified
}
consult-results-percent = { $value } %

## The results message

consult-results-title = 🗳 <b>Consultation No. { $id }: { $title }</b>
consult-results-open = Open until { $closes } (Kyiv time).
consult-results-closed = Closed on { $closed } (Kyiv time).
consult-results-response = 👥 { $answered } of { $asked } asked have answered ({ $percent }).
consult-results-verified = Verified members: { $members } — { $hromadas } { $oblasts }.
consult-results-unverified-apart = Unverified: { $count } (shown apart, not in the totals).
consult-results-none-yet = No answers yet.
consult-results-by-option = 📊 <b>Answers of verified members</b>
consult-results-by-option-many = 📊 <b>Answers of verified members</b> (several could be chosen, so the total exceeds 100 %)
consult-results-option-item = • { $option }: { $members } ({ $percent }), { $hromadas }
consult-results-option-unverified = ; { $unverified }
consult-results-by-association = 🏛 <b>By association</b>
consult-results-by-oblast = 📍 <b>By oblast</b> (only oblasts with answers; all of them in the spreadsheet)
consult-results-by-role = 💼 <b>By position</b>
consult-results-group-item = • { $name }: { $members }, { $hromadas } — { $options }
consult-results-group-option = { $option }: { $count }
consult-results-group-none = no answers
consult-results-oblast-unknown = oblast not given
consult-results-role-unknown = position not given
consult-results-comments = 💬 <b>Latest comments</b>
consult-results-comment-item = • "{ $comment }" — { $option }; { $who }
consult-results-more = …and { $count } more in the spreadsheet
consult-results-final = 🏁 <b>Consultation summary</b>

## The answers' names

consult-results-position-support = Support
consult-results-position-amend = Support with amendments
consult-results-position-oppose = Oppose
consult-results-position-none = No opinion
consult-results-short-support = support
consult-results-short-amend = with amendments
consult-results-short-oppose = oppose
consult-results-short-none = no opinion

## The chart

consult-results-chart-title = Consultation No. { $id }: { $title }
consult-results-chart-subtitle = { $answered } of { $asked } answered; verified members counted
consult-results-chart-all = All associations
consult-results-chart-none = No answers yet
consult-results-chart-caption = 📊 Answers by option and association (verified members)

## The spreadsheet

consult-results-sheet-caption = 📎 The answers' spreadsheet: { $rows }
consult-results-sheet-rows = { $count ->
    [one] { $count } answer
   *[other] { $count } answers
}
consult-results-sheet-answers = Answers
consult-results-sheet-options = By option
consult-results-sheet-associations = By association
consult-results-sheet-oblasts = By oblast
consult-results-sheet-roles = By position
consult-results-sheet-hromadas = By hromada
consult-results-sheet-hidden = Individual answers are not shown to you: the spreadsheet holds the totals only.
consult-results-column-member = Member
consult-results-column-erased = (data deleted at the member's request)
consult-results-column-answer = Answer
consult-results-column-comment = Comment
consult-results-column-associations = Associations
consult-results-column-oblast = Oblast
consult-results-column-role = Position
consult-results-column-hromada = Hromada
consult-results-column-katottg = KATOTTG code
consult-results-column-verified = Membership verified
consult-results-column-answered = Answered
consult-results-column-changed = Changed
consult-results-column-option = Option
consult-results-column-group = Group
consult-results-column-members = Verified members
consult-results-column-hromadas = Hromadas
consult-results-column-unverified = Unverified
consult-results-column-share = Share of verified, %
consult-results-column-answers = Answers
consult-results-yes = yes
consult-results-no = no

## The results window

consult-results-refresh = 🔄 Refresh
consult-results-chart = 📊 Chart
consult-results-spreadsheet = 📎 Spreadsheet
consult-results-back = ⬅️ Back
consult-results-refreshed = Refreshed
consult-results-not-allowed = You may not see the results of this consultation.
consult-results-not-found = There is no such consultation.

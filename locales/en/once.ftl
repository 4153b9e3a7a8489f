# Exactly-once: the same press handled again (a resent update after a restart, a double tap)
# shows what the first press did, and nothing is filed, sent or decided a second time.
once-report-already-sent = Your report { $reference } was already sent; it has not been filed again.
once-join-already = You have already joined report { $reference }.
once-withdraw-already = Your support for { $reference } was already withdrawn.
once-question-already-sent = Question No. { $question_id } was already sent to the experts; it has not been sent again.
once-answer-already-sent = This answer was already sent to the member; it has not been sent again.
once-reply-already-sent = This answer was already sent to the reporter and the supporters; it has not been sent again.
once-note-already-saved = This note is already saved.

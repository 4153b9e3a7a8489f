# Exactly-once: the same press handled again (a resent update after a restart, a double tap)
# shows what the first press did, and nothing is filed, sent or decided a second time.
once-report-already-sent = Ваше звернення { $reference } уже надіслано; повторно його не зареєстровано.
once-join-already = Ви вже приєдналися до звернення { $reference }.
once-withdraw-already = Підтримку звернення { $reference } уже відкликано.
once-question-already-sent = Запитання № { $question_id } уже надіслано експертам; повторно його не надіслано.
once-answer-already-sent = Цю відповідь уже надіслано членові; повторно її не надсилали.
once-reply-already-sent = Цю відповідь уже надіслано заявникові й тим, хто підтримав звернення; повторно її не надсилали.
once-note-already-saved = Цю нотатку вже збережено.

## Consultations as members receive and answer them: the message, its answer buttons, the
## comment, the menu's list and the outcome in News.

consult-member-title = 🗳 <b>Консультація: { $title }</b>
consult-member-reminder = ⏰ <b>Нагадування.</b> Ви ще не відповіли. { $hours ->
    [0] До завершення консультації залишилося менше години.
    [one] До завершення консультації залишилася { $hours } година.
    [few] До завершення консультації залишилося { $hours } години.
   *[many] До завершення консультації залишилося { $hours } годин.
}
consult-member-closes = 🕒 Відповіді приймаються до { $date } { $time } (за київським часом).
consult-member-closed-note = 🔒 Консультацію завершено, відповіді більше не приймаються.
consult-member-how-position = Оберіть відповідь кнопкою нижче. Коментар можна надіслати відповіддю на це повідомлення або кнопкою «Коментар».
consult-member-how-priorities = Позначте до { $max } { $max ->
    [one] пріоритету
   *[other] пріоритетів
} і натисніть «Надіслати». Коментар можна надіслати відповіддю на це повідомлення.
consult-member-yours = ✅ <b>Ваша відповідь:</b> { $choice }
consult-member-your-comment = 💬 <b>Ваш коментар:</b> { $comment }
consult-member-change-hint = Змінити відповідь можна до завершення консультації.

consult-member-position-support = Підтримую
consult-member-position-amend = Підтримую з поправками
consult-member-position-oppose = Не підтримую
consult-member-position-none = Не маю позиції

consult-member-submit = 📨 Надіслати ({ $count } з { $max })
consult-member-comment-button = 💬 Коментар
consult-member-closed-button = 🔒 Консультацію завершено

consult-member-saved = Відповідь збережено.
consult-member-alert-closed = Консультацію завершено: відповіді більше не приймаються.
consult-member-alert-not-in-audience = Цю консультацію надіслано не вам, тож відповісти на неї ви не можете.
consult-member-alert-unavailable = Цієї консультації не знайдено. Відкрийте «Консультації» в головному меню.
consult-member-alert-too-many = Можна обрати не більше ніж { $max } { $max ->
    [one] пріоритет
    [few] пріоритети
   *[many] пріоритетів
}. Спершу зніміть позначку з іншого.
consult-member-alert-none-chosen = Позначте хоча б один пріоритет.
consult-member-alert-no-answer = Спершу оберіть відповідь, а потім додайте коментар.

consult-member-comment-prompt = 💬 <b>{ $title }</b>
    Напишіть коментар одним повідомленням (до { $limit } символів).
consult-member-amend-prompt = ✍️ <b>{ $title }</b>
    Ви обрали «Підтримую з поправками». Напишіть одним повідомленням, які поправки пропонуєте (до { $limit } символів). Без коментаря цю відповідь не буде збережено.
consult-member-comment-cancel = ↩️ Скасувати
consult-member-comment-cancelled = Коментар не надіслано, попередня відповідь залишилася без змін.
consult-member-comment-saved = ✅ Коментар збережено.
consult-member-comment-too-long = Коментар задовгий: { $length } { $length ->
    [one] символ
    [few] символи
   *[many] символів
}, а можна не більше ніж { $limit }. Скоротіть його й надішліть ще раз.
consult-member-comment-text-only = Коментар приймається лише текстом. Надішліть його текстовим повідомленням.
consult-member-reply-unknown = Щоб додати коментар до консультації, відповідайте на повідомлення з кнопками відповіді.

consult-member-menu-button = 🗳 Консультації
consult-member-list-title = 🗳 <b>Відкриті консультації</b>
    Оберіть консультацію, щоб відповісти або змінити відповідь.
consult-member-list-empty = Зараз немає відкритих консультацій для вас.
consult-member-list-item = { $answered ->
    [yes] ✅
   *[no] ❔
} { $title } · до { $date }

consult-member-outcome-header = 📌 <b>Підсумки консультації «{ $title }» · { $sender }</b>
consult-member-news-outcome = 📌 { $date } · Підсумки: { $title }

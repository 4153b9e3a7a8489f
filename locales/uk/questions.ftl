## Questions to the experts: what the member receives, and the staff side (cards, /bind, /questions).

questions-answer-header =
    💬 <b>Відповідь експертів { $associations }</b> на ваше запитання
    <i>«{ $question }»</i>

## The card in the staff group, in the group's language

desk-card-title = ❓ <b>Запитання № { $id }</b> · { $associations }
desk-card-member = 👤 { $name } — { $role }
desk-card-place = 📍 { $place }
desk-card-phone = 📞 { $phone }
desk-card-phone-shared = 📞 Номер телефону надано — його видно в /questions в особистому чаті з ботом
desk-card-no-phone = 📞 Номер телефону не надано
desk-card-status = { $status ->
    [verified] ✅ Членство підтверджено
    [rejected] ❌ Членство не підтверджено
   *[other] ⏳ Членство ще не підтверджено
}
desk-card-language = 🗣 Мова спілкування члена: { $language }
desk-card-truncated = ✂️ Запитання довге, тут його скорочено. Повний текст — за кнопкою «Відповісти в особистому чаті».
desk-card-open = ↩️ Щоб відповісти членові, надішліть відповідь на цю картку (функція «Відповісти»). Повідомлення, що починається з //, член не побачить.
desk-card-answered = ✅ Відповідь надав(-ла) { $name }, { $time }
desk-card-draft = 📝 Створено чернетку для бази знань (№ { $draft })
desk-language-uk = українська
desk-language-en = англійська
desk-no-name = без імені
desk-button-reply = ✍️ Відповісти в особистому чаті
desk-button-draft = 📝 Чернетка для бази знань

## Replies to cards in the group

desk-answer-sent = ✅ Відповідь надіслано членові.
desk-answer-undelivered = ⚠️ Відповідь збережено, але доставити її не вдалося: імовірно, бота заблоковано.
desk-answer-not-staff = ⛔ Відповідати на запитання можуть лише працівники секретаріату асоціації, якій його адресовано.
desk-answer-text-only = Відповідь має бути текстовим повідомленням.

## Binding a group to an association

desk-bind-admins-only = ⛔ Прив’язати групу до асоціації може лише адміністратор бота.
desk-bind-usage =
    Щоб ця група отримувала запитання членів, надішліть /bind і код асоціації, наприклад: /bind vag

    Коди асоціацій:
    { $codes }

    Мову карток можна вказати після коду: /bind vag uk або /bind vag en.
desk-bind-current = Зараз група отримує запитання для: { $associations }.
desk-bind-cannot-post = ⚠️ Бот не може надсилати повідомлення в групу «{ $title }». Дозвольте йому писати повідомлення та повторіть /bind.
desk-bind-bound =
    ✅ Групу прив’язано: сюди надходитимуть запитання членів { $association }.
    Група отримує запитання для: { $associations }. Мова карток: { $language }.

    Щоб відповісти членові, надішліть відповідь на картку запитання. Перелік відкритих запитань — команда /questions в особистому чаті з ботом.
desk-bind-moved =
    ✅ Запитання членів { $association } відтепер надходитимуть у цю групу, а не в попередню.
    Група отримує запитання для: { $associations }. Мова карток: { $language }.
desk-bind-already =
    Ця група вже отримує запитання для { $association }.
    Група отримує запитання для: { $associations }. Мова карток: { $language }.
desk-unbind-done = Групу відв’язано від: { $associations }. Нові запитання сюди більше не надходитимуть.
desk-unbind-none = Ця група не отримує запитань жодної асоціації.

## Knowledge-base drafts (button answers: at most 200 characters)

desk-draft-created = 📝 Чернетку № { $draft } збережено. Редактор вивантажить її командою «hromada-bot kb drafts».
desk-draft-exists = Чернетку № { $draft } для цього запитання вже створено.
desk-draft-not-answered = Спершу дайте відповідь на запитання.

## Rights and stale links

desk-no-rights = ⛔ Це доступно лише працівникам секретаріатів асоціацій.
desk-not-your-question = ⛔ Це запитання адресовано іншій асоціації: відповісти на нього можуть лише її працівники.
desk-question-not-found = Запитання не знайдено: можливо, посилання застаріле.

## /questions and the reply dialog in private chat

desk-list-title =
    📥 <b>Відкриті запитання: { $total }</b>
    Нові — вгорі. Оберіть запитання, щоб відповісти.
desk-list-more = Показано найновіші { $shown }.
desk-list-empty = 📭 Відкритих запитань немає. Нові з’являться тут і в групі секретаріату.
desk-list-item = № { $id } · { $text }
desk-answer-prompt = ✍️ Надішліть текст відповіді одним повідомленням. Член отримає її в чаті з ботом від імені { $associations }.
desk-answer-again = ℹ️ На це запитання вже відповіли. Нову відповідь член отримає додатково.
desk-full-question = 📄 Повний текст запитання
desk-back-to-list = ⬅️ До переліку запитань
desk-preview-title = 👀 <b>Так член побачить вашу відповідь:</b>
desk-preview-parts = Відповідь довга: член отримає її кількома повідомленнями ({ $count }).
desk-send = ✅ Надіслати
desk-edit = ✏️ Змінити
desk-cancel = ✖️ Скасувати
desk-sent = ✅ Відповідь на запитання № { $id } надіслано членові. Картку в групі оновлено.
desk-sent-undelivered = ⚠️ Відповідь на запитання № { $id } збережено, але доставити її не вдалося: імовірно, бота заблоковано.
desk-text-only = Будь ласка, надішліть відповідь текстом, без фото, файлів чи стікерів.

## Command descriptions

desk-command-questions = Відкриті запитання членів
desk-command-bind = Прив’язати групу до асоціації
desk-command-unbind = Відв’язати групу від асоціації

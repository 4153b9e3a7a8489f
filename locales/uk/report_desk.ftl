## Urgent-issue reports, staff side: the card in the staff group (in the group's language), its
## buttons, replies to the card, and what the reporter and the supporters are told.

rdesk-card-title = 🚨 <b>Звернення { $reference }</b> · { $associations }
rdesk-card-urgency = ⏱ Терміновість: { $urgency }. Строк відповіді — до { $deadline } (за київським часом)
rdesk-card-overdue = ❗️ <b>Строк відповіді минув</b>
rdesk-card-category = 🗂 Категорія: { $category }
rdesk-card-status = 📌 Статус: { $status }
rdesk-card-merged-into = 🔗 Об’єднано зі зверненням { $reference }
rdesk-card-assignee = 🙋 Опрацьовує: { $name }
rdesk-card-no-assignee = 🙋 Відповідального ще не визначено
rdesk-card-reporter = 👤 Заявник: { $name } — { $role }
rdesk-card-place = 📍 { $place }
rdesk-card-phone = 📞 { $phone }
rdesk-card-phone-shared = 📞 Номер телефону надано — його видно в /queue в особистому чаті з ботом
rdesk-card-no-phone = 📞 Номер телефону не надано
rdesk-card-verified = { $verified ->
    [yes] ✅ Членство підтверджено
   *[no] ⏳ Членство не підтверджено
}
rdesk-card-dream = 🏗 Проєкт у DREAM: { $dream }
rdesk-card-residents = 🏘 Стосується мешканців: { $residents }
rdesk-card-groups = 👥 Групи населення, яких це стосується: { $groups }
rdesk-card-figures = ✍️ Разом із тими, хто підтримав (ураховано лише підтверджених членів): громад — { $hromadas }, областей — { $oblasts }, мешканців — { $residents }. Підтримали звернення: { $cosigners }
rdesk-card-joint = 🤝 <b>Спільне питання всіх асоціацій</b>
rdesk-card-position = • { $association }: { $position ->
    [supports] підтримує
    [neutral] нейтральна позиція
    [opposes] не підтримує
   *[none] позицію ще не визначено
}
rdesk-card-attachments = 📎 Вкладень: { $count }
rdesk-card-hint = ↩️ Щоб відповісти заявникові, надішліть відповідь на цю картку (функція «Відповісти»). Повідомлення, що починається з //, — внутрішня нотатка: заявник її не побачить.
rdesk-card-truncated = ✂️ Опис довгий, тут його скорочено.
rdesk-no-name = без імені

rdesk-status-new = нове
rdesk-status-in_progress = у роботі
rdesk-status-escalated = передано на національний рівень
rdesk-status-resolved = вирішено
rdesk-status-declined = відхилено
rdesk-status-merged = об’єднано з іншим зверненням

rdesk-group-women = жінки
rdesk-group-men = чоловіки
rdesk-group-children = діти
rdesk-group-older = люди старшого віку
rdesk-group-disabled = люди з інвалідністю
rdesk-group-idp = внутрішньо переміщені особи
rdesk-group-veterans = ветерани та ветеранки

## The card's buttons

rdesk-button-take = 🙋 Взяти в роботу
rdesk-button-status = 📌 Змінити статус
rdesk-button-joint = 🤝 Спільне питання
rdesk-button-position = 🗳 Позиція асоціації
rdesk-button-merge = 🔗 Об’єднати

## What the reporter and the supporters receive, in their language

rdesk-member-head = 📨 <b>Звернення { $reference }</b>
    «{ $title }»
rdesk-member-status = Статус звернення змінено: <b>{ $status }</b>.
rdesk-member-reason = Причина: { $reason }
rdesk-member-reply = 💬 Відповідь секретаріату асоціації:
rdesk-member-merged-into = Звернення об’єднано з подібним зверненням { $reference }. Вас автоматично долучено до нього; надалі повідомлення надходитимуть щодо звернення { $reference }.
rdesk-member-merged-from = До звернення приєднано подібне звернення { $reference } разом із тими, хто його підтримав.
rdesk-member-joint = Звернення визнано спільним питанням усіх асоціацій.

## The reporter's answer, under the card

rdesk-reporter-reply = ↩️ <b>Відповідь заявника</b> ({ $reference }, { $name }):

## Choices shown on the card (in the group's language)

rdesk-button-back = ⬅️ Назад
rdesk-button-comment = 💬 Додати коментар до позиції
rdesk-choose-status = 📌 { $reference }: оберіть новий статус.
rdesk-set-in_progress = ▶️ У роботі
rdesk-set-escalated = ⬆️ Передати на національний рівень
rdesk-set-resolved = ✅ Вирішено
rdesk-set-declined = ⛔️ Відхилити (з причиною)
rdesk-choose-position = 🗳 { $reference }: позиція вашої асоціації щодо спільного питання.
rdesk-position-supports = ✅ Підтримує
rdesk-position-neutral = ➖ Нейтральна позиція
rdesk-position-opposes = ❌ Не підтримує
rdesk-position-comment-offer = 🗳 { $reference }: позицію зафіксовано. За потреби додайте коментар.

## Requests for a text: an alert in the group, a message in private chat

rdesk-ask-decline-group = Щоб відхилити звернення { $reference }, надішліть причину відповіддю на його картку. Заявник і ті, хто підтримав звернення, побачать цю причину.
rdesk-ask-decline = ⛔️ Надішліть причину відхилення звернення { $reference } відповіддю на це повідомлення. Заявник і ті, хто підтримав звернення, побачать цю причину.
rdesk-ask-merge-group = Щоб об’єднати звернення { $reference } з іншим, надішліть відповіддю на його картку номер звернення, до якого його слід приєднати (наприклад, R-2026-00042).
rdesk-ask-merge = 🔗 Надішліть відповіддю на це повідомлення номер звернення, до якого слід приєднати { $reference } (наприклад, R-2026-00042).
rdesk-ask-comment-group = Надішліть коментар до позиції відповіддю на картку звернення { $reference }.
rdesk-ask-comment = 💬 Надішліть коментар до позиції щодо звернення { $reference } відповіддю на це повідомлення.

## Answers to the card's buttons (alerts, in the presser's language)

rdesk-not-found = Звернення не знайдено.
rdesk-not-staff = ⛔️ Працювати з цим зверненням можуть лише працівники секретаріатів асоціацій, яким його спрямовано.
rdesk-stale-button = Ця кнопка застаріла.
rdesk-closed = Звернення вже закрито (статус: { $status }).
rdesk-transition-refused = Цей статус зараз встановити не можна: звернення має статус «{ $status }».
rdesk-try-again = Це звернення щойно змінив хтось інший. Спробуйте ще раз.
rdesk-taken = Звернення закріплено за вами.
rdesk-yours-already = Ви вже опрацьовуєте це звернення.
rdesk-taken-by = { $name } уже опрацьовує це звернення.
rdesk-status-set = Статус змінено: { $status }.
rdesk-joint-done = Звернення позначено як спільне питання. Картку надіслано до груп усіх асоціацій.
rdesk-joint-already = Звернення вже визнано спільним питанням.
rdesk-position-set = Позицію асоціації зафіксовано.

## Replies to the card (in the group's language)

rdesk-reply-not-staff = ⛔️ Відповідати на звернення можуть лише працівники секретаріатів асоціацій, яким його спрямовано.
rdesk-text-only = Будь ласка, надішліть відповідь текстом.
rdesk-too-long = Текст задовгий: не більше { $limit } { $limit ->
        [one] символу
       *[other] символів
    }.
rdesk-note-saved = 📝 Внутрішню нотатку збережено. Заявник її не побачить.
rdesk-reply-sent = ✅ Відповідь надіслано. Отримали: { $told } з { $total } (заявник і ті, хто підтримав звернення).
rdesk-declined = ⛔️ Звернення відхилено. Причину надіслано заявникові й тим, хто підтримав звернення (отримали: { $told }).
rdesk-merge-unknown = Звернення з таким номером не знайдено. Надішліть номер у форматі R-2026-00042.
rdesk-merged = 🔗 Звернення об’єднано з { $reference }. Заявника й тих, хто підтримав звернення, приєднано до нього та повідомлено.
rdesk-merge-self = Звернення не можна об’єднати із самим собою. Надішліть номер іншого звернення.
rdesk-merge-foreign = Звернення { $reference } спрямовано іншим асоціаціям, тож об’єднати з ним ви не можете. Надішліть номер іншого звернення.

## Answering in private chat (the card's link)

rdesk-button-reply = ✍️ Відповісти в особистому чаті
rdesk-no-rights = Ця дія доступна лише працівникам секретаріату асоціацій.
rdesk-dialog-prompt = ✍️ Надішліть відповідь для заявника й тих, хто підтримав звернення. Перед надсиланням її можна буде переглянути або зберегти як внутрішню нотатку.
rdesk-dialog-unavailable = Звернення не знайдено, або ви не можете з ним працювати.
rdesk-dialog-preview = 👀 Так відповідь побачить заявник:
rdesk-dialog-preview-parts = Відповідь надійде кількома повідомленнями ({ $count }).
rdesk-dialog-send = ✅ Надіслати заявникові
rdesk-dialog-note = 📝 Зберегти як внутрішню нотатку
rdesk-dialog-edit = ✏️ Змінити
rdesk-dialog-sent = ✅ Відповідь надіслано. Отримали: { $told } з { $total } (заявник і ті, хто підтримав звернення).
rdesk-dialog-again = ✍️ Написати ще
rdesk-card-reason = ⛔️ Причина відхилення: { $reason }

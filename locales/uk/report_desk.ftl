## Urgent-issue reports, staff side: the card in the staff group (in the group's language), its
## buttons, replies to the card, and what the reporter and co-signers are told.

rdesk-card-title = 🚨 <b>Звернення { $reference }</b> · { $associations }
rdesk-card-urgency = ⏱ Терміновість: { $urgency }. Відповісти до { $deadline } (за київським часом)
rdesk-card-overdue = ❗️ <b>Строк відповіді минув</b>
rdesk-card-category = 🗂 Категорія: { $category }
rdesk-card-status = 📌 Статус: { $status }
rdesk-card-merged-into = 🔗 Об'єднано зі зверненням { $reference }
rdesk-card-assignee = 🙋 Опрацьовує: { $name }
rdesk-card-no-assignee = 🙋 Відповідального ще не визначено
rdesk-card-reporter = 👤 Заявник: { $name } — { $role }
rdesk-card-place = 📍 { $place }
rdesk-card-verified = { $verified ->
    [yes] ✅ Членство підтверджено
   *[no] ⏳ Членство не підтверджено
}
rdesk-card-dream = 🏗 Проєкт у DREAM: { $dream }
rdesk-card-residents = 🏘 Зачіпає мешканців: { $residents }
rdesk-card-groups = 👥 Найбільше стосується: { $groups }
rdesk-card-figures = ✍️ Разом із підписантами (лише підтверджені учасники): громад — { $hromadas }, областей — { $oblasts }, мешканців — { $residents }. Приєдналися до звернення: { $cosigners }
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
rdesk-status-in_progress = в роботі
rdesk-status-escalated = передано на національний рівень
rdesk-status-resolved = вирішено
rdesk-status-declined = відхилено
rdesk-status-merged = об'єднано з іншим зверненням

rdesk-group-women = жінки
rdesk-group-men = чоловіки
rdesk-group-children = діти
rdesk-group-older = люди похилого віку
rdesk-group-disabled = люди з інвалідністю
rdesk-group-idp = внутрішньо переміщені особи
rdesk-group-veterans = ветерани та ветеранки

## The card's buttons

rdesk-button-take = 🙋 Взяти в роботу
rdesk-button-status = 📌 Змінити статус
rdesk-button-joint = 🤝 Спільне питання
rdesk-button-position = 🗳 Позиція асоціації
rdesk-button-merge = 🔗 Об'єднати

## What the reporter and co-signers receive, in their language

rdesk-member-head = 📨 <b>Звернення { $reference }</b>
    «{ $title }»
rdesk-member-status = Статус звернення змінено: <b>{ $status }</b>.
rdesk-member-reason = Причина: { $reason }
rdesk-member-reply = 💬 Відповідь секретаріату асоціації:

    { $text }
rdesk-member-merged-into = Звернення об'єднано з подібним зверненням { $reference }. Ви автоматично приєдналися до нього, і надалі повідомлення надходитимуть щодо { $reference }.
rdesk-member-merged-from = До звернення приєднано подібне звернення { $reference } разом з його підписантами.
rdesk-member-joint = Звернення визнано спільним питанням усіх асоціацій.

## The reporter's answer, under the card

rdesk-reporter-reply = ↩️ <b>Відповідь заявника</b> ({ $reference }, { $name }):

    { $text }

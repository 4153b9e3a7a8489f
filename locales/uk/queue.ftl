## The staff queue in private chat (/queue) and the reports spreadsheet (/export, `hromada-bot export issues`).

queue-status-new = Нове
queue-status-in_progress = У роботі
queue-status-escalated = Передано на національний рівень
queue-status-resolved = Вирішено
queue-status-declined = Відхилено
queue-status-merged = Об’єднано з іншим

queue-group-women = жінки
queue-group-men = чоловіки
queue-group-children = діти
queue-group-older = люди старшого віку
queue-group-disabled = люди з інвалідністю
queue-group-idp = внутрішньо переміщені особи
queue-group-veterans = ветерани та ветеранки

## The spreadsheet

queue-export-sheet = Звернення
queue-export-yes = так
queue-export-no = ні
queue-export-column-reference = Номер
queue-export-column-title = Назва
queue-export-column-created = Створено
queue-export-column-submitted = Подано
queue-export-column-deadline = Строк відповіді
queue-export-column-status = Статус
queue-export-column-category = Категорія
queue-export-column-urgency = Терміновість
queue-export-column-associations = Асоціації
queue-export-column-hromada = Громада
queue-export-column-oblast = Область
queue-export-column-katottg = Код КАТОТТГ
queue-export-column-hromadas = Громад
queue-export-column-oblasts = Областей
queue-export-column-residents = Мешканців
queue-export-column-cosigners = Підтримали
queue-export-column-groups = Групи населення
queue-export-column-first-response = Перша відповідь, год
queue-export-column-resolution = Вирішення, год
queue-export-column-dream = ID проєкту DREAM
queue-export-column-joint = Спільне
queue-export-column-assignee = Відповідальний

## /queue

queue-no-rights = ⛔ Черга звернень доступна лише працівникам секретаріатів асоціацій.
queue-title = 🗂 <b>Черга звернень</b> — знайдено: { $total }
queue-empty = 🗂 <b>Черга звернень</b>
    За цими умовами звернень немає.
queue-page = Сторінка { $page } з { $pages }
queue-prev = ◀️ Попередня
queue-next = Наступна ▶️
queue-nobody = ніхто
queue-no-name = без імені
queue-item = <b>{ $reference }</b> · { $title }
    { $status } · { $category }
    📍 { $place } · { $overdue ->
        [yes] ⏰ строк минув
       *[no] ⏳ до
    } { $deadline }
    🙋 { $assignee } · 👥 { $cosigners }{ $joint ->
        [yes] {" "}· 🤝 спільне
       *[no] {""}
    }
queue-filters-summary = 🔎 Фільтри: { $status } · { $urgency } · { $category } · { $oblast }{ $overdue ->
        [yes] {" "}· лише прострочені
       *[no] {""}
    }
queue-filter-any = усі
queue-filter-open = усі відкриті
queue-filter-status = Статус: { $value }
queue-filter-category = Категорія: { $value }
queue-filter-oblast = Область: { $value }
queue-filter-urgency = Терміновість: { $value }
queue-filter-overdue = { $on ->
        [yes] ✅ Лише прострочені
       *[no] ⏰ Лише прострочені
    }
queue-reset = ✖️ Скинути фільтри
queue-filter-status-prompt = Оберіть статус звернень:
queue-filter-category-prompt = Оберіть категорію:
queue-filter-oblast-prompt = Оберіть область:
queue-filter-urgency-prompt = Оберіть терміновість:
queue-back-to-list = ⬅️ До черги
queue-show-again = 🔄 Показати ще раз
queue-report-shown = ⬆️ Звернення { $reference } — вище: картка з кнопками дій, вкладення, хто підтримав та повна історія.
queue-report-not-found = Такого звернення немає.
queue-report-foreign = ⛔ Це звернення надійшло іншій асоціації, тож ви не можете з ним працювати.

## An opened report: attachments, supporters, history

queue-attachments-caption = 📎 Вкладення до звернення { $reference }
queue-attachments-failed = ⚠️ Не вдалося показати вкладення: Telegram більше не має цих файлів.
queue-cosigners-none = 👥 Звернення { $reference } ще ніхто не підтримав.
queue-cosigners-title = 👥 <b>Підтримали звернення { $reference }</b> ({ $count })
queue-cosigner = • { $name } — { $place } · { $verified ->
        [yes] ✅ членство підтверджено
       *[no] ⏳ членство не підтверджено (не враховано в підсумках)
    } · { $joined }
queue-cosigner-residents = { $place }, мешканців: { $residents }
queue-history-title = 📜 <b>Історія звернення { $reference }</b>
queue-history-entry = <b>{ $time }</b> · { $actor }
    { $what }
queue-history-submitted = 📨 Подано звернення
queue-history-status = 🔄 Статус: { $before } → { $after }
queue-history-assign = 🙋 Взяв(-ла) звернення в роботу
queue-history-reply = 💬 Відповідь заявникові та тим, хто підтримав звернення:
queue-history-note = 🔒 Внутрішня нотатка (члени її не бачать):
queue-history-reporter-reply = ↩️ Відповідь заявника:
queue-history-cosign = ➕ Підтримав(-ла) звернення
queue-history-withdraw = ➖ Відкликав(-ла) свою підтримку
queue-history-joint = 🤝 Позначено як спільне для всіх асоціацій
queue-history-position = 📌 Позиція { $association }: { $position ->
        [supports] підтримує
        [neutral] нейтральна
       *[opposes] не підтримує
    }
queue-history-merged-into = 🔗 Об’єднано зі зверненням { $reference }
queue-history-merged-from = 🔗 Приєднано звернення { $reference }

## /export

queue-export-caption = 📊 Звернення ваших асоціацій: { $count }. Таблицю можна відкрити в Excel або LibreOffice.
queue-export-failed = ⚠️ Не вдалося надіслати таблицю. Спробуйте ще раз трохи згодом.
queue-command-queue = Черга звернень
queue-command-export = Таблиця звернень (Excel)

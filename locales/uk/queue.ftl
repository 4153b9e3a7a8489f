## The staff queue in private chat (/queue) and the reports spreadsheet (/export, `hromada-bot export issues`).

queue-status-new = Нове
queue-status-in_progress = В роботі
queue-status-escalated = Передано на національний рівень
queue-status-resolved = Вирішено
queue-status-declined = Відхилено
queue-status-merged = Об'єднано з іншим

queue-group-women = жінки
queue-group-men = чоловіки
queue-group-children = діти
queue-group-older = люди похилого віку
queue-group-disabled = люди з інвалідністю
queue-group-idp = внутрішньо переміщені особи
queue-group-veterans = ветерани

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

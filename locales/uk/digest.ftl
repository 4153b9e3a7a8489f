# Дайджести секретаріату: повідомлення в робочій групі, діаграма, таблиця, налаштування /digest.

## Числа з правильними відмінками

digest-reports = { $count ->
    [one] { $count } звернення
    [few] { $count } звернення
   *[many] { $count } звернень
}
digest-cosigners = { $count ->
    [one] підтримав { $count } член
    [few] підтримали { $count } члени
   *[many] підтримали { $count } членів
}
digest-questions = { $count ->
    [one] { $count } запитання
    [few] { $count } запитання
   *[many] { $count } запитань
}
digest-hours = { $amount } год
digest-days = { $amount } дн.
digest-more = …і ще { $count }

## Повідомлення дайджесту

digest-title-association = 📊 <b>Дайджест звернень: { $association }</b>
digest-title-joint = 📊 <b>Спільний тижневий дайджест асоціацій</b>
digest-period = Період: з { $start } до { $end } (за київським часом)
digest-new = 🆕 Надійшло за період: { $reports }. Вирішено: { $resolved }.
digest-open = 📂 <b>Відкриті зараз: { $reports }</b>
digest-open-none = 📂 Відкритих звернень немає.
digest-open-status = • { $status }: { $count }
digest-overdue = ⏰ <b>Прострочені: { $reports }</b> (строк першої відповіді минув; найдавніші — першими)
digest-overdue-none = ⏰ Прострочених звернень немає.
digest-overdue-item = • { $reference } — { $title } (строк минув { $deadline })
digest-cosigned = ✍️ <b>Найбільше підтримки</b> (ураховано лише підтверджених членів)
digest-cosigned-item = • { $reference } — { $title }: { $cosigners }
digest-by-category = 🗂 <b>Нові за категоріями</b>
digest-by-oblast = 📍 <b>Нові за областями</b>
digest-by-group = 👥 <b>Нові за групами населення</b>
digest-count-item = • { $name }: { $count }
digest-oblast-unknown = область не вказано
digest-times = ⏱ <b>Час опрацювання</b> (від подання; медіана, у дужках — середнє)
digest-first-response = • перша відповідь: { $median } ({ $average }), { $reports } за період
digest-first-response-none = • перша відповідь: за період відповідей не було
digest-resolution = • вирішення: { $median } ({ $average }), { $reports } за період
digest-resolution-none = • вирішення: за період вирішених звернень не було
digest-open-questions = ❓ <b>Відкриті запитання до експертів: { $questions }</b>
digest-open-questions-none = ❓ Відкритих запитань до експертів немає.
digest-question-item = • № { $id } від { $date }: { $text }

## Діаграма і таблиця

digest-chart-title = Звернення: { $name }
digest-chart-joint = Звернення до всіх асоціацій
digest-chart-days = Нові та вирішені за днями
digest-chart-new = Нові
digest-chart-resolved = Вирішені
digest-chart-categories = Відкриті за категоріями
digest-chart-none-open = Відкритих звернень немає
digest-chart-others = Інші
digest-chart-caption = 📊 Нові та вирішені звернення за днями; відкриті за категоріями.
digest-sheet-caption = 📎 Таблиця звернень, що надійшли за період: { $reports }.

## Налаштування: /digest у робочій групі

digest-command = Дайджест звернень і його розклад
digest-settings-title = ⚙️ <b>Дайджест: { $name }</b>
digest-settings-joint-title = ⚙️ <b>Спільний тижневий дайджест асоціацій</b>
digest-settings-schedule = 🗓 Розклад: { $days } о { $time } (за київським часом)
digest-settings-off = 🗓 Розклад: вимкнено
digest-settings-next = ⏭ Наступний: { $when }
digest-settings-language = 🌐 Мова групи: { $language }
digest-settings-hint = Змінювати розклад і мову можуть працівники секретаріату асоціації та адміністратори бота. /digest now — надіслати дайджест зараз; /digest joint — розклад спільного дайджесту.
digest-settings-joint-hint = Спільний дайджест надходить до всіх прив’язаних груп; його розклад змінюють адміністратори бота.
digest-days-working = у робочі дні (пн–пт)
digest-days-daily = щодня
digest-days-weekly = щопонеділка
digest-days-custom = у дні: { $days }
digest-weekday-1 = пн
digest-weekday-2 = вт
digest-weekday-3 = ср
digest-weekday-4 = чт
digest-weekday-5 = пт
digest-weekday-6 = сб
digest-weekday-7 = нд
digest-button-working = Робочі дні
digest-button-daily = Щодня
digest-button-weekly = Щопонеділка
digest-button-off = Вимкнути
digest-button-now = 📨 Надіслати зараз
digest-button-language = Мова: { $language }
digest-saved = Збережено.
digest-no-rights = Змінювати дайджест можуть лише працівники секретаріату асоціації та адміністратори бота.
digest-joint-admins-only = Розклад спільного дайджесту змінюють лише адміністратори бота.
digest-not-bound = Ця група не прив’язана до жодної асоціації, тож дайджест сюди не надходить. Адміністратор бота прив’язує групу командою /bind.
digest-unknown-schedule = Ця група не отримує дайджест «{ $name }». Можна: { $choices }.
digest-private = Команда /digest працює в робочій групі асоціації: надішліть її там.
digest-sending = Надсилаю дайджест…
digest-sent = Дайджест надіслано.
digest-send-failed = Не вдалося надіслати дайджест. Спробуйте пізніше.

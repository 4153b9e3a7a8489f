# Результати консультацій для секретаріату: підсумок, діаграма, таблиця, вікно результатів
# і підсумок у робочій групі після закриття.

## Числа з правильними відмінками

consult-results-members = { $count ->
    [one] { $count } член
    [few] { $count } члени
   *[many] { $count } членів
}
# «з 300 громад»
consult-results-from-hromadas = { $count ->
    [one] з { $count } громади
    [few] з { $count } громад
   *[many] з { $count } громад
}
# «у 23 областях»
consult-results-in-oblasts = { $count ->
    [one] в { $count } області
    [few] у { $count } областях
   *[many] в { $count } областях
}
consult-results-hromadas = { $count ->
    [one] { $count } громада
    [few] { $count } громади
   *[many] { $count } громад
}
consult-results-unverified = { $count ->
    [one] ще { $count } непідтверджений
    [few] ще { $count } непідтверджені
   *[many] ще { $count } непідтверджених
}
consult-results-percent = { $value } %

## Повідомлення з результатами

consult-results-title = 🗳 <b>Консультація № { $id }: { $title }</b>
consult-results-open = Триває до { $closes } (за київським часом).
consult-results-closed = Закрита { $closed } (за київським часом).
consult-results-response = 👥 Відповіли { $answered } з { $asked } опитаних ({ $percent }).
consult-results-verified = Підтверджені члени: { $members } — { $hromadas } { $oblasts }.
consult-results-unverified-apart = Непідтверджені: { $count } (показано окремо, у підсумок не входять).
consult-results-none-yet = Відповідей поки немає.
consult-results-by-option = 📊 <b>Відповіді підтверджених членів</b>
consult-results-by-option-many = 📊 <b>Відповіді підтверджених членів</b> (можна було обрати кілька, тож сума перевищує 100 %)
consult-results-option-item = • { $option }: { $members } ({ $percent }), { $hromadas }
consult-results-option-unverified = ; { $unverified }
consult-results-by-association = 🏛 <b>За асоціаціями</b>
consult-results-by-oblast = 📍 <b>За областями</b> (лише області з відповідями; усі — у таблиці)
consult-results-by-role = 💼 <b>За посадами</b>
consult-results-group-item = • { $name }: { $members }, { $hromadas } — { $options }
consult-results-group-option = { $option }: { $count }
consult-results-group-none = відповідей немає
consult-results-oblast-unknown = область не вказано
consult-results-role-unknown = посаду не вказано
consult-results-comments = 💬 <b>Останні коментарі</b>
consult-results-comment-item = • «{ $comment }» — { $option }; { $who }
consult-results-more = …і ще { $count } — у таблиці
consult-results-final = 🏁 <b>Підсумок консультації</b>

## Назви відповідей

consult-results-position-support = Підтримують
consult-results-position-amend = Підтримують з поправками
consult-results-position-oppose = Не підтримують
consult-results-position-none = Без позиції
consult-results-short-support = за
consult-results-short-amend = з поправками
consult-results-short-oppose = проти
consult-results-short-none = без позиції

## Діаграма

consult-results-chart-title = Консультація № { $id }: { $title }
consult-results-chart-subtitle = Відповіли { $answered } з { $asked }; ураховано підтверджених членів
consult-results-chart-all = Усі асоціації
consult-results-chart-none = Відповідей поки немає
consult-results-chart-caption = 📊 Відповіді за варіантами й асоціаціями (підтверджені члени)

## Таблиця

consult-results-sheet-caption = 📎 Таблиця відповідей: { $rows }
consult-results-sheet-rows = { $count ->
    [one] { $count } відповідь
    [few] { $count } відповіді
   *[many] { $count } відповідей
}
consult-results-sheet-answers = Відповіді
consult-results-sheet-options = За варіантами
consult-results-sheet-associations = За асоціаціями
consult-results-sheet-oblasts = За областями
consult-results-sheet-roles = За посадами
consult-results-sheet-hromadas = За громадами
consult-results-sheet-hidden = Окремі відповіді вам не показуються: у таблиці лише підсумки.
consult-results-column-member = Член
consult-results-column-erased = (дані видалено на прохання члена)
consult-results-column-answer = Відповідь
consult-results-column-comment = Коментар
consult-results-column-associations = Асоціації
consult-results-column-oblast = Область
consult-results-column-role = Посада
consult-results-column-hromada = Громада
consult-results-column-katottg = Код КАТОТТГ
consult-results-column-verified = Членство підтверджено
consult-results-column-answered = Відповів(-ла)
consult-results-column-changed = Змінено
consult-results-column-option = Варіант
consult-results-column-group = Група
consult-results-column-members = Підтверджені члени
consult-results-column-hromadas = Громади
consult-results-column-unverified = Непідтверджені
consult-results-column-share = Частка підтверджених, %
consult-results-column-answers = Відповіді
consult-results-yes = так
consult-results-no = ні

## Вікно результатів

consult-results-refresh = 🔄 Оновити
consult-results-chart = 📊 Діаграма
consult-results-spreadsheet = 📎 Таблиця
consult-results-back = ⬅️ Назад
consult-results-refreshed = Оновлено
consult-results-not-allowed = Ви не маєте права переглядати результати цієї консультації.
consult-results-not-found = Такої консультації немає.

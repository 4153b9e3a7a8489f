## Звернення про нагальну проблему

report-form-register-first = Подавати звернення можуть лише зареєстровані члени. Завершіть, будь ласка, реєстрацію (/start).
report-form-back = ⬅️ Назад
report-form-back-preview = ⬅️ До перегляду
report-form-skip = ⏭ Пропустити
report-form-cancel = ✖️ Скасувати
report-form-cancelled = Чернетку збережено: продовжити можна будь-коли з меню.
report-form-text-only = На цьому кроці потрібен текст. Надішліть, будь ласка, відповідь повідомленням.

report-form-resume =
    📝 <b>У вас є незавершене звернення</b>
    
    «{ $draft_title }» ({ $draft_category }), збережено { $saved_at }.
    
    Продовжити з того місця, де ви зупинилися, чи почати заново?
report-form-resume-continue = ▶️ Продовжити чернетку
report-form-resume-discard = 🗑 Видалити її й почати заново
report-form-untitled = без назви

report-form-category-prompt =
    📝 <b>Нове звернення</b>
    
    Крок 1. Оберіть категорію, до якої належить проблема.
    Ваші відповіді зберігаються як чернетка: до неї можна повернутися пізніше.

report-form-urgency-prompt =
    Крок 2. Наскільки це терміново?
    
    { $urgency_lines }
report-form-urgency-line = { $mark } <b>{ $name }</b> — { $meaning }. Відповідь — протягом { $within }.
report-form-urgency-button = { $mark } { $name } · до { $within }
report-form-within-hours = { $hours } { $hours ->
        [one] години
       *[other] годин
    }
report-form-within-days = { $days } { $days ->
        [one] дня
       *[other] днів
    }

report-form-title-prompt =
    Крок 3. Коротко назвіть проблему — до { $title_limit } { $title_limit ->
        [one] символу
       *[other] символів
    }.
    Наприклад: <i>Немає коштів на ремонт даху школи після обстрілу</i>
report-form-title-empty = Назва порожня. Напишіть, будь ласка, кілька слів про проблему.
report-form-title-too-long =
    Назва задовга: { $length } { $length ->
        [one] символ
        [few] символи
       *[other] символів
    }, а можна не більше ніж { $limit }. Скоротіть її й надішліть ще раз — попередні відповіді збережено.

report-form-description-prompt =
    Крок 4. Опишіть проблему докладно — до { $description_limit } { $description_limit ->
        [one] символу
       *[other] символів
    }: що сталося, кого й що це зачіпає, що вже зроблено і яка допомога потрібна.
report-form-description-empty = Опис порожній. Розкажіть, будь ласка, що сталося.
report-form-description-too-long =
    Опис задовгий: { $length } { $length ->
        [one] символ
        [few] символи
       *[other] символів
    }, а можна не більше ніж { $limit }. Ваш текст лишився у вашому повідомленні вище: скоротіть його й надішліть ще раз — попередні відповіді збережено.

report-form-files-prompt =
    Крок 5. Додайте фото чи документи, якщо вони є (до { $files_limit } { $files_limit ->
        [one] файлу
       *[other] файлів
    }): надсилайте їх по одному або кількома.
    Коли закінчите — натисніть «Готово». Якщо файлів немає — «Пропустити».
report-form-files-count = 📎 Додано файлів: { $files } з { $files_limit }.
report-form-files-done = ✅ Готово
report-form-files-clear = 🗑 Прибрати всі файли
report-form-files-full = Можна додати не більше ніж { $limit } { $limit ->
        [one] файл
        [few] файли
       *[many] файлів
    }. Натисніть «Готово», щоб продовжити.
report-form-file-voice = Аудіо та голосові повідомлення не приймаються: працівники секретаріату не завжди можуть їх прослухати. Викладіть, будь ласка, суть текстом в описі або додайте фото чи документ.
report-form-file-video = Відео не приймаються: бот зберігає лише фото та документи. Надішліть, будь ласка, фото (знімок екрана) або документ.
report-form-file-sticker = Стікери не додаються до звернення. Надішліть фото чи документ або натисніть «Готово».
report-form-file-text = На цьому кроці чекаємо на фото чи документи. Якщо хочете доповнити опис, поверніться на крок назад; щоб продовжити — натисніть «Готово» або «Пропустити».
report-form-file-other = Такий файл додати не можна: приймаються лише фото та документи (PDF, Word, Excel тощо).
report-form-file-photo-label = { $number }. фото
report-form-file-document-label = { $number }. { $name }

report-form-residents-prompt =
    Крок 6. Скільки мешканців зачіпає проблема? Надішліть число (наприклад, 1200) або натисніть «Пропустити».
report-form-residents-not-a-number = Потрібне число, наприклад 1200. Надішліть, будь ласка, лише цифри або натисніть «Пропустити».
report-form-residents-negative = Кількість мешканців не може бути від’ємною. Надішліть, будь ласка, число.
report-form-residents-too-large = Завелике число: не більше ніж { $limit }. Перевірте, будь ласка, і надішліть ще раз.

report-form-groups-prompt =
    Крок 7. Кого насамперед зачіпає проблема? Позначте одну чи кілька груп (або жодної) і натисніть «Далі».
report-form-groups-done = ➡️ Далі
report-form-group-women = Жінки
report-form-group-men = Чоловіки
report-form-group-children = Діти
report-form-group-older = Люди старшого віку
report-form-group-disabled = Люди з інвалідністю
report-form-group-idp = Внутрішньо переміщені особи
report-form-group-veterans = Ветерани та ветеранки

report-form-dream-prompt =
    Крок 8. Якщо проблема стосується проєкту в системі DREAM, надішліть його ідентифікатор, наприклад <code>DREAM-UA-070825-07BFF93A</code>. Якщо ні — натисніть «Пропустити».
report-form-dream-invalid = Це не схоже на ідентифікатор проєкту DREAM. Він має такий вигляд: <code>DREAM-UA-070825-07BFF93A</code>. Перевірте, будь ласка, або натисніть «Пропустити».

report-form-similar =
    🔎 <b>Схожі відкриті звернення</b>
    
    Можливо, про цю проблему вже повідомили інші громади. Якщо це саме вона — приєднайтеся: вашу громаду додадуть до звернення, і воно матиме більшу вагу.
    
    { $similar_lines }
report-form-similar-line = <b>{ $reference }</b> — { $title }
    Громад: { $hromadas }
report-form-similar-join = 🤝 Приєднатися до { $reference }
report-form-similar-different = ➡️ У мене інша проблема
report-form-join-closed = Це звернення вже закрите. Оберіть інше або продовжте власне.
report-form-join-own = Це ваше власне звернення.
report-form-joined =
    ✅ Ви приєдналися до звернення <b>{ $reference }</b> «{ $joined_title }».
    
    Вашу громаду додано до тих, кого воно стосується. Про кожну зміну ми повідомимо вас у цьому чаті. Чернетку вашого звернення видалено; підтримку можна відкликати в розділі «Мої звернення».
report-form-my-reports = 📂 Мої звернення

report-form-preview-head =
    📝 <b>Перевірте звернення</b>
    Так його побачать працівники секретаріату.
    
    <b>{ $title }</b>
    
    🗂 Категорія: { $category }
    ⏱ Терміновість: { $urgency } (відповідь — протягом { $within })
    📍 Громада: { $hromada }
    👤 Заявник: { $name }
report-form-preview-details =
    📎 Файли:{ $files }
    👥 Мешканців зачіпає: { $residents }
    🧩 Групи населення: { $groups }
    🏗 Проєкт DREAM: { $dream_id }
report-form-preview-hint = Щоб виправити поле, натисніть ✏️ з його назвою. Якщо все гаразд — «Надіслати».
report-form-preview-shortened = <i>(У перегляді опис скорочено; секретаріат отримає його повністю.)</i>
report-form-preview-none = —
report-form-preview-unverified = ℹ️ Ваше членство ще не підтверджено, тож секретаріат побачить у зверненні позначку про це.
report-form-edit-category = Категорія
report-form-edit-urgency = Терміновість
report-form-edit-title = Назва
report-form-edit-description = Опис
report-form-edit-attachments = Файли
report-form-edit-residents = Мешканці
report-form-edit-groups = Групи
report-form-edit-dream = DREAM
report-form-submit = 📨 Надіслати
report-form-submit-incomplete = Звернення заповнене не повністю. Перевірте, будь ласка, поля з позначкою «—» і виправте їх.
report-form-submitted =
    ✅ <b>Звернення зареєстровано</b>
    
    Номер: <b>{ $reference }</b>
    Щоб продиктувати телефоном: «{ $spoken }»
    
    Відповідь очікується протягом { $within } — до { $deadline } (за київським часом).
    Про кожну зміну ми повідомимо вас у цьому чаті. Стан звернення — у розділі «Мої звернення».

## Мої звернення

report-mine-status-new = нове
report-mine-status-in_progress = у роботі
report-mine-status-escalated = передано на національний рівень
report-mine-status-resolved = вирішено
report-mine-status-declined = відхилено
report-mine-status-merged = об’єднано з іншим зверненням
report-mine-list =
    📂 <b>Мої звернення</b>: { $count }
    
    Тут ваші звернення та ті, які ви підтримали (🤝). Оберіть звернення, щоб побачити його історію.
report-mine-empty =
    📂 <b>Мої звернення</b>
    
    Ви ще не подавали звернень і не підтримували чужих.
report-mine-new = 📝 Повідомити про проблему
report-mine-report =
    { $mark } <b>{ $reference }</b>
    «{ $title }»
    
    Статус: <b>{ $status }</b>
    Категорія: { $category }
    Терміновість: { $urgency }
    Подано: { $submitted }
report-mine-deadline = Відповідь очікується до: { $deadline } (за київським часом)
report-mine-first-response = Перша відповідь: { $first_response }
report-mine-closed-at = Закрито: { $closed_at }
report-mine-figures = Звернення стосується: громад — { $hromadas }, областей — { $oblasts }, мешканців — { $residents }.
report-mine-own = ✍️ Ви автор цього звернення.
report-mine-cosigned = 🤝 Ви підтримали це звернення.
report-mine-merged = 🔗 Звернення об’єднано зі зверненням { $merged_into }: подальший розгляд — там.
report-mine-history = <b>Історія</b>
report-mine-history-earlier = … ще { $count } { $count ->
        [one] попередній запис
        [few] попередні записи
       *[other] попередніх записів
    }
report-mine-history-submitted = звернення подано
report-mine-history-status = статус змінено: <b>{ $status }</b>
report-mine-history-reason = Причина: { $reason }
report-mine-history-reply = 💬 відповідь секретаріату: { $text }
report-mine-history-answer = ✍️ ваша відповідь: { $text }
report-mine-history-merged-into = об’єднано зі зверненням { $reference }
report-mine-history-merged-from = приєднано подібне звернення { $reference }
report-mine-history-joint = визнано спільним питанням усіх асоціацій
report-mine-not-found = Цього звернення немає серед ваших: можливо, ви відкликали свою підтримку.
report-mine-to-list = ⬅️ До списку
report-mine-to-report = ⬅️ До звернення
report-mine-withdraw-button = ↩️ Відкликати мою підтримку
report-mine-withdraw-confirm =
    Відкликати вашу підтримку звернення <b>{ $reference }</b> «{ $title }»?
    
    Вашу громаду більше не враховуватимуть серед тих, кого воно стосується, і повідомлення про нього перестануть надходити.
report-mine-withdraw-yes = ↩️ Так, відкликати
report-mine-withdrawn = Підтримку звернення { $reference } відкликано.
report-mine-answer-button = ✍️ Відповісти секретаріату
report-mine-answer-prompt =
    ✍️ Напишіть відповідь секретаріату щодо звернення <b>{ $reference }</b> одним повідомленням (до { $limit } { $limit ->
        [one] символу
       *[other] символів
    }).
report-mine-answer-empty = Відповідь порожня. Напишіть, будь ласка, текст.
report-mine-answer-too-long =
    Відповідь задовга: { $length } { $length ->
        [one] символ
        [few] символи
       *[other] символів
    }, а можна не більше ніж { $limit }. Скоротіть її, будь ласка.
report-mine-answer-text-only = Відповідь приймається лише текстом. Напишіть її, будь ласка, повідомленням.
report-mine-answer-refused = Відповісти на це звернення вже не можна: його об’єднано з іншим.
report-mine-answer-sent = ✅ Вашу відповідь щодо звернення { $reference } надіслано секретаріату.

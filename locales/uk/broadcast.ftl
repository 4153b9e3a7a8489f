## Оголошення: створення (працівники) і «Новини» (члени)

broadcast-command = Нове оголошення для членів асоціацій
broadcast-not-allowed = ⛔ Надсилати оголошення можуть лише адміністратори бота та працівники секретаріатів асоціацій.
broadcast-cancel = ✖️ Скасувати
broadcast-cancelled = Оголошення скасовано — нічого не надіслано.
broadcast-back = ⬅️ Назад
broadcast-back-preview = ⬅️ До перегляду
broadcast-skip = ⏭ Пропустити
broadcast-next = Далі ➡️
broadcast-choose-done = ✅ Готово
broadcast-clear = 🧹 Зняти всі позначки

broadcast-text-uk-prompt =
    📢 <b>Нове оголошення</b>

    Крок 1 з 5. Надішліть текст оголошення українською — одним повідомленням. Форматування (жирний шрифт, курсив, посилання) збережеться.
    Обсяг — до { $text_limit } { $text_limit ->
        [one] символу
       *[other] символів
    } разом із заголовком оголошення, а якщо додасте фото чи документ — до { $caption_limit }.
broadcast-text-expected = На цьому кроці потрібен текст оголошення, надісланий повідомленням. Стікери, голосові повідомлення, відео й файли тут не приймаються; фото чи документ можна буде додати на кроці 3.
broadcast-text-empty = Текст порожній. Надішліть, будь ласка, текст оголошення.
broadcast-text-too-long =
    Текст задовгий: разом із заголовком — { $length } { $length ->
        [one] символ
        [few] символи
       *[other] символів
    }, а в одному повідомленні Telegram можна не більше ніж { $limit }. Скоротіть його й надішліть ще раз — інші відповіді збережено.
broadcast-caption-too-long =
    Текст задовгий для підпису до вкладення: разом із заголовком — { $length } { $length ->
        [one] символ
        [few] символи
       *[other] символів
    }, а підпис до фото чи документа в Telegram — не більше ніж { $limit }. Скоротіть текст і надішліть ще раз або поверніться до кроку 3 й приберіть вкладення.

broadcast-text-en-prompt =
    Крок 2 з 5. Надішліть той самий текст англійською — його отримають члени, які обрали англійську мову спілкування.
    Якщо англійської версії немає, натисніть «Пропустити»: тоді всі отримають український текст.
broadcast-text-en-remove = 🗑 Прибрати англійську версію

broadcast-attachment-prompt =
    Крок 3 з 5. За потреби додайте одне фото або один документ ({ $kinds }, до { $max_mb } МБ). Текст оголошення стане підписом до нього, тож разом із заголовком — до { $caption_limit } { $caption_limit ->
        [one] символу
       *[other] символів
    }.
broadcast-attachment-current-photo = 📎 Додано фото.
broadcast-attachment-current-document = 📎 Додано документ «{ $name }».
broadcast-attachment-none = ➡️ Без вкладення
broadcast-attachment-remove = 🗑 Прибрати вкладення
broadcast-attachment-refused = Такий файл до оголошення додати не можна. Приймаються лише фото або документ ({ $kinds }) розміром до { $max_mb } МБ. Відео, голосові та аудіоповідомлення, стікери й анімації не приймаються.
broadcast-attachment-bad-document = Документ «{ $name }» додати не можна: приймаються документи у форматах { $kinds } розміром до { $max_mb } МБ.

broadcast-too-long =
    ✂️ <b>Оголошення не вміщується в одне повідомлення Telegram</b>

    { $lines }

    Скоротіть текст або, якщо додано вкладення, надішліть оголошення без нього: без вкладення можна до { $text_limit } { $text_limit ->
        [one] символу
       *[other] символів
    }.
broadcast-too-long-line =
    { $language }: { $length } { $length ->
        [one] символ
        [few] символи
       *[other] символів
    } разом із заголовком, можна не більше ніж { $limit }.
broadcast-language-uk = Український текст
broadcast-language-en = Англійський текст
broadcast-shorten-uk = ✏️ Скоротити український текст
broadcast-shorten-en = ✏️ Скоротити англійський текст
broadcast-drop-attachment = 🗑 Надіслати без вкладення

broadcast-audience-prompt =
    Крок 4 з 5. Кому надіслати оголошення?

    🏛 <b>Асоціації:</b> { $associations }
    🗺 <b>Області:</b> { $oblasts }
    👔 <b>Посади:</b> { $roles }

    Оголошення отримають підтверджені члени, які відповідають усім обраним умовам одночасно; «усі» означає без обмеження.
broadcast-audience-staff-note = Ви можете надсилати оголошення лише членам: { $own }.
broadcast-audience-any = усі
broadcast-audience-own = усі доступні вам ({ $own })
broadcast-audience-everyone = 👥 Усі підтверджені члени
broadcast-audience-everyone-own = 👥 Усі члени: { $own }
broadcast-audience-associations = 🏛 Асоціації
broadcast-audience-oblasts = 🗺 Області
broadcast-audience-roles = 👔 Посади
broadcast-associations-prompt = 🏛 Позначте асоціації, членам яких надіслати оголошення. Якщо не позначити жодної — оголошення отримають члени всіх асоціацій, яким ви можете надсилати.
broadcast-oblasts-prompt =
    🗺 Позначте області, членам з яких надіслати оголошення; сторінки гортайте кнопками зі стрілками. Якщо не позначити жодної — оголошення отримають члени з усіх областей.

    Обрано: { $chosen }
broadcast-roles-prompt = 👔 Позначте посади членів, яким надіслати оголошення. Якщо не позначити жодної — оголошення отримають члени на всіх посадах.

broadcast-urgent-prompt =
    Крок 5 з 5. Це термінове оголошення?

    Термінові оголошення отримають і ті члени, які вимкнули нетермінові, а заголовок матиме позначку «❗ Терміново». Позначайте терміновими лише справді нагальні повідомлення.
broadcast-urgent-yes = ❗ Так, термінове
broadcast-urgent-no = Ні, звичайне

broadcast-preview-intro = 👁 <b>Попередній перегляд.</b> Нижче — оголошення саме так, як його отримають члени.
broadcast-preview-intro-both = 👁 <b>Попередній перегляд.</b> Нижче — українська та англійська версії оголошення саме так, як їх отримають члени.
broadcast-preview =
    📢 <b>Перевірте оголошення</b>

    <b>Отримувачів:</b> { $count }
    <b>Аудиторія:</b> { $audience }
    <b>Терміновість:</b> { $urgency }
    <b>Англійська версія:</b> { $english }
    <b>Вкладення:</b> { $attachment }
broadcast-preview-ready = Надіслати оголошення зараз? Після підтвердження розсилку можна буде призупинити або скасувати.
broadcast-preview-empty = ⚠️ Обраній аудиторії не відповідає жоден підтверджений член, до якого бот може надіслати повідомлення, — надсилати нікому. Змініть аудиторію кнопкою «Змінити».
broadcast-preview-failed = Не вдалося показати попередній перегляд: Telegram не прийняв повідомлення. Перевірте текст і вкладення та спробуйте ще раз.
broadcast-audience-summary = асоціації — { $associations }; області — { $oblasts }; посади — { $roles }
broadcast-audience-everyone-summary = усі підтверджені члени
broadcast-audience-own-summary = усі члени: { $own }
broadcast-urgency-urgent = ❗ термінове
broadcast-urgency-normal = звичайне
broadcast-english-yes = є
broadcast-english-no = немає (англомовні члени отримають український текст)
broadcast-attachment-photo = фото
broadcast-attachment-document = документ «{ $name }»
broadcast-attachment-nothing = немає
broadcast-confirm = ✅ Надіслати
broadcast-edit = ✏️ Змінити

broadcast-edit-prompt = ✏️ Що змінити в оголошенні?
broadcast-edit-text-uk = Український текст
broadcast-edit-text-en = Англійська версія
broadcast-edit-attachment = Вкладення
broadcast-edit-audience = Аудиторія
broadcast-edit-urgent = Терміновість

broadcast-created =
    ✅ <b>Оголошення № { $id } прийнято до розсилки.</b>

    Отримувачів: { $count }. Хід розсилки — у повідомленні нижче: там її можна призупинити, відновити або скасувати.

news-title =
    📰 <b>Новини</b>

    Останні оголошення асоціацій для вас — найновіші згори. Оберіть оголошення, щоб прочитати його повністю.
news-empty =
    📰 <b>Новини</b>

    Оголошень для вас поки немає. Щойно асоціації надішлють оголошення, ви отримаєте його, а тут воно збережеться.
news-unverified =
    📰 <b>Новини</b>

    Оголошення асоціацій надходять членам, чиє членство підтвердив секретаріат. Щойно ваше членство підтвердять, ви отримуватимете оголошення, а тут буде їхній перелік.
news-item-button = { $date } · { $snippet }
news-item-button-urgent = ❗ { $date } · { $snippet }
news-back = ⬅️ До новин
news-unavailable = Це оголошення вам недоступне.

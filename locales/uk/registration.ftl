registration-language-prompt =
    👋 Вітаємо! Це бот спільної платформи асоціацій органів місцевого самоврядування.
    Welcome! This is the bot of the associations' joint platform.

    Оберіть мову / Choose your language:

registration-consent-text =
    🔒 <b>Згода на обробку персональних даних</b>

    Для реєстрації бот зберігає ваш ідентифікатор у Telegram, ім’я та прізвище, посаду, область і громаду, членство в асоціаціях, мову спілкування, а також — за вашим бажанням — номер телефону; згодом — ваші звернення та запитання.

    <b>Навіщо:</b> щоб секретаріати асоціацій могли підтвердити ваше членство, відповідати на ваші звернення та надсилати вам оголошення.
    <b>Хто бачить:</b> лише працівники секретаріатів асоціацій спільної платформи; номер телефону — тільки в картках, які працівник відкриває в особистому чаті з ботом, а не в групових чатах. Третім особам дані не передаються.
    <b>Скільки зберігаються:</b> доки ви не видалите профіль. Незавершену реєстрацію, давні чернетки, стан діалогу й записи про доставку оголошень бот видаляє сам; строки наведено в /privacy.
    <b>Ваші права:</b> переглянути й виправити дані — у розділі «Мій профіль» (/profile); завантажити копію всіх своїх даних або видалити профіль, відкликавши тим самим згоду, — у /privacy.

    Дані обробляються відповідно до Закону України «Про захист персональних даних».
registration-consent-agree = ✅ Погоджуюся
registration-consent-decline = Не погоджуюся
registration-consent-declined =
    Без згоди на обробку персональних даних зареєструватися неможливо: секретаріат не зможе підтвердити ваше членство й відповідати вам.

    Якщо передумаєте, натисніть кнопку нижче.
registration-consent-reconsider = Повернутися до згоди

registration-name-prompt = ✍️ Як до вас звертатися? Надішліть ім’я та прізвище одним повідомленням.
registration-name-suggest = Або скористайтеся іменем із Telegram: <b>{ $telegram_name }</b>
registration-name-use-telegram = ✅ { $telegram_name_plain }
registration-name-too-long =
    Ім’я задовге: { $length } { $length ->
        [one] символ
        [few] символи
       *[other] символів
    }. Надішліть, будь ласка, не більше ніж { $limit } { $limit ->
        [one] символ
        [few] символи
       *[many] символів
    }.
registration-name-too-short = Ім’я має містити принаймні { $limit } { $limit ->
        [one] літеру
        [few] літери
       *[many] літер
    }. Надішліть, будь ласка, ім’я та прізвище.

registration-role-prompt = 💼 Оберіть вашу посаду:
role-hromada_head = Голова громади
role-hromada_deputy = Заступник(-ця) голови громади
role-council_secretary = Секретар ради
role-raion_council_head = Голова районної ради
role-raion_council_deputy = Заступник(-ця) голови районної ради
role-oblast_council_head = Голова обласної ради
role-oblast_council_deputy = Заступник(-ця) голови обласної ради
role-other = Інша посада в органі місцевого самоврядування

registration-oblast-prompt = 🗺 Оберіть область:

registration-hromada-search-prompt =
    🏘 { $oblast }. Надішліть назву вашої громади або кілька перших літер — наприклад, «Андріїв».
registration-hromada-free-prompt =
    🏘 { $oblast }. Надішліть назву вашої громади, наприклад «Андріївська сільська громада».
registration-hromada-other-oblast = ⬅️ Інша область
registration-hromada-too-long =
    Задовга назва: { $length } { $length ->
        [one] символ
        [few] символи
       *[other] символів
    }. Надішліть, будь ласка, не більше ніж { $limit } { $limit ->
        [one] символ
        [few] символи
       *[many] символів
    }.
registration-hromada-too-short = Назва має містити принаймні { $limit } { $limit ->
        [one] літеру
        [few] літери
       *[many] літер
    }. Спробуйте ще раз.
registration-hromada-not-found =
    Громаду «{ $query }» в області «{ $oblast }» не знайдено.
    Перевірте назву й надішліть її ще раз (можна лише перші літери) або поверніться й оберіть іншу область.
registration-hromada-pick = Ось громади, схожі на «{ $query }». Оберіть свою або надішліть іншу назву:
registration-hromada-search-again = 🔎 Шукати знову
hromada-label = { $name } громада
hromada-label-raion = { $name } громада ({ $raion } р-н)

registration-associations-prompt =
    🤝 Членом яких асоціацій є ваша рада? Позначте одну чи кілька й натисніть «Далі».

    { $association_list }
registration-associations-unsure = 🤷 Не впевнений(-а)
registration-associations-none = Позначте принаймні одну асоціацію або натисніть «Не впевнений(-а)».

registration-phone-prompt =
    📱 Останній крок: за бажанням поділіться номером телефону — так секретаріату буде легше з вами зв’язатися.

    Натисніть кнопку внизу екрана або «Пропустити».
registration-phone-share = 📱 Поділитися номером
registration-phone-skip = Пропустити
registration-phone-remove = 🗑 Видалити номер
registration-phone-not-yours = Це не ваш контакт. Поділитися можна лише власним номером — кнопкою внизу екрана.
registration-phone-use-button = Щоб поділитися номером, натисніть кнопку «📱 Поділитися номером» внизу екрана або «Пропустити».

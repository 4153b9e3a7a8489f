command-privacy = Приватність: мої дані, завантаження, видалення

privacy-deleted-member = профіль видалено
privacy-profile-button = 🔒 Приватність і мої дані

privacy-days = { $count } { $count ->
        [one] день
        [few] дні
       *[other] днів
    }

privacy-notice =
    🔒 <b>Приватність і ваші дані</b>

    <b>Хто відповідає за ваші дані.</b> { $controller }
    { $contacts }

    <b>Що зберігається і навіщо.</b> Ваш ідентифікатор у Telegram, ім’я та прізвище, посада, область і громада, членство в асоціаціях, номер телефону (якщо ви ним поділилися), мова, час надання згоди; ваші звернення й приєднання до звернень інших громад, запитання експертам і відповіді на них, оцінки статей бази знань; які оголошення вам надіслано; журнал змін (що, коли і хто змінив). Це потрібно, щоб секретаріати підтверджували ваше членство, опрацьовували звернення, відповідали на запитання й надсилали оголошення.

    <b>Хто бачить.</b> Лише працівники секретаріатів ваших асоціацій (спільні звернення — працівники всіх трьох асоціацій). Номер телефону видно тільки в картках, які працівник відкриває в особистому чаті з ботом; у групових чатах секретаріатів його немає. Третім особам дані не передаються.

    <b>Скільки зберігаються.</b> Профіль, звернення й запитання — доки ви не видалите профіль. Інше видаляється автоматично:
    • незавершена реєстрація — через { $unfinished };
    • чернетка звернення — через { $draft } без змін;
    • стан діалогу з ботом — через { $dialog } вашої неактивності;
    • записи про доставку оголошень — через { $delivery };
    • персональні дані в журналі змін — через { $audit }.

    <b>Ваші права.</b> Отримати копію своїх даних — кнопка «Завантажити мої дані». Виправити їх — у /profile. Видалити профіль і тим самим відкликати згоду — кнопка «Видалити мій профіль». Поскаржитися на обробку даних можна Уповноваженому Верховної Ради України з прав людини, який контролює додержання законодавства про захист персональних даних: https://ombudsman.gov.ua
privacy-contact-email = Звернення щодо персональних даних: { $email }
privacy-contact-other = Інші контакти: { $contact }
privacy-contact-websites = Сайти асоціацій: { $websites }
privacy-contact-bot = Зареєстровані члени можуть також написати секретаріату через бот — кнопкою «{ $ask_button }» у головному меню.

privacy-download = ⬇️ Завантажити мої дані
privacy-delete = 🗑 Видалити мій профіль
privacy-nothing-stored = Бот не зберігає про вас жодних даних.
privacy-export-json = 📄 Усі ваші дані в машинозчитуваному форматі (JSON).
privacy-export-html = 📄 Ті самі дані для читання: відкрийте файл у браузері.

privacy-delete-confirm =
    🗑 <b>Видалити профіль?</b>

    <b>Буде стерто:</b> ім’я та прізвище, посаду, номер телефону, мову, членство в асоціаціях, час надання згоди й зв’язок із вашим обліковим записом Telegram; чернетку звернення, оцінки статей, стан діалогу з ботом і ще не надіслані вам оголошення.

    <b>Залишиться в записах асоціацій:</b> ваші звернення й запитання (їхній текст, громада й область) та приєднання до звернень — з позначкою «{ privacy-deleted-member }», без імені. Кількість громад і мешканців, які підтримали звернення, не зміниться. Журнал змін збереже події, але без ваших персональних даних. Картки в чатах секретаріатів буде виправлено: ваше ім’я з них зникне.

    Після цього бот нічого вам не надсилатиме. Щоб знову ним користуватися, надішліть /start і зареєструйтеся заново. Скасувати видалення неможливо.
privacy-delete-yes = 🗑 Так, видалити профіль
privacy-delete-no = ⬅️ Ні, залишити
privacy-deleted =
    ✅ Ваш профіль видалено. Бот більше не пов’язує з вашим обліковим записом Telegram жодних персональних даних.

    Якщо захочете повернутися, надішліть /start.
privacy-delete-staff =
    У вас є права працівника секретаріату. Записи про вашу роботу належать асоціаціям, тому спершу попросіть адміністратора бота скасувати ваші права, а потім видаліть профіль.

privacy-card-erased =
    🪪 <b>Член видалив свій профіль</b>

    Його персональні дані стерто. Підтверджувати членство більше не потрібно.

privacy-html-title = Мої дані в боті платформи асоціацій
privacy-html-intro = Копію сформовано { $time }. Тут усе, що бот зберігає про вас; та сама інформація в машинозчитуваному вигляді — у файлі JSON.
privacy-html-profile = Профіль
privacy-html-telegram-id = Ідентифікатор у Telegram
privacy-html-name = Ім’я та прізвище
privacy-html-role = Посада
privacy-html-oblast = Область
privacy-html-hromada = Громада
privacy-html-associations = Асоціації
privacy-html-phone = Телефон
privacy-html-language = Мова
privacy-html-status = Членство
privacy-html-announcements = Нетермінові оголошення
privacy-html-muted = вимкнено
privacy-html-not-muted = надходять
privacy-html-reachable = Бот може вам писати
privacy-html-consent = Згоду надано
privacy-html-registered = Зареєстровано
privacy-html-created = Уперше відкрито бот
privacy-html-staff-rights = Права працівника секретаріату
privacy-html-role-admin = адміністратор бота
privacy-html-role-staff = працівник секретаріату { $association }
privacy-html-granted = з { $time }
privacy-html-reports = Ваші звернення
privacy-html-cosigned = Звернення, до яких ви приєдналися
privacy-html-draft = Незавершене звернення (чернетка)
privacy-html-draft-updated = Востаннє змінено { $time }
privacy-html-questions = Запитання експертам
privacy-html-sent-announcements = Оголошення для вас
privacy-html-consultations = Ваші відповіді на консультації
privacy-html-consultation-answer = Відповідь
privacy-html-consultation-comment = Коментар
privacy-html-consultation-changed = Востаннє змінено
privacy-html-kb-feedback = Оцінки статей бази знань
privacy-html-audit = Журнал змін, що стосуються вас
privacy-html-none = немає
privacy-html-yes = так
privacy-html-no = ні
privacy-html-title-field = Тема
privacy-html-status-field = Статус
privacy-html-category = Категорія
privacy-html-urgency = Терміновість
privacy-html-submitted = Подано
privacy-html-place = Громада й область
privacy-html-residents = Мешканців, яких стосується
privacy-html-description = Опис
privacy-html-attachments = Вкладення
privacy-html-history = Історія
privacy-html-joined = Дата приєднання
privacy-html-withdrawn = Підтримку відкликано
privacy-html-asked = Запитано
privacy-html-answer = Відповідь від { $time }
privacy-html-answers = Відповіді
privacy-html-no-answer = Відповіді ще немає.
privacy-html-urgent = ❗ терміново
privacy-html-delivery =
    { $status ->
        [sent] доставлено
        [pending] чекає надсилання
        [claimed] чекає надсилання
        [sending] надсилається
        [unreachable] не доставлено: бот заблоковано
        [failed] не доставлено
        [uncertain] надіслано, підтвердження немає
        [cancelled] надсилання скасовано
       *[other] { $status }
    }
privacy-html-helpful = корисна
privacy-html-not-helpful = некорисна
privacy-html-by =
    { $by ->
        [you] ви
        [staff] працівник секретаріату
       *[other] бот
    }
privacy-html-event =
    { $kind ->
        [status] Статус
        [reply] Відповідь секретаріату
        [reporter_reply] Ваша відповідь
        [merge] Об’єднання звернень
        [joint] Спільне звернення асоціацій
        [position] Позиція асоціації
       *[other] Подія
    }
privacy-html-action =
    { $action ->
        [member-registered] Реєстрація
        [member-updated] Зміна профілю
        [member-locale] Зміна мови
        [member-verification] Рішення щодо членства
        [member-announcements_muted] Налаштування оголошень
        [question-asked] Запитання експертам
        [kb-feedback] Оцінка статті
        [consultation-answered] Відповідь на консультацію
       *[other] { $action }
    }
privacy-html-when = Коли
privacy-html-what = Що
privacy-html-who = Хто
privacy-html-values = Було → стало

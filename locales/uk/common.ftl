common-menu = 🏠 Головне меню
common-back = ⬅️ Назад
common-next = Далі ➡️

language-uk = 🇺🇦 Українська
language-en = 🇬🇧 English
language-prompt = Оберіть мову спілкування з ботом:
language-changed = Мову змінено: українська.

command-start = Почати роботу з ботом
command-menu = Головне меню
command-profile = Мій профіль
command-language = Змінити мову
command-help = Довідка
command-cancel = Скасувати поточну дію
command-invite = Запрошення для працівників секретаріату

cancel-done = Дію скасовано.
cancel-registration = Реєстрацію перервано. Щоб почати знову, надішліть /start.

error-text-expected = Будь ласка, надішліть відповідь текстом.
error-use-buttons = На цьому кроці оберіть, будь ласка, одну з кнопок під повідомленням.
error-unknown-command = Такої команди немає. Перелік команд — у /help.
error-not-understood = Не вдалося зрозуміти це повідомлення. Скористайтеся кнопками нижче.
error-stale-button = Ця кнопка застаріла. Ось поточне меню.
error-unexpected = Сталася помилка. Спробуйте ще раз трохи згодом; ваші дані збережено.

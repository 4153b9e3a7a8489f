## Announcements from staff to members: what a member receives, the author's progress message
## with its buttons and final report, and refusals (ids announcement-error-<code> match the
## codes of BroadcastError).

announcement-header = 📢 <b>Оголошення · { $sender }</b>
announcement-header-urgent = ❗ <b>Терміново · { $sender }</b>

announcement-progress-title = 📣 <b>Розсилка оголошення № { $id }</b>
announcement-progress-status = { $status ->
    [sending] ▶️ Триває надсилання
    [paused] ⏸ Призупинено
    [cancelled] ✖️ Скасовано
   *[done] ✅ Завершено
}
announcement-progress-cancelling = ⏳ Розсилку скасовано: нових повідомлень бот не надсилає, лише завершує надсилання тих, що вже в дорозі.
announcement-progress-counts = Отримувачів: { $total }
    • надіслано: { $sent }
    • недоступні (заблокували бота або видалили акаунт): { $unreachable }
    • не вдалося надіслати: { $failed }
    • залишилося: { $remaining }
announcement-progress-rate = Швидкість: { $rate } повідомл./с · залишилося приблизно { $eta }
announcement-progress-rate-unknown = Швидкість ще вимірюється…
announcement-progress-final = 📊 <b>Підсумок розсилки</b>
    • надіслано: { $sent }
    • недоступні: { $unreachable }
    • не вдалося надіслати: { $failed }
    • невідомо, чи доставлено (бот зупинився під час надсилання; повторно не надсилалося): { $uncertain }
    • скасовано до надсилання: { $cancelled }
announcement-progress-duration = Тривалість: { $duration }
announcement-eta-seconds = { $seconds } с
announcement-eta-minutes = { $minutes } хв { $seconds } с
announcement-eta-hours = { $hours } год { $minutes } хв

announcement-button-pause = ⏸ Призупинити
announcement-button-resume = ▶️ Продовжити
announcement-button-cancel = ✖️ Скасувати
announcement-button-cancel-confirm = ✖️ Так, скасувати розсилку
announcement-button-cancel-back = ↩️ Ні, не скасовувати

announcement-paused = Розсилку призупинено.
announcement-resumed = Розсилку продовжено.
announcement-cancel-question = Скасувати розсилку? Повідомлення, які ще не надіслано, не буде надіслано.
announcement-cancel-kept = Розсилку не скасовано.
announcement-cancelled = Розсилку скасовано.

announcement-error-not-allowed = У вас немає права надсилати оголошення або керувати цією розсилкою.
announcement-error-empty-audience = За цими умовами не знайдено жодного отримувача. Змініть аудиторію.
announcement-error-empty-text = Текст оголошення українською обов’язковий.
announcement-error-too-long =
    { $locale ->
        [en] Англійський
       *[other] Український
    } текст задовгий: разом із заголовком — { $length } { $length ->
        [one] символ
        [few] символи
       *[many] символів
    }, а можна не більше ніж { $limit }. Скоротіть його на { $excess } { $excess ->
        [one] символ
        [few] символи
       *[many] символів
    }.
announcement-error-unsupported-attachment = Такий файл не можна додати до оголошення. Можна додати фото або документ у форматі PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, TXT, CSV чи ZIP.
announcement-error-file-too-large = Файл завеликий: можна додати файл розміром до 20 МБ.
announcement-error-not-found = Цієї розсилки не знайдено.
announcement-error-finished = Цю розсилку вже завершено.

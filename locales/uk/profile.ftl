profile-view =
    👤 <b>Мій профіль</b>

    <b>Ім’я:</b> { $name }
    <b>Посада:</b> { $role }
    <b>Область:</b> { $oblast }
    <b>Громада:</b> { $hromada }
    <b>Асоціації:</b> { $associations }
    <b>Телефон:</b> { $phone }
    <b>Мова:</b> { $language }
    <b>Статус:</b> { $status }
profile-not-registered = Ви ще не зареєструвалися. Надішліть /start, щоб розпочати.
profile-register-first = Спершу завершіть реєстрацію — це займе хвилину.
profile-associations-unsure = не визначено
profile-phone-none = не вказано
profile-status-unverified = ⏳ очікує на підтвердження секретаріату
profile-status-verified = ✅ підтверджено
profile-status-rejected = ❌ не підтверджено
profile-edit-name = ✏️ Ім’я
profile-edit-role = ✏️ Посада
profile-edit-oblast = ✏️ Область і громада
profile-edit-associations = ✏️ Асоціації
profile-edit-phone = ✏️ Телефон
profile-edit-language = 🌐 Мова
profile-announcements-all = <b>Оголошення:</b> 🔔 надходять усі. Якщо вимкнете нетермінові, термінові все одно надходитимуть, а всі оголошення залишаться в розділі «📰 Новини».
profile-announcements-muted = <b>Оголошення:</b> 🔕 надходять лише термінові. Усі інші можна переглянути в розділі «📰 Новини».
profile-mute = 🔕 Вимкнути нетермінові оголошення
profile-unmute = 🔔 Увімкнути всі оголошення
profile-muted-done = Нетермінові оголошення вимкнено. Термінові надходитимуть і далі.
profile-unmuted-done = Усі оголошення знову надходитимуть.
profile-review-again = 📨 Виправлений профіль знову надіслано секретаріату асоціації на підтвердження. Доки його не підтвердять, бот працює для вас так само, як для щойно зареєстрованого члена.

# Member verification: cards in staff groups, decisions, messages to the member.

verify-card-title = 🪪 <b>Новий член: підтвердження членства</b>
verify-card-member = 👤 { $name } — { $role }
verify-card-place = 📍 { $place }
verify-card-associations = 🏛 Асоціації: { $associations }
verify-card-unsure = 🏛 Асоціацію не вказано, тому картку отримали секретаріати всіх асоціацій.
verify-card-phone-shared = 📞 Номер телефону надано; у групі його не показуємо — кнопка «📞 Номер телефону» відкриє його в особистому чаті з ботом.
verify-card-no-phone = 📞 Номер телефону не вказано
verify-card-registered = 🕓 Зареєстровано: { $time }
verify-card-pending = Чи є ця особа представником громади або ради, що належить до асоціації? Підтвердьте або відхиліть членство.
verify-card-approved = ✅ Членство підтвердив(-ла) { $name }, { $time }
verify-card-rejected = ❌ Членство відхилив(-ла) { $name }, { $time }
verify-no-name = без імені
verify-someone = працівник секретаріату
verify-button-approve = ✅ Підтвердити
verify-button-reject = ❌ Відхилити
verify-button-phone = 📞 Номер телефону

verify-done-approved = ✅ Членство підтверджено, члена сповіщено.
verify-done-rejected = ❌ Членство відхилено, члена сповіщено.
verify-done-undelivered = Рішення збережено, але надіслати членові повідомлення не вдалося.
verify-already-approved = Членство цієї особи вже підтвердив(-ла) { $name }.
verify-already-rejected = Членство цієї особи вже відхилив(-ла) { $name }.
verify-not-staff = ⛔ Підтверджувати членство можуть лише працівники секретаріату асоціації, до якої належить громада чи рада цієї особи.
verify-member-not-found = Цієї особи немає серед зареєстрованих: можливо, вона видалила профіль.
verify-stale-button = Ця кнопка застаріла.
verify-phone =
    👤 { $name } — { $role }
    📞 { $phone }

    Номер телефону надано лише для зв’язку щодо членства в асоціації; не пересилайте його.
verify-phone-none = Номера телефону не надано.

verify-member-approved = ✅ Секретаріат асоціації підтвердив ваше членство. Дякуємо, що ви з нами!
verify-member-rejected =
    Секретаріат асоціації не зміг підтвердити ваше членство за даними профілю.

    Перевірте, будь ласка, у профілі (/profile), чи правильно вказано громаду та асоціації, до яких вона належить: щойно ви їх виправите, профіль знову надійде секретаріату на підтвердження. Якщо все вказано правильно, зверніться до секретаріату вашої асоціації.

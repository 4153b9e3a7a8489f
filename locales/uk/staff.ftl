staff-no-rights = ⛔ Ця дія доступна лише адміністраторам бота.
staff-unknown-association = Такої асоціації немає. Оберіть асоціацію зі списку.

invites-choose-association = 🔑 Для якої асоціації створити одноразове запрошення працівника секретаріату?
invites-link =
    🔑 Запрошення для працівника секретаріату <b>{ $association }</b>:

    { $link }

    Посилання одноразове й дійсне до { $expires }. Перешліть його лише тій особі, якій надаєте права.
invites-another = ➕ Ще одне запрошення

invite-granted = ✅ Вас додано до працівників секретаріату { $association }.
invite-already-staff = Ви вже працівник секретаріату { $association }.
invite-used = Це запрошення вже використано. Попросіть адміністратора створити нове.
invite-expired = Строк дії запрошення минув. Попросіть адміністратора створити нове.
invite-unknown = Запрошення не знайдено. Перевірте посилання або попросіть адміністратора створити нове.
invite-revoked = Це запрошення відкликав адміністратор. Якщо вам потрібні права працівника секретаріату, попросіть нове.

staff-command = Працівники та запрошення
staff-open-list = 👥 Працівники та запрошення

staff-list-title = 👥 <b>Адміністратори та працівники секретаріатів</b> ({ $count })
staff-list-page = Сторінка { $page } з { $pages }
staff-list-hint = Щоб відкликати право, натисніть кнопку з ✖️. Адміністраторів з налаштування ADMIN_IDS і ваше власне право адміністратора тут не відкликають.
staff-who-member = <b>{ $name }</b> (id { $id })
staff-who-id = id { $id }
staff-line-admin = • { $who } — адміністратор, з { $since }
staff-line-staff = • { $who } — працівник секретаріату { $association }, з { $since }
staff-line-settings = • { $who } — адміністратор з налаштування ADMIN_IDS; відкликати можна лише зміною налаштування на сервері
staff-revoke-admin-button = ✖️ { $name } · адміністратор
staff-revoke-staff-button = ✖️ { $name } · { $association }
staff-page-previous = ◀️
staff-page-next = ▶️
staff-invites-button = 🔗 Чинні запрошення
staff-new-invite = 🔑 Нове запрошення
staff-back-list = 👥 До списку
staff-back-invites = 🔗 До запрошень

staff-confirm-right =
    <b>Відкликати це право?</b>

    { $line }

    Доступ припиниться одразу: наступне натискання кнопки на картці чи команда працівника буде відхилена. Історія залишиться в журналі аудиту.
staff-confirm-right-admin = Чинні запрошення, створені цією особою, теж буде відкликано.
staff-revoke-yes = ✖️ Так, відкликати
staff-right-revoked =
    ✅ <b>Право відкликано</b>

    { $line }
staff-right-revoked-still = Інші права цієї особи залишаються: { $still }.
staff-right-revoked-invites = Також відкликано чинні запрошення цієї особи: { $withdrawn }.
staff-still-admin = адміністратор
staff-still-staff = працівник секретаріату { $association }
staff-right-gone = Цього права вже немає: його відкликали раніше.
staff-right-own = Власне право адміністратора тут не відкликають: попросіть іншого адміністратора або скористайтеся командним рядком на сервері.
staff-right-settings = Цей адміністратор заданий у налаштуванні ADMIN_IDS: відкликати право можна лише зміною налаштування на сервері.

staff-invites-title = 🔗 <b>Чинні запрошення</b> ({ $count })
staff-invites-hint = Щоб відкликати запрошення, натисніть кнопку з ✖️.
staff-invites-none = 🔗 Чинних запрошень немає: усі використані, відкликані або прострочені.
staff-invite-line = • { $association }: створено { $created }, автор — { $who }; дійсне до { $expires }
staff-revoke-invite-button = ✖️ { $association } · до { $expires }
staff-confirm-invite =
    <b>Відкликати це запрошення?</b>

    { $line }

    Той, хто відкриє посилання, дізнається, що запрошення відкликано, і прав не отримає.
staff-invite-revoked =
    ✅ <b>Запрошення відкликано</b>

    { $line }
staff-invite-gone = Це запрошення вже не чинне: його використали, відкликали або минув строк дії.

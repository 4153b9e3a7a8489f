registration-language-prompt =
    👋 Вітаємо! Це бот спільної платформи асоціацій органів місцевого самоврядування.
    Welcome! This is the bot of the associations' joint platform.

    Оберіть мову / Choose your language:

registration-consent-text =
    🔒 <b>Consent to the processing of personal data</b>

    To register you, the bot keeps your Telegram id, your name, position, oblast and hromada, association membership, language and, if you choose to share it, your phone number; later also your reports and questions.

    <b>Why:</b> so that the associations' secretariats can confirm your membership, answer your requests and send you announcements.
    <b>Who sees it:</b> only the staff of the secretariats of the associations on the joint platform; your phone number only on cards a staff member opens in a private chat with the bot, never in group chats. It is not passed to third parties.
    <b>How long:</b> until you delete your profile. The bot itself deletes unfinished registrations, old drafts, dialog state and announcement delivery records; the periods are in /privacy.
    <b>Your rights:</b> view and correct your data in "My profile" (/profile); download a copy of all your data, or delete your profile and so withdraw your consent, in /privacy.

    Data is processed under the Law of Ukraine "On Personal Data Protection".
registration-consent-agree = ✅ I agree
registration-consent-decline = I do not agree
registration-consent-declined =
    Without consent to the processing of personal data we cannot register you: the secretariat could not confirm your membership or answer you.

    If you change your mind, press the button below.
registration-consent-reconsider = Back to the consent

registration-name-prompt = ✍️ How should we address you? Send your first and last name in one message.
registration-name-suggest = Or use your name from Telegram: <b>{ $telegram_name }</b>
registration-name-use-telegram = ✅ { $telegram_name_plain }
registration-name-too-long =
    That name is too long: { $length } { $length ->
        [one] character
       *[other] characters
    }. Please send at most { $limit } { $limit ->
        [one] character
       *[other] characters
    }.
registration-name-too-short = A name needs at least { $limit } { $limit ->
        [one] letter
       *[other] letters
    }. Please send your first and last name.

registration-role-prompt = 💼 Choose your position:
role-hromada_head = Head of hromada
role-hromada_deputy = Deputy head of hromada
role-council_secretary = Council secretary
role-raion_council_head = Head of raion council
role-raion_council_deputy = Deputy head of raion council
role-oblast_council_head = Head of oblast council
role-oblast_council_deputy = Deputy head of oblast council
role-other = Another position in local self-government

registration-oblast-prompt = 🗺 Choose your oblast:

registration-hromada-search-prompt =
    🏘 { $oblast }. Send the name of your hromada or its first few letters, e.g. "Andriiv" or "Андріїв".
registration-hromada-free-prompt =
    🏘 { $oblast }. Send the name of your hromada, e.g. "Andriivska village hromada".
registration-hromada-other-oblast = ⬅️ Another oblast
registration-hromada-too-long =
    That name is too long: { $length } { $length ->
        [one] character
       *[other] characters
    }. Please send at most { $limit } { $limit ->
        [one] character
       *[other] characters
    }.
registration-hromada-too-short = A name needs at least { $limit } { $limit ->
        [one] letter
       *[other] letters
    }. Please try again.
registration-hromada-not-found =
    No hromada "{ $query }" found in { $oblast }.
    Check the name and send it again (the first letters are enough), or go back and choose another oblast.
registration-hromada-pick = Hromadas similar to "{ $query }". Choose yours or send another name:
registration-hromada-search-again = 🔎 Search again
hromada-label = { $name } hromada
hromada-label-raion = { $name } hromada ({ $raion } raion)

registration-associations-prompt =
    🤝 Which associations is your council a member of? Tick one or more and press "Next".

    { $association_list }
registration-associations-unsure = 🤷 Not sure
registration-associations-none = Tick at least one association, or press "Not sure".

registration-phone-prompt =
    📱 Last step: if you like, share your phone number so the secretariat can reach you more easily.

    Press the button at the bottom of the screen, or "Skip".
registration-phone-share = 📱 Share my number
registration-phone-skip = Skip
registration-phone-remove = 🗑 Remove my number
registration-phone-not-yours = That is not your contact. You can only share your own number, with the button at the bottom of the screen.
registration-phone-use-button = To share your number, press "📱 Share my number" at the bottom of the screen, or "Skip".

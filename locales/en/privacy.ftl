command-privacy = Privacy: my data, download, delete

privacy-deleted-member = deleted member
privacy-profile-button = 🔒 Privacy and my data

privacy-days = { $count } { $count ->
        [one] day
       *[other] days
    }

privacy-notice =
    🔒 <b>Privacy and your data</b>

    <b>Who is responsible for your data.</b> { $controller }
    { $contacts }

    <b>What is stored and why.</b> Your Telegram id, name, position, oblast and hromada, membership of the associations, phone number (if you shared it), language and the time you gave consent; your reports and the reports of other hromadas you joined, your questions to the experts and their answers, your ratings of knowledge-base articles; which announcements were sent to you; the change log (what changed, when and by whom). The secretariats need this to confirm your membership, handle your reports, answer your questions and send you announcements.

    <b>Who sees it.</b> Only the staff of your associations' secretariats (for joint reports, the staff of all three associations). Your phone number appears only on cards a staff member opens in a private chat with the bot, never in the secretariats' group chats. Nothing is passed on to third parties.

    <b>How long it is kept.</b> Your profile, reports and questions: until you delete your profile. The rest is deleted automatically:
    • an unfinished registration after { $unfinished };
    • a report draft after { $draft } without changes;
    • your dialog state with the bot after { $dialog } of inactivity;
    • delivery records of announcements after { $delivery };
    • personal data in the change log after { $audit }.

    <b>Your rights.</b> Get a copy of your data with "Download my data". Correct it in /profile. Delete your profile, which also withdraws your consent, with "Delete my profile". You can complain about how your data is processed to the Ukrainian Parliament Commissioner for Human Rights, who supervises personal data protection in Ukraine: https://ombudsman.gov.ua
privacy-contact-email = Requests about personal data: { $email }
privacy-contact-other = Other contacts: { $contact }
privacy-contact-websites = The associations' websites: { $websites }
privacy-contact-bot = Registered members can also write to the secretariat through the bot with the "{ $ask_button }" button in the main menu.

privacy-download = ⬇️ Download my data
privacy-delete = 🗑 Delete my profile
privacy-nothing-stored = The bot holds no data about you.
privacy-export-json = 📄 All your data in a machine-readable format (JSON).
privacy-export-html = 📄 The same data to read: open the file in a web browser.

privacy-delete-confirm =
    🗑 <b>Delete your profile?</b>

    <b>Erased:</b> your name, position, phone number, language, membership of the associations, the time you gave consent and the link to your Telegram account; your report draft, your article ratings, your dialog state with the bot and announcements not yet sent to you.

    <b>Kept in the associations' records:</b> your reports and questions (their text, hromada and oblast) and the reports you joined, marked "{ privacy-deleted-member }", without your name. The number of hromadas and residents supporting a report does not change. The change log keeps the events, without your personal data. Cards in the secretariats' chats are corrected: your name disappears from them.

    After this the bot will not message you. To use it again, send /start and register anew. Deletion cannot be undone.
privacy-delete-yes = 🗑 Yes, delete my profile
privacy-delete-no = ⬅️ No, keep it
privacy-deleted =
    ✅ Your profile has been deleted. The bot no longer links any personal data to your Telegram account.

    If you want to come back, send /start.
privacy-delete-staff =
    You hold secretariat staff rights. The records of your work belong to the associations, so first ask a bot administrator to revoke your rights, then delete your profile.

privacy-card-erased =
    🪪 <b>The member deleted their profile</b>

    Their personal data has been erased. No membership decision is needed any more.

privacy-html-title = My data in the associations' platform bot
privacy-html-intro = Copy made on { $time }. This is everything the bot holds about you; the same information in machine-readable form is in the JSON file.
privacy-html-profile = Profile
privacy-html-telegram-id = Telegram id
privacy-html-name = Name
privacy-html-role = Position
privacy-html-oblast = Oblast
privacy-html-hromada = Hromada
privacy-html-associations = Associations
privacy-html-phone = Phone
privacy-html-language = Language
privacy-html-status = Membership
privacy-html-announcements = Non-urgent announcements
privacy-html-muted = muted
privacy-html-not-muted = on
privacy-html-reachable = The bot can message you
privacy-html-consent = Consent given
privacy-html-registered = Registered
privacy-html-created = First opened the bot
privacy-html-staff-rights = Secretariat staff rights
privacy-html-role-admin = bot administrator
privacy-html-role-staff = secretariat staff of { $association }
privacy-html-granted = since { $time }
privacy-html-reports = Your reports
privacy-html-cosigned = Reports you joined
privacy-html-draft = Unfinished report (draft)
privacy-html-draft-updated = Last changed on { $time }
privacy-html-questions = Questions to the experts
privacy-html-sent-announcements = Announcements for you
privacy-html-consultations = Your answers to consultations
privacy-html-consultation-answer = Answer
privacy-html-consultation-comment = Comment
privacy-html-consultation-changed = Last changed
privacy-html-kb-feedback = Ratings of knowledge-base articles
privacy-html-audit = Change log entries about you
privacy-html-none = none
privacy-html-yes = yes
privacy-html-no = no
privacy-html-title-field = Title
privacy-html-status-field = Status
privacy-html-category = Category
privacy-html-urgency = Urgency
privacy-html-submitted = Submitted
privacy-html-place = Hromada and oblast
privacy-html-residents = Residents affected
privacy-html-description = Description
privacy-html-attachments = Attachments
privacy-html-history = History
privacy-html-joined = Joined
privacy-html-withdrawn = Support withdrawn
privacy-html-asked = Asked
privacy-html-answer = Answer of { $time }
privacy-html-answers = Answers
privacy-html-no-answer = No answer yet.
privacy-html-urgent = ❗ urgent
privacy-html-delivery =
    { $status ->
        [sent] delivered
        [pending] waiting to be sent
        [claimed] waiting to be sent
        [sending] being sent
        [unreachable] not delivered: the bot was blocked
        [failed] not delivered
        [uncertain] sent, not confirmed
        [cancelled] sending cancelled
       *[other] { $status }
    }
privacy-html-helpful = helpful
privacy-html-not-helpful = not helpful
privacy-html-by =
    { $by ->
        [you] you
        [staff] secretariat staff
       *[other] the bot
    }
privacy-html-event =
    { $kind ->
        [status] Status
        [reply] Reply from the secretariat
        [reporter_reply] Your answer
        [merge] Reports merged
        [joint] Joint report of the associations
        [position] Association's position
       *[other] Event
    }
privacy-html-action =
    { $action ->
        [member-registered] Registration
        [member-updated] Profile changed
        [member-locale] Language changed
        [member-verification] Membership decision
        [member-announcements_muted] Announcement settings
        [question-asked] Question to the experts
        [kb-feedback] Article rating
        [consultation-answered] Consultation answer
       *[other] { $action }
    }
privacy-html-when = When
privacy-html-what = What
privacy-html-who = Who
privacy-html-values = Before → after

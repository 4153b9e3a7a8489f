## Consultations: secretariat staff create them, see the list and publish the consolidated position

consult-staff-command = Consult association members: ask for a position or priorities
consult-staff-not-allowed = ⛔ Only the bot's administrators and the associations' secretariat staff can run consultations.
consult-staff-menu-button = 🗳 Consultations
consult-staff-cancelled = Consultation cancelled: nothing was sent.

## The list of consultations and a consultation's card

consult-staff-desk-title =
    🗳 <b>Consultations</b>

    The latest consultations of your associations. Choose one to see its results or publish the consolidated position, or create a new one.
consult-staff-desk-empty = There have been no consultations yet. Press "New consultation" to ask members for their position on a draft law or for their priorities.
consult-staff-desk-line =
    <b>No. { $id }. { $title }</b>
    { $status } · until { $closes } · { $answered } of { $asked } answered
consult-staff-status-open = 🟢 open
consult-staff-status-closed = 🔒 closed
consult-staff-status-outcome = 📣 outcome published
consult-staff-new = ➕ New consultation
consult-staff-card =
    { $line }

    <b>Kind:</b> { $kind }
    <b>Response rate:</b> { $rate } %
    <b>Created by:</b> { $author }
consult-staff-card-open-note = The consolidated position can be published once the consultation has closed.
consult-staff-results = 📊 Results
consult-staff-publish = 📣 Publish the consolidated position
consult-staff-back-desk = ⬅️ To consultations

## Composing a consultation

consult-staff-title-prompt =
    🗳 <b>New consultation</b>

    Step 1. Send the consultation's title: briefly, what it is about, for example "Draft law No. 1234 on local taxes". Members will see it in the message and in the list of consultations.
consult-staff-question-uk-prompt =
    Step 2. Send the question or the draft position in Ukrainian, in one message. Formatting (bold, italics, links) is kept.
consult-staff-question-en-prompt =
    Step 3. Send the same question in English: members who chose English will receive it.
    If there is no English version, press "Skip": everyone will then receive the Ukrainian text.
consult-staff-document-prompt =
    Step 4. If needed, attach a document, such as the draft law ({ $kinds }, up to { $max_mb } MB), or a photo. Members receive it with the question.
consult-staff-document-current = 📎 A document is attached.
consult-staff-document-none = ➡️ No document
consult-staff-document-refused = This file cannot be attached to a consultation. Only a document ({ $kinds }) or a photo up to { $max_mb } MB is accepted. Videos, voice and audio messages, stickers and animations are not.
consult-staff-kind-prompt =
    Step 5. What do you ask members?

    <b>Position</b>: members choose "Support", "Support with amendments" (and write which), "Oppose" or "No opinion".
    <b>Priorities</b>: members choose several of the options you give.
consult-staff-kind-position = ⚖️ Position on a draft
consult-staff-kind-priorities = 📋 Priorities
consult-staff-kind-priorities-summary = priorities: up to { $max } of { $options }
consult-staff-options-prompt =
    Step 6. Send the options in one message, one per line, from 2 to { $max_options }. Each option becomes a button's label, so keep them short.
    To add an English translation, write it on the same line after a bar: "Дороги | Roads".
consult-staff-options-current =
    The options now:
    { $options_text }
consult-staff-max-choices-prompt = Step 7. At most how many options may each member choose?
consult-staff-audience-prompt =
    Step 8. Whom do you ask?

    🏛 <b>Associations:</b> { $associations }
    🗺 <b>Oblasts:</b> { $oblasts }
    👔 <b>Positions:</b> { $roles }

    Members matching all the chosen conditions receive the consultation, including those whose membership is not yet confirmed (their answers are shown apart in the results); "all" means no restriction.
    <b>It would now reach:</b> { $count } { $count ->
        [one] member
       *[other] members
    }.
consult-staff-audience-staff-note = You can run consultations only among the members of: { $own }.
consult-staff-audience-everyone = 👥 All members
consult-staff-audience-everyone-own = 👥 All members of { $own }
consult-staff-associations-prompt = 🏛 Tick the associations whose members to ask. If none is ticked, members of all the associations you may ask receive the consultation.
consult-staff-oblasts-prompt =
    🗺 Tick the oblasts whose members to ask; turn pages with the arrow buttons. If none is ticked, members from all oblasts receive the consultation.

    Chosen: { $chosen }
consult-staff-roles-prompt = 👔 Tick the positions of the members to ask. If none is ticked, members in all positions receive the consultation.
consult-staff-closing-prompt =
    Step 9. Until when are answers accepted? Choose with a button or send a date and time in Kyiv time, for example: { $example }.
consult-staff-closing-current = Chosen now: until { $chosen }.
consult-staff-closing-in = { $days ->
    [one] In { $days } day
   *[other] In { $days } days
}: until { $date }
consult-staff-closing-bad = The date could not be read. Send the date and time like this: { $example }, or choose with a button.
consult-staff-visibility-prompt =
    Step 10. Do secretariat staff see individual members' answers?

    If so, each association's secretariat staff see the answers of their own association's members only. Members always see aggregated results only.
consult-staff-visible-yes-button = 👁 Yes, they do
consult-staff-visible-no-button = 🙈 No, totals only
consult-staff-visible-yes = secretariat staff see the answers of their associations' members
consult-staff-visible-no = aggregated results only

consult-staff-question-empty = The text is empty. Please send the question.
consult-staff-text-expected = This step needs text sent as a message. Stickers, voice messages, videos and files are not accepted here; a document can be attached at step 4.

consult-staff-preview-intro = 👁 <b>Preview.</b> Below is the consultation exactly as members will receive it. The buttons in the preview send nothing.
consult-staff-preview-intro-both = 👁 <b>Preview.</b> Below are the Ukrainian and English versions exactly as members will receive them. The buttons in the preview send nothing.
consult-staff-preview-failed = The preview could not be shown: Telegram did not accept the message. Check the text and the document and try again.
consult-staff-preview =
    🗳 <b>Check the consultation</b>

    <b>Title:</b> { $title }
    <b>Kind:</b> { $kind }
    <b>Recipients:</b> { $count }
    <b>Audience:</b> { $audience }
    <b>Answers accepted until:</b> { $closes } (Kyiv time)
    <b>Individual answers:</b> { $visibility }
    <b>English version:</b> { $english }
    <b>Document:</b> { $document }
consult-staff-preview-ready = Send the consultation now? After confirming, the delivery can be paused or cancelled.
consult-staff-preview-empty = ⚠️ No member the bot can message matches the chosen audience: there is nobody to send it to. Change the audience with "Change".
consult-staff-audience-everyone-summary = all members
consult-staff-audience-own-summary = all members of { $own }
consult-staff-confirm = ✅ Send the consultation

consult-staff-edit-prompt = ✏️ What do you change in the consultation?
consult-staff-edit-title = Title
consult-staff-edit-question-uk = Question in Ukrainian
consult-staff-edit-question-en = English version
consult-staff-edit-document = Document
consult-staff-edit-kind = Kind
consult-staff-edit-options = Options
consult-staff-edit-max-choices = How many to choose
consult-staff-edit-audience = Audience
consult-staff-edit-closing = Closing time
consult-staff-edit-visibility = Individual answers

consult-staff-created =
    ✅ <b>Consultation No. { $id } accepted for delivery.</b>

    Recipients: { $count }. Answers are accepted until { $closes }. The delivery's progress is in the message below, where it can be paused, resumed or cancelled. Results are in "Consultations".
consult-staff-to-desk = 🗳 To consultations

## The consolidated position

consult-staff-outcome-text-uk-prompt =
    📣 <b>Consolidated position: { $title }</b>

    Send the text of the consolidated position in Ukrainian, in one message. Everyone who was asked receives it, and News shows it with the consultation's title.
consult-staff-outcome-text-en-prompt = Send the same text in English, or press "Skip": everyone will then receive the Ukrainian text.
consult-staff-outcome-document-prompt = If needed, attach a document ({ $kinds }, up to { $max_mb } MB) or a photo, such as the letter to the Cabinet of Ministers. The text becomes its caption.
consult-staff-outcome-empty = The text is empty. Please send the text of the consolidated position.
consult-staff-outcome-text-expected = This step needs text sent as a message; a document can be attached at the next step.
consult-staff-outcome-preview-intro = 👁 <b>Preview.</b> Below is the consolidated position exactly as members will receive it.
consult-staff-outcome-preview =
    📣 <b>Check the consolidated position</b>

    <b>Consultation:</b> { $title }
    <b>Recipients:</b> { $count }

    Send it now? A consultation's consolidated position can be published only once.
consult-staff-outcome-confirm = ✅ Publish
consult-staff-outcome-cancelled = The consolidated position was not sent.
consult-staff-outcome-done =
    ✅ <b>The consolidated position is accepted for delivery.</b>

    Recipients: { $count }. The delivery's progress is in the message below.

## Why a consultation was refused

consult-staff-error-not-allowed = ⛔ Only the bot's administrators and the associations' secretariat staff can run consultations, and only among their own associations' members.
consult-staff-error-not-found = This consultation was not found.
consult-staff-error-empty-title = The title is empty. Please send the consultation's title.
consult-staff-error-title-too-long = The title is too long: { $length } { $length ->
        [one] character
       *[other] characters
    }, and at most { $limit } are allowed. Shorten it and send it again.
consult-staff-error-empty-question = The question is empty. Please send the question's text.
consult-staff-error-too-long = { $language } is too long: with the title and options, { $length } { $length ->
        [one] character
       *[other] characters
    }, and one Telegram message holds at most { $limit }. Shorten it and send it again; your other answers are kept.
consult-staff-error-unsupported-attachment = This document cannot be attached: only documents of common formats and photos are accepted.
consult-staff-error-file-too-large = The file is too large to send to members. Send a smaller one.
consult-staff-error-too-few-options = At least two options are needed, one per line.
consult-staff-error-too-many-options = Too many options: { $length }, and at most { $limit } are allowed.
consult-staff-error-empty-option = One of the options is empty. Send the options again, one per line.
consult-staff-error-option-too-long = An option is too long: a button holds at most { $limit } { $limit ->
        [one] character
       *[other] characters
    }. Shorten it and send the options again.
consult-staff-error-bad-max-choices = Members may choose from one to { $limit } { $limit ->
        [one] option
       *[other] options
    }.
consult-staff-error-bad-choice = A position consultation needs no options.
consult-staff-error-closes-in-past = This time has passed. Choose a closing time in the future.
consult-staff-error-closes-too-late = Too far ahead: a consultation may last at most 90 days.
consult-staff-error-empty-audience = No member the bot can message matches the chosen audience. Change the audience.
consult-staff-error-still-open = The consultation is still open: the consolidated position can be published once it has closed.
consult-staff-error-empty-text = The text is empty. Please send the text.
consult-staff-error-finished = This consultation's consolidated position has already been published.
consult-staff-error-closed = The consultation has closed.
consult-staff-error-not-in-audience = This consultation was not sent to you.
consult-staff-error-comment-required = The answer "Support with amendments" needs a comment.
consult-staff-error-comment-too-long = The comment is too long: at most { $limit } characters.
consult-staff-error-no-answer = Choose an answer first.

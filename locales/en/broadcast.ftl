## Announcements: composing (staff) and News (members)

broadcast-command = New announcement to association members
broadcast-not-allowed = ⛔ Only the bot's administrators and the associations' secretariat staff can send announcements.
broadcast-cancel = ✖️ Cancel
broadcast-cancelled = Announcement cancelled; nothing was sent.
broadcast-back = ⬅️ Back
broadcast-back-preview = ⬅️ Back to the preview
broadcast-skip = ⏭ Skip
broadcast-next = Next ➡️
broadcast-choose-done = ✅ Done
broadcast-clear = 🧹 Clear all ticks

broadcast-text-uk-prompt =
    📢 <b>New announcement</b>

    Step 1 of 5. Send the text of the announcement in Ukrainian, as one message. Formatting (bold, italics, links) is kept.
    Up to { $text_limit } { $text_limit ->
        [one] character
       *[other] characters
    } including the announcement's header, or up to { $caption_limit } if you add a photo or document.
broadcast-text-expected = This step needs the announcement's text, sent as a message. Stickers, voice messages, videos and files are not accepted here; a photo or document can be added at step 3.
broadcast-text-empty = The text is empty. Please send the text of the announcement.
broadcast-text-too-long =
    The text is too long: { $length } { $length ->
        [one] character
       *[other] characters
    } including the header, and one Telegram message holds at most { $limit }. Shorten it and send it again; your other answers are kept.
broadcast-caption-too-long =
    The text is too long for a caption: { $length } { $length ->
        [one] character
       *[other] characters
    } including the header, and Telegram allows at most { $limit } in the caption of a photo or document. Shorten the text and send it again, or go back to step 3 and remove the attachment.

broadcast-text-en-prompt =
    Step 2 of 5. Send the same text in English: members who chose English get it.
    If there is no English version, press "Skip": everyone then gets the Ukrainian text.
broadcast-text-en-remove = 🗑 Remove the English version

broadcast-attachment-prompt =
    Step 3 of 5. If needed, add one photo or one document ({ $kinds }, up to { $max_mb } MB). The text then becomes its caption, so with the header it must fit in { $caption_limit } { $caption_limit ->
        [one] character
       *[other] characters
    }.
broadcast-attachment-current-photo = 📎 Photo added.
broadcast-attachment-current-document = 📎 Document "{ $name }" added.
broadcast-attachment-none = ➡️ No attachment
broadcast-attachment-remove = 🗑 Remove the attachment
broadcast-attachment-refused = This file cannot be added to an announcement. Only a photo or a document ({ $kinds }) of up to { $max_mb } MB is accepted. Videos, voice and audio messages, stickers and animations are not.
broadcast-attachment-bad-document = The document "{ $name }" cannot be added: documents in { $kinds } of up to { $max_mb } MB are accepted.

broadcast-too-long =
    ✂️ <b>The announcement does not fit in one Telegram message</b>

    { $lines }

    Shorten the text or, if there is an attachment, send the announcement without it: without an attachment up to { $text_limit } { $text_limit ->
        [one] character
       *[other] characters
    } fit.
broadcast-too-long-line =
    { $language }: { $length } { $length ->
        [one] character
       *[other] characters
    } including the header, at most { $limit }.
broadcast-language-uk = Ukrainian text
broadcast-language-en = English text
broadcast-shorten-uk = ✏️ Shorten the Ukrainian text
broadcast-shorten-en = ✏️ Shorten the English text
broadcast-drop-attachment = 🗑 Send without the attachment

broadcast-audience-prompt =
    Step 4 of 5. Who should receive the announcement?

    🏛 <b>Associations:</b> { $associations }
    🗺 <b>Oblasts:</b> { $oblasts }
    👔 <b>Positions:</b> { $roles }

    Verified members who match all the chosen conditions at once receive it; "all" means no restriction.
broadcast-audience-staff-note = You can send announcements only to members of: { $own }.
broadcast-audience-any = all
broadcast-audience-own = all you may address ({ $own })
broadcast-audience-everyone = 👥 All verified members
broadcast-audience-everyone-own = 👥 All members of: { $own }
broadcast-audience-associations = 🏛 Associations
broadcast-audience-oblasts = 🗺 Oblasts
broadcast-audience-roles = 👔 Positions
broadcast-associations-prompt = 🏛 Tick the associations whose members should receive the announcement. With none ticked, members of every association you may address receive it.
broadcast-oblasts-prompt =
    🗺 Tick the oblasts whose members should receive the announcement; turn the pages with the arrow buttons. With none ticked, members from every oblast receive it.

    Chosen: { $chosen }
broadcast-roles-prompt = 👔 Tick the positions of the members who should receive the announcement. With none ticked, members in every position receive it.

broadcast-urgent-prompt =
    Step 5 of 5. Is the announcement urgent?

    Urgent announcements also reach members who muted non-urgent ones, and the header is marked "❗ Urgent". Mark as urgent only what truly cannot wait.
broadcast-urgent-yes = ❗ Yes, urgent
broadcast-urgent-no = No, normal

broadcast-preview-intro = 👁 <b>Preview.</b> Below is the announcement exactly as members will receive it.
broadcast-preview-intro-both = 👁 <b>Preview.</b> Below are the Ukrainian and English versions exactly as members will receive them.
broadcast-preview =
    📢 <b>Check the announcement</b>

    <b>Recipients:</b> { $count }
    <b>Audience:</b> { $audience }
    <b>Urgency:</b> { $urgency }
    <b>English version:</b> { $english }
    <b>Attachment:</b> { $attachment }
broadcast-preview-ready = Send the announcement now? Once confirmed, sending can be paused or cancelled.
broadcast-preview-empty = ⚠️ No verified member the bot can message matches the chosen audience: there is nobody to send to. Change the audience with "Edit".
broadcast-preview-failed = The preview could not be shown: Telegram did not accept the message. Check the text and the attachment and try again.
broadcast-audience-summary = associations: { $associations }; oblasts: { $oblasts }; positions: { $roles }
broadcast-audience-everyone-summary = all verified members
broadcast-audience-own-summary = all members of: { $own }
broadcast-urgency-urgent = ❗ urgent
broadcast-urgency-normal = normal
broadcast-english-yes = yes
broadcast-english-no = none (English-speaking members get the Ukrainian text)
broadcast-attachment-photo = photo
broadcast-attachment-document = document "{ $name }"
broadcast-attachment-nothing = none
broadcast-confirm = ✅ Send
broadcast-edit = ✏️ Edit

broadcast-edit-prompt = ✏️ What would you like to change?
broadcast-edit-text-uk = Ukrainian text
broadcast-edit-text-en = English version
broadcast-edit-attachment = Attachment
broadcast-edit-audience = Audience
broadcast-edit-urgent = Urgency

broadcast-created =
    ✅ <b>Announcement No. { $id } is queued for sending.</b>

    Recipients: { $count }. The progress is in the message below, where sending can be paused, resumed or cancelled.

news-title =
    📰 <b>News</b>

    The latest announcements of the associations for you, newest first. Choose one to read it in full.
news-empty =
    📰 <b>News</b>

    There are no announcements for you yet. When an association sends one, you will receive it and it will be kept here.
news-unverified =
    📰 <b>News</b>

    Association announcements go to members whose membership a secretariat has confirmed. Once yours is confirmed, you will receive them and find them listed here.
news-item-button = { $date } · { $snippet }
news-item-button-urgent = ❗ { $date } · { $snippet }
news-back = ⬅️ Back to News
news-unavailable = This announcement is not available to you.

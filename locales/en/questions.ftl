## Questions to the experts: what the member receives, and the staff side (cards, /bind, /questions).

questions-answer-header =
    💬 <b>Answer from the experts of { $associations }</b> to your question
    <i>"{ $question }"</i>

## The card in the staff group, in the group's language

desk-card-title = ❓ <b>Question No. { $id }</b> · { $associations }
desk-card-member = 👤 { $name }, { $role }
desk-card-place = 📍 { $place }
desk-card-phone = 📞 { $phone }
desk-card-phone-shared = 📞 A phone number was shared: see it in /questions in your private chat with the bot
desk-card-no-phone = 📞 No phone number shared
desk-card-status = { $status ->
    [verified] ✅ Membership confirmed
    [rejected] ❌ Membership not confirmed
   *[other] ⏳ Membership not yet confirmed
}
desk-card-language = 🗣 The member's language: { $language }
desk-card-truncated = ✂️ The question is long and shortened here. The full text is behind the "Answer in private chat" button.
desk-card-open = ↩️ To answer the member, reply to this card. A message starting with // stays internal: the member does not see it.
desk-card-answered = ✅ Answered by { $name }, { $time }
desk-card-draft = 📝 Knowledge-base draft created (No. { $draft })
desk-language-uk = Ukrainian
desk-language-en = English
desk-no-name = no name
desk-button-reply = ✍️ Answer in private chat
desk-button-draft = 📝 Knowledge-base draft

## Replies to cards in the group

desk-answer-sent = ✅ The answer was sent to the member.
desk-answer-undelivered = ⚠️ The answer is saved but could not be delivered: the member has probably blocked the bot.
desk-answer-not-staff = ⛔ Only the staff of the association the question is addressed to can answer it.
desk-answer-text-only = The answer must be a text message.

## Binding a group to an association

desk-bind-admins-only = ⛔ Only a bot administrator can bind a group to an association.
desk-bind-usage =
    For this group to receive members' questions, send /bind and the association's code, for example: /bind vag

    Association codes:
    { $codes }

    The language of the cards can follow the code: /bind vag uk or /bind vag en.
desk-bind-current = This group now receives questions for: { $associations }.
desk-bind-cannot-post = ⚠️ The bot cannot post in the group "{ $title }". Allow it to send messages and repeat /bind.
desk-bind-bound =
    ✅ Group bound: members' questions for { $association } will arrive here.
    This group receives questions for: { $associations }. Language of the cards: { $language }.

    To answer a member, reply to the question's card. For the list of open questions, send /questions to the bot in private chat.
desk-bind-moved =
    ✅ Members' questions for { $association } will now arrive in this group instead of the previous one.
    This group receives questions for: { $associations }. Language of the cards: { $language }.
desk-bind-already =
    This group already receives questions for { $association }.
    This group receives questions for: { $associations }. Language of the cards: { $language }.
desk-unbind-done = The group is unbound from: { $associations }. New questions will no longer arrive here.
desk-unbind-none = This group does not receive questions for any association.

## Knowledge-base drafts (button answers: at most 200 characters)

desk-draft-created = 📝 Draft No. { $draft } saved. An editor exports it with "hromada-bot kb drafts".
desk-draft-exists = Draft No. { $draft } already exists for this question.
desk-draft-not-answered = Answer the question first.

## Rights and stale links

desk-no-rights = ⛔ This is available to the associations' secretariat staff only.
desk-not-your-question = ⛔ This question is addressed to another association: only its staff can answer it.
desk-question-not-found = Question not found: the link may be out of date.

## /questions and the reply dialog in private chat

desk-list-title =
    📥 <b>Open questions: { $total }</b>
    Newest first. Choose a question to answer it.
desk-list-more = Showing the newest { $shown }.
desk-list-empty = 📭 No open questions. New ones will appear here and in the secretariat's group.
desk-list-item = No. { $id } · { $text }
desk-answer-prompt = ✍️ Send the answer as one text message. The member will receive it in their chat with the bot on behalf of { $associations }.
desk-answer-again = ℹ️ This question has been answered already. The member will receive your answer in addition.
desk-full-question = 📄 Full text of the question
desk-back-to-list = ⬅️ Back to the list
desk-preview-title = 👀 <b>This is how the member will see your answer:</b>
desk-preview-parts = The answer is long: the member will receive it in several messages ({ $count }).
desk-send = ✅ Send
desk-edit = ✏️ Edit
desk-cancel = ✖️ Cancel
desk-sent = ✅ The answer to question No. { $id } was sent to the member. The card in the group is updated.
desk-sent-undelivered = ⚠️ The answer to question No. { $id } is saved but could not be delivered: the member has probably blocked the bot.
desk-text-only = Please send the answer as text, without photos, files or stickers.

## Command descriptions

desk-command-questions = Open questions from members
desk-command-bind = Bind this group to an association
desk-command-unbind = Unbind this group from an association

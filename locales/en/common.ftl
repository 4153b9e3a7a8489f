common-menu = 🏠 Main menu
common-back = ⬅️ Back
common-next = Next ➡️

language-uk = 🇺🇦 Українська
language-en = 🇬🇧 English
language-prompt = Choose the language the bot speaks to you in:
language-changed = Language changed: English.

command-start = Start using the bot
command-menu = Main menu
command-profile = My profile
command-language = Change language
command-help = Help
command-cancel = Cancel the current action
command-invite = Invitations for secretariat staff

cancel-done = Cancelled.
cancel-registration = Registration stopped. Send /start to begin again.

error-text-expected = Please send your answer as text.
error-use-buttons = At this step, please choose one of the buttons under the message.
error-unknown-command = There is no such command. See /help for the list.
error-not-understood = Sorry, I could not understand that message. Please use the buttons below.
error-stale-button = That button is out of date. Here is the current menu.
error-unexpected = Something went wrong. Please try again a little later; your data is safe.

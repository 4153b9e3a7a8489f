menu-welcome = 🎉 Registration complete. Thank you!
menu-title = 🏠 <b>Main menu</b>
    Welcome, { $name }! What would you like to do?
menu-unverified = ⏳ Your membership has not been confirmed by an association's secretariat yet. You will be notified once it is.
menu-rejected = ❗️ The secretariat could not confirm your membership, so reports and questions to the experts are not available to you. If your hromada or associations are wrong, correct them in /profile and write to your association's secretariat to have the decision reviewed.
menu-reforms = 📚 Reforms
menu-ask = ✍️ Ask
menu-ask-hint = 💬 A question about the reforms? Just type it as a message.
menu-profile = 👤 My profile
menu-language = 🌐 Мова / Language
menu-news = 📰 News
menu-help = ❓ Help
menu-staff-invites = 👥 Staff and invitations
menu-broadcast = 📢 New announcement

help-text =
    ℹ️ <b>Help</b>

    This bot is the joint platform of Ukraine's three national associations of local self-government: VAG, the Association of ATH and UAROR.

    <b>Commands:</b>
    /start — start or continue registration
    /menu — main menu
    /profile — your data, and changing it
    /language — language
    /privacy — your data: the privacy notice, download, delete
    /cancel — cancel the current action
    /help — this help

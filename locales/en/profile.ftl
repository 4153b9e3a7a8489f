profile-view =
    👤 <b>My profile</b>

    <b>Name:</b> { $name }
    <b>Position:</b> { $role }
    <b>Oblast:</b> { $oblast }
    <b>Hromada:</b> { $hromada }
    <b>Associations:</b> { $associations }
    <b>Phone:</b> { $phone }
    <b>Language:</b> { $language }
    <b>Status:</b> { $status }
profile-not-registered = You have not registered yet. Send /start to begin.
profile-register-first = Please finish registration first; it takes a minute.
profile-associations-unsure = not specified
profile-phone-none = not given
profile-status-unverified = ⏳ awaiting confirmation by a secretariat
profile-status-verified = ✅ confirmed
profile-status-rejected = ❌ not confirmed
profile-edit-name = ✏️ Name
profile-edit-role = ✏️ Position
profile-edit-oblast = ✏️ Oblast and hromada
profile-edit-associations = ✏️ Associations
profile-edit-phone = ✏️ Phone
profile-edit-language = 🌐 Language
profile-announcements-all = <b>Announcements:</b> 🔔 you receive all of them. If you mute the non-urgent ones, urgent announcements still arrive, and every announcement stays in "📰 News".
profile-announcements-muted = <b>Announcements:</b> 🔕 only urgent ones arrive. You can read all the others in "📰 News".
profile-mute = 🔕 Mute non-urgent announcements
profile-unmute = 🔔 Receive all announcements
profile-muted-done = Non-urgent announcements muted. Urgent ones will still arrive.
profile-unmuted-done = You will receive all announcements again.
profile-review-again = 📨 Your corrected profile has been sent to the association's secretariat for confirmation again. Until they confirm it, the bot works for you as for a newly registered member.

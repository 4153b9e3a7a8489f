staff-no-rights = ⛔ Only the bot's administrators can do this.
staff-unknown-association = There is no such association. Choose one from the list.

invites-choose-association = 🔑 Which association is the one-time secretariat staff invite for?
invites-link =
    🔑 Invite for a secretariat officer of <b>{ $association }</b>:

    { $link }

    The link works once and is valid until { $expires }. Send it only to the person you are giving the rights to.
invites-another = ➕ Another invite

invite-granted = ✅ You are now secretariat staff of { $association }.
invite-already-staff = You already are secretariat staff of { $association }.
invite-used = This invite has already been used. Ask an administrator for a new one.
invite-expired = This invite has expired. Ask an administrator for a new one.
invite-unknown = Invite not found. Check the link or ask an administrator for a new one.

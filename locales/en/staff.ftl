staff-no-rights = ⛔ Only the bot's administrators can do this.
staff-unknown-association = There is no such association. Choose one from the list.

invites-choose-association = 🔑 Which association is the one-time secretariat staff invitation for?
invites-link =
    🔑 Invitation for a secretariat officer of <b>{ $association }</b>:

    { $link }

    The link works once and is valid until { $expires }. Send it only to the person you are giving the rights to.
invites-another = ➕ Another invitation

invite-granted = ✅ You are now on the secretariat staff of { $association }.
invite-already-staff = You are already on the secretariat staff of { $association }.
invite-used = This invitation has already been used. Ask an administrator for a new one.
invite-expired = This invitation has expired. Ask an administrator for a new one.
invite-unknown = Invitation not found. Check the link or ask an administrator for a new one.
invite-revoked = This invitation was withdrawn by an administrator. If you need secretariat staff rights, ask for a new one.

staff-command = Staff and invitations
staff-open-list = 👥 Staff and invitations

staff-list-title = 👥 <b>Administrators and secretariat staff</b> ({ $count })
staff-list-page = Page { $page } of { $pages }
staff-list-hint = To revoke a right, press its ✖️ button. Administrators from the ADMIN_IDS setting and your own administrator right are not revoked here.
staff-who-member = <b>{ $name }</b> (id { $id })
staff-who-id = id { $id }
staff-line-admin = • { $who }: administrator since { $since }
staff-line-staff = • { $who }: secretariat staff of { $association } since { $since }
staff-line-settings = • { $who }: administrator from the ADMIN_IDS setting; only changing the setting on the server revokes it
staff-revoke-admin-button = ✖️ { $name } · administrator
staff-revoke-staff-button = ✖️ { $name } · { $association }
staff-page-previous = ◀️
staff-page-next = ▶️
staff-invites-button = 🔗 Invitations still valid
staff-new-invite = 🔑 New invitation
staff-back-list = 👥 Back to the list
staff-back-invites = 🔗 Back to the invitations

staff-confirm-right =
    <b>Revoke this right?</b>

    { $line }

    Access ends at once: their next press of a card button or staff command is refused. The history stays in the audit log.
staff-confirm-right-admin = Invitations this person created that are still valid will be withdrawn as well.
staff-revoke-yes = ✖️ Yes, revoke
staff-right-revoked =
    ✅ <b>Right revoked</b>

    { $line }
staff-right-revoked-still = Their other rights remain: { $still }.
staff-right-revoked-invites = Their invitations still valid were withdrawn as well: { $withdrawn }.
staff-still-admin = administrator
staff-still-staff = secretariat staff of { $association }
staff-right-gone = This right no longer exists: it has already been revoked.
staff-right-own = Your own administrator right is not revoked here: ask another administrator, or use the command line on the server.
staff-right-settings = This administrator comes from the ADMIN_IDS setting: only changing the setting on the server revokes the right.

staff-invites-title = 🔗 <b>Invitations still valid</b> ({ $count })
staff-invites-hint = To withdraw an invitation, press its ✖️ button.
staff-invites-none = 🔗 No invitation is valid now: all were used, withdrawn or have expired.
staff-invite-line = • { $association }: created by { $who } on { $created }, valid until { $expires }
staff-revoke-invite-button = ✖️ { $association } · until { $expires }
staff-confirm-invite =
    <b>Withdraw this invitation?</b>

    { $line }

    Whoever opens the link is told it was withdrawn and gets no rights.
staff-invite-revoked =
    ✅ <b>Invitation withdrawn</b>

    { $line }
staff-invite-gone = This invitation is no longer valid: it was used, withdrawn or has expired.

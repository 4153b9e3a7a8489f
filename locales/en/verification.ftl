# Member verification: cards in staff groups, decisions, messages to the member.

verify-card-title = 🪪 <b>New member: please confirm the membership</b>
verify-card-member = 👤 { $name }, { $role }
verify-card-place = 📍 { $place }
verify-card-associations = 🏛 Associations: { $associations }
verify-card-unsure = 🏛 The member did not say which association: every secretariat has this card.
verify-card-phone-shared = 📞 A phone number was shared; it is not shown in the group: the "📞 Phone number" button shows it in your private chat with the bot.
verify-card-no-phone = 📞 No phone number given
verify-card-registered = 🕓 Registered: { $time }
verify-card-pending = Does this person represent a hromada or council that belongs to the association? Approve or reject the membership.
verify-card-approved = ✅ Membership approved by { $name }, { $time }
verify-card-rejected = ❌ Membership rejected by { $name }, { $time }
verify-no-name = no name
verify-someone = a secretariat officer
verify-button-approve = ✅ Approve
verify-button-reject = ❌ Reject
verify-button-phone = 📞 Phone number

verify-done-approved = ✅ Membership approved; the member has been told.
verify-done-rejected = ❌ Membership rejected; the member has been told.
verify-done-undelivered = The decision is saved, but the message to the member could not be delivered.
verify-already-approved = This member's membership was already approved by { $name }.
verify-already-rejected = This member's membership was already rejected by { $name }.
verify-not-staff = ⛔ Only staff of the member's association can confirm a membership.
verify-member-not-found = This member is not registered: they may have deleted their profile.
verify-stale-button = That button is out of date.
verify-phone =
    👤 { $name }, { $role }
    📞 { $phone }

    The number was shared only to contact the member about their membership; please do not pass it on.
verify-phone-none = The member has not shared a phone number.

verify-member-approved = ✅ The association's secretariat has confirmed your membership. Thank you for being with us!
verify-member-rejected =
    The association's secretariat could not confirm your membership from your profile.

    Please check in your profile (/profile) that your hromada and the associations it belongs to are right: once you correct them, your profile goes back to the secretariat for confirmation. If everything is correct, please contact your association's secretariat.

"""Everything the bot sends outside a dialog's own window, in one layer.

Staff cards (posting, refreshing, following a group's migration, stopping at a group that removed
the bot), member notifications, announcement copies and their progress messages, digests. Dialog
handlers and the background workers call into this package; services never do: the ones that need
to send receive an object from the wiring (`bot/app.py`). Outside `dialogs/`, this is the only layer
that talks to aiogram's `Bot`.
"""

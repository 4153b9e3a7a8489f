# Shown when the database or Redis cannot be reached: the bot answers without either of them.
outage-notice = ⚠️ The service is temporarily unavailable. Please try again in a few minutes.

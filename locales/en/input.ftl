# What people type: the rule every text step shares (bot/services/text_input.py).

input-no-letters = The text needs at least one letter or digit: emoji, punctuation and invisible characters do not count. Please send it again.

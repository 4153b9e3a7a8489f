# What people type: the rule every text step shares (bot/services/text_input.py).

input-no-letters = У тексті має бути хоча б одна літера або цифра: емодзі, розділові знаки й невидимі символи не враховуються. Надішліть, будь ласка, ще раз.

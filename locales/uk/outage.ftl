# Shown when the database or Redis cannot be reached: the bot answers without either of them.
outage-notice = ⚠️ Сервіс тимчасово недоступний. Будь ласка, спробуйте ще раз за кілька хвилин.

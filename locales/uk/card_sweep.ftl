# Cards sweep: the entry a report's history shows for a card the sweep posted.
queue-history-card-swept = 🧹 Картку звернення опубліковано в групі під час повторної перевірки (звичайна публікація не відбулася)

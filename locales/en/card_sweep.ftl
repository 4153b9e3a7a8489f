# Cards sweep: the entry a report's history shows for a card the sweep posted.
queue-history-card-swept = 🧹 The report's card was posted to the group by the follow-up check (the usual posting had not happened)

# When the bot will not take a report or a question to the experts (dialogs/filing_texts.py).
filing-today = today at { $time }
filing-tomorrow = tomorrow at { $time }
filing-on = on { $moment }

filing-report-limit-verified =
    ⏳ You have filed { $limit } { $limit ->
        [one] report
       *[other] reports
    } in the last 24 hours, the most the bot accepts from one member in a day. You can send the next one { $when }.

    Your report is not lost: it is saved as a draft. Send it then with "📨 Submit", or through "📝 Report an issue" in the menu.
filing-report-limit-pending =
    ⏳ Until the secretariat confirms your membership, the bot accepts at most { $limit } { $limit ->
        [one] report
       *[other] reports
    } from you in 24 hours, and you have filed them. You can send the next one { $when }.

    Your report is not lost: it is saved as a draft. Send it then with "📨 Submit", or through "📝 Report an issue" in the menu.
filing-report-rejected =
    ❗️ The association's secretariat did not confirm your membership, so the bot does not accept reports from you.

    If your hromada or associations are wrong in your profile, correct them in /profile: the corrected profile goes back to the secretariat for confirmation. If everything is correct, please contact your association's secretariat.

filing-question-limit-verified =
    ⏳ You have sent { $limit } { $limit ->
        [one] question
       *[other] questions
    } to the experts in the last 24 hours, the most the bot accepts from one member in a day. You can send the next one { $when }.

    Your question is not lost: it is below, send it again then. The knowledge base answers in the meantime.
filing-question-limit-pending =
    ⏳ Until the secretariat confirms your membership, the bot accepts at most { $limit } { $limit ->
        [one] question
       *[other] questions
    } to the experts from you in 24 hours, and you have sent them. You can send the next one { $when }.

    Your question is not lost: it is below, send it again then. The knowledge base answers in the meantime.
filing-question-rejected =
    ❗️ The association's secretariat did not confirm your membership, so the bot does not send your questions to the experts. The knowledge base is still there for you.

    If your hromada or associations are wrong in your profile, correct them in /profile: the corrected profile goes back to the secretariat for confirmation. If everything is correct, please contact your association's secretariat.

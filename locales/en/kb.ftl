kb-topics-title = 📚 <b>Reforms: knowledge base</b>
    Choose a topic, or just type your question as a message.
kb-entries-title = 📚 <b>{ $topic }</b>
    Choose an article:
kb-back-topics = ⬅️ Topics
kb-back = ⬅️ Back
kb-read-more = 📖 Read more
kb-helpful = 👍 Helpful
kb-not-helpful = 👎 Not helpful
kb-feedback-thanks = Thank you for your feedback!
kb-feedback-sorry = Thank you! You can ask the association's experts your question.
kb-entry-missing = This article is no longer in the knowledge base. Choose another one or ask a question.
kb-entry-sources = 🔗 Sources: { $sources }
kb-entry-legal-basis = ⚖️ Legal basis: { $basis }
kb-entry-checked = 🗓 Last checked: { $date }

kb-ask-button = ✍️ Ask a question
kb-ask-prompt = ✍️ Type your question in one message, in your own words, in Ukrainian or English.
    For example: <i>how does a hromada submit a project to DREAM</i>
kb-ask-empty = Please type your question as text.
kb-ask-text-only = Questions can only be text. Please type yours as a message.
kb-ask-another = ✍️ Another question
kb-results-found = 🔎 Found for "{ $query }":
kb-results-maybe = 🤔 The knowledge base has no clear answer to "{ $query }". These may help:
    
    If they don't, send the question to the association's experts.
kb-results-nothing = 🤔 The knowledge base has no answer to "{ $query }".
    
    You can send it to the association's experts; their answer will come to this chat.
kb-to-experts = 📨 Send the question to the experts

kb-escalate-confirm = 📨 <b>Send this question to the experts?</b>
    
    "{ $query }"
    
    It will go to the secretariat staff of: { $associations }. The answer will come to this chat.
kb-escalate-send = ✅ Send
kb-escalate-rewrite = ✏️ Rewrite
kb-escalate-sent = ✅ Question No. { $question_id } has been sent to the experts ({ $associations }). The answer will come to this chat.
kb-escalate-too-short = The question is too short: please say what exactly you would like to know.
kb-escalate-too-long = The question is too long to send to the experts: at most { $limit } { $limit ->
        [one] character
       *[other] characters
    }. Please shorten it.
kb-escalate-register-first = To send a question to the experts, please finish registration first (/start).
# For members whose membership was rejected: no "send to the experts" (dialogs/filing_texts.py).
kb-results-maybe-only = 🤔 The knowledge base has no clear answer to "{ $query }". These may help:
kb-results-nothing-only = 🤔 The knowledge base has no answer to "{ $query }". Try putting it differently, or choose a topic in "📚 Reforms".

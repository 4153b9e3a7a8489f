"""Every dialog's states, in one place."""

from aiogram.fsm.state import State, StatesGroup


class Registration(StatesGroup):
    language = State()
    consent = State()
    declined = State()
    name = State()
    role = State()
    oblast = State()
    hromada = State()
    hromada_pick = State()
    associations = State()
    phone = State()


class Menu(StatesGroup):
    main = State()
    help = State()


class Profile(StatesGroup):
    view = State()


class LanguageChoice(StatesGroup):
    choose = State()


class StaffInvites(StatesGroup):
    association = State()
    link = State()


class StaffAccess(StatesGroup):
    rights = State()
    confirm_right = State()
    right_revoked = State()
    invites = State()
    confirm_invite = State()
    invite_revoked = State()


class Knowledge(StatesGroup):
    topics = State()
    entries = State()
    entry = State()
    full = State()
    ask = State()
    results = State()
    escalate = State()
    sent = State()


class ExpertDesk(StatesGroup):
    questions = State()
    question = State()
    preview = State()
    sent = State()


class ReportForm(StatesGroup):
    category = State()
    resume = State()
    unregistered = State()
    refused = State()  # a rejected member
    urgency = State()
    title = State()
    description = State()
    attachments = State()
    residents = State()
    groups = State()
    dream = State()
    similar = State()
    joined = State()
    preview = State()
    submitted = State()


class MyReports(StatesGroup):
    list = State()
    report = State()
    withdraw = State()
    answer = State()
    answered = State()


class Queue(StatesGroup):
    list = State()
    filter = State()
    report = State()


class ReportDesk(StatesGroup):
    reply = State()
    preview = State()
    sent = State()


class BroadcastCompose(StatesGroup):
    refused = State()
    text_uk = State()
    text_en = State()
    attachment = State()
    too_long = State()
    audience = State()
    associations = State()
    oblasts = State()
    roles = State()
    urgent = State()
    preview = State()
    edit = State()
    done = State()


class News(StatesGroup):
    list = State()
    item = State()


class Privacy(StatesGroup):
    notice = State()
    confirm = State()


class ConsultDesk(StatesGroup):
    refused = State()
    list = State()
    card = State()


class ConsultCompose(StatesGroup):
    refused = State()
    title = State()
    question_uk = State()
    question_en = State()
    document = State()
    kind = State()
    options = State()
    max_choices = State()
    audience = State()
    associations = State()
    oblasts = State()
    roles = State()
    closing = State()
    visibility = State()
    preview = State()
    edit = State()
    done = State()


class ConsultOutcome(StatesGroup):
    refused = State()
    text_uk = State()
    text_en = State()
    document = State()
    preview = State()
    done = State()


class ConsultResults(StatesGroup):
    """Started with `data={"consultation_id": id}`; Back returns to the starting dialog."""

    main = State()


class ConsultComment(StatesGroup):
    """A member's comment on their consultation answer; started with `data` naming the
    consultation, the answer it goes with, and the consultation message to edit."""

    text = State()
    saved = State()


class ConsultList(StatesGroup):
    """The open consultations a member was asked."""

    list = State()

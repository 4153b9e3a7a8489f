"""Dialog ids: two dialogs a member starts within one second must not share an id."""

from __future__ import annotations

from aiogram_dialog.api.entities import stack as dialog_stack

from dialogs.common import distinct_intent_ids
from tests.flows.harness import App


def test_a_hundred_dialogs_started_in_one_second_get_a_hundred_ids(app: App) -> None:
    # `app` builds the dispatcher, which installs the ids; aiogram-dialog's own would repeat
    # one in a hundred, so among a hundred almost surely (1 - 100!/100**100).
    ids = [dialog_stack.new_id() for _ in range(100)]
    assert len(set(ids)) == 100
    longest = max(len(i) for i in ids)
    assert longest <= 6, "as short in callback data as aiogram-dialog's own ids"
    installed = dialog_stack.new_int_id
    distinct_intent_ids()  # a second dispatcher changes nothing
    assert dialog_stack.new_int_id is installed

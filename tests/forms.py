"""The registration most service and flow tests start from: a hromada head in Vinnytsia oblast."""

from __future__ import annotations

from typing import Any

from bot.services.members import RegistrationForm

VINNYTSIA = "UA05000000000010236"


def head_form(**changes: Any) -> RegistrationForm:
    """Олена Петренко, head of the Іллінецька hromada (typed, not picked from the codifier), in
    VAG; `changes` replace any of the form's fields."""
    values: dict[str, Any] = {
        "full_name": "Олена Петренко",
        "role": "hromada_head",
        "oblast_code": VINNYTSIA,
        "hromada_code": None,
        "hromada_text": "Іллінецька",
        "association_codes": ["vag"],
    }
    return RegistrationForm(**(values | changes))

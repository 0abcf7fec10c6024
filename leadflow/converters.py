"""Path converters shared by every app's URLs."""

from __future__ import annotations

from leadflow.forms import MAX_STORED_INT


class StoredIdConverter:
    """`<id:lead_id>`: a primary key in ASCII digits that the database can hold. A longer
    number is no such page (404), never an overflow in the query (500)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_STORED_INT:
            raise ValueError(f"{value} is not a stored id")
        return number

    def to_url(self, value: int) -> str:
        return str(value)

"""The last check before a row is written: text that its column cannot hold is refused.

Services validate what they know about; this catches the rest in one place,
as a coded error instead of a driver failure in the middle of a write.
PostgreSQL enforces VARCHAR lengths and refuses NUL characters; SQLite would
store both silently, so the same input would behave differently per backend.
"""

from __future__ import annotations

from sqlalchemy import String, inspect
from sqlalchemy.orm import Session

from arapi.errors import ArapiError, CommonErrorCode
from arapi.inputs import text_problem


def refuse_unstorable_text(session: Session, _context, _instances) -> None:
    """``before_flush`` hook: every new or changed string value must fit its column."""
    for obj in (*session.new, *session.dirty):
        mapper = inspect(obj).mapper
        for attribute in mapper.column_attrs:
            column = attribute.columns[0]
            if not isinstance(column.type, String):  # Text is a String; JSON is not
                continue
            value = getattr(obj, attribute.key)
            if not isinstance(value, str):
                continue
            where = f"{mapper.local_table.name}.{column.name}"
            problem = text_problem(value)
            if problem is not None:
                raise ArapiError(CommonErrorCode.INVALID_INPUT, f"{where} {problem}")
            if column.type.length is not None and len(value) > column.type.length:
                raise ArapiError(
                    CommonErrorCode.INVALID_INPUT,
                    f"{where} is longer than {column.type.length} characters ({len(value)})",
                )

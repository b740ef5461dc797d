from arapi.db.base import Base
from arapi.db.engine import Database, make_engine, normalize_url

__all__ = ["Base", "Database", "make_engine", "normalize_url"]

"""Writing many rows fast: SQLAlchemy Core `insert()` with lists of dicts, in chunks, on one connection.

Rows carry their own primary keys (counted on from the table's largest id) so that children can name
their parents without a round trip per row; PostgreSQL's sequences are moved past them at the end.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Table, func, select, text

CHUNK = 10_000


class Bulk:
    """One connection, ids handed out per table, rows buffered and inserted in chunks."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.dialect = conn.dialect.name
        self._next: dict[str, int] = {}
        self._buffers: dict[str, tuple[Table, list[dict]]] = {}
        self.counts: dict[str, int] = {}

    def new_id(self, table: Table) -> int:
        if table.name not in self._next:
            self._next[table.name] = (self.conn.scalar(select(func.max(table.c.id))) or 0) + 1
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value

    def add(self, table: Table, row: dict) -> None:
        """Queue a row; its table's buffer goes to the database once it holds CHUNK rows."""
        buffer = self._buffers.setdefault(table.name, (table, []))[1]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self._write(table, buffer)

    def add_all(self, table: Table, rows: Iterable[dict]) -> None:
        for row in rows:
            self.add(table, row)

    def flush(self, *tables: Table) -> None:
        """Write what is buffered, parents before children: pass tables in that order (all if none)."""
        names = [t.name for t in tables] if tables else list(self._buffers)
        for name in names:
            if name in self._buffers:
                table, buffer = self._buffers[name]
                self._write(table, buffer)

    def _write(self, table: Table, buffer: list[dict]) -> None:
        """Insert the buffer, after whatever is still buffered for the tables its foreign keys name."""
        for parent in {fk.column.table.name for fk in table.foreign_keys} - {table.name}:
            if parent in self._buffers and self._buffers[parent][1]:
                self._write(*self._buffers[parent])
        if buffer:
            self.conn.execute(table.insert(), buffer)
            self.counts[table.name] = self.counts.get(table.name, 0) + len(buffer)
            buffer.clear()

    # --- the session around the load ----------------------------------------------------------------

    def speed_up(self) -> None:
        """SQLite only, for this connection and the load only: no fsync per commit, a larger cache."""
        if self.dialect == "sqlite":
            for pragma in ("synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY"):
                self.conn.exec_driver_sql(f"PRAGMA {pragma}")
            self.conn.commit()  # end the transaction the statements began

    def back_to_normal(self) -> None:
        if self.dialect == "sqlite":
            self.conn.exec_driver_sql("PRAGMA synchronous=FULL")
            self.conn.exec_driver_sql("PRAGMA cache_size=-2000")
            self.conn.commit()

    def fix_sequences(self) -> None:
        """PostgreSQL: the next id a sequence hands out must lie past the ids written here."""
        if self.dialect != "postgresql":
            return
        for name in self.counts:
            self.conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM \"{name}\"), 1))"))

    def analyze(self) -> None:
        """Fresh statistics, so the planner sees a city and not the empty tables it last measured."""
        self.conn.exec_driver_sql("ANALYZE")

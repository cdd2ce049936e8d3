"""Writing many rows fast: one INSERT per chunk of ~10k rows (the driver's `executemany`), on one connection.

Rows carry their own primary keys (counted on from the table's largest id) so that children can name
their parents without a round trip per row; PostgreSQL's sequences are moved past them at the end.
PostgreSQL takes them with COPY. The rows go to the driver as tuples, with the few conversions SQLAlchemy's column types would have made
(SQLite: datetimes and dates as its text format, JSON as text; PostgreSQL: JSON cast from text), because
SQLAlchemy's per-value processing took most of the time of `conn.execute(table.insert(), dicts)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime

from sqlalchemy import JSON, Connection, Date, DateTime, Table, func, select, text

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
            columns = list(buffer[0])
            sql, conversions = self._statement(table, columns)
            rows = []
            for row in buffer:
                values = [row[name] for name in columns]
                for index, convert in conversions:
                    if values[index] is not None:
                        values[index] = convert(values[index])
                rows.append(tuple(values))
            if self.dialect == "postgresql":
                self._copy(table, columns, rows)
            else:
                self.conn.exec_driver_sql(sql, rows)
            self.counts[table.name] = self.counts.get(table.name, 0) + len(buffer)
            buffer.clear()

    def _copy(self, table: Table, columns: list[str], rows: list[tuple]) -> None:
        """PostgreSQL: COPY … FROM STDIN in the connection's transaction, many times faster than INSERTs."""
        quote = self.conn.dialect.identifier_preparer.quote
        driver = self.conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(
                f"COPY {quote(table.name)} ({', '.join(quote(name) for name in columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _statement(self, table: Table, columns: list[str]) -> tuple[str, list[tuple[int, Callable]]]:
        quote = self.conn.dialect.identifier_preparer.quote
        sqlite = self.dialect == "sqlite"
        mark = "?" if sqlite else "%s"
        marks, conversions = [], []
        for index, name in enumerate(columns):
            kind = table.c[name].type
            if isinstance(kind, JSON):
                conversions.append((index, json.dumps))
                marks.append(mark if sqlite else f"CAST({mark} AS json)")
                continue
            if sqlite and isinstance(kind, DateTime):
                conversions.append((index, _sqlite_datetime))
            elif sqlite and isinstance(kind, Date):
                conversions.append((index, date.isoformat))
            marks.append(mark)
        sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
               f"VALUES ({', '.join(marks)})")
        return sql, conversions

    # --- the session around the load ----------------------------------------------------------------

    def speed_up(self) -> None:
        """SQLite only, for this connection and the load only: no fsync per commit, a larger cache, and
        foreign keys checked once at the end (`check`) rather than row by row."""
        if self.dialect == "sqlite":
            for pragma in ("foreign_keys=OFF", "synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY"):
                self.conn.exec_driver_sql(f"PRAGMA {pragma}")
            self.conn.commit()  # end the transaction the statements began

    def back_to_normal(self) -> None:
        if self.dialect == "sqlite":
            self.conn.exec_driver_sql("PRAGMA synchronous=FULL")
            self.conn.exec_driver_sql("PRAGMA cache_size=-2000")
            self.conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            self.conn.commit()

    def check(self) -> None:
        """SQLite: every foreign key written while checks were off names an existing row (else raise)."""
        if self.dialect == "sqlite":
            broken = self.conn.exec_driver_sql("PRAGMA foreign_key_check").fetchmany(5)
            if broken:
                raise RuntimeError(f"rows naming missing parents (table, rowid, parent, key): {broken}")

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


def _sqlite_datetime(value: datetime) -> str:
    """SQLAlchemy's SQLite storage format (UTC, without the zone: `clock.aware` puts it back when read)."""
    return value.isoformat(" ", "microseconds")[:26]  # "2026-03-01 08:00:00.000000", without "+00:00"

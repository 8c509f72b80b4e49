"""SQLAlchemy 2 scenario for pgsqlite (through psycopg 3), run by tests/drivers.rs.

Connects to the server named by PGSQLITE_TEST_HOST and PGSQLITE_TEST_PORT (user "test",
database "test"). The dialect's first-connect queries, `metadata.create_all` (a foreign
key, a unique constraint, an index), ORM session CRUD through a relationship, a Core
query, a unique violation raised as IntegrityError and rolled back, and reflection of
table names and columns through `inspect` (queries over pg_catalog). Prints one line
per check and exits with status 1 at the first failure.

Reflection of keys, indexes and constraints: test_sqlalchemy_reflection.py.
"""

import decimal
import os
import sys
import traceback

from sqlalchemy import ForeignKey, Numeric, String, create_engine, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "sa_author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    books: Mapped[list["Book"]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "sa_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), index=True)
    price: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2))
    author_id: Mapped[int] = mapped_column(ForeignKey("sa_author.id"))
    author: Mapped[Author] = relationship(back_populates="books")


def main():
    host = os.environ["PGSQLITE_TEST_HOST"]
    port = os.environ["PGSQLITE_TEST_PORT"]
    engine = create_engine(f"postgresql+psycopg://test@{host}:{port}/test")

    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    print("create_all: ok")

    with Session(engine) as s:
        ann = Author(name="ann")
        s.add_all([ann, Book(title="first", price=decimal.Decimal("9.50"), author=ann)])
        s.add(Book(title="second", price=decimal.Decimal("20.25"), author=ann))
        s.commit()
        book = s.scalars(select(Book).where(Book.title == "first")).one()
        assert book.author.name == "ann" and book.price == decimal.Decimal("9.50"), book.price
        book.price = decimal.Decimal("10.25")
        s.commit()
        s.refresh(book)
        assert book.price == decimal.Decimal("10.25"), book.price
        assert [b.title for b in sorted(ann.books, key=lambda b: b.id)] == ["first", "second"]
        s.delete(book)
        s.commit()
        total = s.scalar(select(func.sum(Book.price)))
        assert total == decimal.Decimal("20.25"), total
    print("orm: ok")

    with Session(engine) as s:
        s.add(Author(name="ann"))
        try:
            s.commit()
            raise AssertionError("duplicate name accepted")
        except IntegrityError as e:
            assert e.orig.sqlstate == "23505", e.orig.sqlstate
            s.rollback()
        assert s.scalar(select(func.count()).select_from(Author)) == 1
    print("integrity error: ok")

    insp = inspect(engine)
    tables = sorted(insp.get_table_names())
    assert tables == ["sa_author", "sa_book"], tables
    columns = [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns("sa_book")]
    assert columns == [
        ("id", "INTEGER", False),
        ("title", "VARCHAR(100)", False),
        ("price", "NUMERIC(10, 2)", False),
        ("author_id", "INTEGER", False),
    ], columns
    print("reflection: ok")
    print("all SQLAlchemy checks passed")


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        sys.exit(1)

CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL, email varchar(100) UNIQUE, born date);
CREATE TABLE books (id integer PRIMARY KEY, author_id integer NOT NULL REFERENCES authors(id), title text NOT NULL DEFAULT 'untitled', price numeric(10,2) CHECK (price >= 0), published boolean DEFAULT false);
CREATE INDEX books_title_idx ON books (title);
CREATE VIEW cheap_books AS SELECT id, title FROM books WHERE price < 10;

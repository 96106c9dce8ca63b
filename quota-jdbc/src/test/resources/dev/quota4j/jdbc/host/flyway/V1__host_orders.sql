-- A host application's own first migration, in its own Flyway history.
CREATE TABLE ${host_prefix}orders (id INTEGER NOT NULL PRIMARY KEY, customer VARCHAR(100) NOT NULL);

-- Vigil's first migration: a table that records the stack's own version, so that tooling can
-- tell a Vigil database from any other. Domain tables arrive with the services that own them.
CREATE TABLE vigil_meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO vigil_meta (key, value) VALUES ('schema', 'vigil');

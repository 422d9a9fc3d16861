#!/bin/sh
# Run once per Citus node (coordinator and workers alike) when its volume is first initialised:
# the application's role (not a superuser, as in postgres-init/), its database, and the citus
# extension in it (created by the superuser; the role then uses it).
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v app_password="$KABINET_DB_PASSWORD" <<'SQL'
CREATE ROLE kabinet LOGIN PASSWORD :'app_password'
  NOSUPERUSER NOCREATEDB CREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;
CREATE DATABASE kabinet OWNER kabinet;
REVOKE ALL ON DATABASE kabinet FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE kabinet TO kabinet;
SQL

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname kabinet <<'SQL'
CREATE EXTENSION IF NOT EXISTS citus;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO kabinet;
SQL

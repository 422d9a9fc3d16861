#!/bin/sh
# Run once by the postgres image when its data volume is first initialised (as the superuser,
# over the container's local socket). The application gets its own role that is NOT a
# superuser: it owns the `kabinet` database (so it may create tenant schemas) and may create
# roles (CREATEROLE: each restore_tenant runs pg_restore as a throw-away role that owns only the
# schema being restored). The superuser `postgres` then loses its password, so it can be used
# only from inside the db container: `docker compose exec db psql -U postgres`.
#
# A volume initialised before this script existed has `kabinet` as its superuser. Demote it once:
#   docker compose exec db psql -U kabinet -d postgres -c 'CREATE ROLE postgres SUPERUSER LOGIN'
#   docker compose exec db psql -U postgres -d postgres -c 'ALTER ROLE kabinet NOSUPERUSER CREATEROLE'
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
-- PostgreSQL 15's default already, said out loud: nobody but the owner creates in `public`.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO kabinet;
SQL

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -c "ALTER ROLE \"$POSTGRES_USER\" PASSWORD NULL"

#!/usr/bin/env bash
# Create one login role and one database per Mes Factures service. Each role
# owns its database and may connect to no other database of the server.
#
# The postgres image runs this file once, on the first start with an empty
# data volume. Running it again is safe: it creates what is missing and sets
# each role's password to the current value, which is how passwords are
# rotated (see docs/deployment.md):
#
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/10-service-databases.sh
#
# Each password comes from MF_<SERVICE>_DB_PASSWORD or, for Docker secrets,
# from the file named by MF_<SERVICE>_DB_PASSWORD_FILE. psql connects with the
# usual libpq variables (PGHOST, PGPORT...) as POSTGRES_USER, default postgres.
#
# Keep this file executable: the image then runs it in its own shell instead
# of sourcing it into its entrypoint, where `set -u` would leak.
set -euo pipefail

SERVICES=(accounts ledger disputes payments)

# Print the password of service $1, or fail naming the variables to set.
read_password() {
    local upper variable file_variable
    upper=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')
    variable="MF_${upper}_DB_PASSWORD"
    file_variable="${variable}_FILE"
    if [[ -n "${!variable:-}" && -n "${!file_variable:-}" ]]; then
        echo "both $variable and $file_variable are set: keep only one" >&2
        return 1
    fi
    if [[ -n "${!file_variable:-}" ]]; then
        if [[ ! -r "${!file_variable}" ]]; then
            echo "$file_variable names ${!file_variable}, which is missing or unreadable" >&2
            return 1
        fi
        # Command substitution drops the trailing newlines editors add to secret files.
        printf '%s' "$(cat "${!file_variable}")"
        return 0
    fi
    if [[ -z "${!variable:-}" ]]; then
        echo "missing $variable (or $file_variable): set the $1 database password" >&2
        return 1
    fi
    printf '%s' "${!variable}"
}

# Read every password before changing anything, so a missing one changes nothing.
declare -A passwords
for service in "${SERVICES[@]}"; do
    passwords[$service]=$(read_password "$service")
done

# The service roles may connect only to their own database, so the server's
# default databases are closed to PUBLIC too (superusers are not affected).
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres --quiet <<'SQL'
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;
SQL

for service in "${SERVICES[@]}"; do
    # The password travels in the environment of psql, not on its command
    # line, so it does not appear in the process list (ps).
    MF_INIT_ROLE_PASSWORD="${passwords[$service]}" \
    psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres --quiet \
        --set=service="$service" <<'SQL'
\getenv role_password MF_INIT_ROLE_PASSWORD
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', :'service')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'service')
\gexec
ALTER ROLE :"service" LOGIN PASSWORD :'role_password';
SELECT format('CREATE DATABASE %I OWNER %I', :'service', :'service')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'service')
\gexec
REVOKE ALL ON DATABASE :"service" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"service" TO :"service";
SQL
    echo "database $service and role $service are ready"
done

-- Creditors, agencies, users, memberships, sessions and login attempts.

CREATE TABLE creditors (
    id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name       text NOT NULL CHECK (name <> ''),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agencies (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (name <> ''),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One customer account at one creditor belongs to exactly one agency.
CREATE TABLE agency_accounts (
    creditor_id      text NOT NULL REFERENCES creditors (id),
    customer_account text NOT NULL CHECK (customer_account <> ''),
    agency_id        uuid NOT NULL REFERENCES agencies (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (creditor_id, customer_account)
);
CREATE INDEX agency_accounts_agency ON agency_accounts (agency_id);

-- Agency users and creditor staff. password_hash stays NULL until an
-- invited user chooses a password.
CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    login               text NOT NULL CHECK (login <> ''),
    kind                text NOT NULL CHECK (kind IN ('agency', 'staff')),
    display_name        text NOT NULL DEFAULT '',
    email               text,
    password_hash       text,
    password_changed_at timestamptz,
    disabled_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_login_unique ON users (lower(login));

-- A user belongs to one agency, with one role there.
CREATE TABLE memberships (
    user_id    uuid PRIMARY KEY REFERENCES users (id),
    agency_id  uuid NOT NULL REFERENCES agencies (id),
    role       text NOT NULL CHECK (role IN ('administrateur', 'comptable', 'lecteur')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memberships_agency ON memberships (agency_id);

-- The creditors a staff user works for.
CREATE TABLE staff_creditors (
    user_id     uuid NOT NULL REFERENCES users (id),
    creditor_id text NOT NULL REFERENCES creditors (id),
    PRIMARY KEY (user_id, creditor_id)
);

-- Only the SHA-256 of the session token is stored, so a database leak gives
-- no usable token.
CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    user_id      uuid NOT NULL REFERENCES users (id),
    client_ip    text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    revoke_reason text
);
CREATE INDEX sessions_user_active ON sessions (user_id) WHERE revoked_at IS NULL;

-- One row per password check, kept for throttling. login_key is the
-- lower-cased login as typed, whether or not such a user exists.
CREATE TABLE login_attempts (
    id           bigserial PRIMARY KEY,
    login_key    text NOT NULL,
    client_ip    text NOT NULL,
    succeeded    boolean NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_login ON login_attempts (login_key, attempted_at);
CREATE INDEX login_attempts_address ON login_attempts (client_ip, attempted_at) WHERE NOT succeeded;

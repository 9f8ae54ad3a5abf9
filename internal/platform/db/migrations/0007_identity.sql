-- Identity (issue 8): sign-in with an organisation's OpenID provider, a
-- second factor for staff, re-authentication, and the account lifecycle.

-- A session now says how its holder proved who they are. id is the
-- session's public handle ("my sessions"): the token hash is derived from
-- the secret and is never shown. pending, when set, limits the session to
-- giving the second factor ('otp') or enrolling one ('enrolment').
-- authenticated_at is the last time the holder proved their identity (the
-- sign-in or a re-authentication); sensitive actions need it recent.
ALTER TABLE sessions
    ADD COLUMN id               uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    ADD COLUMN method           text NOT NULL DEFAULT 'password' CHECK (method IN ('password', 'oidc', 'direct')),
    ADD COLUMN pending          text CHECK (pending IN ('otp', 'enrolment')),
    ADD COLUMN second_factor    boolean NOT NULL DEFAULT false,
    ADD COLUMN authenticated_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN client           text NOT NULL DEFAULT '' CHECK (length(client) <= 64),
    ADD COLUMN user_agent       text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 200);

-- A person's account at an OpenID provider: matched on the provider's
-- stable subject identifier, never on the e-mail address.
CREATE TABLE identities (
    issuer       text NOT NULL,
    subject      text NOT NULL,
    person_id    uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX identities_person ON identities (person_id);

-- An authorization-code flow in progress. The state is stored hashed and
-- used once (deleted when the provider comes back); the nonce is compared
-- with the ID token's; the PKCE verifier goes to the token endpoint; the
-- binding is the hash of a cookie set in the browser that started the flow,
-- so a callback carried into another browser is refused.
CREATE TABLE oidc_flows (
    state_hash    bytea PRIMARY KEY,
    provider      text NOT NULL,
    nonce_hash    bytea NOT NULL,
    code_verifier text NOT NULL,
    binding_hash  bytea NOT NULL,
    next          text NOT NULL DEFAULT '',
    -- A re-authentication flow refreshes this session instead of opening one.
    reauth_session uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX oidc_flows_expiry ON oidc_flows (expires_at);

-- TOTP (RFC 6238). secret is the confirmed one (null until the first code
-- was given); pending_secret one being set up, which replaces it only once
-- a code of it was given. last_step is the newest time step whose code was
-- accepted, so no code of that step or an earlier one is accepted again.
CREATE TABLE totp_secrets (
    person_id      uuid PRIMARY KEY REFERENCES persons (id) ON DELETE CASCADE,
    secret         text,
    pending_secret text,
    confirmed_at   timestamptz,
    last_step    bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Recovery codes: shown once, stored as hashes, each usable once.
CREATE TABLE recovery_codes (
    person_id  uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (person_id, code_hash)
);

-- Single-use links sent by e-mail: an invitation to set a first password,
-- or a password reset. Only the hash of the link's token is kept.
CREATE TABLE account_tokens (
    token_hash bytea PRIMARY KEY,
    purpose    text NOT NULL CHECK (purpose IN ('invitation', 'reset')),
    person_id  uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    created_by uuid REFERENCES persons (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX account_tokens_person ON account_tokens (person_id, purpose);

-- When an account was deactivated, and by whom (null while active).
ALTER TABLE persons
    ADD COLUMN deactivated_at timestamptz,
    ADD COLUMN deactivated_by uuid REFERENCES persons (id) ON DELETE SET NULL;

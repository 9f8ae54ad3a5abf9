-- Accounts, role grants per ministry domain, sessions and login throttling.

CREATE TABLE ministries (
    code   text PRIMARY KEY CHECK (code ~ '^[A-Za-z]{2,8}$'),
    name   text NOT NULL,
    active boolean NOT NULL DEFAULT true
);

INSERT INTO ministries (code, name) VALUES
    ('AZ',   'Algemene Zaken'),
    ('BZ',   'Buitenlandse Zaken'),
    ('BZK',  'Binnenlandse Zaken en Koninkrijksrelaties'),
    ('DEF',  'Defensie'),
    ('EZ',   'Economische Zaken'),
    ('FIN',  'Financiën'),
    ('IenW', 'Infrastructuur en Waterstaat'),
    ('JenV', 'Justitie en Veiligheid'),
    ('KGG',  'Klimaat en Groene Groei'),
    ('LVVN', 'Landbouw, Visserij, Voedselzekerheid en Natuur'),
    ('OCW',  'Onderwijs, Cultuur en Wetenschap'),
    ('SZW',  'Sociale Zaken en Werkgelegenheid'),
    ('VWS',  'Volksgezondheid, Welzijn en Sport'),
    ('VRO',  'Volkshuisvesting en Ruimtelijke Ordening'),
    ('AenM', 'Asiel en Migratie'),
    ('RCN',  'Rijksdienst Caribisch Nederland');

CREATE TABLE persons (
    id             uuid PRIMARY KEY,
    email          text NOT NULL UNIQUE CHECK (email = lower(email)),
    name           text NOT NULL,
    ministry       text NOT NULL REFERENCES ministries (code),
    password_hash  text,
    language       text NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz
);

-- A role in a domain: a ministry code, or '*' for the committee's own staff.
CREATE TABLE role_grants (
    person_id  uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('complainant', 'respondent', 'adviser', 'secretary', 'member',
                                             'chair', 'authority', 'reporter', 'admin', 'privacy_officer')),
    domain     text NOT NULL CHECK (domain = '*' OR domain ~ '^[A-Za-z]{2,8}$'),
    granted_by uuid REFERENCES persons (id),
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, role, domain)
);

-- Only a hash of the bearer token is stored, so a database read does not
-- hand out sessions.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    person_id    uuid NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

-- Failed-attempt counters for sign-in and receipt codes, keyed by a hash of
-- the account or address so that no personal data is kept here.
CREATE TABLE throttle (
    key          text PRIMARY KEY,
    failures     integer NOT NULL DEFAULT 0,
    window_start timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
);

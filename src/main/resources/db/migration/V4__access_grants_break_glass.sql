-- Access grants (ARCHITECTURE §3): a practitioner's membership of an organization or care team, or a
-- system client's custodian grant for an organization. Recorded on chain through the outbox; effective
-- once the chain confirms them and until revoked or expired.
create table access_grant (
    grant_id      varchar(64)  primary key,
    chain_id      varchar(66)  not null,
    kind          varchar(16)  not null,
    -- Practitioner/x for a membership, the OAuth client id for a custodian grant
    subject       varchar(140) not null,
    -- Organization/x or CareTeam/y
    target        varchar(140) not null,
    valid_until   bigint       not null,
    requested     varchar(16)  not null,
    chain_state   varchar(16)  not null,
    granted_tx    varchar(66),
    granted_block bigint,
    revoked_tx    varchar(66),
    rejection     varchar(500),
    created_by    varchar(140) not null,
    updated_at    timestamp with time zone not null,
    constraint uq_access_grant_chain_id unique (chain_id)
);
create index ix_access_grant_subject on access_grant (subject);

-- Break-glass sessions: time-boxed emergency access to one patient by one principal, recorded on chain
-- and queued for compliance review.
create table break_glass (
    session_id    varchar(64)  primary key,
    chain_id      varchar(66)  not null,
    principal     varchar(140) not null,
    fhir_user     varchar(140),
    patient_id    varchar(64)  not null,
    reason        varchar(1000) not null,
    valid_from    timestamp with time zone not null,
    valid_until   timestamp with time zone not null,
    chain_state   varchar(16)  not null,
    recorded_tx   varchar(66),
    recorded_block bigint,
    reviewed_by   varchar(140),
    reviewed_at   timestamp with time zone,
    review_note   varchar(1000),
    constraint uq_break_glass_chain_id unique (chain_id)
);
create index ix_break_glass_principal on break_glass (principal, valid_until);

-- The access audit (ARCHITECTURE §2.6): one row per gated read, permit or deny, in the manner of an
-- IHE BALP AuditEvent. Written before the response leaves (audit.AuditTrail), never updated.
create table audit_event (
    id              bigint       not null primary key,
    recorded_at     timestamp with time zone not null,
    -- the token subject, the kind of principal and its FHIR user or client id
    agent           varchar(140) not null,
    agent_kind      varchar(16)  not null,
    agent_ref       varchar(140),
    interaction     varchar(32)  not null,
    -- what was asked for: Type/id for a read, the type or compartment for a search
    target          varchar(200) not null,
    -- the patient the data belongs to; for a search, the one patient when all entries share one
    patient_id      varchar(64),
    purpose         varchar(16)  not null,
    outcome         varchar(8)   not null,
    reason          varchar(64)  not null,
    -- the consents, grants and break-glass sessions used, and the newest chain block among them
    basis           varchar(4000),
    block           bigint,
    -- the resources returned (Type/id, comma separated, at most 1,000) and the total the search reported
    entities        text,
    total           bigint
);
create sequence audit_event_seq start with 1 increment by 50;
create index ix_audit_event_patient on audit_event (patient_id, recorded_at);
create index ix_audit_event_agent on audit_event (agent, recorded_at);
create index ix_audit_event_time on audit_event (recorded_at);

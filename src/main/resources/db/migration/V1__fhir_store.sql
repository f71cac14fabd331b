-- FHIR resource store: current state, full version history, and search indexes.
-- Runs unchanged on PostgreSQL 15 and on H2 2.x (MODE=PostgreSQL) for the dev default.

create sequence fhir_resource_seq start with 1 increment by 50;

-- One row per logical resource (type + id); points at its current version.
create table fhir_resource (
    pid             bigint       not null primary key,
    res_type        varchar(64)  not null,
    res_id          varchar(64)  not null,
    version         bigint       not null,
    deleted         boolean      not null,
    last_updated    timestamp with time zone not null,
    -- set at write time so that the policy gate can filter in SQL (ARCHITECTURE §3)
    patient_id      varchar(64),
    category        varchar(32),
    security_labels varchar(512),
    constraint uq_fhir_resource_type_id unique (res_type, res_id)
);
create index ix_fhir_resource_type_updated on fhir_resource (res_type, last_updated);
create index ix_fhir_resource_patient on fhir_resource (patient_id, res_type);

-- Every version of every resource, including deletions (body null).
create table fhir_resource_version (
    resource_pid    bigint       not null references fhir_resource (pid),
    version         bigint       not null,
    res_type        varchar(64)  not null,
    res_id          varchar(64)  not null,
    deleted         boolean      not null,
    last_updated    timestamp with time zone not null,
    method          varchar(8)   not null,
    body            text,
    primary key (resource_pid, version)
);
create index ix_fhir_version_type_updated on fhir_resource_version (res_type, last_updated);
create index ix_fhir_version_updated on fhir_resource_version (last_updated);

-- Search indexes: one row per extracted value of a search parameter of the current version.
-- Each value index ends with resource_pid, so a criterion is answered by an index-only scan and
-- several criteria are intersected without touching the table.
create table idx_string (
    resource_pid bigint       not null references fhir_resource (pid),
    res_type     varchar(64)  not null,
    name         varchar(100) not null,
    value_norm   varchar(200) not null,
    value_exact  varchar(200) not null
);
create index ix_idx_string_norm on idx_string (res_type, name, value_norm, resource_pid);
create index ix_idx_string_pid on idx_string (resource_pid);

create table idx_token (
    resource_pid bigint       not null references fhir_resource (pid),
    res_type     varchar(64)  not null,
    name         varchar(100) not null,
    system       varchar(256),
    code         varchar(256)
);
create index ix_idx_token_code on idx_token (res_type, name, code, system, resource_pid);
create index ix_idx_token_pid on idx_token (resource_pid);

create table idx_reference (
    resource_pid bigint       not null references fhir_resource (pid),
    res_type     varchar(64)  not null,
    name         varchar(100) not null,
    target_type  varchar(64),
    target_id    varchar(64),
    target_url   varchar(512),
    -- true when this reference makes the resource a member of the target patient's compartment
    patient_compartment boolean not null
);
create index ix_idx_reference_target on idx_reference (target_id, target_type, name, res_type, resource_pid);
create index ix_idx_reference_pid on idx_reference (resource_pid);
create index ix_idx_reference_url on idx_reference (target_url);

create table idx_date (
    resource_pid bigint       not null references fhir_resource (pid),
    res_type     varchar(64)  not null,
    name         varchar(100) not null,
    low_value    timestamp with time zone,
    high_value   timestamp with time zone
);
create index ix_idx_date_low on idx_date (res_type, name, low_value, resource_pid);
create index ix_idx_date_pid on idx_date (resource_pid);

create table idx_quantity (
    resource_pid bigint       not null references fhir_resource (pid),
    res_type     varchar(64)  not null,
    name         varchar(100) not null,
    -- FHIR decimals have no range: 100 digits either side (SearchIndexer.MAX_QUANTITY_DIGITS)
    value_num    numeric(200, 100),
    system       varchar(256),
    code         varchar(128)
);
create index ix_idx_quantity_value on idx_quantity (res_type, name, value_num, resource_pid);
create index ix_idx_quantity_pid on idx_quantity (resource_pid);

create table idx_uri (
    resource_pid bigint       not null references fhir_resource (pid),
    res_type     varchar(64)  not null,
    name         varchar(100) not null,
    uri          varchar(512) not null
);
create index ix_idx_uri_value on idx_uri (res_type, name, uri, resource_pid);
create index ix_idx_uri_pid on idx_uri (resource_pid);

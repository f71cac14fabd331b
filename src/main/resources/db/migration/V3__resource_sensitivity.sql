-- The bits a consent must cover to reach a resource (ARCHITECTURE §3): its data category and its
-- sensitive labels, as in the on-chain categories mask (policy.Sensitivity), set at write time so that
-- the gate can filter in the query. Rows written before this column existed get every category bit
-- (fail closed: only a consent covering all categories reaches them until they are written again).
alter table fhir_resource add column access_mask bigint default 0 not null;
update fhir_resource set access_mask = 8191 where patient_id is not null;

-- History is gated version by version: a version keeps the patient and bits it was written with, so an
-- older version with a sensitive label stays behind that label after the label is removed.
alter table fhir_resource_version add column patient_id varchar(64);
alter table fhir_resource_version add column access_mask bigint default 0 not null;
update fhir_resource_version set patient_id = (select r.patient_id from fhir_resource r where r.pid = resource_pid);
update fhir_resource_version set access_mask = 8191 where patient_id is not null;
create index ix_fhir_version_patient on fhir_resource_version (patient_id);

-- A Patient's managing organization (its id), set at write time and kept on deletion: system clients
-- read a patient's data through a custodian grant for this organization.
alter table fhir_resource add column managing_org varchar(64);

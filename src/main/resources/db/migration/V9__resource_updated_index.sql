-- The index for _lastUpdated leads with the time, no longer with the type (docs/benchmarks.md,
-- "Generic plans"). Led by res_type, it competed with the unique key (res_type, res_id) for every
-- lookup of a resource by type and id: on a table PostgreSQL knows nothing about (empty, or not yet
-- analyzed) the two tie, and a prepared statement's generic plan could take this one and then read
-- every resource of the type to find one, until the next ANALYZE. An index that does not lead with
-- res_type is never a candidate for such a lookup.
drop index ix_fhir_resource_type_updated;
create index ix_fhir_resource_updated_type on fhir_resource (last_updated, res_type);

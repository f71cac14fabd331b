package io.patienttwin.policy;

/**
 * What a caller wants to read.
 *
 * @param interaction the FHIR interaction (read, vread, search-type, history-instance, …)
 * @param resourceType the resource type read, or null for a system-level interaction
 * @param patientId the patient whose compartment the data belongs to, or null when none or not yet known
 */
public record AccessRequest(String interaction, String resourceType, String patientId) {}

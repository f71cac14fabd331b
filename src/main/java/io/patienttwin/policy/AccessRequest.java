package io.patienttwin.policy;

/**
 * One read of one resource the gate asks about: who reads (the {@link ReadContext}), what interaction, and the facts
 * of the data the store holds about it, taken from the resource's row.
 *
 * @param interaction the FHIR interaction (read, vread, search-type, history-instance, everything, …;
 *     for a write: create, update or delete)
 * @param resourceType the resource type read
 * @param patientId the patient whose compartment the resource belongs to, or null when it belongs to none
 * @param sensitivity the bits a consent must cover: the resource's data category and its sensitive
 *     labels (see {@link Sensitivity}); 0 outside a patient compartment
 * @param custodian the managing organization of the patient ({@code Organization/x}), or null when the
 *     patient names none or is unknown
 */
public record AccessRequest(
        ReadContext context,
        String interaction,
        String resourceType,
        String patientId,
        long sensitivity,
        String custodian) {}

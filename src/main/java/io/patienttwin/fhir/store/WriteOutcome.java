package io.patienttwin.fhir.store;

import java.time.Instant;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The result of a write: the new version's identity and the resource as stored (with id and meta
 * set). {@code created} tells a create (201) from an update (200); {@code changed} is false when a
 * delete found nothing to delete.
 */
public record WriteOutcome(
        String type,
        String id,
        long version,
        Instant lastUpdated,
        boolean created,
        boolean changed,
        IBaseResource resource) {}

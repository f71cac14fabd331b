package io.patienttwin.fhir.store;

import java.time.Instant;

/**
 * One version of a resource as stored: its identity, version, time and JSON body (null when the
 * version is a deletion).
 */
public record StoredResource(
        String type, String id, long version, Instant lastUpdated, boolean deleted, String method, String json) {}

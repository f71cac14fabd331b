package io.patienttwin.fhir.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The search-index rows extracted from one resource version, one list per index table. */
final class ResourceIndex {

    record StringRow(String name, String normalized, String exact) {}

    record TokenRow(String name, String system, String code) {}

    record ReferenceRow(
            String name, String targetType, String targetId, String targetUrl, boolean patientCompartment) {}

    record DateRow(String name, Instant low, Instant high) {}

    record QuantityRow(String name, BigDecimal value, String system, String code) {}

    record UriRow(String name, String uri) {}

    final List<StringRow> strings = new ArrayList<>();
    final List<TokenRow> tokens = new ArrayList<>();
    final List<ReferenceRow> references = new ArrayList<>();
    final List<DateRow> dates = new ArrayList<>();
    final List<QuantityRow> quantities = new ArrayList<>();
    final List<UriRow> uris = new ArrayList<>();

    /**
     * Patient links the indexer could not resolve to a Patient of this server ({@code param: value}): an
     * identifier alone, a contained or {@code urn:} reference, another server's URL. The store refuses a
     * resource with any of them.
     */
    final List<String> unresolvedCompartmentLinks = new ArrayList<>();

    /** Every patient a compartment link names, in the order of the links, each once. */
    java.util.Set<String> compartmentPatients() {
        java.util.Set<String> patients = new java.util.LinkedHashSet<>();
        for (ReferenceRow row : references) {
            if (row.patientCompartment() && "Patient".equals(row.targetType()) && row.targetId() != null) {
                patients.add(row.targetId());
            }
        }
        return patients;
    }

    /** The patient whose compartment this resource belongs to, or null. */
    String compartmentPatient() {
        for (ReferenceRow row : references) {
            if (row.patientCompartment() && "Patient".equals(row.targetType()) && row.targetId() != null) {
                return row.targetId();
            }
        }
        return null;
    }
}

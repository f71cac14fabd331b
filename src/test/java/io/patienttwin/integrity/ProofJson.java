package io.patienttwin.integrity;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads the FHIR {@code Parameters} that {@code $proof} and {@code $verify-integrity} answer. */
final class ProofJson {

    private ProofJson() {}

    /** The first value (string, code or integer) of the named parameter, or null. */
    static String value(JsonNode parameters, String name) {
        for (JsonNode p : parameters.path("parameter")) {
            if (name.equals(p.path("name").asText())) {
                for (String key : new String[] {"valueString", "valueCode", "valueInteger"}) {
                    if (p.has(key)) {
                        return p.get(key).asText();
                    }
                }
            }
        }
        return null;
    }
}

package io.patienttwin.fhir.store;

import java.util.List;
import java.util.Map;

/**
 * A parsed FHIR search: resource type, criteria (each parameter maps to its repetitions, which are
 * ANDed; the commas inside one repetition are ORed), sort order, page window and includes.
 *
 * @param criteria parameter name with modifier (e.g. {@code name:exact}) → raw values as sent
 * @param sort sort keys in order, each a parameter name with a leading '-' for descending
 * @param includes {@code _include} values such as {@code Observation:subject} or {@code *}
 * @param revIncludes {@code _revinclude} values such as {@code Provenance:target}
 */
public record SearchRequest(
        String type,
        Map<String, List<String>> criteria,
        List<String> sort,
        int offset,
        int count,
        List<String> includes,
        List<String> revIncludes) {

    public SearchRequest {
        criteria = Map.copyOf(criteria);
        sort = List.copyOf(sort);
        includes = List.copyOf(includes);
        revIncludes = List.copyOf(revIncludes);
    }
}

package io.patienttwin.fhir;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import io.patienttwin.fhir.store.SearchRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns FHIR search URLs and request parameters into {@link SearchRequest}s, enforcing page limits. */
@ApplicationScoped
public class SearchRequests {

    /** Result parameters: they shape the response, they do not select resources. */
    static final Set<String> RESULT_PARAMS = Set.of(
            "_count",
            "_offset",
            "_sort",
            "_include",
            "_revinclude",
            "_summary",
            "_elements",
            "_format",
            "_pretty",
            "_total",
            "_contained",
            "_containedType",
            "_getpages",
            "_pageId",
            "_bundletype");

    private final FhirConfig config;

    public SearchRequests(FhirConfig config) {
        this.config = config;
    }

    /** A search from request parameters as HAPI hands them over (name → repetitions). */
    public SearchRequest fromParameters(String type, Map<String, String[]> parameters) {
        Map<String, List<String>> criteria = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> e : parameters.entrySet()) {
            String name = e.getKey();
            if (!RESULT_PARAMS.contains(name) && !name.startsWith("_include:") && !name.startsWith("_revinclude:")) {
                criteria.put(name, Arrays.asList(e.getValue()));
            }
        }
        List<String> sort = new ArrayList<>();
        for (String value : values(parameters, "_sort")) {
            for (String key : value.split(",")) {
                if (!key.isBlank()) {
                    sort.add(key.trim());
                }
            }
        }
        int count = pageSize(first(parameters, "_count"));
        int offset = nonNegative(first(parameters, "_offset"), "_offset", 0);
        return new SearchRequest(
                type,
                criteria,
                sort,
                offset,
                count,
                includes(parameters, "_include"),
                includes(parameters, "_revinclude"));
    }

    /** A search from a conditional URL such as {@code Patient?identifier=sys|123} (or only its query part). */
    public SearchRequest fromConditionalUrl(String type, String url) {
        int question = url.indexOf('?');
        String query = question >= 0 ? url.substring(question + 1) : url;
        if (question > 0) {
            String urlType = url.substring(0, question);
            int slash = urlType.lastIndexOf('/');
            urlType = slash >= 0 ? urlType.substring(slash + 1) : urlType;
            if (!urlType.equals(type)) {
                throw new InvalidRequestException(
                        "PT-FHIR-400-CONDITIONAL: conditional URL '" + url + "' is not a search on " + type);
            }
        }
        Map<String, String[]> asArrays = parseQuery(query);
        if (asArrays.isEmpty()) {
            throw new InvalidRequestException("PT-FHIR-400-CONDITIONAL: conditional URL '" + url + "' has no criteria");
        }
        return fromParameters(type, asArrays);
    }

    /** Decodes a query string ({@code a=1&b=2&a=3}) into parameter repetitions; null gives an empty map. */
    static Map<String, String[]> parseQuery(String query) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new InvalidRequestException("PT-SEARCH-400-VALUE: malformed query parameter '" + pair + "'");
                }
                String name = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        Map<String, String[]> asArrays = new LinkedHashMap<>();
        params.forEach((k, v) -> asArrays.put(k, v.toArray(String[]::new)));
        return asArrays;
    }

    /** The page size for a requested {@code _count}: the default when absent, capped at the maximum. */
    int pageSize(String requested) {
        int count = nonNegative(requested, "_count", config.defaultPageSize());
        return Math.min(count, config.maximumPageSize());
    }

    private static int nonNegative(String value, String name, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < 0) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("PT-SEARCH-400-VALUE: " + name + " must be a non-negative integer");
        }
    }

    private static List<String> includes(Map<String, String[]> parameters, String name) {
        List<String> includes = new ArrayList<>();
        for (Map.Entry<String, String[]> e : parameters.entrySet()) {
            if (e.getKey().equals(name)) {
                includes.addAll(Arrays.asList(e.getValue()));
            } else if (e.getKey().startsWith(name + ":")) {
                throw new InvalidRequestException(
                        "PT-SEARCH-400-INCLUDE: " + e.getKey() + " (iterate) is not supported");
            }
        }
        for (String include : includes) {
            if (!include.equals("*") && include.split(":").length < 2) {
                throw new InvalidRequestException(
                        "PT-SEARCH-400-INCLUDE: '" + include + "' must look like Type:parameter[:TargetType]");
            }
        }
        return includes;
    }

    private static List<String> values(Map<String, String[]> parameters, String name) {
        String[] values = parameters.get(name);
        return values == null ? List.of() : Arrays.asList(values);
    }

    private static String first(Map<String, String[]> parameters, String name) {
        String[] values = parameters.get(name);
        return values == null || values.length == 0 ? null : values[0];
    }
}

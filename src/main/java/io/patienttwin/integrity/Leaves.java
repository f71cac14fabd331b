package io.patienttwin.integrity;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The leaves of the integrity anchoring (docs/architecture.md, "Integrity"): what is hashed for a stored
 * resource version and for an audit record, so that the server, its sweep and the offline verifier
 * compute the same bytes. A leaf is {@link MerkleTree#leafHash} of the RFC 8785 canonical form of a JSON
 * document:
 *
 * <ul>
 *   <li>resource version: {@code {"kind":"resource-version","type":T,"id":I,"version":V,
 *       "lastUpdated":"yyyy-MM-ddTHH:mm:ss.SSSZ","deleted":D,"resource":<the stored JSON, or null>}}, where
 *       every number of the resource is carried as a string of its literal text ({@link #numbersAsText}):
 *       RFC 8785 numbers are IEEE 754 doubles, FHIR decimals are not ({@code 1e400} is a valid decimal,
 *       and {@code 4.50} and {@code 4.5} differ in precision);
 *   <li>audit record: {@code {"kind":"audit-record","id":N, ...every column of the row}}.
 * </ul>
 */
public final class Leaves {

    /** Instants in leaves: UTC, always with milliseconds (what the store keeps). */
    public static final DateTimeFormatter INSTANT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Leaves() {}

    /** The document of a resource version (before canonicalization). */
    public static String versionDocument(String type, String id, long version, Instant lastUpdated, String json) {
        return "{\"kind\":\"resource-version\",\"type\":" + quote(type) + ",\"id\":" + quote(id) + ",\"version\":"
                + version + ",\"lastUpdated\":" + quote(INSTANT.format(lastUpdated)) + ",\"deleted\":"
                + (json == null) + ",\"resource\":" + (json == null ? "null" : numbersAsText(json)) + "}";
    }

    /** The leaf hash of a resource version; {@code json} null for a deletion. */
    public static byte[] version(String type, String id, long version, Instant lastUpdated, String json) {
        return MerkleTree.leafHash(Jcs.canonical(versionDocument(type, id, version, lastUpdated, json)));
    }

    /**
     * The canonical document of an audit record: {@code fields} are its columns by name (values String,
     * Number, Instant or null).
     */
    public static String auditDocument(long id, Map<String, Object> fields) {
        StringBuilder json = new StringBuilder("{\"kind\":\"audit-record\",\"id\":").append(id);
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            json.append(',').append(quote(field.getKey())).append(':');
            Object value = field.getValue();
            if (value == null) {
                json.append("null");
            } else if (value instanceof Number number) {
                json.append(number.longValue());
            } else if (value instanceof Instant instant) {
                json.append(quote(INSTANT.format(instant)));
            } else {
                json.append(quote(value.toString()));
            }
        }
        return Jcs.canonicalString(json.append('}').toString());
    }

    /** The leaf hash of an audit record's canonical document. */
    public static byte[] audit(String canonicalDocument) {
        return MerkleTree.leafHash(canonicalDocument.getBytes(StandardCharsets.UTF_8));
    }

    private static final JsonFactory FACTORY = new JsonFactory();

    /**
     * The same JSON with every number replaced by a string of its literal text, exactly as written
     * ({@code 4.50} stays {@code "4.50"}); {@link IllegalArgumentException} when it is not JSON.
     */
    public static String numbersAsText(String json) {
        StringWriter out = new StringWriter(json.length() + 64);
        try (JsonParser parser = FACTORY.createParser(json);
                JsonGenerator generator = FACTORY.createGenerator(out)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
                    generator.writeString(parser.getText());
                } else {
                    generator.copyCurrentEvent(parser);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        return out.toString();
    }

    private static String quote(String text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }
}

package io.patienttwin.integrity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * RFC 8785 JSON Canonicalization Scheme, by the reference implementation of the RFC's co-author
 * (io.github.erdtman:java-json-canonicalization): members sorted by their UTF-16 code units, no
 * whitespace, strings with the minimal escapes, numbers as ECMAScript serializes an IEEE 754 double.
 *
 * <p>RFC 8785 numbers are IEEE 754 doubles: {@code 1.50} and {@code 1.5} have the same canonical form,
 * and {@code 1e400} has none. FHIR decimals are neither, so {@link Leaves} carries a resource's numbers
 * as strings of their literal text before canonicalizing.
 */
public final class Jcs {

    private Jcs() {}

    /** The canonical UTF-8 bytes of a JSON text; {@link IllegalArgumentException} when it is not JSON. */
    public static byte[] canonical(String json) {
        try {
            return new JsonCanonicalizer(json).getEncodedUTF8();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not canonicalizable JSON: " + e.getMessage(), e);
        }
    }

    /** The canonical form as text. */
    public static String canonicalString(String json) {
        return new String(canonical(json), StandardCharsets.UTF_8);
    }
}

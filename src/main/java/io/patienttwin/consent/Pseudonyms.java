package io.patienttwin.consent;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.web3j.crypto.Hash;

/**
 * The only forms in which identities reach the chain (ARCHITECTURE §2.5). Patients and consent ids are
 * HMAC-SHA256 pseudonyms under the server's secret, so nobody without it can link a chain record to a
 * person; grantees are keccak256 hashes of their FHIR reference, so that anyone may check a grant to
 * a known practitioner or organisation; documents are SHA-256 hashes of the canonical Consent JSON.
 * Thread-safe.
 */
public final class Pseudonyms {

    private static final String HMAC = "HmacSHA256";
    private static final int MIN_SECRET_BYTES = 32;

    private final SecretKeySpec key;

    /** @param secret at least 32 bytes from a secure random source; losing it unlinks every record */
    public Pseudonyms(byte[] secret) {
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the pseudonym secret needs at least " + MIN_SECRET_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(secret.clone(), HMAC);
    }

    /** The patient's pseudonym: HMAC-SHA256(secret, "Patient/" + id). */
    public byte[] patient(String patientId) {
        return hmac("Patient/" + patientId);
    }

    /** The consent's id on chain: HMAC-SHA256(secret, "Consent/" + id). */
    public byte[] consentId(String consentId) {
        return hmac("Consent/" + consentId);
    }

    /** An access grant's id on chain: HMAC-SHA256(secret, "AccessGrant/" + id). */
    public byte[] accessGrantId(String grantId) {
        return hmac("AccessGrant/" + grantId);
    }

    /** A break-glass session's id on chain: HMAC-SHA256(secret, "BreakGlass/" + id). */
    public byte[] breakGlassId(String sessionId) {
        return hmac("BreakGlass/" + sessionId);
    }

    /** A grantee's hash: keccak256 of its relative FHIR reference, e.g. "Practitioner/alice". */
    public static byte[] grantee(String reference) {
        return Hash.sha3(reference.getBytes(StandardCharsets.UTF_8));
    }

    /** The document hash: SHA-256 of the canonical Consent JSON. */
    public static byte[] document(String canonicalJson) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(canonicalJson.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private byte[] hmac(String text) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}

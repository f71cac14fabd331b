package io.patienttwin.consent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PseudonymsTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @Test
    void aPatientsPseudonymIsStableUnderOneSecretAndUnlinkableUnderAnother() {
        Pseudonyms one = new Pseudonyms(SECRET);
        Pseudonyms other = new Pseudonyms("fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII));

        assertThat(one.patient("p1")).isEqualTo(one.patient("p1")).hasSize(32);
        assertThat(one.patient("p1")).isNotEqualTo(one.patient("p2"));
        assertThat(one.patient("p1")).isNotEqualTo(other.patient("p1"));
        assertThat(one.consentId("p1")).isNotEqualTo(one.patient("p1"));
    }

    @Test
    void thePseudonymIsHmacSha256OfTheReference() throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(SECRET, "HmacSHA256"));
        byte[] expected = mac.doFinal("Patient/p1".getBytes(StandardCharsets.UTF_8));

        assertThat(new Pseudonyms(SECRET).patient("p1")).isEqualTo(expected);
    }

    @Test
    void granteeHashIsKeccak256OfTheReference() {
        // keccak256("") is a well-known constant; the same function hashes references
        assertThat(HexFormat.of().formatHex(Pseudonyms.grantee("")))
                .isEqualTo("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
        assertThat(Pseudonyms.grantee("Practitioner/alice"))
                .hasSize(32)
                .isNotEqualTo(Pseudonyms.grantee("Practitioner/bob"));
    }

    @Test
    void aShortSecretIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Pseudonyms(new byte[31]));
    }
}

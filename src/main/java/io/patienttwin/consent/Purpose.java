package io.patienttwin.consent;

import java.util.Arrays;
import java.util.Optional;

/** Purposes of use (v3 ActReason) a consent may allow, each one bit of the on-chain purposes mask. */
public enum Purpose {
    /** treatment; the default purpose of clinicians */
    TREAT(0),
    /** emergency treatment (break-glass) */
    ETREAT(1),
    /** healthcare research */
    HRESCH(2),
    /** healthcare payment */
    HPAYMT(3),
    /** healthcare operations */
    HOPERAT(4);

    public static final String SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

    private final int bit;

    Purpose(int bit) {
        this.bit = bit;
    }

    public long mask() {
        return 1L << bit;
    }

    public static Optional<Purpose> fromCode(String code) {
        return Arrays.stream(values()).filter(p -> p.name().equals(code)).findFirst();
    }
}

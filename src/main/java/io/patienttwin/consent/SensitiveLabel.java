package io.patienttwin.consent;

import java.util.Arrays;
import java.util.Optional;

/**
 * Security labels (v3 ActCode) that mark data so sensitive that only a consent naming the label
 * reaches it. Each is one bit of the on-chain categories mask, above the data categories.
 */
public enum SensitiveLabel {
    /** psychiatry */
    PSY(16),
    /** HIV/AIDS */
    HIV(17),
    /** substance abuse (alcohol, drugs) */
    ETH(18),
    /** substance use disorder */
    SUD(19);

    public static final String SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

    private final int bit;

    SensitiveLabel(int bit) {
        this.bit = bit;
    }

    public long mask() {
        return 1L << bit;
    }

    public static Optional<SensitiveLabel> fromCode(String code) {
        return Arrays.stream(values()).filter(l -> l.name().equals(code)).findFirst();
    }
}

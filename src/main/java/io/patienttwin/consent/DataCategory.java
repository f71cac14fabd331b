package io.patienttwin.consent;

import java.util.Arrays;
import java.util.Optional;

/**
 * The categories of clinical data a consent covers (ARCHITECTURE §3), each one bit of the on-chain
 * categories mask. The bit of a category never changes once released: chain records keep it forever.
 */
public enum DataCategory {
    DEMOGRAPHICS("demographics", 0),
    ENCOUNTERS("encounters", 1),
    VITALS("vitals", 2),
    LABS("labs", 3),
    CONDITIONS("conditions", 4),
    MEDICATIONS("medications", 5),
    ALLERGIES("allergies", 6),
    PROCEDURES("procedures", 7),
    IMMUNIZATIONS("immunizations", 8),
    DOCUMENTS("documents", 9),
    CARE_PLANS("care-plans", 10),
    FINANCIAL("financial", 11),
    GENOMICS("genomics", 12);

    /** The code system of these codes, as used in Consent.provision.code. */
    public static final String SYSTEM = "https://patienttwin.io/fhir/CodeSystem/data-category";

    private final String code;
    private final int bit;

    DataCategory(String code, int bit) {
        this.code = code;
        this.bit = bit;
    }

    public String code() {
        return code;
    }

    /** This category's bit in the on-chain mask. */
    public long mask() {
        return 1L << bit;
    }

    public static Optional<DataCategory> fromCode(String code) {
        return Arrays.stream(values()).filter(c -> c.code.equals(code)).findFirst();
    }
}

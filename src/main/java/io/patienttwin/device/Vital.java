package io.patienttwin.device;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The vital signs a device may report in a compact reading, each with its LOINC code, the one UCUM unit
 * it must be sent in and the range a real measurement can lie in (outside it the reading is malformed,
 * not a patient in trouble: a heart rate of 900/min is a broken sensor).
 *
 * @param alias the name a compact reading may use instead of the LOINC code
 */
public record Vital(String alias, String loinc, String display, String unit, double min, double max) {

    public static final List<Vital> ALL = List.of(
            new Vital("heart-rate", "8867-4", "Heart rate", "/min", 0, 350),
            new Vital("respiratory-rate", "9279-1", "Respiratory rate", "/min", 0, 120),
            new Vital("spo2", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", 0, 100),
            new Vital("systolic-bp", "8480-6", "Systolic blood pressure", "mm[Hg]", 0, 400),
            new Vital("diastolic-bp", "8462-4", "Diastolic blood pressure", "mm[Hg]", 0, 300),
            new Vital("body-temperature", "8310-5", "Body temperature", "Cel", 10, 50),
            new Vital("glucose", "2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", 0, 2000),
            new Vital("glucose-molar", "15074-8", "Glucose [Moles/volume] in Blood", "mmol/L", 0, 120));

    /** The vital a compact reading's {@code code} names: an alias or a LOINC code of {@link #ALL}. */
    public static Optional<Vital> named(String code) {
        String wanted = code.strip().toLowerCase(Locale.ROOT);
        return ALL.stream()
                .filter(v -> v.alias.equals(wanted) || v.loinc.equals(wanted))
                .findFirst();
    }

    /** The vital of a LOINC code. */
    public static Optional<Vital> ofLoinc(String loinc) {
        return ALL.stream().filter(v -> v.loinc.equals(loinc)).findFirst();
    }
}

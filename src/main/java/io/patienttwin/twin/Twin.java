package io.patienttwin.twin;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The physiological state of one patient as PatientTwin understands it from the FHIR record: the
 * current value of each input, the measured series behind them, conditions, active medications as
 * ingredients, allergies, and the inputs that are missing.
 *
 * @param inputs current inputs by name (see {@link TwinBuilder#INPUTS})
 * @param missing names of the inputs with no value
 */
public record Twin(
        String patientId,
        Instant asOf,
        Map<String, TwinInput> inputs,
        List<Series> series,
        List<Coded> conditions,
        List<Medication> medications,
        List<Allergy> allergies,
        List<String> missing) {

    /** A coded fact (SNOMED condition) and its source. */
    public record Coded(String system, String code, String display, String source) {}

    /** An active medication normalised to its ingredient; ingredient null when not recognised. */
    public record Medication(String ingredient, String system, String code, String display, String source) {}

    /** An allergy or intolerance; substance as text (the ingredient when recognised). */
    public record Allergy(String substance, String source) {}

    public Optional<TwinInput> input(String name) {
        return Optional.ofNullable(inputs.get(name));
    }
}

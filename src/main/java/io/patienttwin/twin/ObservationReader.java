package io.patienttwin.twin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.BiFunction;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Type;

/**
 * Reads the twin's measured series and genotypes out of Observations: by LOINC code, in the value or
 * in a component, converted into the twin's UCUM units ({@link Units}); values in unknown units are
 * left out.
 */
final class ObservationReader {

    static final String LOINC = TwinBuilder.LOINC;

    /** A numeric series: its LOINC codes, UCUM unit and conversion into it. */
    record Measure(String name, Set<String> loinc, String unit, BiFunction<Double, String, OptionalDouble> convert) {}

    static final List<Measure> MEASURES = List.of(
            new Measure("weight", Set.of("29463-7"), "kg", Units::weightKg),
            new Measure("height", Set.of("8302-2"), "cm", Units::heightCm),
            new Measure("bmi", Set.of("39156-5"), "kg/m2", (v, u) -> Units.same(v, u, "kg/m2")),
            new Measure("sbp", Set.of("8480-6"), "mm[Hg]", (v, u) -> Units.same(v, u, "mm[Hg]", "mmHg")),
            new Measure("dbp", Set.of("8462-4"), "mm[Hg]", (v, u) -> Units.same(v, u, "mm[Hg]", "mmHg")),
            new Measure("creatinine", Set.of("2160-0", "38483-4", "14682-9"), "mg/dL", Units::creatinineMgDl),
            new Measure(
                    "egfrReported",
                    Set.of("33914-3", "62238-1", "98979-8"),
                    "mL/min/{1.73_m2}",
                    (v, u) -> Units.same(v, u, "mL/min/{1.73_m2}", "mL/min/1.73m2", "mL/min/1.73_m2")),
            new Measure("hba1c", Set.of("4548-4"), "%", Units::hba1cPercent),
            new Measure("inr", Set.of("6301-6", "34714-6"), "{INR}", (v, u) -> OptionalDouble.of(v)),
            new Measure("glucose", Set.of("2339-0", "2345-7", "15074-8"), "mg/dL", Units::glucoseMgDl),
            // vital signs (NEWS2 and the live twin)
            new Measure("heartRate", Set.of("8867-4"), "/min", (v, u) -> Units.same(v, u, "/min", "{beats}/min")),
            new Measure(
                    "respiratoryRate", Set.of("9279-1"), "/min", (v, u) -> Units.same(v, u, "/min", "{breaths}/min")),
            new Measure("spo2", Set.of("59408-5", "2708-6"), "%", (v, u) -> Units.same(v, u, "%")),
            new Measure("temperature", Set.of("8310-5"), "Cel", Units::temperatureCelsius),
            new Measure("oxygenFlow", Set.of("3151-8"), "L/min", (v, u) -> Units.same(v, u, "L/min")));

    /** Level of consciousness (ACVPU): the responsiveness assessment's LOINC code and its SNOMED answers. */
    static final String RESPONSIVENESS_LOINC = "11454-6";

    static final Map<String, String> ACVPU_SNOMED = Map.of(
            "248234008", "alert",
            "130987000", "confusion",
            "300202002", "voice",
            "255373000", "voice",
            "450847001", "pain",
            "422768004", "unresponsive");

    /** CYP2C9 and VKORC1 genotype observation codes (LOINC), read from the value. */
    static final String CYP2C9_LOINC = "46724-1";

    static final String VKORC1_LOINC = "50722-8";

    /** Genomics-reporting pattern: component "gene studied" (48018-6) with an HGNC code, "genotype" (84413-4). */
    static final Map<String, String> HGNC_GENES = Map.of("HGNC:2623", "cyp2c9", "HGNC:23663", "vkorc1");

    private ObservationReader() {}

    static void observation(
            Observation observation, Map<String, List<TwinInput>> series, Map<String, TwinInput> inputs) {
        if (observation.getStatus() == Observation.ObservationStatus.ENTEREDINERROR
                || observation.getStatus() == Observation.ObservationStatus.CANCELLED) {
            return;
        }
        Instant time = time(observation);
        String source = TwinBuilder.ref(observation);
        measure(observation.getCode(), observation.getValue(), time, source, series);
        for (Observation.ObservationComponentComponent component : observation.getComponent()) {
            measure(component.getCode(), component.getValue(), time, source, series);
        }
        genotype(observation, time, source, inputs);
        consciousness(observation, time, source, inputs);
    }

    /** The newest ACVPU level, from a SNOMED answer; any other answer is left out (not read as alert). */
    private static void consciousness(
            Observation observation, Instant time, String source, Map<String, TwinInput> inputs) {
        if (!hasCode(observation.getCode(), LOINC, Set.of(RESPONSIVENESS_LOINC))
                || !(observation.getValue() instanceof CodeableConcept answer)) {
            return;
        }
        String level = null;
        for (Coding coding : answer.getCoding()) {
            if (TwinBuilder.SNOMED.equals(coding.getSystem()) && ACVPU_SNOMED.containsKey(coding.getCode())) {
                level = ACVPU_SNOMED.get(coding.getCode());
            }
        }
        TwinInput previous = inputs.get("consciousness");
        if (level != null
                && (previous == null || (time != null && (previous.time() == null || time.isAfter(previous.time()))))) {
            inputs.put("consciousness", TwinInput.code("consciousness", level, time, List.of(source)));
        }
    }

    private static void measure(
            CodeableConcept code, Type value, Instant time, String source, Map<String, List<TwinInput>> series) {
        if (!(value instanceof Quantity quantity) || !quantity.hasValue()) {
            return;
        }
        for (Measure measure : MEASURES) {
            if (hasCode(code, LOINC, measure.loinc())) {
                String unit = quantity.hasCode() ? quantity.getCode() : quantity.getUnit();
                OptionalDouble converted =
                        measure.convert().apply(quantity.getValue().doubleValue(), unit);
                if (converted.isPresent()) {
                    String method = unit != null && !unit.equals(measure.unit()) ? "converted from " + unit : null;
                    series.computeIfAbsent(measure.name(), k -> new ArrayList<>())
                            .add(TwinInput.number(
                                    measure.name(),
                                    converted.getAsDouble(),
                                    measure.unit(),
                                    time,
                                    List.of(source),
                                    method));
                }
            }
        }
    }

    private static void genotype(Observation observation, Instant time, String source, Map<String, TwinInput> inputs) {
        String gene = null;
        String text = null;
        if (hasCode(observation.getCode(), LOINC, Set.of(CYP2C9_LOINC))) {
            gene = "cyp2c9";
            text = text(observation.getValue());
        } else if (hasCode(observation.getCode(), LOINC, Set.of(VKORC1_LOINC))) {
            gene = "vkorc1";
            text = text(observation.getValue());
        } else {
            for (Observation.ObservationComponentComponent c : observation.getComponent()) {
                if (hasCode(c.getCode(), LOINC, Set.of("48018-6")) && c.getValue() instanceof CodeableConcept cc) {
                    for (Coding coding : cc.getCoding()) {
                        gene = gene == null ? HGNC_GENES.get(coding.getCode()) : gene;
                    }
                }
            }
            for (Observation.ObservationComponentComponent c : observation.getComponent()) {
                if (hasCode(c.getCode(), LOINC, Set.of("84413-4"))) {
                    text = text(c.getValue());
                }
            }
        }
        if (gene == null || text == null) {
            return;
        }
        Optional<String> normalised = gene.equals("cyp2c9") ? Genotypes.cyp2c9(text) : Genotypes.vkorc1(text);
        TwinInput previous = inputs.get(gene);
        if (normalised.isPresent()
                && (previous == null || (time != null && (previous.time() == null || time.isAfter(previous.time()))))) {
            inputs.put(gene, TwinInput.code(gene, normalised.get(), time, List.of(source)));
        }
    }

    static boolean hasCode(CodeableConcept concept, String system, Set<String> codes) {
        for (Coding coding : concept.getCoding()) {
            if (system.equals(coding.getSystem()) && codes.contains(coding.getCode())) {
                return true;
            }
        }
        return false;
    }

    private static String text(Type value) {
        if (value instanceof org.hl7.fhir.r4.model.StringType s) {
            return s.getValue();
        }
        if (value instanceof CodeableConcept cc) {
            if (cc.hasText()) {
                return cc.getText();
            }
            Coding coding = cc.getCodingFirstRep();
            return coding.hasDisplay() ? coding.getDisplay() : coding.getCode();
        }
        return null;
    }

    private static Instant time(Observation observation) {
        if (observation.hasEffectiveDateTimeType()) {
            return observation.getEffectiveDateTimeType().getValue().toInstant();
        }
        if (observation.hasEffectivePeriod() && observation.getEffectivePeriod().hasStart()) {
            return observation.getEffectivePeriod().getStart().toInstant();
        }
        if (observation.hasEffectiveInstantType()) {
            return observation.getEffectiveInstantType().getValue().toInstant();
        }
        if (observation.hasIssued()) {
            return observation.getIssued().toInstant();
        }
        return observation.getMeta().hasLastUpdated()
                ? observation.getMeta().getLastUpdated().toInstant()
                : null;
    }
}

package io.patienttwin.twin;

import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicationStatement;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

/**
 * Builds a {@link Twin} from a patient's resources (pure: no I/O). Observations are read by LOINC code,
 * converted to the twin's units, grouped into series; renal function is recomputed from the latest
 * creatinine (Cockcroft–Gault with total body weight; CKD-EPI 2021), a reported eGFR is kept beside it.
 */
public final class TwinBuilder {

    public static final String LOINC = "http://loinc.org";
    public static final String SNOMED = "http://snomed.info/sct";

    /** Every input the twin tries to fill, in display order. */
    public static final List<String> INPUTS = List.of(
            "age",
            "sex",
            "weight",
            "height",
            "bmi",
            "bsa",
            "sbp",
            "dbp",
            "creatinine",
            "crcl",
            "egfr",
            "egfrReported",
            "hba1c",
            "inr",
            "glucose",
            "cyp2c9",
            "vkorc1",
            "dialysis");

    /**
     * Vital signs the twin keeps when the record has them (NEWS2's inputs); not listed as missing when
     * absent, since NEWS2 names its own missing parameters.
     */
    public static final List<String> VITALS =
            List.of("heartRate", "respiratoryRate", "spo2", "temperature", "oxygenFlow", "consciousness");

    /** SNOMED codes that mean the patient is on dialysis. */
    static final Set<String> DIALYSIS = Set.of("105502003", "265764009", "302497006", "238318009");

    /** The resource types a twin is built from (besides the Patient): all others are never read for it. */
    public static final List<String> INPUT_TYPES =
            List.of("Observation", "Condition", "MedicationRequest", "MedicationStatement", "AllergyIntolerance");

    private TwinBuilder() {}

    /** The twin's measures in one Observation (value and components), in the twin's units; empty when none. */
    public static List<TwinInput> measures(Observation observation) {
        Map<String, List<TwinInput>> series = new HashMap<>();
        ObservationReader.observation(observation, series, new HashMap<>());
        List<TwinInput> found = new ArrayList<>();
        series.values().forEach(found::addAll);
        return found;
    }

    /** What one Observation tells of NEWS2's parameters (its measures and an ACVPU level). */
    public static List<News2.Observed> news2(Observation observation) {
        Map<String, List<TwinInput>> series = new HashMap<>();
        Map<String, TwinInput> inputs = new HashMap<>();
        ObservationReader.observation(observation, series, inputs);
        List<News2.Observed> found = new ArrayList<>();
        series.values().forEach(list -> list.forEach(i -> News2.observed(i).ifPresent(found::add)));
        inputs.values().forEach(i -> News2.observed(i).ifPresent(found::add));
        return found;
    }

    public static Twin build(Patient patient, List<? extends IBaseResource> resources, Instant asOf) {
        Map<String, List<TwinInput>> series = new HashMap<>();
        Map<String, TwinInput> inputs = new LinkedHashMap<>();
        List<Twin.Coded> conditions = new ArrayList<>();
        List<Twin.Medication> medications = new ArrayList<>();
        List<Twin.Allergy> allergies = new ArrayList<>();
        String patientRef = ref(patient);
        if (patient.hasBirthDate()) {
            LocalDate born = patient.getBirthDateElement()
                    .getValueAsCalendar()
                    .toZonedDateTime()
                    .toLocalDate();
            int years = Period.between(born, asOf.atZone(ZoneOffset.UTC).toLocalDate())
                    .getYears();
            inputs.put(
                    "age",
                    TwinInput.number("age", years, "a", asOf, List.of(patientRef), "completed years from birthDate"));
        }
        if (patient.getGender() == AdministrativeGender.MALE || patient.getGender() == AdministrativeGender.FEMALE) {
            inputs.put("sex", TwinInput.code("sex", patient.getGender().toCode(), null, List.of(patientRef)));
        }
        for (IBaseResource resource : resources) {
            if (resource instanceof Observation observation) {
                ObservationReader.observation(observation, series, inputs);
            } else if (resource instanceof Condition condition) {
                condition(condition, conditions);
            } else if (resource instanceof MedicationRequest request) {
                if (request.getStatus() == MedicationRequest.MedicationRequestStatus.ACTIVE
                        && request.hasMedicationCodeableConcept()) {
                    medication(request.getMedicationCodeableConcept(), ref(request), medications);
                }
            } else if (resource instanceof MedicationStatement statement) {
                if (statement.getStatus() == MedicationStatement.MedicationStatementStatus.ACTIVE
                        && statement.hasMedicationCodeableConcept()) {
                    medication(statement.getMedicationCodeableConcept(), ref(statement), medications);
                }
            } else if (resource instanceof AllergyIntolerance allergy) {
                allergy(allergy, allergies);
            }
        }
        List<Series> allSeries = new ArrayList<>();
        for (ObservationReader.Measure measure : ObservationReader.MEASURES) {
            List<TwinInput> values = series.get(measure.name());
            if (values != null) {
                values.sort(Comparator.comparing(TwinInput::time, Comparator.nullsLast(Comparator.reverseOrder())));
                allSeries.add(Series.of(measure.name(), values));
                inputs.put(measure.name(), values.get(0));
            }
        }
        derive(inputs);
        boolean dialysis = conditions.stream().anyMatch(c -> (c.code() != null && DIALYSIS.contains(c.code())));
        inputs.put(
                "dialysis",
                TwinInput.number(
                        "dialysis",
                        dialysis ? 1 : 0,
                        "1",
                        null,
                        conditions.stream()
                                .filter(c -> (c.code() != null && DIALYSIS.contains(c.code())))
                                .map(Twin.Coded::source)
                                .toList(),
                        "1 when an active condition codes dialysis dependence (SNOMED)"));
        Map<String, TwinInput> ordered = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String name : INPUTS) {
            if (inputs.containsKey(name)) {
                ordered.put(name, inputs.get(name));
            } else {
                missing.add(name);
            }
        }
        for (String name : VITALS) {
            if (inputs.containsKey(name)) {
                ordered.put(name, inputs.get(name));
            }
        }
        return new Twin(
                patient.getIdElement().getIdPart(),
                asOf,
                ordered,
                allSeries,
                conditions,
                medications,
                allergies,
                missing);
    }

    private static void derive(Map<String, TwinInput> inputs) {
        Optional<Double> weight = number(inputs, "weight");
        Optional<Double> height = number(inputs, "height");
        if (weight.isPresent() && height.isPresent()) {
            List<String> sources = sources(inputs, "weight", "height");
            Instant time = newest(inputs, "weight", "height");
            inputs.put(
                    "bsa",
                    TwinInput.number(
                            "bsa",
                            RenalFunction.mostellerBsa(height.get(), weight.get()),
                            "m2",
                            time,
                            sources,
                            "Mosteller"));
            if (!inputs.containsKey("bmi")) {
                inputs.put(
                        "bmi",
                        TwinInput.number(
                                "bmi",
                                RenalFunction.bmi(weight.get(), height.get()),
                                "kg/m2",
                                time,
                                sources,
                                "weight/height²"));
            }
        }
        Optional<Double> age = number(inputs, "age");
        Optional<Double> scr = number(inputs, "creatinine");
        TwinInput sex = inputs.get("sex");
        if (age.isPresent() && scr.isPresent() && sex != null) {
            boolean female = "female".equals(sex.code());
            inputs.put(
                    "egfr",
                    TwinInput.number(
                            "egfr",
                            RenalFunction.ckdEpi2021(age.get(), scr.get(), female),
                            "mL/min/{1.73_m2}",
                            inputs.get("creatinine").time(),
                            sources(inputs, "creatinine", "age", "sex"),
                            "CKD-EPI 2021 (race-free)"));
            if (weight.isPresent()) {
                inputs.put(
                        "crcl",
                        TwinInput.number(
                                "crcl",
                                RenalFunction.cockcroftGault(age.get(), weight.get(), scr.get(), female),
                                "mL/min",
                                newest(inputs, "creatinine", "weight"),
                                sources(inputs, "creatinine", "weight", "age", "sex"),
                                "Cockcroft-Gault, total body weight"));
            }
        }
    }

    private static void condition(Condition condition, List<Twin.Coded> conditions) {
        if (condition.hasClinicalStatus()) {
            String status = condition.getClinicalStatus().getCodingFirstRep().getCode();
            if (!"active".equals(status) && !"recurrence".equals(status) && !"relapse".equals(status)) {
                return;
            }
        }
        if (condition.hasVerificationStatus()
                && "entered-in-error"
                        .equals(condition
                                .getVerificationStatus()
                                .getCodingFirstRep()
                                .getCode())) {
            return;
        }
        for (Coding coding : condition.getCode().getCoding()) {
            if (SNOMED.equals(coding.getSystem())) {
                conditions.add(new Twin.Coded(SNOMED, coding.getCode(), coding.getDisplay(), ref(condition)));
            }
        }
    }

    private static void medication(CodeableConcept concept, String source, List<Twin.Medication> medications) {
        Coding rxnorm = concept.getCoding().stream()
                .filter(c -> Ingredients.RXNORM.equals(c.getSystem()))
                .findFirst()
                .orElse(concept.getCodingFirstRep());
        String display = rxnorm.hasDisplay() ? rxnorm.getDisplay() : concept.getText();
        String ingredient = Ingredients.of(rxnorm.getSystem(), rxnorm.getCode(), display)
                .or(() -> Ingredients.byName(concept.getText()))
                .orElse(null);
        medications.add(new Twin.Medication(ingredient, rxnorm.getSystem(), rxnorm.getCode(), display, source));
    }

    private static void allergy(AllergyIntolerance allergy, List<Twin.Allergy> allergies) {
        if (allergy.hasClinicalStatus()
                && !"active"
                        .equals(allergy.getClinicalStatus().getCodingFirstRep().getCode())) {
            return;
        }
        if (allergy.hasVerificationStatus()) {
            String verification =
                    allergy.getVerificationStatus().getCodingFirstRep().getCode();
            if ("refuted".equals(verification) || "entered-in-error".equals(verification)) {
                return;
            }
        }
        CodeableConcept code = allergy.getCode();
        Coding coding = code.getCodingFirstRep();
        String text = code.hasText() ? code.getText() : coding.getDisplay();
        String substance =
                Ingredients.of(coding.getSystem(), coding.getCode(), text).orElse(text);
        if (substance != null) {
            allergies.add(new Twin.Allergy(substance, ref(allergy)));
        }
    }

    /** Type/id/_history/version of a resource as stored. */
    static String ref(Resource resource) {
        String version = resource.getMeta().getVersionId();
        if (version == null) {
            version = resource.getIdElement().getVersionIdPart();
        }
        String base = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
        return version == null ? base : base + "/_history/" + version;
    }

    private static Optional<Double> number(Map<String, TwinInput> inputs, String name) {
        TwinInput input = inputs.get(name);
        return input == null || input.number() == null ? Optional.empty() : Optional.of(input.number());
    }

    private static List<String> sources(Map<String, TwinInput> inputs, String... names) {
        List<String> all = new ArrayList<>();
        for (String name : names) {
            TwinInput input = inputs.get(name);
            if (input != null) {
                input.sources().stream().filter(s -> !all.contains(s)).forEach(all::add);
            }
        }
        return all;
    }

    private static Instant newest(Map<String, TwinInput> inputs, String... names) {
        Instant newest = null;
        for (String name : names) {
            TwinInput input = inputs.get(name);
            if (input != null
                    && input.time() != null
                    && (newest == null || input.time().isAfter(newest))) {
                newest = input.time();
            }
        }
        return newest;
    }
}

package io.patienttwin.policy;

import io.patienttwin.consent.DataCategory;
import io.patienttwin.consent.SensitiveLabel;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Resource;

/**
 * The data category and sensitive labels of a resource, as the bits a consent must cover to reach it
 * (the same bits as the on-chain categories mask). Computed once at write time and stored with the
 * resource, so that the gate can filter in the query.
 *
 * <p>Category by resource type; Observations by their category (vital-signs → vitals, laboratory →
 * labs, and genotype observations → genomics), DiagnosticReports as labs. A compartment resource of a
 * type not listed counts as {@code documents}: it is never left without a category, since a consent
 * must name what it reaches. Labels: {@code meta.security} codes of {@link SensitiveLabel}. A
 * {@code meta.tag} of the {@link DataCategory#SYSTEM} adds that category's bit, so a tag can only narrow
 * who may read a resource; a Provenance is of exactly the categories it names so (it records data of
 * those categories, as a simulation record does: a consent must cover all of them), and of documents
 * when it names none. Whoever may write a Provenance chooses its tags as a writer of an Observation
 * chooses its category.
 */
public final class Sensitivity {

    private static final long CATEGORY_BITS = (1L << 16) - 1;

    private static final Map<String, DataCategory> BY_TYPE = Map.ofEntries(
            Map.entry("Patient", DataCategory.DEMOGRAPHICS),
            Map.entry("RelatedPerson", DataCategory.DEMOGRAPHICS),
            Map.entry("Person", DataCategory.DEMOGRAPHICS),
            Map.entry("Encounter", DataCategory.ENCOUNTERS),
            Map.entry("EpisodeOfCare", DataCategory.ENCOUNTERS),
            Map.entry("Appointment", DataCategory.ENCOUNTERS),
            Map.entry("AppointmentResponse", DataCategory.ENCOUNTERS),
            Map.entry("Schedule", DataCategory.ENCOUNTERS),
            Map.entry("Flag", DataCategory.ENCOUNTERS),
            Map.entry("DiagnosticReport", DataCategory.LABS),
            Map.entry("Specimen", DataCategory.LABS),
            Map.entry("ImagingStudy", DataCategory.LABS),
            Map.entry("Condition", DataCategory.CONDITIONS),
            Map.entry("ClinicalImpression", DataCategory.CONDITIONS),
            Map.entry("FamilyMemberHistory", DataCategory.CONDITIONS),
            Map.entry("MedicationRequest", DataCategory.MEDICATIONS),
            Map.entry("MedicationStatement", DataCategory.MEDICATIONS),
            Map.entry("MedicationAdministration", DataCategory.MEDICATIONS),
            Map.entry("MedicationDispense", DataCategory.MEDICATIONS),
            Map.entry("AllergyIntolerance", DataCategory.ALLERGIES),
            Map.entry("AdverseEvent", DataCategory.ALLERGIES),
            Map.entry("Procedure", DataCategory.PROCEDURES),
            Map.entry("DeviceRequest", DataCategory.PROCEDURES),
            Map.entry("DeviceUseStatement", DataCategory.PROCEDURES),
            Map.entry("Immunization", DataCategory.IMMUNIZATIONS),
            Map.entry("ImmunizationEvaluation", DataCategory.IMMUNIZATIONS),
            Map.entry("ImmunizationRecommendation", DataCategory.IMMUNIZATIONS),
            Map.entry("DocumentReference", DataCategory.DOCUMENTS),
            Map.entry("Composition", DataCategory.DOCUMENTS),
            Map.entry("Media", DataCategory.DOCUMENTS),
            Map.entry("CarePlan", DataCategory.CARE_PLANS),
            Map.entry("CareTeam", DataCategory.CARE_PLANS),
            Map.entry("Goal", DataCategory.CARE_PLANS),
            Map.entry("ServiceRequest", DataCategory.CARE_PLANS),
            Map.entry("NutritionOrder", DataCategory.CARE_PLANS),
            Map.entry("RiskAssessment", DataCategory.CARE_PLANS),
            Map.entry("Claim", DataCategory.FINANCIAL),
            Map.entry("ClaimResponse", DataCategory.FINANCIAL),
            Map.entry("ExplanationOfBenefit", DataCategory.FINANCIAL),
            Map.entry("Coverage", DataCategory.FINANCIAL),
            Map.entry("CoverageEligibilityRequest", DataCategory.FINANCIAL),
            Map.entry("CoverageEligibilityResponse", DataCategory.FINANCIAL),
            Map.entry("Account", DataCategory.FINANCIAL),
            Map.entry("Invoice", DataCategory.FINANCIAL),
            Map.entry("MolecularSequence", DataCategory.GENOMICS));

    /** LOINC codes of genotype results read as genomics (CYP2C9, VKORC1 and the generic genotype code). */
    private static final java.util.Set<String> GENOTYPE_CODES = java.util.Set.of("46724-1", "50722-8", "84413-4");

    private Sensitivity() {}

    /** The category of a resource in a patient compartment. */
    public static DataCategory categoryOf(Resource resource) {
        if (resource instanceof Observation observation) {
            return observationCategory(observation);
        }
        if (resource instanceof Provenance) {
            for (Coding tag : resource.getMeta().getTag()) {
                if (DataCategory.SYSTEM.equals(tag.getSystem())) {
                    Optional<DataCategory> category = DataCategory.fromCode(tag.getCode());
                    if (category.isPresent()) {
                        return category.get();
                    }
                }
            }
        }
        if (resource instanceof DiagnosticReport report && hasCode(report.getCategory(), "GE")) {
            return DataCategory.GENOMICS;
        }
        return BY_TYPE.getOrDefault(resource.fhirType(), DataCategory.DOCUMENTS);
    }

    /** The bits a consent must cover: the category's and each sensitive label's. */
    public static long maskOf(Resource resource) {
        long derived = derivedCategories(resource);
        // a Provenance is of the categories it was derived from; any other resource is of its own
        // category and of those it names besides (which can only narrow who reads it)
        long mask = resource instanceof Provenance && derived != 0
                ? derived
                : categoryOf(resource).mask() | derived;
        for (Coding label : resource.getMeta().getSecurity()) {
            Optional<SensitiveLabel> sensitive = SensitiveLabel.fromCode(label.getCode());
            if (sensitive.isPresent()) {
                mask |= sensitive.get().mask();
            }
        }
        return mask;
    }

    /** The bits of the data categories a resource names in {@code meta.tag} ({@link DataCategory#SYSTEM}). */
    private static long derivedCategories(Resource resource) {
        long bits = 0;
        for (Coding tag : resource.getMeta().getTag()) {
            if (DataCategory.SYSTEM.equals(tag.getSystem())) {
                Optional<DataCategory> category = DataCategory.fromCode(tag.getCode());
                if (category.isPresent()) {
                    bits |= category.get().mask();
                }
            }
        }
        return bits;
    }

    /** The data-category bits of a mask, without the labels. */
    public static long categoryBits(long mask) {
        return mask & CATEGORY_BITS;
    }

    private static DataCategory observationCategory(Observation observation) {
        for (Coding coding : observation.getCode().getCoding()) {
            if (coding.getCode() != null && GENOTYPE_CODES.contains(coding.getCode())) {
                return DataCategory.GENOMICS;
            }
        }
        for (CodeableConcept category : observation.getCategory()) {
            for (Coding coding : category.getCoding()) {
                switch (String.valueOf(coding.getCode())) {
                    case "vital-signs":
                        return DataCategory.VITALS;
                    case "laboratory":
                        return DataCategory.LABS;
                    case "social-history":
                    case "survey":
                        return DataCategory.CONDITIONS;
                    case "imaging":
                    case "procedure":
                        return DataCategory.PROCEDURES;
                    default:
                        // a code of another system; look further
                }
            }
        }
        return DataCategory.LABS;
    }

    private static boolean hasCode(java.util.List<CodeableConcept> concepts, String code) {
        return concepts.stream().flatMap(c -> c.getCoding().stream()).anyMatch(c -> code.equals(c.getCode()));
    }
}

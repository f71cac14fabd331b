package io.patienttwin.portal;

import ca.uhn.fhir.context.FhirContext;
import io.patienttwin.consent.ConsentDraft;
import io.patienttwin.consent.DataCategory;
import io.patienttwin.consent.Purpose;
import io.patienttwin.fhir.ResourceService;
import io.patienttwin.fhir.store.GatedResourceReader;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import jakarta.transaction.Transactional;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.jboss.logging.Logger;

/**
 * The demo data set of {@code quarkus:dev}: four patients of Organization/demo-clinic with recent
 * histories (warfarin with genotypes and INRs, an inpatient on vancomycin with rising creatinine,
 * Patient/pat with hypertension, one more without any consent), and consents of the first two to
 * Practitioner/alice, written through the normal write path so that the chain confirms them.
 * Idempotent: every resource has a fixed id and is written only when it does not exist yet.
 */
@ApplicationScoped
public class DemoData {

    public static final String ORGANIZATION = "demo-clinic";
    public static final String WARFARIN_PATIENT = "demo-warfarin";
    public static final String VANCOMYCIN_PATIENT = "demo-vanco";
    public static final String HYPERTENSION_PATIENT = "pat";
    public static final String UNCONSENTED_PATIENT = "demo-none";
    public static final String GRANTEE = "Practitioner/alice";

    /** The consents to {@link #GRANTEE}, by fixed id: the warfarin and the vancomycin patient's. */
    public static final List<String> CONSENTS = List.of(WARFARIN_PATIENT + "-consent", VANCOMYCIN_PATIENT + "-consent");

    /** Every category the twin reads. */
    public static final Set<DataCategory> TWIN_CATEGORIES = Set.of(
            DataCategory.DEMOGRAPHICS,
            DataCategory.VITALS,
            DataCategory.LABS,
            DataCategory.CONDITIONS,
            DataCategory.MEDICATIONS,
            DataCategory.ALLERGIES,
            DataCategory.GENOMICS);

    private static final Logger LOG = Logger.getLogger(DemoData.class);
    private static final String LOINC = "http://loinc.org";
    private static final String SNOMED = "http://snomed.info/sct";
    private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
    private static final String UCUM = "http://unitsofmeasure.org";
    private static final String OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";

    private final ResourceService writes;
    private final GatedResourceReader reader;
    private final FhirContext fhirContext;

    DemoData(ResourceService writes, GatedResourceReader reader, FhirContext fhirContext) {
        this.writes = writes;
        this.reader = reader;
        this.fhirContext = fhirContext;
    }

    /**
     * Writes whatever of the demo data does not exist yet; observation times are relative to now, so a
     * fresh database shows recent values. Patient/pat as dev's user seed creates it (no birth date,
     * gender unknown) is completed; any other existing resource is left alone.
     *
     * @return the number of resources written (0 when everything exists)
     */
    @Transactional
    public int seed() {
        int written = 0;
        for (Resource resource : resources(Instant.now().truncatedTo(ChronoUnit.MINUTES))) {
            String type = resource.fhirType();
            String id = resource.getIdElement().getIdPart();
            if (!reader.exists(type, id) || isUserSeedPlaceholder(type, id)) {
                writes.update(type, id, resource, null);
                written++;
            }
        }
        if (written > 0) {
            LOG.infof("Demo data: wrote %d resources", written);
        }
        return written;
    }

    /** The demo data set with times relative to {@code now}, in write order (organization, patients, consents last). */
    static List<Resource> resources(Instant now) {
        List<Resource> resources = new ArrayList<>();
        Organization clinic =
                new Organization().setName("PatientTwin Demo Clinic").setActive(true);
        clinic.setId(ORGANIZATION);
        resources.add(clinic);
        warfarin(resources, now);
        vancomycin(resources, now);
        hypertension(resources, now);
        unconsented(resources, now);
        // the bedside monitor of the vancomycin patient: dev mode's demo monitor publishes as this device
        org.hl7.fhir.r4.model.Device monitor = new org.hl7.fhir.r4.model.Device();
        monitor.setId("demo-monitor");
        monitor.setStatus(org.hl7.fhir.r4.model.Device.FHIRDeviceStatus.ACTIVE);
        monitor.addDeviceName()
                .setName("Bedside monitor, bay 4")
                .setType(org.hl7.fhir.r4.model.Device.DeviceNameType.USERFRIENDLYNAME);
        monitor.setPatient(new org.hl7.fhir.r4.model.Reference("Patient/" + VANCOMYCIN_PATIENT));
        resources.add(monitor);
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        for (String patient : List.of(WARFARIN_PATIENT, VANCOMYCIN_PATIENT)) {
            Consent consent = new ConsentDraft(
                            patient, GRANTEE, TWIN_CATEGORIES, Purpose.TREAT, today.minusDays(30), today.plusDays(365))
                    .toConsent();
            consent.setId(patient + "-consent");
            resources.add(consent);
        }
        return resources;
    }

    /** Atrial fibrillation on warfarin: CYP2C9 *1/*3, VKORC1 G/A, INRs over the last 30 days. */
    private static void warfarin(List<Resource> out, Instant now) {
        String p = WARFARIN_PATIENT;
        out.add(patient(p, "Ellis", "Margaret", AdministrativeGender.FEMALE, "1951-04-17"));
        out.add(condition(p, "af", "49436004", "Atrial fibrillation", now.minus(Duration.ofDays(400))));
        out.add(medication(
                p,
                "warfarin",
                "11289",
                "warfarin",
                "5 mg by mouth once daily in the evening",
                now.minus(Duration.ofDays(395))));
        out.add(genotype(p, "cyp2c9", "46724-1", "CYP2C9 genotype", "*1/*3", now.minus(Duration.ofDays(45))));
        out.add(genotype(p, "vkorc1", "50722-8", "VKORC1 -1639G>A genotype", "G/A", now.minus(Duration.ofDays(45))));
        out.add(vital(p, "weight-1", "29463-7", "Body weight", 69.1, "kg", now.minus(Duration.ofDays(30))));
        out.add(vital(p, "weight-2", "29463-7", "Body weight", 68.4, "kg", now.minus(Duration.ofDays(2))));
        out.add(vital(p, "height", "8302-2", "Body height", 162, "cm", now.minus(Duration.ofDays(30))));
        out.add(creatinine(p, "creatinine-1", 0.92, now.minus(Duration.ofDays(30))));
        out.add(creatinine(p, "creatinine-2", 0.98, now.minus(Duration.ofDays(2))));
        double[] inrs = {1.4, 1.9, 2.4, 3.2, 3.6, 2.9, 2.6, 2.4};
        for (int i = 0; i < inrs.length; i++) {
            Instant at = now.minus(Duration.ofDays(30 - 4L * i)).minus(Duration.ofHours(3));
            out.add(lab(
                    p,
                    "inr-" + (i + 1),
                    "6301-6",
                    "INR in Platelet poor plasma by Coagulation assay",
                    inrs[i],
                    "{INR}",
                    at));
        }
    }

    /** Inpatient with cellulitis and sepsis on vancomycin, penicillin allergy, creatinine rising over four days. */
    private static void vancomycin(List<Resource> out, Instant now) {
        String p = VANCOMYCIN_PATIENT;
        Instant admitted = now.minus(Duration.ofDays(4)).minus(Duration.ofHours(6));
        out.add(patient(p, "Haines", "Robert", AdministrativeGender.MALE, "1957-09-02"));
        out.add(condition(p, "cellulitis", "128045006", "Cellulitis", admitted));
        out.add(condition(p, "sepsis", "91302008", "Sepsis", admitted));
        out.add(medication(p, "vancomycin", "11124", "vancomycin", "1250 mg IV over 2 hours every 12 hours", admitted));
        AllergyIntolerance allergy = new AllergyIntolerance();
        allergy.setId(p + "-allergy-penicillin");
        allergy.setClinicalStatus(
                concept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"));
        allergy.setVerificationStatus(concept(
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed"));
        allergy.setCode(concept(SNOMED, "764146007", "Penicillin").setText("Penicillin"));
        allergy.addReaction().addManifestation(concept(SNOMED, "247472004", "Wheal"));
        allergy.setPatient(new Reference("Patient/" + p));
        out.add(allergy);
        out.add(vital(p, "weight-1", "29463-7", "Body weight", 94.0, "kg", admitted));
        out.add(vital(p, "weight-2", "29463-7", "Body weight", 95.2, "kg", now.minus(Duration.ofHours(8))));
        out.add(vital(p, "height", "8302-2", "Body height", 180, "cm", admitted));
        double[] creatinine = {0.98, 1.05, 1.24, 1.46, 1.71};
        for (int i = 0; i < creatinine.length; i++) {
            Instant at = now.minus(Duration.ofDays(4 - i)).minus(Duration.ofHours(6));
            out.add(creatinine(p, "creatinine-" + (i + 1), creatinine[i], at));
        }
        out.add(lab(
                p,
                "vancomycin-trough",
                "4092-3",
                "Vancomycin [Mass/volume] in Serum or Plasma --trough",
                17.8,
                "ug/mL",
                now.minus(Duration.ofHours(7))));
    }

    /** Patient/pat: hypertension on amlodipine, blood pressure coming down over three months. */
    private static void hypertension(List<Resource> out, Instant now) {
        String p = HYPERTENSION_PATIENT;
        out.add(patient(p, "Parker", "Patricia", AdministrativeGender.FEMALE, "1966-08-23"));
        out.add(condition(p, "hypertension", "38341003", "Hypertensive disorder", now.minus(Duration.ofDays(1100))));
        out.add(medication(
                p, "amlodipine", "17767", "amlodipine", "5 mg by mouth once daily", now.minus(Duration.ofDays(95))));
        int[][] pressures = {{156, 98}, {149, 95}, {143, 91}, {138, 88}, {134, 85}, {131, 83}};
        for (int i = 0; i < pressures.length; i++) {
            Instant at = now.minus(Duration.ofDays(90 - 17L * i)).minus(Duration.ofHours(5));
            Observation bp = observation(p, "bp-" + (i + 1), "vital-signs", "85354-9", "Blood pressure panel", at);
            bp.addComponent()
                    .setCode(concept(LOINC, "8480-6", "Systolic blood pressure"))
                    .setValue(quantity(pressures[i][0], "mm[Hg]"));
            bp.addComponent()
                    .setCode(concept(LOINC, "8462-4", "Diastolic blood pressure"))
                    .setValue(quantity(pressures[i][1], "mm[Hg]"));
            out.add(bp);
        }
        out.add(vital(p, "weight-1", "29463-7", "Body weight", 77.9, "kg", now.minus(Duration.ofDays(90))));
        out.add(vital(p, "weight-2", "29463-7", "Body weight", 76.2, "kg", now.minus(Duration.ofDays(5))));
        out.add(vital(p, "height", "8302-2", "Body height", 165, "cm", now.minus(Duration.ofDays(90))));
        out.add(creatinine(p, "creatinine-1", 0.81, now.minus(Duration.ofDays(90))));
        out.add(creatinine(p, "creatinine-2", 0.84, now.minus(Duration.ofDays(5))));
    }

    /** Type 2 diabetes on metformin; consents to nobody. */
    private static void unconsented(List<Resource> out, Instant now) {
        String p = UNCONSENTED_PATIENT;
        out.add(patient(p, "Brennan", "Thomas", AdministrativeGender.MALE, "1979-11-30"));
        out.add(condition(p, "diabetes", "44054006", "Diabetes mellitus type 2", now.minus(Duration.ofDays(700))));
        out.add(medication(
                p, "metformin", "6809", "metformin", "1000 mg by mouth twice daily", now.minus(Duration.ofDays(700))));
        double[] hba1c = {7.9, 7.4, 7.1};
        for (int i = 0; i < hba1c.length; i++) {
            Instant at = now.minus(Duration.ofDays(180 - 85L * i));
            out.add(lab(
                    p, "hba1c-" + (i + 1), "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", hba1c[i], "%", at));
        }
        out.add(vital(p, "weight", "29463-7", "Body weight", 101.3, "kg", now.minus(Duration.ofDays(10))));
        out.add(vital(p, "height", "8302-2", "Body height", 183, "cm", now.minus(Duration.ofDays(10))));
        out.add(creatinine(p, "creatinine", 1.02, now.minus(Duration.ofDays(10))));
    }

    /** Patient/pat exactly as dev's user seed writes it when it comes first: no birth date, gender unknown. */
    private boolean isUserSeedPlaceholder(String type, String id) {
        if (!"Patient".equals(type) || !HYPERTENSION_PATIENT.equals(id)) {
            return false;
        }
        return reader.currentForUpdate(type, id)
                .filter(stored -> stored.json() != null)
                .map(stored -> fhirContext.newJsonParser().parseResource(Patient.class, stored.json()))
                .map(stored -> !stored.hasBirthDate() && stored.getGender() == AdministrativeGender.UNKNOWN)
                .orElse(false);
    }

    private static Patient patient(String id, String family, String given, AdministrativeGender gender, String born) {
        Patient patient = new Patient();
        patient.setId(id);
        patient.setActive(true);
        patient.addName().setFamily(family).addGiven(given);
        patient.setGender(gender);
        patient.setBirthDateElement(new DateType(born));
        patient.setManagingOrganization(new Reference("Organization/" + ORGANIZATION));
        return patient;
    }

    private static Condition condition(String patient, String name, String snomed, String display, Instant onset) {
        Condition condition = new Condition();
        condition.setId(patient + "-condition-" + name);
        condition.setClinicalStatus(
                concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"));
        condition.setVerificationStatus(
                concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"));
        condition.addCategory(concept(
                "http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item"));
        condition.setCode(concept(SNOMED, snomed, display).setText(display));
        condition.setSubject(new Reference("Patient/" + patient));
        condition.setOnset(new DateTimeType(Date.from(onset)));
        return condition;
    }

    private static MedicationRequest medication(
            String patient, String name, String rxnorm, String display, String dosage, Instant authored) {
        MedicationRequest request = new MedicationRequest();
        request.setId(patient + "-medication-" + name);
        request.setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE);
        request.setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
        request.setMedication(concept(RXNORM, rxnorm, display).setText(display));
        request.setSubject(new Reference("Patient/" + patient));
        request.setAuthoredOn(Date.from(authored));
        request.setRequester(new Reference(GRANTEE));
        request.addDosageInstruction().setText(dosage);
        return request;
    }

    private static Observation vital(
            String patient, String name, String loinc, String display, double value, String unit, Instant at) {
        return observation(patient, name, "vital-signs", loinc, display, at).setValue(quantity(value, unit));
    }

    private static Observation lab(
            String patient, String name, String loinc, String display, double value, String unit, Instant at) {
        return observation(patient, name, "laboratory", loinc, display, at).setValue(quantity(value, unit));
    }

    private static Observation creatinine(String patient, String name, double mgPerDl, Instant at) {
        return lab(patient, name, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma", mgPerDl, "mg/dL", at);
    }

    private static Observation genotype(
            String patient, String name, String loinc, String text, String genotype, Instant at) {
        Observation observation = observation(patient, name, "laboratory", loinc, null, at);
        observation.getCode().setText(text);
        return observation.setValue(new StringType(genotype));
    }

    private static Observation observation(
            String patient, String name, String category, String loinc, String display, Instant at) {
        Observation observation = new Observation();
        observation.setId(patient + "-" + name);
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.addCategory(concept(OBSERVATION_CATEGORY, category, null));
        observation.setCode(concept(LOINC, loinc, display));
        observation.setSubject(new Reference("Patient/" + patient));
        observation.setEffective(new DateTimeType(Date.from(at)));
        observation.setIssued(Date.from(at.plus(Duration.ofHours(1))));
        return observation;
    }

    private static CodeableConcept concept(String system, String code, String display) {
        return new CodeableConcept(new Coding(system, code, display));
    }

    private static Type quantity(double value, String ucum) {
        return new Quantity()
                .setValue(BigDecimal.valueOf(value))
                .setUnit(ucum)
                .setSystem(UCUM)
                .setCode(ucum);
    }

    /**
     * Seeds the demo data when {@code quarkus:dev} starts (and at each live reload, where it writes
     * nothing). Runs before dev's user seed, so that Patient/pat is created as the demo's patient; a
     * failure is logged and does not stop dev mode.
     */
    @IfBuildProfile("dev")
    @ApplicationScoped
    static class DevStartup {

        private final DemoData demoData;

        DevStartup(DemoData demoData) {
            this.demoData = demoData;
        }

        @ActivateRequestContext
        void seed(@Observes @Priority(Interceptor.Priority.APPLICATION + 400) StartupEvent event) {
            try {
                demoData.seed();
            } catch (RuntimeException e) {
                LOG.error("Demo data not seeded", e);
            }
        }
    }
}

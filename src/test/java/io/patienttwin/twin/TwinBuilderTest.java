package io.patienttwin.twin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/** The twin from in-memory resources: inputs, conversions, derived renal function, series, missing inputs. */
class TwinBuilderTest {

    static final Instant AS_OF = Instant.parse("2026-06-01T00:00:00Z");

    static Patient patient() {
        Patient patient = new Patient();
        patient.setId("p1");
        patient.getMeta().setVersionId("3");
        patient.setGender(AdministrativeGender.FEMALE);
        patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1956-03-10"));
        return patient;
    }

    static Observation quantity(String id, String loinc, double value, String unit, String when) {
        Observation o = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        o.setId(id);
        o.getMeta().setVersionId("1");
        o.getCode().addCoding().setSystem(TwinBuilder.LOINC).setCode(loinc);
        o.setSubject(new Reference("Patient/p1"));
        o.setEffective(new DateTimeType(when));
        o.setValue(
                new Quantity().setValue(BigDecimal.valueOf(value)).setUnit(unit).setCode(unit));
        return o;
    }

    @Test
    void buildsInputsWithUnitsSourcesAndRecomputedRenalFunction() {
        Observation bp = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        bp.setId("bp");
        bp.getCode().addCoding().setSystem(TwinBuilder.LOINC).setCode("85354-9");
        bp.setEffective(new DateTimeType("2026-05-01"));
        bp.addComponent()
                .setCode(new CodeableConcept()
                        .addCoding(new org.hl7.fhir.r4.model.Coding(TwinBuilder.LOINC, "8480-6", null)))
                .setValue(new Quantity().setValue(142).setCode("mm[Hg]"));
        bp.addComponent()
                .setCode(new CodeableConcept()
                        .addCoding(new org.hl7.fhir.r4.model.Coding(TwinBuilder.LOINC, "8462-4", null)))
                .setValue(new Quantity().setValue(88).setCode("mm[Hg]"));
        Observation genotype = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        genotype.setId("g1");
        genotype.getCode().addCoding().setSystem(TwinBuilder.LOINC).setCode("46724-1");
        genotype.setValue(new StringType("*1/*2"));
        genotype.setEffective(new DateTimeType("2020-01-01"));
        MedicationRequest warfarin = new MedicationRequest()
                .setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE)
                .setIntent(MedicationRequest.MedicationRequestIntent.ORDER);
        warfarin.setId("m1");
        warfarin.setMedication(new CodeableConcept()
                .addCoding(new org.hl7.fhir.r4.model.Coding(
                        "http://www.nlm.nih.gov/research/umls/rxnorm", "855332", "Warfarin Sodium 5 MG Oral Tablet")));
        AllergyIntolerance allergy = new AllergyIntolerance();
        allergy.setId("a1");
        allergy.getCode().setText("Penicillin");
        Condition dialysis = new Condition();
        dialysis.setId("c1");
        dialysis.getCode().addCoding().setSystem(TwinBuilder.SNOMED).setCode("105502003");
        List<Resource> resources = List.of(
                quantity("w-old", "29463-7", 80, "kg", "2026-01-10"),
                quantity("w-new", "29463-7", 154, "[lb_av]", "2026-05-20"),
                quantity("h", "8302-2", 165, "cm", "2025-12-01"),
                quantity("cr", "2160-0", 97.3, "umol/L", "2026-05-21"),
                quantity("egfr", "98979-8", 55, "mL/min/{1.73_m2}", "2026-05-21"),
                bp,
                genotype,
                warfarin,
                allergy,
                dialysis);

        Twin twin = TwinBuilder.build(patient(), resources, AS_OF);

        double weight = 154 * 0.45359237;
        double scr = 97.3 / 88.42;
        assertThat(twin.input("age").orElseThrow().number()).isEqualTo(70);
        assertThat(twin.input("sex").orElseThrow().code()).isEqualTo("female");
        assertThat(twin.input("weight").orElseThrow().number()).isCloseTo(weight, within(1e-9));
        assertThat(twin.input("weight").orElseThrow().sources()).containsExactly("Observation/w-new/_history/1");
        assertThat(twin.input("creatinine").orElseThrow().number()).isCloseTo(scr, within(1e-12));
        assertThat(twin.input("crcl").orElseThrow().number())
                .isCloseTo((140 - 70) * weight / (72 * scr) * 0.85, within(1e-9));
        assertThat(twin.input("crcl").orElseThrow().sources())
                .contains("Observation/cr/_history/1", "Observation/w-new/_history/1", "Patient/p1/_history/3");
        assertThat(twin.input("egfr").orElseThrow().number())
                .isCloseTo(RenalFunction.ckdEpi2021(70, scr, true), within(1e-9));
        assertThat(twin.input("egfrReported").orElseThrow().number()).isEqualTo(55);
        assertThat(twin.input("bsa").orElseThrow().number()).isCloseTo(Math.sqrt(165 * weight / 3600), within(1e-12));
        assertThat(twin.input("sbp").orElseThrow().number()).isEqualTo(142);
        assertThat(twin.input("dbp").orElseThrow().number()).isEqualTo(88);
        assertThat(twin.input("cyp2c9").orElseThrow().code()).isEqualTo("*1/*2");
        assertThat(twin.input("dialysis").orElseThrow().number()).isEqualTo(1);
        assertThat(twin.medications()).singleElement().satisfies(m -> assertThat(m.ingredient())
                .isEqualTo("warfarin"));
        assertThat(twin.allergies()).extracting(Twin.Allergy::substance).containsExactly("Penicillin");
        assertThat(twin.missing()).containsExactly("hba1c", "inr", "glucose", "vkorc1");
        Series weights = twin.series().stream()
                .filter(s -> s.name().equals("weight"))
                .findFirst()
                .orElseThrow();
        assertThat(weights.previous().number()).isEqualTo(80);
        assertThat(weights.trend()).isEqualTo("falling");
        assertThat(weights.count()).isEqualTo(2);
    }

    @Test
    void enteredInErrorObservationsAndInactiveMedicationsAreIgnored() {
        Observation wrong = quantity("x", "2160-0", 5.0, "mg/dL", "2026-05-30");
        wrong.setStatus(Observation.ObservationStatus.ENTEREDINERROR);
        MedicationRequest stopped = new MedicationRequest()
                .setStatus(MedicationRequest.MedicationRequestStatus.STOPPED)
                .setIntent(MedicationRequest.MedicationRequestIntent.ORDER)
                .setMedication(new CodeableConcept().setText("amiodarone 200 mg"));
        stopped.setId("m2");

        Twin twin = TwinBuilder.build(patient(), List.of(wrong, stopped), AS_OF);

        assertThat(twin.input("creatinine")).isEmpty();
        assertThat(twin.missing()).contains("creatinine", "crcl", "egfr", "weight");
        assertThat(twin.medications()).isEmpty();
        assertThat(Date.from(twin.asOf())).isEqualTo(Date.from(AS_OF));
    }

    @Test
    void vitalSignsOfTheRecordGiveACompleteNews2Score() {
        String t = "2026-05-31T22:00:00Z";
        Observation acvpu = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        acvpu.setId("acvpu");
        acvpu.getMeta().setVersionId("1");
        acvpu.getCode().addCoding().setSystem(TwinBuilder.LOINC).setCode("11454-6");
        acvpu.setEffective(new DateTimeType(t));
        acvpu.setValue(new org.hl7.fhir.r4.model.CodeableConcept()
                .addCoding(new org.hl7.fhir.r4.model.Coding(TwinBuilder.SNOMED, "300202002", "Voice")));
        Twin twin = TwinBuilder.build(
                patient(),
                List.of(
                        quantity("rr", "9279-1", 22, "/min", t), // 2
                        quantity("spo2", "59408-5", 95, "%", t), // 1
                        quantity("o2", "3151-8", 2, "L/min", t), // oxygen: 2
                        quantity("bp", "8480-6", 105, "mm[Hg]", t), // 1
                        quantity("hr", "8867-4", 95, "/min", t), // 1
                        acvpu, // voice: 3
                        quantity("temp", "8310-5", 100.4, "[degF]", t)), // 38.0 Cel: 0
                AS_OF);
        News2.Score score = News2.of(twin);
        assertThat(score.missing()).isEmpty();
        assertThat(score.complete()).isTrue();
        assertThat(score.total()).isEqualTo(10);
        assertThat(score.anyThree()).isTrue();
        assertThat(score.risk()).isEqualTo(News2.Risk.HIGH);
        assertThat(twin.input("temperature").orElseThrow().number()).isCloseTo(38.0, within(1e-9));
        assertThat(twin.missing()).as("vitals are not listed as missing inputs").doesNotContain("heartRate");
        assertThat(News2.of(TwinBuilder.build(patient(), List.of(), AS_OF)).scored())
                .isEmpty();
    }
}

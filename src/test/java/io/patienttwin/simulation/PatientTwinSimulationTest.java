package io.patienttwin.simulation;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.create;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.patienttwin.simulation.TwinAnswers.input;
import static io.patienttwin.simulation.TwinAnswers.number;
import static io.patienttwin.simulation.TwinAnswers.part;
import static io.patienttwin.simulation.TwinAnswers.text;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.patienttwin.identity.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code $twin} and {@code $simulate} over HTTP, as the patient herself (Patient/pat, the dev realm's
 * patient user): data written through FHIR by the EHR system, numbers recomputed here from the
 * published equations.
 */
@QuarkusTest
class PatientTwinSimulationTest {

    static final String PATIENT = "pat";

    String weightId;
    String creatinineId;
    double ageYears;
    boolean female;

    @BeforeEach
    void recordOfPat() {
        Response existing = fhir().get("/fhir/Patient/" + PATIENT);
        Patient patient = existing.statusCode() == 200 ? parse(existing.asString(), Patient.class) : new Patient();
        if (!patient.hasBirthDate()
                || patient.getGender() == null
                || patient.getGender() == AdministrativeGender.UNKNOWN
                || patient.getGender() == AdministrativeGender.OTHER) {
            patient.setId(PATIENT);
            patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1961-07-01"));
            patient.setGender(AdministrativeGender.FEMALE);
            patient.getMeta().setVersionId(null);
            Response put = fhir().body(json(patient)).put("/fhir/Patient/" + PATIENT);
            assertThat(put.statusCode()).as(put.asString()).isIn(200, 201);
        }
        LocalDate born = patient.getBirthDateElement()
                .getValueAsCalendar()
                .toZonedDateTime()
                .toLocalDate();
        ageYears = Period.between(born, LocalDate.now(ZoneOffset.UTC)).getYears();
        female = patient.getGender() == AdministrativeGender.FEMALE;
        Date now = new Date();
        weightId = create(observation("29463-7", 82.5, "kg", now));
        creatinineId = create(observation("2160-0", 97, "umol/L", now));
        create(genotype("46724-1", "*1/*3", now));
        create(genotype("50722-8", "G/A", now));
    }

    @Test
    void twinReportsConvertedInputsRecomputedRenalFunctionAndTheirSources() {
        Response response = asPat().get("/fhir/Patient/" + PATIENT + "/$twin");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        Parameters twin = parse(response.asString(), Parameters.class);

        double scr = 97 / 88.42;
        assertThat(number(twin, "weight")).isCloseTo(82.5, within(1e-9));
        assertThat(number(twin, "creatinine")).isCloseTo(scr, within(1e-9));
        double crcl = (140 - ageYears) * 82.5 / (72 * scr) * (female ? 0.85 : 1);
        assertThat(number(twin, "crcl")).isCloseTo(crcl, within(1e-6));
        double kappa = female ? 0.7 : 0.9;
        double egfr = 142
                * Math.pow(Math.min(scr / kappa, 1), female ? -0.241 : -0.302)
                * Math.pow(Math.max(scr / kappa, 1), -1.2)
                * Math.pow(0.9938, ageYears)
                * (female ? 1.012 : 1);
        assertThat(number(twin, "egfr")).isCloseTo(egfr, within(1e-6));
        assertThat(text(twin, "cyp2c9")).isEqualTo("*1/*3");
        assertThat(text(twin, "vkorc1")).isEqualTo("G/A");
        assertThat(sources(twin, "crcl"))
                .contains("Observation/" + creatinineId + "/_history/1", "Observation/" + weightId + "/_history/1");
        assertThat(twin.getParameter().stream().filter(p -> p.getName().equals("missing")))
                .extracting(p -> p.getValue().primitiveValue())
                .doesNotContain("weight", "creatinine", "crcl", "egfr", "cyp2c9", "vkorc1");
    }

    @Test
    void simulateVancomycinComparesRegimensAndSolvesTheDoseForAuc500() {
        Parameters request = new Parameters();
        request.addParameter().setName("model").setValue(new StringType("vancomycin-goti-2018"));
        request.addParameter().setName("horizon").setValue(quantity(48, "h"));
        request.addParameter().setName("suggestDose").setValue(new BooleanType(true));
        request.addParameter().setName("cohortSize").setValue(new IntegerType(200));
        request.addParameter().setName("seed").setValue(new IntegerType(42));
        request.addParameter(regimen("1 g q12h", 1000));
        request.addParameter(regimen("1.25 g q12h", 1250));

        Response response = asPat().body(json(request)).post("/fhir/Patient/" + PATIENT + "/$simulate");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        Parameters result = parse(response.asString(), Parameters.class);

        double scr = 97 / 88.42;
        double crcl = (140 - ageYears) * 82.5 / (72 * scr) * (female ? 0.85 : 1);
        double cl = 4.5 * Math.pow(crcl / 120, 0.8); // Goti 2018, no dialysis
        List<ParametersParameterComponent> results = result.getParameter().stream()
                .filter(p -> p.getName().equals("result"))
                .toList();
        assertThat(results).hasSize(2);
        for (ParametersParameterComponent r : results) {
            double dose = ((Quantity) part(r, "dose").getValue()).getValue().doubleValue();
            ParametersParameterComponent metrics = part(r, "metrics");
            // steady state: AUC24 = daily dose / CL
            double auc24 =
                    ((Quantity) part(metrics, "auc24").getValue()).getValue().doubleValue();
            assertThat(auc24).isCloseTo(2 * dose / cl, within(1e-6 * auc24));
            double suggested = ((Quantity)
                            part(part(r, "doseSuggestion"), "dose").getValue())
                    .getValue()
                    .doubleValue();
            assertThat(suggested).isCloseTo(500 * cl * 12 / 24, within(1e-3 * suggested));
            assertThat(part(part(r, "cohort"), "size").getValue().primitiveValue())
                    .isEqualTo("200");
        }
        assertThat(part(
                                result.getParameter().stream()
                                        .filter(p -> p.getName().equals("model"))
                                        .findFirst()
                                        .orElseThrow(),
                                "version")
                        .getValue()
                        .primitiveValue())
                .isEqualTo("2018.1");
        assertThat(result.getParameter().stream().filter(p -> p.getName().equals("input")))
                .anySatisfy(p -> assertThat(p.getPart().stream()
                                .filter(x -> x.getName().equals("source"))
                                .map(x -> x.getValue().primitiveValue()))
                        .contains("Observation/" + creatinineId + "/_history/1"));
    }

    @Test
    void simulateWarfarinReportsInrByDayFromTheGenotypes() {
        Parameters request = new Parameters();
        request.addParameter().setName("model").setValue(new CodeType("warfarin-hamberg-2010"));
        request.addParameter().setName("horizon").setValue(quantity(7, "d"));
        ParametersParameterComponent regimen = request.addParameter().setName("regimen");
        regimen.addPart().setName("drug").setValue(new StringType("warfarin"));
        regimen.addPart().setName("route").setValue(new CodeType("oral"));
        regimen.addPart().setName("dose").setValue(quantity(5, "mg"));
        regimen.addPart().setName("interval").setValue(quantity(24, "h"));

        Response response = asPat().body(json(request)).post("/fhir/Patient/" + PATIENT + "/$simulate");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        Parameters result = parse(response.asString(), Parameters.class);
        ParametersParameterComponent metrics = part(
                result.getParameter().stream()
                        .filter(p -> p.getName().equals("result"))
                        .findFirst()
                        .orElseThrow(),
                "metrics");
        List<Double> inr = metrics.getPart().stream()
                .filter(p -> p.getName().equals("effectByDay"))
                .map(p -> ((DecimalType) part(p, "value").getValue()).getValue().doubleValue())
                .toList();
        assertThat(inr).hasSize(8);
        assertThat(inr.get(0)).isCloseTo(1.0, within(1e-9));
        assertThat(inr).isSorted();
        assertThat(inr.get(7)).isGreaterThan(1.3);
    }

    @Test
    void badRequestsNameTheirProblem() {
        assertError(simulate("no-such-model", 1000, "vancomycin"), 400, "PT-SIM-400-MODEL");
        assertError(simulate("vancomycin-goti-2018", -5, "vancomycin"), 400, "PT-SIM-400-DOSE");
        assertError(simulate("vancomycin-goti-2018", 1000, "unobtainium"), 400, "PT-SIM-400-DRUG");
        // a record without blood pressure (pat's has some in the dev demo data), as its custodian EHR system
        String withoutBloodPressure = create(new Patient().setGender(AdministrativeGender.FEMALE));
        Response missing = fhir().body(json(simulation("bp-law-2003", 10, "lisinopril")))
                .post("/fhir/Patient/" + withoutBloodPressure + "/$simulate");
        assertError(missing, 422, "PT-SIM-422-MISSING-INPUT");
    }

    private static Response simulate(String model, double dose, String drug) {
        return asPat().body(json(simulation(model, dose, drug))).post("/fhir/Patient/" + PATIENT + "/$simulate");
    }

    private static Parameters simulation(String model, double dose, String drug) {
        Parameters request = new Parameters();
        request.addParameter().setName("model").setValue(new StringType(model));
        ParametersParameterComponent regimen = request.addParameter().setName("regimen");
        regimen.addPart().setName("drug").setValue(new StringType(drug));
        regimen.addPart().setName("route").setValue(new CodeType(drug.equals("lisinopril") ? "oral" : "iv-infusion"));
        regimen.addPart().setName("dose").setValue(quantity(dose, "mg"));
        regimen.addPart().setName("interval").setValue(quantity(12, "h"));
        return request;
    }

    private static void assertError(Response response, int status, String code) {
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(status);
        assertThat(parse(response.asString(), OperationOutcome.class)
                        .getIssueFirstRep()
                        .getDiagnostics())
                .startsWith(code);
    }

    private static ParametersParameterComponent regimen(String label, double dose) {
        ParametersParameterComponent regimen = new ParametersParameterComponent().setName("regimen");
        regimen.addPart().setName("label").setValue(new StringType(label));
        regimen.addPart().setName("drug").setValue(new StringType("vancomycin"));
        regimen.addPart().setName("route").setValue(new CodeType("iv-infusion"));
        regimen.addPart().setName("dose").setValue(quantity(dose, "mg"));
        regimen.addPart().setName("interval").setValue(quantity(12, "h"));
        regimen.addPart().setName("infusionDuration").setValue(quantity(60, "min"));
        regimen.addPart().setName("steadyState").setValue(new BooleanType(true));
        return regimen;
    }

    private static io.restassured.specification.RequestSpecification asPat() {
        return given().auth().oauth2(Tokens.pat()).accept(FHIR_JSON).contentType(FHIR_JSON);
    }

    private static Quantity quantity(double value, String unit) {
        return new Quantity()
                .setValue(BigDecimal.valueOf(value))
                .setUnit(unit)
                .setSystem("http://unitsofmeasure.org")
                .setCode(unit);
    }

    private static Observation observation(String loinc, double value, String unit, Date when) {
        Observation o = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        o.getCode().addCoding().setSystem("http://loinc.org").setCode(loinc);
        o.setSubject(new Reference("Patient/" + PATIENT));
        o.setEffective(new DateTimeType(when, ca.uhn.fhir.model.api.TemporalPrecisionEnum.MILLI));
        o.setValue(quantity(value, unit));
        return o;
    }

    private static Observation genotype(String loinc, String value, Date when) {
        Observation o = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        o.getCode().addCoding().setSystem("http://loinc.org").setCode(loinc);
        o.setSubject(new Reference("Patient/" + PATIENT));
        o.setEffective(new DateTimeType(when, ca.uhn.fhir.model.api.TemporalPrecisionEnum.MILLI));
        o.setValue(new StringType(value));
        return o;
    }

    private static List<String> sources(Parameters twin, String name) {
        return input(twin, name).getPart().stream()
                .filter(p -> p.getName().equals("source"))
                .map(p -> p.getValue().primitiveValue())
                .toList();
    }
}

package io.patienttwin.portal;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.compliance;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.patienttwin.simulation.TwinAnswers.number;
import static io.patienttwin.simulation.TwinAnswers.part;
import static io.patienttwin.simulation.TwinAnswers.text;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.patienttwin.consent.ConsentRecord;
import io.patienttwin.fhir.store.GatedResourceReader;
import io.patienttwin.fhir.store.StoredResource;
import io.patienttwin.identity.Tokens;
import io.patienttwin.twin.Twin;
import io.patienttwin.twin.TwinBuilder;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dev demo data: seeded once however often it runs, its consents confirmed on the chain, and what
 * alice and bob may read of it. Other tests share Patient/pat, so only this data set's own facts about
 * pat are asserted.
 */
@QuarkusTest
class DemoDataTest {

    private static final Duration CONFIRMATION = Duration.ofSeconds(30);

    @Inject
    DemoData demoData;

    @Inject
    GatedResourceReader reader;

    @BeforeEach
    void seededAndConfirmed() {
        demoData.seed();
        for (String id : DemoData.CONSENTS) {
            await().atMost(CONFIRMATION)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> parse(compliance().get("/fhir/Consent/" + id).asString(), Consent.class)
                                    .getStatus()
                            == Consent.ConsentState.ACTIVE);
        }
    }

    @Test
    void seedingAgainWritesNothing() {
        Map<String, Long> before = versions();

        assertThat(demoData.seed()).isZero();

        assertThat(versions()).isEqualTo(before);
    }

    @Test
    void everyDemoPatientsTwinHasWeightCreatinineAndRenalFunction() {
        List<Resource> resources = DemoData.resources(Instant.now());
        for (String id : List.of(
                DemoData.WARFARIN_PATIENT,
                DemoData.VANCOMYCIN_PATIENT,
                DemoData.HYPERTENSION_PATIENT,
                DemoData.UNCONSENTED_PATIENT)) {
            Patient patient = resources.stream()
                    .filter(r ->
                            r instanceof Patient && r.getIdElement().getIdPart().equals(id))
                    .map(Patient.class::cast)
                    .findFirst()
                    .orElseThrow();
            List<Resource> compartment = resources.stream()
                    .filter(r -> !(r instanceof Patient) && !(r instanceof Consent))
                    .filter(r -> r.getIdElement().getIdPart().startsWith(id + "-"))
                    .toList();

            Twin twin = TwinBuilder.build(patient, compartment, Instant.now());

            assertThat(twin.missing()).as(id).doesNotContain("age", "sex", "weight", "creatinine", "crcl", "egfr");
        }
    }

    @Test
    void aliceSeesTheWarfarinPatientsTwinWithGenotypesAndInrHistory() {
        Response response = as(Tokens.alice()).get("/fhir/Patient/" + DemoData.WARFARIN_PATIENT + "/$twin");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        Parameters twin = parse(response.asString(), Parameters.class);

        assertThat(text(twin, "cyp2c9")).isEqualTo("*1/*3");
        assertThat(text(twin, "vkorc1")).isEqualTo("G/A");
        assertThat(number(twin, "inr")).isCloseTo(2.4, within(1e-9));
        assertThat(number(twin, "weight")).isCloseTo(68.4, within(1e-9));
        assertThat(number(twin, "crcl")).isPositive();
        assertThat(seriesPart(twin, "inr", "count")).isEqualTo("8");
    }

    @Test
    void aliceReadsTheVancomycinPatientWithRisingCreatinine() {
        as(Tokens.alice())
                .get("/fhir/Patient/" + DemoData.VANCOMYCIN_PATIENT)
                .then()
                .statusCode(200);
        Response response = as(Tokens.alice()).get("/fhir/Patient/" + DemoData.VANCOMYCIN_PATIENT + "/$twin");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        Parameters twin = parse(response.asString(), Parameters.class);

        assertThat(number(twin, "creatinine")).isCloseTo(1.71, within(1e-9));
        assertThat(seriesPart(twin, "creatinine", "trend")).isEqualTo("rising");
        assertThat(number(twin, "weight")).isCloseTo(95.2, within(1e-9));
        assertThat(number(twin, "crcl")).isPositive();
    }

    @Test
    void withoutAConsentAliceIsRefusedAndBobIsRefusedEverything() {
        for (String path : List.of(
                "Patient/" + DemoData.UNCONSENTED_PATIENT,
                "Condition/pat-condition-hypertension",
                "MedicationRequest/pat-medication-amlodipine")) {
            as(Tokens.alice()).get("/fhir/" + path).then().statusCode(403);
        }
        // other tests of this suite may have pat consent to alice; none of them comes from the demo data
        if (consentsFromPatToAlice() == 0) {
            as(Tokens.alice()).get("/fhir/Patient/pat").then().statusCode(403);
        }
        for (String patient : List.of(
                DemoData.WARFARIN_PATIENT,
                DemoData.VANCOMYCIN_PATIENT,
                DemoData.HYPERTENSION_PATIENT,
                DemoData.UNCONSENTED_PATIENT)) {
            as(Tokens.bob()).get("/fhir/Patient/" + patient).then().statusCode(403);
            as(Tokens.bob()).get("/fhir/Patient/" + patient + "/$twin").then().statusCode(403);
        }
    }

    private Map<String, Long> versions() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Map<String, Long> versions = new LinkedHashMap<>();
            for (Resource resource : DemoData.resources(Instant.now())) {
                String type = resource.fhirType();
                String id = resource.getIdElement().getIdPart();
                versions.put(
                        type + "/" + id,
                        reader.currentForUpdate(type, id)
                                .map(StoredResource::version)
                                .orElse(-1L));
            }
            return versions;
        });
    }

    private static long consentsFromPatToAlice() {
        return QuarkusTransaction.requiringNew()
                .call(() -> ConsentRecord.count("patientId = ?1 and grantee = ?2", "pat", DemoData.GRANTEE));
    }

    private static io.restassured.specification.RequestSpecification as(String token) {
        return given().auth().oauth2(token).accept(FHIR_JSON);
    }

    private static String seriesPart(Parameters twin, String name, String partName) {
        return twin.getParameter().stream()
                .filter(p -> p.getName().equals("series"))
                .filter(p -> name.equals(part(p, "name").getValue().primitiveValue()))
                .map(p -> part(p, partName).getValue().primitiveValue())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no series " + name));
    }
}

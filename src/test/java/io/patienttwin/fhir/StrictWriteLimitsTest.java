package io.patienttwin.fhir;

import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.newTag;
import static io.patienttwin.fhir.FhirTestSupport.search;
import static io.patienttwin.fhir.FhirTestSupport.tagParam;
import static io.patienttwin.fhir.FhirTestSupport.tagged;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/**
 * Validation on write (422), the request size limit (413) and the time limit of a transaction Bundle
 * (503), switched on by configuration.
 */
@QuarkusTest
@TestProfile(StrictWriteLimitsTest.Strict.class)
class StrictWriteLimitsTest {

    /** Validation on write and a 64 KiB body limit. */
    public static class Strict implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "twin.fhir.validate-on-write",
                    "true",
                    "twin.fhir.max-request-size",
                    "64K",
                    "twin.fhir.transaction-timeout",
                    "1S");
        }
    }

    @Test
    void aTransactionOverItsTimeLimitIs503AndStoresNothingOfIt() throws Exception {
        String tag = newTag();
        String patientId =
                "tx-timeout-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        FhirTestSupport.ensurePatient(patientId);
        Patient renamed = new Patient();
        renamed.setId(patientId);
        renamed.addName().setFamily("Renamed");
        Observation observation = tagged(new Observation(), tag);
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode("2160-0");
        observation.setSubject(new org.hl7.fhir.r4.model.Reference("Patient/" + patientId));
        org.hl7.fhir.r4.model.Bundle bundle = new org.hl7.fhir.r4.model.Bundle();
        bundle.setType(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setResource(observation)
                .getRequest()
                .setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST)
                .setUrl("Observation");
        bundle.addEntry()
                .setResource(renamed)
                .getRequest()
                .setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.PUT)
                .setUrl("Patient/" + patientId);

        // another session holds the Patient's row for 3 s: the transaction waits past its 1 s limit
        String url = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.datasource.jdbc.url", String.class);
        try (java.sql.Connection holder = java.sql.DriverManager.getConnection(url, "postgres", "")) {
            holder.setAutoCommit(false);
            try (java.sql.PreparedStatement lock = holder.prepareStatement(
                    "select pid from fhir_resource where res_type = 'Patient' and res_id = ? for update")) {
                lock.setString(1, patientId);
                lock.executeQuery().close();
            }
            java.util.concurrent.CompletableFuture.runAsync(
                    () -> {
                        try {
                            holder.rollback();
                        } catch (java.sql.SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    java.util.concurrent.CompletableFuture.delayedExecutor(3, java.util.concurrent.TimeUnit.SECONDS));
            fhir().body(json(bundle))
                    .post("/fhir")
                    .then()
                    .statusCode(503)
                    .body("resourceType", equalTo("OperationOutcome"))
                    .body(containsString("PT-FHIR-503-TIMEOUT"));
            Thread.sleep(3_500); // the holder has let go
        }
        assertThat(search("Observation?_tag=" + tagParam(tag).replace("|", "%7C"))
                        .getTotal())
                .as("nothing of the transaction stored")
                .isZero();
        fhir().get("/fhir/Patient/" + patientId)
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.not(containsString("Renamed")));
    }

    @Test
    void anInvalidResourceIsRefusedWith422AndNotStored() {
        String tag = newTag();
        Observation invalid = tagged(new Observation(), tag); // no status, no code
        fhir().body(json(invalid))
                .post("/fhir/Observation")
                .then()
                .statusCode(422)
                .body("resourceType", equalTo("OperationOutcome"))
                .body(containsString("Observation.status"));
        assertThat(search("Observation?_tag=" + tagParam(tag).replace("|", "%7C"))
                        .getTotal())
                .isZero();
    }

    @Test
    void aValidResourceIsStored() {
        Patient patient = new Patient();
        patient.addName().setFamily("Valid");
        fhir().body(json(patient)).post("/fhir/Patient").then().statusCode(201);
    }

    @Test
    void aBodyOverTheLimitWithContentLengthIs413WithOperationOutcome() {
        Patient patient = new Patient();
        patient.addName().setFamily("x".repeat(70_000));
        fhir().body(json(patient))
                .post("/fhir/Patient")
                .then()
                .statusCode(413)
                .body("resourceType", equalTo("OperationOutcome"))
                .body(containsString("PT-FHIR-413"));
    }

    @Test
    void aChunkedBodyOverTheLimitIs413WithOperationOutcome() {
        Patient patient = new Patient();
        patient.addName().setFamily("y".repeat(70_000));
        byte[] body = json(patient).getBytes(StandardCharsets.UTF_8);
        // an InputStream body makes RestAssured send it chunked, without Content-Length
        fhir().body(new ByteArrayInputStream(body))
                .post("/fhir/Patient")
                .then()
                .statusCode(413)
                .body(containsString("PT-FHIR-413"));
    }
}

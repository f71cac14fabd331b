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

/** Validation on write (422) and the request size limit (413), switched on by configuration. */
@QuarkusTest
@TestProfile(StrictWriteLimitsTest.Strict.class)
class StrictWriteLimitsTest {

    /** Validation on write and a 64 KiB body limit. */
    public static class Strict implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("twin.fhir.validate-on-write", "true", "twin.fhir.max-request-size", "64K");
        }
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

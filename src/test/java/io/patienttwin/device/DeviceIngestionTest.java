package io.patienttwin.device;

import static io.patienttwin.fhir.FhirTestSupport.FHIR;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.identity.Tokens;
import io.patienttwin.localstack.MosquittoTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/**
 * Device readings over a real broker (Mosquitto with passwords and the device ACL): stored once as the
 * device's Observations of its patient, through the write path and audited; anything else refused with
 * its reason on the dead-letter topic.
 */
@QuarkusTest
@TestProfile(WithDevices.class)
class DeviceIngestionTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EntityManager em;

    @Test
    void aReadingOfAnAssignedDeviceIsStoredOnceAsAnObservationOfItsPatientAndAuditedAsTheDevicesWrite()
            throws Exception {
        String patient = newPatient();
        register("mon-a", patient, Device.FHIRDeviceStatus.ACTIVE);
        String time = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String messageId = "hr-" + UUID.randomUUID();
        String compact = "{\"id\":\"" + messageId
                + "\",\"code\":\"heart-rate\",\"value\":72,\"unit\":\"/min\",\"time\":\"" + time + "\"}";
        Observation spo2 = new Observation();
        spo2.setStatus(Observation.ObservationStatus.FINAL);
        spo2.getCode().addCoding().setSystem("http://loinc.org").setCode("59408-5");
        spo2.setEffective(new org.hl7.fhir.r4.model.DateTimeType(time));
        spo2.setValue(new org.hl7.fhir.r4.model.Quantity(97)
                .setUnit("%")
                .setSystem("http://unitsofmeasure.org")
                .setCode("%"));
        spo2.setSubject(new Reference("Patient/" + patient));

        try (MqttTestClient device = MqttTestClient.as("mon-a")) {
            device.publish("devices/mon-a/readings", compact);
            device.publish("devices/mon-a/readings", compact); // a redelivery, as QoS 1 allows
            device.publish("devices/mon-a/readings", FHIR.newJsonParser().encodeResourceToString(spo2));
        }

        Bundle found = await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> search("Observation?subject=Patient/" + patient + "&_count=50"), b -> b.getTotal() == 2);
        long duplicatesBefore = status().path("duplicates").asLong();
        assertThat(duplicatesBefore).isGreaterThanOrEqualTo(1);
        Observation heartRate = found.getEntry().stream()
                .map(e -> (Observation) e.getResource())
                .filter(o -> o.getCode().getCodingFirstRep().getCode().equals("8867-4"))
                .findFirst()
                .orElseThrow();
        assertThat(heartRate.getValueQuantity().getValue().intValue()).isEqualTo(72);
        assertThat(heartRate.getValueQuantity().getCode()).isEqualTo("/min");
        assertThat(heartRate.getDevice().getReference()).isEqualTo("Device/mon-a");
        assertThat(heartRate.getCategoryFirstRep().getCodingFirstRep().getCode())
                .isEqualTo("vital-signs");
        assertThat(heartRate.getIdentifierFirstRep().getValue()).isEqualTo("mon-a|id|" + messageId);
        // the twin has it: the heart-rate series and NEWS2's pulse (72: 0 points; the score incomplete)
        String twin = fhir().get("/fhir/Patient/" + patient + "/$twin")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        org.hl7.fhir.r4.model.Parameters parameters =
                FHIR.newJsonParser().parseResource(org.hl7.fhir.r4.model.Parameters.class, twin);
        assertThat(parameters.getParameter().stream()
                        .filter(p -> p.getName().equals("series"))
                        .map(p -> p.getPart().get(0).getValue().primitiveValue()))
                .contains("heartRate", "spo2");
        org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent news2 = parameters.getParameter().stream()
                .filter(p -> p.getName().equals("news2"))
                .findFirst()
                .orElseThrow();
        assertThat(news2.getPart().stream()
                        .filter(p -> p.getName().equals("complete"))
                        .findFirst()
                        .orElseThrow()
                        .getValue()
                        .primitiveValue())
                .isEqualTo("false");
        assertThat(twin).contains("\"pulse\"").contains("\"spo2\"").contains("\"respiration\"");
        // the same message once more, later: still one Observation
        try (MqttTestClient device = MqttTestClient.as("mon-a")) {
            device.publish("devices/mon-a/readings", compact);
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> status().path("duplicates").asLong() > duplicatesBefore);
        assertThat(search("Observation?subject=Patient/" + patient).getTotal()).isEqualTo(2);

        List<Object[]> audit = sql(
                "select agent_kind, outcome, reason, patient_id, entities from audit_event"
                        + " where agent_ref = 'Device/mon-a' and interaction = 'device-reading' and patient_id = ?1",
                patient);
        assertThat(audit).isNotEmpty();
        assertThat(audit).allSatisfy(row -> {
            assertThat(row[0]).isEqualTo("DEVICE");
            assertThat(row[1]).isEqualTo("permit");
            assertThat(row[2]).isEqualTo("PERMIT-DEVICE-ASSIGNED");
        });
        assertThat(audit.stream().map(row -> (String) row[4]).reduce("", String::concat))
                .contains("Observation/" + heartRate.getIdElement().getIdPart());
    }

    @Test
    void messagesThatAreNoReadingsAreRefusedWithTheirReasonOnTheDeadLetterTopicAndNothingOfThemIsStored()
            throws Exception {
        String patient = newPatient();
        String other = newPatient();
        register("mon-b", patient, Device.FHIRDeviceStatus.ACTIVE);
        register("mon-c", patient, Device.FHIRDeviceStatus.INACTIVE);
        String time = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String run = UUID.randomUUID().toString().substring(0, 8);
        Observation naming = new Observation();
        naming.setStatus(Observation.ObservationStatus.FINAL);
        naming.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
        naming.setEffective(new org.hl7.fhir.r4.model.DateTimeType(time));
        naming.setValue(new org.hl7.fhir.r4.model.Quantity(80)
                .setUnit("/min")
                .setSystem("http://unitsofmeasure.org")
                .setCode("/min"));
        naming.setSubject(new Reference("Patient/" + other));

        try (MqttTestClient operator = MqttTestClient.as(MosquittoTestResource.OPERATOR);
                MqttTestClient monB = MqttTestClient.as("mon-b");
                MqttTestClient monC = MqttTestClient.as("mon-c");
                MqttTestClient monX = MqttTestClient.as("mon-x")) {
            operator.subscribe("dead-letter/devices/#");
            monB.publish(
                    "devices/mon-b/readings",
                    "{\"id\":\"" + run + "-unit\",\"code\":\"heart-rate\",\"value\":72,"
                            + "\"unit\":\"bpm\",\"time\":\"" + time + "\"}");
            monB.publish("devices/mon-b/readings", "not json " + run);
            monB.publish("devices/mon-b/settings", "{\"id\":\"" + run + "-topic\"}");
            monB.publish("devices/mon-b/readings", FHIR.newJsonParser().encodeResourceToString(naming));
            monC.publish("devices/mon-c/readings", reading(run + "-inactive", time));
            monX.publish("devices/mon-x/readings", reading(run + "-unregistered", time));
            // another device's topic: the broker's ACL drops it, the platform never sees it
            monB.publish("devices/mon-a/readings", reading(run + "-hijack", time));
            monB.publish("devices/mon-b/readings", reading(run + "-marker", time));

            await().atMost(Duration.ofSeconds(20)).until(() -> operator.received.size() >= 6);
            List<String> reasons = new java.util.ArrayList<>();
            for (String letter : operator.received) {
                JsonNode node = JSON.readTree(letter);
                assertThat(node.path("detail").asText()).isNotBlank();
                assertThat(node.path("receivedAt").asText()).isNotBlank();
                assertThat(node.path("topic").asText()).startsWith("devices/mon-");
                reasons.add(node.path("reason").asText());
            }
            assertThat(reasons)
                    .containsExactlyInAnyOrder(
                            "MALFORMED",
                            "MALFORMED",
                            "WRONG_TOPIC",
                            "SUBJECT_MISMATCH",
                            "DEVICE_NOT_ASSIGNED",
                            "UNREGISTERED_DEVICE");
            assertThat(operator.received).anySatisfy(letter -> assertThat(letter)
                    .contains("\"reason\":\"MALFORMED\"")
                    .contains("UCUM '/min', not 'bpm'"));
        }
        // the marker is stored, nothing else of this run
        await().atMost(Duration.ofSeconds(20))
                .until(() -> search("Observation?subject=Patient/" + patient).getTotal() == 1);
        assertThat(search("Observation?subject=Patient/" + other).getTotal()).isZero();
        assertThat(search("Observation?identifier=urn:patienttwin:device-reading|mon-a|id|" + run + "-hijack")
                        .getTotal())
                .isZero();
        JsonNode refused = status().path("refused");
        assertThat(refused.path("MALFORMED").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(refused.path("UNREGISTERED_DEVICE").asLong()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aRespiratoryRateScoringThreeRaisesOneRiskAssessmentByTheDeviceAndOnlyAFallBelowTheThresholdArmsItAgain()
            throws Exception {
        String patient = newPatient();
        register("mon-ews", patient, Device.FHIRDeviceStatus.ACTIVE);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (MqttTestClient device = MqttTestClient.as("mon-ews")) {
            device.publish("devices/mon-ews/readings", vital(run + "-hr", "heart-rate", 72, "/min", now));
            device.publish("devices/mon-ews/readings", vital(run + "-rr1", "respiratory-rate", 26, "/min", now));
        }
        Bundle raised = await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> search("RiskAssessment?subject=Patient/" + patient), b -> b.getTotal() == 1);
        org.hl7.fhir.r4.model.RiskAssessment alert =
                (org.hl7.fhir.r4.model.RiskAssessment) raised.getEntryFirstRep().getResource();
        assertThat(alert.getPerformer().getReference()).isEqualTo("Device/mon-ews");
        assertThat(alert.getCode().getCodingFirstRep().getCode()).isEqualTo(EarlyWarning.NEWS2_SNOMED);
        assertThat(alert.getPredictionFirstRep()
                        .getQualitativeRisk()
                        .getCodingFirstRep()
                        .getCode())
                .isEqualTo("low-medium");
        assertThat(alert.getPredictionFirstRep().getRationale()).contains("respiration 26 scores 3");
        Observation rr = (Observation) search("Observation?subject=Patient/" + patient + "&code=9279-1")
                .getEntryFirstRep()
                .getResource();
        assertThat(alert.getBasis())
                .extracting(org.hl7.fhir.r4.model.Reference::getReference)
                .anySatisfy(ref -> assertThat(ref)
                        .startsWith("Observation/" + rr.getIdElement().getIdPart()));
        // the alert is the device's write: named in its audit record
        String alertId = alert.getIdElement().getIdPart();
        assertThat(sql(
                        "select entities, outcome from audit_event where agent_ref = 'Device/mon-ews'"
                                + " and interaction = 'device-reading' and patient_id = ?1",
                        patient))
                .anySatisfy(row -> assertThat((String) row[0]).contains("RiskAssessment/" + alertId));

        // still a 3: no second alert; then 16 (0) arms it again and 7 (3) raises the second
        try (MqttTestClient device = MqttTestClient.as("mon-ews")) {
            device.publish(
                    "devices/mon-ews/readings",
                    vital(run + "-rr2", "respiratory-rate", 27, "/min", now.plusSeconds(2)));
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> search("Observation?subject=Patient/" + patient).getTotal() == 3);
        assertThat(search("RiskAssessment?subject=Patient/" + patient).getTotal())
                .isEqualTo(1);
        try (MqttTestClient device = MqttTestClient.as("mon-ews")) {
            device.publish(
                    "devices/mon-ews/readings",
                    vital(run + "-rr3", "respiratory-rate", 16, "/min", now.plusSeconds(4)));
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> search("Observation?subject=Patient/" + patient).getTotal() == 4);
        try (MqttTestClient device = MqttTestClient.as("mon-ews")) {
            device.publish(
                    "devices/mon-ews/readings", vital(run + "-rr4", "respiratory-rate", 7, "/min", now.plusSeconds(6)));
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> search("RiskAssessment?subject=Patient/" + patient).getTotal() == 2);
    }

    private static String vital(String id, String code, double value, String unit, Instant time) {
        return "{\"id\":\"" + id + "\",\"code\":\"" + code + "\",\"value\":" + value + ",\"unit\":\"" + unit
                + "\",\"time\":\"" + time + "\"}";
    }

    private static String reading(String id, String time) {
        return "{\"id\":\"" + id + "\",\"code\":\"heart-rate\",\"value\":64,\"unit\":\"/min\",\"time\":\"" + time
                + "\"}";
    }

    private static String newPatient() {
        String id = "dev-pt-" + UUID.randomUUID().toString().substring(0, 8);
        FhirTestSupport.ensurePatient(id);
        return id;
    }

    /** The EHR system, custodian of the patient, registers the device and assigns it. */
    private static void register(String deviceId, String patient, Device.FHIRDeviceStatus status) {
        Device device = new Device();
        device.setId(deviceId);
        device.setStatus(status);
        device.setPatient(new Reference("Patient/" + patient));
        device.addDeviceName().setName("Bedside monitor " + deviceId).setType(Device.DeviceNameType.USERFRIENDLYNAME);
        fhir().body(FhirTestSupport.json(device))
                .put("/fhir/Device/" + deviceId)
                .then()
                .statusCode(org.hamcrest.Matchers.oneOf(200, 201));
    }

    private static Bundle search(String query) {
        String body =
                fhir().get("/fhir/" + query).then().statusCode(200).extract().asString();
        return FHIR.newJsonParser().parseResource(Bundle.class, body);
    }

    private static JsonNode status() throws Exception {
        String body = given().auth()
                .oauth2(Tokens.dave())
                .get("/api/devices/ingestion")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return JSON.readTree(body);
    }

    @SuppressWarnings("unchecked")
    private List<Object[]> sql(String query, String parameter) {
        return QuarkusTransaction.requiringNew()
                .call(() ->
                        em.createNativeQuery(query).setParameter(1, parameter).getResultList());
    }
}

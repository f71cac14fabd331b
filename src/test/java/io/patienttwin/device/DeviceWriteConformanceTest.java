package io.patienttwin.device;

import static io.patienttwin.fhir.FhirTestSupport.FHIR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.fhir.OperatorWrites;
import io.patienttwin.fhir.ResourceService;
import io.patienttwin.fhir.TestCustodian;
import io.patienttwin.localstack.MosquittoTestResource;
import io.quarkus.arc.Arc;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The device column of the write matrix ({@code WriteConformanceTest} is the HTTP one): a device's only
 * way to write is a publish to the broker, so every cell here is a real MQTT publish through the test
 * broker's passwords and ACL, into the platform's consumer and the store's write path. The axes are the
 * device's registration ({@link State}), what it publishes ({@link #paths()}) and whose record the
 * publish names ({@link Target}); one model of the rules ({@link #expected}) gives each cell's outcome:
 * stored (into the device's assigned patient only, audited as the device's write), refused with a
 * reason on the dead-letter topic, or dropped by the broker. Every cell checks that nothing else
 * changed: the rows of this test's patients are dumped before the publish and compared after it,
 * without the one reading a stored cell adds.
 */
@QuarkusTest
@TestProfile(WithDevices.class)
class DeviceWriteConformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEVICE = "mon-wm";
    /** The device whose topic {@link #DEVICE} tries to publish on. */
    private static final String OTHER_DEVICE = "mon-wm-other";

    @Inject
    EntityManager em;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String tag = FhirTestSupport.newTag();
    private final String a = "dwm-a-" + suffix;
    private final String a2 = "dwm-a2-" + suffix;
    private final String b = "dwm-b-" + suffix;
    private final String gone = "dwm-gone-" + suffix;
    private int cell;

    private MqttTestClient operator;
    private MqttTestClient device;
    private MqttTestClient otherDevice;

    /** How {@link #DEVICE} is registered when it publishes. */
    enum State {
        /** Active, assigned to patient A (of the EHR system's organization). */
        ACTIVE_ON_A,
        /** Active, assigned to patient B (of an organization nobody here is custodian of). */
        ACTIVE_ON_B,
        /** Assigned to A but not active. */
        INACTIVE_ON_A,
        /** Active, assigned to a patient since deleted (a Device must name a patient to be stored at all). */
        ON_A_DELETED_PATIENT,
        /** Its Device was deleted. */
        UNREGISTERED
    }

    /** Whose record a publish names. */
    enum Target {
        A,
        /** Another patient of A's organization. */
        A2,
        B,
        NONE
    }

    /** What the platform does with a publish. */
    enum Outcome {
        STORED,
        DROPPED_BY_THE_BROKER,
        MALFORMED,
        UNREGISTERED_DEVICE,
        DEVICE_NOT_ASSIGNED,
        SUBJECT_MISMATCH,
        NOT_STORED
    }

    enum Kind {
        /** A compact reading: it names nobody, the device's assignment decides. */
        COMPACT,
        /** A FHIR Observation whose subject is the target (none for NONE). */
        SUBJECT,
        /** A FHIR Observation of the device's patient whose performer is the target (none for NONE). */
        PERFORMER,
        /** A FHIR Observation carrying the id of a stored Observation of the target. */
        OVERWRITE,
        /** A FHIR Observation whose subject is a contained Patient of the target. */
        CONTAINED,
        /** A publish on the topic of another device, which is assigned to the target. */
        HIJACK,
        /** A FHIR resource that is no reading: the target's Patient. */
        NOT_A_READING
    }

    /** A publish: its kind, the targets it makes sense for, and how it is sent; returns its marker. */
    record Path(String name, Kind kind, Predicate<Target> targets, BiFunction<State, Target, Sent> send) {}

    /** What a cell published: the reading's key (its stored id follows from it) and a text to find its dead letter by. */
    record Sent(String deviceId, String key, String marker) {}

    List<Path> paths() {
        Predicate<Target> all = t -> true;
        Predicate<Target> aPatient = t -> t != Target.NONE;
        return List.of(
                new Path("compact reading", Kind.COMPACT, t -> t == Target.NONE, (s, t) -> {
                    String id = marker();
                    publish(
                            device,
                            DEVICE,
                            "{\"id\":\"" + id + "\",\"code\":\"heart-rate\",\"value\":71,"
                                    + "\"unit\":\"/min\",\"time\":\"" + now() + "\"}");
                    return new Sent(DEVICE, DEVICE + "|id|" + id, id);
                }),
                new Path("Observation naming the target as subject", Kind.SUBJECT, all, (s, t) -> {
                    String id = marker();
                    Observation reading = reading(id);
                    patientOf(t).ifPresent(p -> reading.setSubject(new Reference("Patient/" + p)));
                    publish(device, DEVICE, encode(reading));
                    return fhirSent(id);
                }),
                new Path("Observation of the device's patient performed by the target", Kind.PERFORMER, all, (s, t) -> {
                    String id = marker();
                    Observation reading = reading(id);
                    patientOf(t).ifPresent(p -> reading.addPerformer(new Reference("Patient/" + p)));
                    publish(device, DEVICE, encode(reading));
                    return fhirSent(id);
                }),
                new Path(
                        "Observation carrying the id of a stored Observation of the target",
                        Kind.OVERWRITE,
                        aPatient,
                        (s, t) -> {
                            String stored =
                                    OperatorWrites.observation(patientOf(t).orElseThrow(), tag);
                            String id = marker();
                            Observation reading = reading(id);
                            reading.setId("Observation/" + stored);
                            publish(device, DEVICE, encode(reading));
                            return fhirSent(id);
                        }),
                new Path(
                        "Observation whose subject is a contained Patient of the target",
                        Kind.CONTAINED,
                        aPatient,
                        (s, t) -> {
                            String id = marker();
                            Observation reading = reading(id);
                            Patient contained = new Patient();
                            contained.setId("p");
                            contained
                                    .addIdentifier()
                                    .setSystem("urn:dwm")
                                    .setValue(patientOf(t).orElseThrow());
                            reading.addContained(contained);
                            reading.setSubject(new Reference("#p"));
                            publish(device, DEVICE, encode(reading));
                            return fhirSent(id);
                        }),
                new Path("reading on the topic of another device assigned to the target", Kind.HIJACK, all, (s, t) -> {
                    register(
                            OTHER_DEVICE,
                            Device.FHIRDeviceStatus.ACTIVE,
                            patientOf(t).orElse(a));
                    String id = marker();
                    publish(
                            device,
                            OTHER_DEVICE,
                            "{\"id\":\"" + id + "\",\"code\":\"heart-rate\",\"value\":72,"
                                    + "\"unit\":\"/min\",\"time\":\"" + now() + "\"}");
                    return new Sent(OTHER_DEVICE, OTHER_DEVICE + "|id|" + id, id);
                }),
                new Path("the target's Patient instead of a reading", Kind.NOT_A_READING, aPatient, (s, t) -> {
                    String id = marker();
                    Patient patient = new Patient();
                    patient.setId(patientOf(t).orElseThrow());
                    patient.addIdentifier().setSystem("urn:dwm").setValue(id);
                    patient.setManagingOrganization(new Reference(TestCustodian.ORGANIZATION));
                    publish(device, DEVICE, encode(patient));
                    return new Sent(DEVICE, null, id);
                }));
    }

    /** The rules: what the platform does with a cell's publish. */
    Outcome expected(State state, Kind kind, Target target) {
        if (kind == Kind.HIJACK) {
            return Outcome.DROPPED_BY_THE_BROKER;
        }
        if (kind == Kind.NOT_A_READING) {
            return Outcome.MALFORMED;
        }
        Optional<String> assigned =
                switch (state) {
                    case ACTIVE_ON_A -> Optional.of(a);
                    case ACTIVE_ON_B -> Optional.of(b);
                    default -> Optional.empty();
                };
        if (assigned.isEmpty()) {
            return state == State.UNREGISTERED ? Outcome.UNREGISTERED_DEVICE : Outcome.DEVICE_NOT_ASSIGNED;
        }
        boolean names = target != Target.NONE;
        boolean namesAnother = names && !patientOf(target).equals(assigned);
        return switch (kind) {
            case SUBJECT -> namesAnother ? Outcome.SUBJECT_MISMATCH : Outcome.STORED;
                // the store refuses a record naming a second patient (one record, one patient's consents)
            case PERFORMER -> namesAnother ? Outcome.NOT_STORED : Outcome.STORED;
            case CONTAINED -> Outcome.SUBJECT_MISMATCH;
            default -> Outcome.STORED;
        };
    }

    @TestFactory
    List<DynamicTest> everyDeviceRegistrationOnEveryPublishForEveryTarget() throws Exception {
        TestCustodian.ensure();
        OperatorWrites.patient(a, TestCustodian.ORGANIZATION, tag);
        OperatorWrites.patient(a2, TestCustodian.ORGANIZATION, tag);
        OperatorWrites.patient(b, "Organization/dwm-other-" + suffix, tag);
        OperatorWrites.patient(gone, TestCustodian.ORGANIZATION, tag);
        register(DEVICE, Device.FHIRDeviceStatus.ACTIVE, gone);
        Arc.container().instance(ResourceService.class).get().delete("Patient", gone, null);
        operator = MqttTestClient.as(MosquittoTestResource.OPERATOR);
        operator.subscribe("dead-letter/devices/#");
        device = MqttTestClient.as(DEVICE);
        otherDevice = MqttTestClient.as(OTHER_DEVICE);
        List<DynamicTest> cells = new ArrayList<>();
        for (State state : State.values()) {
            for (Path path : paths()) {
                for (Target target : Target.values()) {
                    if (path.targets().test(target)) {
                        cells.add(DynamicTest.dynamicTest(
                                state + " × " + path.name() + " × " + target, () -> run(state, path, target)));
                    }
                }
            }
        }
        return cells;
    }

    @AfterEach
    void disconnect() throws Exception {
        for (MqttTestClient client : new MqttTestClient[] {operator, device, otherDevice}) {
            if (client != null) {
                client.close();
            }
        }
    }

    private void run(State state, Path path, Target target) throws Exception {
        Outcome expected = expected(state, path.kind(), target);
        registerAs(state);
        Sent sent = path.send().apply(state, target);
        // taken inside publish(), right before the message leaves
        String before = lastDump;
        switch (expected) {
            case STORED -> {
                String id = ReadingParser.idOf(sent.key());
                String patient = await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> patientOfStored(id), p -> p != null);
                String assigned = state == State.ACTIVE_ON_B ? b : a;
                assertThat(patient).as("stored in the device's patient only").isEqualTo(assigned);
                Observation stored = FHIR.newJsonParser().parseResource(Observation.class, bodyOf(id));
                assertThat(stored.getSubject().getReference()).isEqualTo("Patient/" + assigned);
                assertThat(stored.getDevice().getReference()).isEqualTo("Device/" + DEVICE);
                assertThat(audited(id)).as("audited as the device's write").isTrue();
                assertThat(dump(id)).as("nothing else changed").isEqualTo(before);
            }
            case DROPPED_BY_THE_BROKER -> {
                // the other device's own reading after it: once that is stored, the hijack has been dealt with
                String marker = marker();
                publish(
                        otherDevice,
                        OTHER_DEVICE,
                        "{\"id\":\"" + marker + "\",\"code\":\"heart-rate\",\"value\":60,"
                                + "\"unit\":\"/min\",\"time\":\"" + now() + "\"}");
                String markerId = ReadingParser.idOf(OTHER_DEVICE + "|id|" + marker);
                await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> patientOfStored(markerId), p -> p != null);
                assertThat(patientOfStored(ReadingParser.idOf(sent.key())))
                        .as("the hijacked publish is not stored")
                        .isNull();
                assertThat(deadLetter(sent.marker()))
                        .as("the platform never saw it")
                        .isEmpty();
                assertThat(dump(markerId)).as("nothing else changed").isEqualTo(before);
            }
            default -> {
                JsonNode letter = await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> deadLetter(sent.marker()), Optional::isPresent)
                        .orElseThrow();
                assertThat(letter.path("reason").asText()).as(letter.toString()).isEqualTo(expected.name());
                assertThat(letter.path("detail").asText()).isNotBlank();
                assertThat(letter.path("topic").asText()).isEqualTo("devices/" + DEVICE + "/readings");
                if (sent.key() != null) {
                    assertThat(patientOfStored(ReadingParser.idOf(sent.key())))
                            .as("a refused reading is not stored")
                            .isNull();
                }
                assertThat(dump(null)).as("a refused publish changes nothing").isEqualTo(before);
            }
        }
    }

    // --- publishes -----------------------------------------------------------------------------------

    private String lastDump;

    /** Publishes on {@code devices/{topicDevice}/readings}, taking the store's dump right before. */
    private void publish(MqttTestClient client, String topicDevice, String payload) {
        lastDump = dump(null);
        try {
            client.publish("devices/" + topicDevice + "/readings", payload);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String marker() {
        return "dwm-" + (++cell) + "-" + suffix;
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** A heart-rate Observation as a device sends it, with the cell's marker as its identifier; no subject. */
    private static Observation reading(String marker) {
        Observation reading = new Observation();
        reading.setStatus(Observation.ObservationStatus.FINAL);
        reading.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
        reading.setEffective(new DateTimeType(now()));
        reading.setValue(new Quantity(73)
                .setUnit("/min")
                .setSystem("http://unitsofmeasure.org")
                .setCode("/min"));
        reading.addIdentifier().setSystem("urn:dwm").setValue(marker);
        return reading;
    }

    private static Sent fhirSent(String marker) {
        return new Sent(DEVICE, DEVICE + "|identifier|urn:dwm|" + marker, marker);
    }

    private static String encode(org.hl7.fhir.r4.model.Resource resource) {
        return FHIR.newJsonParser().encodeResourceToString(resource);
    }

    // --- registrations, written as the operator --------------------------------------------------------

    private void registerAs(State state) {
        switch (state) {
            case ACTIVE_ON_A -> register(DEVICE, Device.FHIRDeviceStatus.ACTIVE, a);
            case ACTIVE_ON_B -> register(DEVICE, Device.FHIRDeviceStatus.ACTIVE, b);
            case INACTIVE_ON_A -> register(DEVICE, Device.FHIRDeviceStatus.INACTIVE, a);
            case ON_A_DELETED_PATIENT -> register(DEVICE, Device.FHIRDeviceStatus.ACTIVE, gone);
            case UNREGISTERED -> {
                register(DEVICE, Device.FHIRDeviceStatus.ACTIVE, a);
                Arc.container().instance(ResourceService.class).get().delete("Device", DEVICE, null);
            }
        }
    }

    private void register(String deviceId, Device.FHIRDeviceStatus status, String patient) {
        Device registration = FhirTestSupport.tagged(new Device(), tag);
        registration.setId(deviceId);
        registration.setStatus(status);
        if (patient != null) {
            registration.setPatient(new Reference("Patient/" + patient));
        }
        OperatorWrites.put(registration);
    }

    private Optional<String> patientOf(Target target) {
        return switch (target) {
            case A -> Optional.of(a);
            case A2 -> Optional.of(a2);
            case B -> Optional.of(b);
            case NONE -> Optional.empty();
        };
    }

    // --- what came of it -------------------------------------------------------------------------------

    private Optional<JsonNode> deadLetter(String marker) throws Exception {
        for (String letter : operator.received) {
            JsonNode node = JSON.readTree(letter);
            if (node.path("payload").asText().contains(marker)) {
                return Optional.of(node);
            }
        }
        return Optional.empty();
    }

    private String patientOfStored(String id) {
        List<?> rows = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                        "select patient_id from fhir_resource where res_type = 'Observation' and res_id = ?1")
                .setParameter(1, id)
                .getResultList());
        return rows.isEmpty() ? null : (String) rows.get(0);
    }

    private String bodyOf(String id) {
        return QuarkusTransaction.requiringNew()
                .call(() ->
                        (String) em.createNativeQuery("select v.body from fhir_resource r join fhir_resource_version v"
                                        + " on v.resource_pid = r.pid and v.version = r.version"
                                        + " where r.res_type = 'Observation' and r.res_id = ?1")
                                .setParameter(1, id)
                                .getSingleResult());
    }

    private boolean audited(String id) {
        return QuarkusTransaction.requiringNew()
                        .call(() -> ((Number) em.createNativeQuery("select count(*) from audit_event"
                                                + " where agent_ref = ?1 and interaction = 'device-reading'"
                                                + " and outcome = 'permit' and entities like ?2")
                                        .setParameter(1, "Device/" + DEVICE)
                                        .setParameter(2, "%Observation/" + id + "%")
                                        .getSingleResult())
                                .longValue())
                > 0;
    }

    /**
     * Every row of this test's patients' records (type, id, version, deleted, patient), but the reading
     * {@code except}, and the number of version leaves of anything but Consents and this test's devices'
     * registrations: a refused publish leaves no version anywhere.
     */
    @SuppressWarnings("unchecked")
    private String dump(String except) {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<Object[]> rows = em.createNativeQuery("select res_type, res_id, version, deleted, patient_id"
                            + " from fhir_resource where (patient_id in (?1, ?2, ?3) or res_id in (?1, ?2, ?3))"
                            + " and res_type <> 'Device' and res_id <> ?4 order by pid")
                    .setParameter(1, a)
                    .setParameter(2, a2)
                    .setParameter(3, b)
                    .setParameter(4, except == null ? "" : except)
                    .getResultList();
            Object leaves = em.createNativeQuery("select count(*) from integrity_leaf where kind = 'VERSION'"
                            + " and ref_type not in ('Consent', 'Device') and ref_id <> ?1")
                    .setParameter(1, except == null ? "" : except)
                    .getSingleResult();
            StringBuilder dump = new StringBuilder();
            rows.forEach(row -> dump.append(java.util.Arrays.toString(row)).append('\n'));
            return dump.append("version leaves ").append(leaves).toString();
        });
    }
}

package io.patienttwin.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.patienttwin.device.MqttTestClient;
import io.patienttwin.localstack.AnvilProcess;
import io.patienttwin.localstack.ChildProcesses;
import io.patienttwin.localstack.KeycloakTestResource;
import io.patienttwin.localstack.MosquittoTestResource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, Done means 1: the packaged app with device ingestion on, against the real broker. Three
 * devices publish 1,000 readings with QoS 1; the app is killed with SIGKILL while it stores them, the
 * second half is published while it is down, and the restarted app (same persistent session) stores
 * every reading exactly once. A malformed, an unregistered and a wrong-topic publish are refused with
 * their reasons on the dead-letter topic.
 */
class DeviceRestartIT {

    private static final String DB = "patienttwin_device_it";
    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/" + DB;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DEVICES = List.of("pump-1", "pump-2", "pump-3");
    private static final int READINGS = 1_000;

    private static AnvilProcess chain;
    private static Map<String, String> env;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("drop database if exists " + DB);
            s.execute("create database " + DB);
        }
        chain = AnvilProcess.start(AnvilProcess.DEFAULT_BINARY, 0, List.of());
        env = new HashMap<>(TwoInstancesIT.environment(JDBC, KeycloakTestResource.realmUrl(), chain.rpcUrl()));
        env.put("TWIN_DEVICES_ENABLED", "true");
        env.put("TWIN_DEVICES_PORT", Integer.toString(MosquittoTestResource.port()));
        env.put("TWIN_DEVICES_USERNAME", MosquittoTestResource.PLATFORM);
        env.put("TWIN_DEVICES_PASSWORD", MosquittoTestResource.password(MosquittoTestResource.PLATFORM));
        env.put("TWIN_DEVICES_CLIENT_ID", "patient-twin-restart-it");
        port = ChildProcesses.freePort();
    }

    @AfterAll
    static void stop() {
        if (chain != null) {
            chain.stop();
        }
    }

    @Test
    void aThousandReadingsFromThreeDevicesAreStoredExactlyOnceAcrossAKilledAndRestartedApp() throws Exception {
        List<String> patients = new ArrayList<>();
        Set<String> expected = new HashSet<>();
        // readings of the last hour, one second apart per device, each with its own message id
        Instant base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<List<String[]>> byDevice = new ArrayList<>();
        for (int d = 0; d < DEVICES.size(); d++) {
            byDevice.add(new ArrayList<>());
        }
        for (int i = 0; i < READINGS; i++) {
            int d = i % DEVICES.size();
            String device = DEVICES.get(d);
            String id = run + "-" + i;
            expected.add(device + "|id|" + id);
            byDevice.get(d).add(new String[] {
                "devices/" + device + "/readings",
                "{\"id\":\"" + id + "\",\"code\":\"heart-rate\",\"value\":" + (60 + i % 40)
                        + ",\"unit\":\"/min\",\"time\":\"" + base.plusSeconds(i) + "\"}"
            });
        }

        AppInstance app = AppInstance.start("devices", port, env, Duration.ofSeconds(120));
        long killedAt;
        long storedAtKill;
        long publishedAtKill;
        try (MqttTestClient operator = MqttTestClient.as(MosquittoTestResource.OPERATOR)) {
            operator.subscribe("dead-letter/devices/#");
            String org = TwoInstancesIT.custodianFor(app, "ehr-system");
            for (String device : DEVICES) {
                String patient = "dv-" + device + "-" + run;
                patients.add(patient);
                Patient p = new Patient();
                p.setId(patient);
                p.setManagingOrganization(new Reference("Organization/" + org));
                assertThat(TwoInstancesIT.write(app, "PUT", "/fhir/Patient/" + patient, p)
                                .statusCode())
                        .isIn(200, 201);
                Device registered = new Device();
                registered.setId(device);
                registered.setStatus(Device.FHIRDeviceStatus.ACTIVE);
                registered.setPatient(new Reference("Patient/" + patient));
                assertThat(TwoInstancesIT.write(app, "PUT", "/fhir/Device/" + device, registered)
                                .statusCode())
                        .isIn(200, 201);
            }

            // all readings published at about 300/s; the app killed once it has stored some of them, the
            // rest published while it is down: the broker keeps them for the app's persistent session
            java.util.concurrent.atomic.AtomicInteger published = new java.util.concurrent.atomic.AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(DEVICES.size());
            List<Future<?>> publishing = publish(pool, byDevice, published);
            awaitStored(patients, n -> n >= 100, Duration.ofSeconds(60));
            app.kill();
            killedAt = System.nanoTime();
            storedAtKill = stored(patients);
            publishedAtKill = published.get();
            for (Future<?> f : publishing) {
                f.get();
            }
            pool.shutdown();

            AppInstance again = AppInstance.start("devices-restarted", port, env, Duration.ofSeconds(120));
            try {
                awaitStored(patients, n -> n >= READINGS, Duration.ofSeconds(120));
                System.out.printf(
                        "device restart: %d published and %d stored of %d at the kill; all stored %d ms after it%n",
                        publishedAtKill, storedAtKill, READINGS, (System.nanoTime() - killedAt) / 1_000_000);
                assertThat(publishedAtKill)
                        .as("killed while the devices publish")
                        .isLessThan(READINGS);

                try (MqttTestClient pump1 = MqttTestClient.as("pump-1");
                        MqttTestClient monX = MqttTestClient.as("mon-x")) {
                    pump1.publish("devices/pump-1/readings", "{\"code\":\"heart-rate\",\"value\":");
                    pump1.publish("devices/pump-1/status", "{\"battery\":80}");
                    monX.publish(
                            "devices/mon-x/readings",
                            "{\"id\":\"" + run + "-x\",\"code\":\"heart-rate\",\"value\":70,\"unit\":\"/min\","
                                    + "\"time\":\"" + base + "\"}");
                }
                awaitCondition(() -> operator.received.size() >= 3, Duration.ofSeconds(30));
                List<String> reasons = new ArrayList<>();
                for (String letter : operator.received) {
                    reasons.add(JSON.readTree(letter).path("reason").asText());
                }
                assertThat(reasons).containsExactlyInAnyOrder("MALFORMED", "WRONG_TOPIC", "UNREGISTERED_DEVICE");
                for (AppInstance instance : List.of(app, again)) {
                    assertThat(java.nio.file.Files.readString(instance.log))
                            .as("the consumer of %s kept its connection under the burst", instance.name)
                            .doesNotContain("Uncaught exception")
                            .doesNotContain("PT-DEVICES-CONNECTION")
                            .doesNotContain("PT-DEVICES-DISCONNECTED")
                            .doesNotContain("PT-DEVICES-500");
                }
            } finally {
                again.close();
            }
        } finally {
            app.close();
        }

        // exactly once: a thousand Observations, each in its first version, each reading's key once
        List<String> keys = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(JDBC, "postgres", "");
                Statement s = c.createStatement();
                ResultSet rows = s.executeQuery("select v.body from fhir_resource r join fhir_resource_version v"
                        + " on v.resource_pid = r.pid where r.res_type = 'Observation' and r.patient_id in "
                        + in(patients))) {
            while (rows.next()) {
                JsonNode observation = JSON.readTree(rows.getString(1));
                keys.add(observation.path("identifier").path(0).path("value").asText());
            }
        }
        assertThat(keys).hasSize(READINGS).doesNotHaveDuplicates();
        assertThat(new HashSet<>(keys)).isEqualTo(expected);
        assertThat(stored(patients)).isEqualTo(READINGS);
    }

    /** Each device publishes its readings in order, 10 ms apart, the devices at once. */
    private static List<Future<?>> publish(
            ExecutorService pool, List<List<String[]>> byDevice, java.util.concurrent.atomic.AtomicInteger published) {
        List<Future<?>> done = new ArrayList<>();
        for (int d = 0; d < byDevice.size(); d++) {
            List<String[]> readings = byDevice.get(d);
            String device = DEVICES.get(d);
            done.add(pool.submit(() -> {
                try (MqttTestClient client = MqttTestClient.as(device)) {
                    for (String[] reading : readings) {
                        client.publish(reading[0], reading[1]);
                        published.incrementAndGet();
                        Thread.sleep(10);
                    }
                }
                return null;
            }));
        }
        return done;
    }

    private static long stored(List<String> patients) throws Exception {
        try (Connection c = DriverManager.getConnection(JDBC, "postgres", "");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("select count(*) from fhir_resource where res_type = 'Observation'"
                        + " and patient_id in " + in(patients))) {
            r.next();
            return r.getLong(1);
        }
    }

    private static String in(List<String> ids) {
        return ids.stream().map(id -> "'" + id + "'").collect(java.util.stream.Collectors.joining(",", "(", ")"));
    }

    private static void awaitStored(List<String> patients, java.util.function.LongPredicate done, Duration timeout)
            throws Exception {
        awaitCondition(() -> done.test(stored(patients)), timeout);
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void awaitCondition(Check check, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(50);
        }
    }
}

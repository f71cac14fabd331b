package io.patienttwin.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.localstack.AnvilProcess;
import io.patienttwin.localstack.ChildProcesses;
import io.patienttwin.localstack.KeycloakTestResource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A fault of issue 18: the database goes away under read load — every connection of the app's database
 * terminated and new ones refused, as PostgreSQL does while it restarts — and comes back. While it is
 * away every read answers 503 with an OperationOutcome (never data, never a 500) and readiness is DOWN;
 * once it is back the same process serves again, without a restart.
 */
class DatabaseOutageIT {

    private static final String DB = "patienttwin_outage_it";
    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/" + DB;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static AnvilProcess chain;
    private static AppInstance app;
    private static String observation;

    @BeforeAll
    static void start() throws Exception {
        admin("drop database if exists " + DB, "create database " + DB);
        chain = AnvilProcess.start(AnvilProcess.DEFAULT_BINARY, 0, List.of());
        app = AppInstance.start(
                "outage",
                ChildProcesses.freePort(),
                TwoInstancesIT.environment(JDBC, KeycloakTestResource.realmUrl(), chain.rpcUrl()),
                Duration.ofSeconds(120));
        String org = TwoInstancesIT.custodianFor(app, "ehr-system");
        Patient patient = new Patient();
        patient.setId("outage-p");
        patient.setManagingOrganization(new Reference("Organization/" + org));
        assertThat(TwoInstancesIT.write(app, "PUT", "/fhir/Patient/outage-p", patient)
                        .statusCode())
                .isIn(200, 201);
        Observation o = new Observation();
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.getCode().addCoding().setSystem("http://loinc.org").setCode("2160-0");
        o.setSubject(new Reference("Patient/outage-p"));
        o.setValue(new Quantity().setValue(new java.math.BigDecimal("0.9")).setUnit("mg/dL"));
        HttpResponse<String> created = TwoInstancesIT.write(app, "POST", "/fhir/Observation", o);
        assertThat(created.statusCode()).isEqualTo(201);
        observation = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .build()
                .readTree(created.body())
                .path("id")
                .asText();
    }

    @AfterAll
    static void stop() throws Exception {
        admin("alter database " + DB + " allow_connections true");
        if (app != null) {
            app.close();
        }
        if (chain != null) {
            chain.stop();
        }
    }

    @Test
    void whileTheDatabaseIsAwayReadsAre503AndReadinessDownAndAfterwardsTheSameProcessServesAgain() throws Exception {
        assertThat(read()).isEqualTo(200);

        // the database goes away: its connections end, new ones are refused
        admin(
                "alter database " + DB + " allow_connections false",
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = '" + DB + "'");
        Map<Integer, Integer> during = new TreeMap<>();
        List<String> bodies = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        while (System.nanoTime() < until) {
            HttpResponse<String> r = get("/fhir/Observation/" + observation);
            during.merge(r.statusCode(), 1, Integer::sum);
            if (r.statusCode() != 503 && bodies.size() < 3) {
                bodies.add(r.statusCode() + " " + r.body());
            }
        }
        HttpResponse<String> ready = HTTP.send(
                HttpRequest.newBuilder(URI.create(app.base() + "/q/health/ready"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        int readiness = ready.statusCode();
        System.out.println("reads while the database was away, by status: " + during);

        assertThat(during.keySet()).as("answers while away: %s", bodies).containsOnly(503);
        assertThat(readiness).isEqualTo(503);
        assertThat(ready.body())
                .as("public readiness names the fault by a stable code, not by the driver's message")
                .contains("PT-DB-503")
                .doesNotContain("accepting connections")
                .doesNotContain(DB);

        // back
        admin("alter database " + DB + " allow_connections true");
        long back = System.nanoTime();
        long deadline = back + Duration.ofSeconds(60).toNanos();
        int status = 0;
        while (System.nanoTime() < deadline && (status = read()) != 200) {
            Thread.sleep(100);
        }
        System.out.printf(
                "the same process served again %d ms after the database was back%n",
                (System.nanoTime() - back) / 1_000_000);
        assertThat(status).isEqualTo(200);
        assertThat(app.alive()).isTrue();
    }

    private static int read() throws Exception {
        return get("/fhir/Observation/" + observation).statusCode();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(app.base() + path))
                        .header("Accept", "application/fhir+json")
                        .header("Authorization", "Bearer " + TwoInstancesIT.ehrToken())
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void admin(String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
                Statement s = c.createStatement()) {
            for (String statement : statements) {
                if (statement.startsWith("select")) {
                    try (ResultSet ignored = s.executeQuery(statement)) {
                        // terminated
                    }
                } else {
                    s.execute(statement);
                }
            }
        }
    }
}

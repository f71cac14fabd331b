package io.patienttwin.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.patienttwin.localstack.AnvilProcess;
import io.patienttwin.localstack.ChildProcesses;
import io.patienttwin.localstack.KeycloakTestResource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A fault of issue 18: the packaged app killed with SIGKILL while it writes the largest Synthea record
 * (a transaction Bundle of about 72 MB and 33,000 entries) stores nothing of it; started again on the
 * same database it is ready and serves as before, and the same Bundle then loads whole.
 */
class KilledMidTransactionIT {

    private static final String DB = "patienttwin_killed_it";
    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/" + DB;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

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
        port = ChildProcesses.freePort();
    }

    @AfterAll
    static void stop() {
        if (chain != null) {
            chain.stop();
        }
    }

    @Test
    void aKillInTheMiddleOfA72MbTransactionStoresNothingOfItAndTheRestartedAppLoadsItWhole() throws Exception {
        Path largest = largestSyntheaRecord();
        byte[] bundle;
        long before;
        long killedAt;
        AppInstance app = AppInstance.start("killed", port, env, Duration.ofSeconds(120), "-Xmx1g");
        try {
            String org = TwoInstancesIT.custodianFor(app, "ehr-system");
            bundle = withManagingOrganization(largest, org);
            // Synthea's organizations and practitioners first: the record refers to them conditionally
            for (Path shared : sharedRecords(largest.getParent())) {
                HttpResponse<String> loaded = post(app, Files.readAllBytes(shared));
                assertThat(loaded.statusCode())
                        .as(shared + ": " + loaded.body())
                        .isEqualTo(200);
            }
            before = count("select count(*) from fhir_resource");

            CompletableFuture<HttpResponse<String>> posting = postAsync(app, bundle);
            // in the middle: the app's transaction has written rows it has not committed
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            long uncommitted = 0;
            while (System.nanoTime() < deadline && uncommitted == 0 && !posting.isDone()) {
                uncommitted = count("select count(*) from pg_stat_activity where datname = '" + DB + "'"
                        + " and state in ('active', 'idle in transaction') and backend_xid is not null"
                        + " and xact_start < now() - interval '2 seconds'");
                Thread.sleep(100);
            }
            assertThat(posting.isDone() ? posting.join().body() : "")
                    .as("the Bundle is still being written when the app is killed")
                    .isEmpty();
            assertThat(uncommitted)
                    .as("a write transaction of the Bundle under way")
                    .isPositive();
            app.kill();
            killedAt = System.nanoTime();
            assertThatThrownBy(posting::join)
                    .as("the client learns that the request failed")
                    .isNotNull();
        } finally {
            app.close();
        }
        assertThat(count("select count(*) from fhir_resource"))
                .as("nothing of the Bundle stored")
                .isEqualTo(before);

        AppInstance again = AppInstance.start("restarted", port, env, Duration.ofSeconds(120), "-Xmx1g");
        try {
            System.out.printf(
                    "killed mid-transaction: restarted and ready %d ms after the kill%n",
                    (System.nanoTime() - killedAt) / 1_000_000);
            HttpResponse<String> whole = post(again, bundle);
            assertThat(whole.statusCode())
                    .as(whole.body().substring(0, Math.min(500, whole.body().length())))
                    .isEqualTo(200);
            assertThat(count("select count(*) from fhir_resource")).isGreaterThan(before + 30_000);
        } finally {
            again.close();
        }
    }

    private static List<Path> sharedRecords(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("hospitalInformation")
                            || p.getFileName().toString().startsWith("practitionerInformation"))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString().startsWith("practitioner")))
                    .toList();
        }
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(AppInstance to, byte[] bundle) throws Exception {
        return HTTP.sendAsync(request(to, bundle), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(AppInstance to, byte[] bundle) throws Exception {
        return HTTP.send(request(to, bundle), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(AppInstance to, byte[] bundle) throws Exception {
        return HttpRequest.newBuilder(URI.create(to.base() + "/fhir"))
                .header("Content-Type", "application/fhir+json")
                .header("Authorization", "Bearer " + TwoInstancesIT.ehrToken())
                .POST(HttpRequest.BodyPublishers.ofByteArray(bundle))
                .timeout(Duration.ofMinutes(5))
                .build();
    }

    private static Path largestSyntheaRecord() throws Exception {
        Path dir = Path.of(System.getProperty("synthea.outputDir", "target/synthea"), "fhir");
        try (Stream<Path> files = Files.list(dir)) {
            Path largest = files.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .max(Comparator.comparingLong(p -> p.toFile().length()))
                    .orElseThrow();
            assertThat(Files.size(largest)).as("the largest Synthea record").isGreaterThan(50_000_000L);
            return largest;
        }
    }

    /** The record with its Patient managed by the custodian (Synthea names no managing organization). */
    private static byte[] withManagingOrganization(Path record, String organization) throws Exception {
        String json = Files.readString(record, StandardCharsets.UTF_8);
        String marker = "\"resourceType\": \"Patient\",";
        assertThat(json).contains(marker);
        return json.replaceFirst(
                        java.util.regex.Pattern.quote(marker),
                        marker + " \"managingOrganization\": {\"reference\": \"Organization/" + organization + "\"},")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static long count(String query) throws Exception {
        try (Connection c = DriverManager.getConnection(JDBC, "postgres", "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

package io.patienttwin.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.patienttwin.consent.ConsentFixture;
import io.patienttwin.identity.CodeFlowLogin;
import io.patienttwin.localstack.AnvilProcess;
import io.patienttwin.localstack.ChildProcesses;
import io.patienttwin.localstack.KeycloakTestResource;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.web3j.crypto.Credentials;

/**
 * Two packaged instances, one truth (issue 18): instances A and B of the packaged app on two ports share
 * one PostgreSQL database, one Keycloak and one chain (Anvil mining a block a second, like QBFT). A
 * consent made effective through either is honoured by both; a revocation through A denies B's very
 * next read; a break-glass session opened on A is honoured on B; paging links of A work on B; the
 * audit of both lands in one table with a row for every read; each chain write is sent once while both
 * run, and B goes on writing alone within 10 s of A being killed with SIGKILL.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstancesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FhirContext FHIR = FhirContext.forR4();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String DB = "patienttwin_cluster_it";
    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/" + DB;
    /** Anvil's second development account (a public test key, never used outside a local chain). */
    private static final String WRITER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    /** The chain's state, written when it stops, so that it comes back as the same chain. */
    private static final java.nio.file.Path CHAIN_STATE =
            java.nio.file.Path.of("target", "cluster-it", "anvil-state.json").toAbsolutePath();

    private static AnvilProcess chain;
    private static String realm;
    private static AppInstance a;
    private static AppInstance b;
    private static String org;
    private static final String PATIENT = "pt-" + UUID.randomUUID().toString().substring(0, 8);
    private static String observation;
    /** Gated reads each instance answered in these tests, for the audit count. */
    private static final Map<String, Integer> readsBy = new HashMap<>();

    @BeforeAll
    static void startEverything() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("drop database if exists " + DB);
            s.execute("create database " + DB);
        }
        realm = KeycloakTestResource.realmUrl();
        java.nio.file.Files.createDirectories(CHAIN_STATE.getParent());
        java.nio.file.Files.deleteIfExists(CHAIN_STATE);
        chain = AnvilProcess.start(AnvilProcess.DEFAULT_BINARY, 0, chainArguments());
        Map<String, String> env = environment(JDBC, realm, chain.rpcUrl());
        // A first: it migrates the schema and deploys the contracts; B finds both
        a = AppInstance.start("A", ChildProcesses.freePort(), env, Duration.ofSeconds(120));
        b = AppInstance.start("B", ChildProcesses.freePort(), env, Duration.ofSeconds(120));

        org = custodianFor(a, "ehr-system");
        Patient patient = new Patient();
        patient.setId(PATIENT);
        patient.setManagingOrganization(new Reference("Organization/" + org));
        assertThat(fhir(a, "PUT", "/fhir/Patient/" + PATIENT, ehr(), patient).statusCode())
                .isIn(200, 201);
        observation = created(fhir(a, "POST", "/fhir/Observation", ehr(), creatinine("1.1")));
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
        if (chain != null) {
            chain.stop();
        }
    }

    @Test
    @Order(1)
    void aCustodianGrantMadeThroughAPermitsOnBAndAConsentIsHonouredByBothWithinABlock() throws Exception {
        // the grant was confirmed while A and B ran; B learnt it from the change A (or its own follower) sent
        assertThat(read(b, "/fhir/Observation/" + observation, ehr())).isEqualTo(200);
        assertThat(read(b, "/fhir/Observation/" + observation, user("bob")))
                .as("no consent yet")
                .isEqualTo(403);

        String consent = created(fhir(a, "POST", "/fhir/Consent", ehr(), consentFor("Practitioner/bob")));
        long[] firstPermit = new long[2];
        long start = System.nanoTime();
        await(Duration.ofSeconds(15), () -> {
            for (int i = 0; i < 2; i++) {
                if (firstPermit[i] == 0
                        && read(i == 0 ? a : b, "/fhir/Observation/" + observation, user("bob")) == 200) {
                    firstPermit[i] = System.nanoTime();
                }
            }
            return firstPermit[0] != 0 && firstPermit[1] != 0;
        });
        long apart = Math.abs(firstPermit[0] - firstPermit[1]) / 1_000_000;
        System.out.printf(
                "consent %s: permitted on A after %d ms, on B after %d ms (%d ms apart)%n",
                consent, (firstPermit[0] - start) / 1_000_000, (firstPermit[1] - start) / 1_000_000, apart);
        assertThat(apart).as("ms between the two instances' first permits").isLessThanOrEqualTo(1_200);
    }

    @Test
    @Order(2)
    void aRevocationThroughADeniesTheNextReadOnB() throws Exception {
        for (int trial = 0; trial < 3; trial++) {
            String consent = created(fhir(a, "POST", "/fhir/Consent", ehr(), consentFor("Practitioner/erin")));
            await(Duration.ofSeconds(15), () -> read(b, "/fhir/Observation/" + observation, user("erin")) == 200);
            Consent stored = FHIR.newJsonParser()
                    .parseResource(
                            Consent.class,
                            fhir(a, "GET", "/fhir/Consent/" + consent, user("carol"), null)
                                    .body());
            stored.setStatus(Consent.ConsentState.INACTIVE);

            assertThat(fhir(a, "PUT", "/fhir/Consent/" + consent, ehr(), stored).statusCode())
                    .isEqualTo(200);

            assertThat(read(b, "/fhir/Observation/" + observation, user("erin")))
                    .as("trial %d: B's next read after the revocation through A", trial)
                    .isEqualTo(403);
            assertThat(read(a, "/fhir/Observation/" + observation, user("erin")))
                    .isEqualTo(403);
        }
    }

    @Test
    @Order(3)
    void aBreakGlassSessionOpenedOnAIsHonouredOnBWithoutAReason() throws Exception {
        HttpRequest.Builder noReason =
                request(b, "/fhir/Observation/" + observation, user("alice")).header("X-Purpose-Of-Use", "ETREAT");
        assertThat(send(b, noReason.GET().build()).statusCode())
                .as("no session yet")
                .isEqualTo(403);

        HttpRequest.Builder opening = request(a, "/fhir/Observation/" + observation, user("alice"))
                .header("X-Purpose-Of-Use", "ETREAT")
                .header("X-Break-Glass-Reason", "Unconscious patient in the emergency department, no consent on file");
        assertThat(send(a, opening.GET().build()).statusCode()).isEqualTo(200);

        HttpRequest.Builder again =
                request(b, "/fhir/Observation/" + observation, user("alice")).header("X-Purpose-Of-Use", "ETREAT");
        assertThat(send(b, again.GET().build()).statusCode())
                .as("B honours the session A opened")
                .isEqualTo(200);
    }

    @Test
    @Order(4)
    void aPagingLinkOfAIsServedByB() throws Exception {
        created(fhir(a, "POST", "/fhir/Observation", ehr(), creatinine("1.2")));
        created(fhir(a, "POST", "/fhir/Observation", ehr(), creatinine("1.3")));
        JsonNode first = JSON.readTree(fhir(a, "GET", "/fhir/Observation?patient=" + PATIENT + "&_count=1", ehr(), null)
                .body());
        String next = null;
        for (JsonNode link : first.path("link")) {
            if ("next".equals(link.path("relation").asText())) {
                next = link.path("url").asText();
            }
        }
        assertThat(next).as("A's next link").isNotNull().contains(":" + a.port + "/");

        HttpResponse<String> page = send(
                b,
                request(b, next.replace(":" + a.port + "/", ":" + b.port + "/"), ehr())
                        .GET()
                        .build());

        assertThat(page.statusCode()).isEqualTo(200);
        JsonNode second = JSON.readTree(page.body());
        assertThat(second.path("entry")).hasSize(1);
        assertThat(second.path("entry").get(0).path("resource").path("id").asText())
                .isNotEqualTo(
                        first.path("entry").get(0).path("resource").path("id").asText());
    }

    @Test
    @Order(5)
    void theAuditOfBothInstancesIsOneTableWithARowForEveryRead() throws Exception {
        for (int i = 0; i < 10; i++) {
            read(i % 2 == 0 ? a : b, "/fhir/Observation/" + observation, ehr());
        }
        await(
                Duration.ofSeconds(10),
                () -> auditRowsForObservationReadsByEhr()
                        >= readsBy.getOrDefault("A", 0) + readsBy.getOrDefault("B", 0));
        assertThat(auditRowsForObservationReadsByEhr())
                .as("a row for each read of the observation by the EHR, through A and through B")
                .isEqualTo(readsBy.get("A") + readsBy.get("B"));
        assertThat(readsBy.get("A")).isPositive();
        assertThat(readsBy.get("B")).isPositive();
    }

    @Test
    @Order(6)
    void aPortalSessionSignedInOnAIsServedByBAndAsCsrfTokenHoldsOnB() throws Exception {
        // one browser, both instances on 127.0.0.1: like a load balancer, every cookie goes to both
        CodeFlowLogin alice = new CodeFlowLogin();
        HttpResponse<String> onA = alice.open(a.base() + "/portal/patients", "alice", "alice");
        assertThat(onA.statusCode()).isEqualTo(200);
        java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"csrf-token\" value=\"([^\"]+)\"")
                .matcher(onA.body());
        assertThat(csrf.find()).as("A's page carries the session's CSRF token").isTrue();

        HttpResponse<String> onB = alice.fetch(b.base() + "/portal/patients");
        assertThat(onB.statusCode())
                .as("B takes A's session cookie without sending the browser to Keycloak")
                .isEqualTo(200);
        assertThat(onB.body()).contains(csrf.group(1));

        assertThat(alice.postOnce(b.base() + "/portal/logout", "csrf-token=not-the-token")
                        .statusCode())
                .as("a wrong token on B")
                .isEqualTo(403);
        HttpResponse<String> signOut = alice.postOnce(
                b.base() + "/portal/logout", "csrf-token=" + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8));
        assertThat(signOut.statusCode())
                .as("A's token accepted by B: signed out")
                .isEqualTo(303);
        assertThat(signOut.headers().firstValue("Location").orElse("")).contains("/protocol/openid-connect/logout");
    }

    @Test
    @Order(6)
    void aLivePageServedByBShowsAnObservationStoredThroughA() throws Exception {
        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        Consent twin = new io.patienttwin.consent.ConsentDraft(
                        PATIENT,
                        "Practitioner/alice",
                        io.patienttwin.portal.DemoData.TWIN_CATEGORIES,
                        io.patienttwin.consent.Purpose.TREAT,
                        today.minusDays(1),
                        today.plusDays(30))
                .toConsent();
        String consent = created(fhir(a, "POST", "/fhir/Consent", ehr(), twin));
        await(Duration.ofSeconds(15), () -> read(b, "/fhir/Patient/" + PATIENT, user("alice")) == 200);
        CodeFlowLogin alice = new CodeFlowLogin();
        assertThat(alice.open(b.base() + "/portal/patients/" + PATIENT, "alice", "alice")
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<java.io.InputStream> live = alice.stream(b.base() + "/portal/patients/" + PATIENT + "/live");
        assertThat(live.statusCode()).isEqualTo(200);
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (java.io.BufferedReader in =
                    new java.io.BufferedReader(new java.io.InputStreamReader(live.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // closed at the end of the test
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            awaitLine(lines, "ready", Duration.ofSeconds(10));
            String stored = created(fhir(a, "POST", "/fhir/Observation", ehr(), heartRate(93)));
            long start = System.nanoTime();
            awaitLine(lines, "Observation/" + stored, Duration.ofSeconds(5));
            System.out.printf(
                    "live page on B heard Observation/%s stored through A after %d ms (consent %s)%n",
                    stored, (System.nanoTime() - start) / 1_000_000, consent);
        } finally {
            live.body().close();
        }
    }

    private static void awaitLine(java.util.concurrent.BlockingQueue<String> lines, String text, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        java.util.List<String> seen = new java.util.ArrayList<>();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.add(line);
                if (line.contains(text)) {
                    return;
                }
            }
        }
        throw new AssertionError("no line with '" + text + "' within " + timeout + "; the stream sent " + seen);
    }

    private static Observation heartRate(int value) {
        Observation o = new Observation();
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.addCategory()
                .addCoding()
                .setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
                .setCode("vital-signs");
        o.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
        o.setSubject(new Reference("Patient/" + PATIENT));
        o.setEffective(new org.hl7.fhir.r4.model.DateTimeType(java.util.Date.from(java.time.Instant.now())));
        o.setValue(new Quantity()
                .setValue(new java.math.BigDecimal(value))
                .setUnit("/min")
                .setSystem("http://unitsofmeasure.org")
                .setCode("/min"));
        return o;
    }

    @Test
    @Order(7)
    void whileTheChainIsDownBothInstancesServeAndAcceptAConsentWhichBothHonourOnceItIsConfirmed() throws Exception {
        int port = Integer.parseInt(chain.rpcUrl().substring(chain.rpcUrl().lastIndexOf(':') + 1));
        long stopping = System.currentTimeMillis();
        chain.stop();
        assertThat(java.nio.file.Files.getLastModifiedTime(CHAIN_STATE).toMillis())
                .as("Anvil wrote its state")
                .isGreaterThanOrEqualTo(stopping - 1000);
        String consent;
        try {
            assertThat(read(b, "/fhir/Observation/" + observation, user("bob")))
                    .as("a consent confirmed before the outage is honoured on B")
                    .isEqualTo(200);
            assertThat(read(a, "/fhir/Observation/" + observation, user("bob"))).isEqualTo(200);
            assertThat(fhir(b, "POST", "/fhir/Observation", ehr(), creatinine("1.4"))
                            .statusCode())
                    .as("a clinical write through B")
                    .isEqualTo(201);

            consent = created(fhir(a, "POST", "/fhir/Consent", ehr(), consentFor("Practitioner/erin")));
            Thread.sleep(3_000); // several rounds of the outbox writer against the missing chain
            assertThat(JSON.readTree(fhir(b, "GET", "/fhir/Consent/" + consent, user("carol"), null)
                                    .body())
                            .path("status")
                            .asText())
                    .as("seen through B, the consent is proposed, not active")
                    .isEqualTo("proposed");
            assertThat(read(a, "/fhir/Observation/" + observation, user("erin")))
                    .as("not confirmed on chain: denied on A")
                    .isEqualTo(403);
            assertThat(read(b, "/fhir/Observation/" + observation, user("erin")))
                    .as("and on B")
                    .isEqualTo(403);
        } finally {
            chain = AnvilProcess.start(AnvilProcess.DEFAULT_BINARY, port, chainArguments());
        }
        long back = System.nanoTime();
        await(
                Duration.ofSeconds(30),
                () -> read(a, "/fhir/Observation/" + observation, user("erin")) == 200
                        && read(b, "/fhir/Observation/" + observation, user("erin")) == 200);
        System.out.printf(
                "chain back: the consent written during the outage permitted on A and B after %d ms%n",
                (System.nanoTime() - back) / 1_000_000);
        assertThat(count("select count(*) from ledger_outbox where attempts >= 2 and state = 'CONFIRMED'"))
                .as("the consent's write was retried through the outage, then confirmed (sent once: the next"
                        + " test checks the writer's nonce)")
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    @Order(8)
    void eachChainWriteIsSentOnceAndBGoesOnAloneWithinTenSecondsOfAKilledA() throws Exception {
        await(Duration.ofSeconds(30), () -> count("select count(*) from ledger_outbox where state = 'PENDING'") == 0);
        long confirmed = count("select count(*) from ledger_outbox where state = 'CONFIRMED'");
        assertThat(count("select count(*) from ledger_outbox where state not in ('CONFIRMED')"))
                .as("every write confirmed")
                .isZero();
        assertThat(writerNonce())
                .as("transactions sent by the writer: the two deployments and one per outbox write")
                .isEqualTo(BigInteger.valueOf(confirmed + 2));

        a.kill();
        long t0 = System.nanoTime();
        String consent = created(fhir(b, "POST", "/fhir/Consent", ehr(), consentFor("Practitioner/bob")));
        await(Duration.ofSeconds(10), () -> "active"
                .equals(JSON.readTree(fhir(b, "GET", "/fhir/Consent/" + consent, user("carol"), null)
                                .body())
                        .path("status")
                        .asText()));
        System.out.printf(
                "after A was killed, B had the new consent on chain in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        // still one transaction per confirmed write; the anchorer may have closed an integrity batch since
        // the count above, so the two are compared again, at a moment when no write is on its way
        await(Duration.ofSeconds(30), () -> {
            BigInteger before = writerNonce();
            long now = count("select count(*) from ledger_outbox where state = 'CONFIRMED'");
            boolean settled = count("select count(*) from ledger_outbox where state <> 'CONFIRMED'") == 0;
            return settled && before.equals(writerNonce()) && before.equals(BigInteger.valueOf(now + 2));
        });
        assertThat(count("select count(*) from ledger_outbox where state = 'CONFIRMED'"))
                .as("B sent the new consent's write")
                .isGreaterThanOrEqualTo(confirmed + 1);
    }

    @Test
    @Order(9)
    void aResetChainHaltsBothInstancesAndTheyPermitNothingFromIt() throws Exception {
        Map<String, String> env = environment(JDBC, realm, chain.rpcUrl());
        a = AppInstance.start("A-again", ChildProcesses.freePort(), env, Duration.ofSeconds(120));
        await(Duration.ofSeconds(15), () -> read(a, "/fhir/Observation/" + observation, user("bob")) == 200);
        int port = Integer.parseInt(chain.rpcUrl().substring(chain.rpcUrl().lastIndexOf(':') + 1));

        chain.stop();
        // another chain at the same address: a new genesis block, no contracts, no consents
        chain = AnvilProcess.start(
                AnvilProcess.DEFAULT_BINARY,
                port,
                List.of("--block-time", "1"),
                AnvilProcess.GENESIS_TIMESTAMP + 86_400);

        await(Duration.ofSeconds(20), () -> !a.ready() && !b.ready());
        for (AppInstance node : List.of(a, b)) {
            HttpResponse<String> readiness = send(
                    node,
                    HttpRequest.newBuilder(URI.create(node.base() + "/q/health/ready"))
                            .GET()
                            .build());
            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(readiness.body()).as(node.name).contains("HALTED");
            assertThat(read(node, "/fhir/Observation/" + observation, user("bob")))
                    .as("%s permits nothing learnt from the lost chain", node.name)
                    .isEqualTo(403);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** The packaged app's environment for a database, a realm and a chain (README, production table). */
    static Map<String, String> environment(String jdbc, String realmUrl, String rpcUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_DATASOURCE_JDBC_URL", jdbc + "?reWriteBatchedInserts=true");
        env.put("QUARKUS_OIDC_AUTH_SERVER_URL", realmUrl);
        env.put("QUARKUS_OIDC_PORTAL_CREDENTIALS_SECRET", "portal-secret");
        env.put("QUARKUS_OIDC_PORTAL_AUTHENTICATION_STATE_SECRET", "cluster-it-state-secret-0123456789abcdef");
        env.put("TWIN_PORTAL_CSRF_SECRET", "cluster-it-csrf-secret-0123456789abcdef0123");
        env.put("TWIN_CONSENT_PSEUDONYM_SECRET", "Y2x1c3Rlci1pdC1wc2V1ZG9ueW0tc2VjcmV0LTAxMjM0NTY3ODk=");
        env.put("TWIN_LEDGER_RPC_URL", rpcUrl);
        env.put("TWIN_LEDGER_DEPLOY_IF_ABSENT", "true");
        env.put("TWIN_LEDGER_PRIVATE_KEY", WRITER_KEY);
        return env;
    }

    /**
     * A new Organization with a custodian grant for a client, made through an instance and waited for
     * until the chain confirmed it; returns the Organization's id.
     */
    static String custodianFor(AppInstance on, String client) throws Exception {
        String organization = "org-" + UUID.randomUUID().toString().substring(0, 8);
        Organization resource = new Organization();
        resource.setId(organization);
        resource.setName("Cluster test custodian");
        assertThat(fhir(on, "PUT", "/fhir/Organization/" + organization, ehr(), resource)
                        .statusCode())
                .isIn(200, 201);
        String grant = JSON.readTree(api(
                                on,
                                "POST",
                                "/api/access-grants",
                                user("dave"),
                                "{\"kind\":\"CUSTODIAN\",\"subject\":\"" + client + "\",\"target\":\"Organization/"
                                        + organization + "\"}")
                        .body())
                .path("id")
                .asText();
        awaitQuietly(Duration.ofSeconds(30), () -> "active"
                .equals(JSON.readTree(api(on, "GET", "/api/access-grants/" + grant, user("dave"), null)
                                .body())
                        .path("status")
                        .asText()));
        return organization;
    }

    static String ehrToken() throws IOException, InterruptedException {
        return ehr();
    }

    /** A FHIR write as the EHR system. */
    static HttpResponse<String> write(AppInstance on, String method, String path, Resource body)
            throws IOException, InterruptedException {
        return fhir(on, method, path, ehr(), body);
    }

    private static Observation creatinine(String value) {
        Observation o = new Observation();
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.getCode().addCoding().setSystem("http://loinc.org").setCode("2160-0");
        o.setSubject(new Reference("Patient/" + PATIENT));
        o.setValue(new Quantity().setValue(new java.math.BigDecimal(value)).setUnit("mg/dL"));
        return o;
    }

    private static List<String> chainArguments() {
        return List.of("--block-time", "1", "--state", CHAIN_STATE.toString());
    }

    private static Consent consentFor(String practitioner) {
        Consent consent = ConsentFixture.forPatient("Patient/" + PATIENT);
        consent.getProvision().getActorFirstRep().setReference(new Reference(practitioner));
        consent.getProvision()
                .getActorFirstRep()
                .setRole(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "PRCP", null)));
        return consent;
    }

    private static int read(AppInstance on, String path, String token) throws IOException, InterruptedException {
        int status = send(on, request(on, path, token).GET().build()).statusCode();
        if (status == 200 && path.startsWith("/fhir/Observation/") && token.equals(ehr())) {
            readsBy.merge(on.name, 1, Integer::sum);
        }
        return status;
    }

    private static HttpResponse<String> fhir(AppInstance on, String method, String path, String token, Resource body)
            throws IOException, InterruptedException {
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(FHIR.newJsonParser().encodeResourceToString(body));
        return send(
                on,
                request(on, path, token)
                        .header("Content-Type", "application/fhir+json")
                        .method(method, publisher)
                        .build());
    }

    private static HttpResponse<String> api(AppInstance on, String method, String path, String token, String body)
            throws IOException, InterruptedException {
        HttpRequest.BodyPublisher publisher =
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        HttpResponse<String> response = send(
                on,
                request(on, path, token)
                        .setHeader("Accept", "application/json")
                        .header("Content-Type", "application/json")
                        .method(method, publisher)
                        .build());
        assertThat(response.statusCode())
                .as("%s %s: %s", method, path, response.body())
                .isBetween(200, 299);
        return response;
    }

    private static HttpRequest.Builder request(AppInstance on, String pathOrUrl, String token) {
        String url = pathOrUrl.startsWith("http") ? pathOrUrl : on.base() + pathOrUrl;
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Accept", "application/fhir+json")
                .header("Authorization", "Bearer " + token);
    }

    private static HttpResponse<String> send(AppInstance on, HttpRequest request)
            throws IOException, InterruptedException {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String created(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body()).path("id").asText();
    }

    private static final Map<String, String> TOKENS = new HashMap<>();

    private static String ehr() throws IOException, InterruptedException {
        return token("client_credentials", "client_id=ehr-system&client_secret=ehr-system-secret");
    }

    private static String user(String name) throws IOException, InterruptedException {
        return token("password", "client_id=twin-cli&username=" + name + "&password=" + name);
    }

    private static synchronized String token(String grant, String form) throws IOException, InterruptedException {
        String key = grant + form;
        String known = TOKENS.get(key);
        if (known != null) {
            return known;
        }
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(KeycloakTestResource.realmUrl() + "/protocol/openid-connect/token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "grant_type=" + URLEncoder.encode(grant, StandardCharsets.UTF_8) + "&" + form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String token = JSON.readTree(response.body()).path("access_token").asText();
        assertThat(token).as(response.body()).isNotEmpty();
        TOKENS.put(key, token);
        return token;
    }

    private static long auditRowsForObservationReadsByEhr() throws Exception {
        return count("select count(*) from audit_event where agent_kind = 'SYSTEM' and lower(interaction) = 'read'"
                + " and lower(outcome) = 'permit' and target = 'Observation/" + observation + "'");
    }

    private static long count(String query) throws Exception {
        try (Connection c = DriverManager.getConnection(JDBC, "postgres", "");
                PreparedStatement ps = c.prepareStatement(query);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static BigInteger writerNonce() throws IOException, InterruptedException {
        String address = Credentials.create(WRITER_KEY).getAddress();
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(chain.rpcUrl()))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
                                + "\"eth_getTransactionCount\",\"params\":[\"" + address + "\",\"latest\"]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new BigInteger(
                JSON.readTree(response.body()).path("result").asText().substring(2), 16);
    }

    interface Check {
        boolean holds() throws Exception;
    }

    private static void awaitQuietly(Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.holds()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not within " + timeout);
    }

    private static void await(Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> errors = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (AssertionError | IOException e) {
                errors.add(e.getMessage());
            }
            Thread.sleep(50);
        }
        throw new AssertionError(
                "not within " + timeout + (errors.isEmpty() ? "" : ": " + errors.get(errors.size() - 1)) + "\nA: "
                        + AppInstance.tail(a.log) + "\nB: " + AppInstance.tail(b.log));
    }
}

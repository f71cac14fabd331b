package io.patienttwin.portal;

import static io.patienttwin.fhir.FhirTestSupport.compliance;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Page;
import io.patienttwin.consent.ConsentDraft;
import io.patienttwin.consent.Purpose;
import io.patienttwin.device.MqttTestClient;
import io.patienttwin.device.WithDevices;
import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.fhir.TestCustodian;
import io.patienttwin.identity.CodeFlowLogin;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Device;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 19, Done means 2: the twin page in a real browser follows a bedside monitor over the real broker.
 * A heart rate published by the patient's monitor appears on alice's chart, and so does one the EHR
 * system posts; after the patient's consent
 * to alice is revoked, the next reading is not shown and the stream ends.
 */
@QuarkusTest
@TestProfile(WithDevices.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveTwinBrowserTest {

    private static final Duration CONFIRMATION = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URL root;

    @Inject
    EntityManager em;

    private Browser browser;

    @BeforeAll
    void openBrowser() {
        browser = new Browser();
    }

    @AfterAll
    void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void aMonitorsHeartRateAppearsOnTheTwinPageAndARevocationEndsTheStream() throws Exception {
        String patient = "lv-" + UUID.randomUUID().toString().substring(0, 8);
        Patient p = new Patient();
        p.setId(patient);
        p.addName().setFamily("Live" + patient.substring(3)).addGiven("Lou");
        p.setGender(AdministrativeGender.FEMALE);
        TestCustodian.manage(p);
        fhir().body(json(p)).put("/fhir/Patient/" + patient).then().statusCode(201);
        Device monitor = new Device();
        monitor.setId("mon-live");
        monitor.setStatus(Device.FHIRDeviceStatus.ACTIVE);
        monitor.setPatient(new Reference("Patient/" + patient));
        fhir().body(json(monitor))
                .put("/fhir/Device/mon-live")
                .then()
                .statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        String consent = consentToAlice(patient);

        Page alice = signIn("alice", "/portal/patients/" + patient);
        java.util.List<String> console = new java.util.concurrent.CopyOnWriteArrayList<>();
        alice.onConsoleMessage(m -> console.add(m.type() + ": " + m.text()));
        alice.onResponse(r -> {
            if (r.url().contains("/live")) {
                console.add("response " + r.status() + " " + r.headers());
            }
        });
        try {
            alice.waitForSelector("#live-status[data-state='open']");
        } catch (com.microsoft.playwright.PlaywrightException e) {
            throw new AssertionError(
                    "live stream not open: " + alice.evaluate("document.getElementById('live-status').outerHTML")
                            + " console " + console,
                    e);
        }
        assertThat(alice.getAttribute("#trend-charts", "data-live-points")).isEqualTo("0");

        try (MqttTestClient device = MqttTestClient.as("mon-live")) {
            device.publish("devices/mon-live/readings", heartRate(patient + "-1", 77));
            alice.waitForSelector(
                    "#trend-charts[data-live-points='1']", new Page.WaitForSelectorOptions().setTimeout(2_000));
            assertThat(alice.getAttribute("#trend-charts", "data-live-last")).isEqualTo("heartRate=77");
            assertThat(alice.locator("#trend-heartRate").count()).isEqualTo(1);
            Browser.screenshot(alice, "clinician-twin-live");
            PortalJourneyTest.assertAccessible(alice);

            // an Observation the EHR system posts reaches the page the same way (any writer, not only devices)
            org.hl7.fhir.r4.model.Observation charted = new org.hl7.fhir.r4.model.Observation();
            charted.setStatus(org.hl7.fhir.r4.model.Observation.ObservationStatus.FINAL);
            charted.addCategory()
                    .addCoding()
                    .setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
                    .setCode("vital-signs");
            charted.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
            charted.setSubject(new Reference("Patient/" + patient));
            charted.setEffective(new org.hl7.fhir.r4.model.DateTimeType(java.util.Date.from(java.time.Instant.now())));
            charted.setValue(new org.hl7.fhir.r4.model.Quantity(88)
                    .setUnit("/min")
                    .setSystem("http://unitsofmeasure.org")
                    .setCode("/min"));
            fhir().body(json(charted)).post("/fhir/Observation").then().statusCode(201);
            alice.waitForSelector(
                    "#trend-charts[data-live-points='2']", new Page.WaitForSelectorOptions().setTimeout(2_000));
            assertThat(alice.getAttribute("#trend-charts", "data-live-last")).isEqualTo("heartRate=88");

            // the EHR records the patient's withdrawal of consent
            Consent revoked = parse(compliance().get("/fhir/Consent/" + consent).asString(), Consent.class);
            revoked.setStatus(Consent.ConsentState.INACTIVE);
            revoked.getMeta().setVersionId(null);
            fhir().body(json(revoked)).put("/fhir/Consent/" + consent).then().statusCode(200);

            device.publish("devices/mon-live/readings", heartRate(patient + "-2", 140));
            alice.waitForSelector(
                    "#live-status[data-state='ended']", new Page.WaitForSelectorOptions().setTimeout(10_000));
        }
        assertThat(alice.getAttribute("#trend-charts", "data-live-points"))
                .as("the reading after the revocation is not shown")
                .isEqualTo("2");
        assertThat(alice.textContent("#live-status")).contains("may no longer be shown");
        Browser.screenshot(alice, "clinician-twin-live-ended");
        assertThat(QuarkusTransaction.requiringNew()
                        .call(() -> ((Number) em.createNativeQuery("select count(*) from audit_event"
                                                + " where agent_ref = 'Practitioner/alice' and outcome = 'deny'"
                                                + " and patient_id = ?1")
                                        .setParameter(1, patient)
                                        .getSingleResult())
                                .longValue()))
                .as("the denied live read is audited")
                .isPositive();
        // and the page cannot be opened again
        alice.navigate(url("/portal/patients/" + patient));
        assertThat(alice.textContent("#error-heading")).isEqualTo("Not permitted");
    }

    @Test
    void aReconnectingStreamGetsWhatWasStoredSinceItsLastEventAndNotificationsLostWhileNotListeningAreCaughtUp()
            throws Exception {
        String patient = "lv-" + UUID.randomUUID().toString().substring(0, 8);
        FhirTestSupport.ensurePatient(patient);
        consentToAlice(patient);
        String first = FhirTestSupport.create(heartRateObservation(patient, 81));
        Instant firstStored = parse(fhir().get("/fhir/Observation/" + first).asString(), Observation.class)
                .getMeta()
                .getLastUpdated()
                .toInstant();

        String base = url("");
        CodeFlowLogin alice = new CodeFlowLogin();
        assertThat(alice.open(base + "/portal/patients/" + patient, "alice", "alice")
                        .statusCode())
                .isEqualTo(200);
        // a browser reconnecting after a reading it had from before the first one: sent what came since
        java.net.http.HttpResponse<java.io.InputStream> live = alice.stream(
                base + "/portal/patients/" + patient + "/live",
                java.util.Map.of("Last-Event-ID", firstStored.minusSeconds(1).toString()));
        assertThat(live.statusCode()).isEqualTo(200);
        io.patienttwin.identity.EventStreamLines events = new io.patienttwin.identity.EventStreamLines(live);
        java.util.List<String> lines = events.lines;
        try {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> lines.stream().anyMatch(l -> l.contains("Observation/" + first)));
            assertThat(lines).as("events carry the instant to resume from").anyMatch(l -> l.startsWith("id:"));

            // the node stops listening (its connection killed): what is stored meanwhile is not announced
            io.patienttwin.consent.ProjectionChanges changes = io.quarkus.arc.Arc.container()
                    .instance(io.patienttwin.consent.ProjectionChanges.class)
                    .get();
            LiveStreams streams =
                    io.quarkus.arc.Arc.container().instance(LiveStreams.class).get();
            long catchUps = streams.catchUps();
            QuarkusTransaction.requiringNew()
                    .run(() -> em.createNativeQuery("select pg_terminate_backend(pid) from pg_stat_activity"
                                    + " where query like 'LISTEN patienttwin%' and datname = current_database()"
                                    + " and pid <> pg_backend_pid()")
                            .getResultList());
            await().atMost(Duration.ofSeconds(10)).until(() -> !changes.listening());
            String missed = FhirTestSupport.create(heartRateObservation(patient, 83));
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> lines.stream().anyMatch(l -> l.contains("Observation/" + missed)));
            assertThat(streams.catchUps()).as("found by the catch-up").isGreaterThan(catchUps);
            assertThat(lines.stream().filter(l -> l.contains("Observation/" + first)))
                    .as("nothing sent twice")
                    .hasSize(1);
        } finally {
            events.close();
        }
    }

    private static Observation heartRateObservation(String patient, int value) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation
                .addCategory()
                .addCoding()
                .setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
                .setCode("vital-signs");
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode("8867-4");
        observation.setValue(new org.hl7.fhir.r4.model.Quantity(value)
                .setSystem("http://unitsofmeasure.org")
                .setCode("/min")
                .setUnit("/min"));
        observation.setEffective(new org.hl7.fhir.r4.model.DateTimeType(new java.util.Date()));
        observation.setSubject(new Reference("Patient/" + patient));
        return observation;
    }

    private static String heartRate(String id, int value) {
        return "{\"id\":\"" + id + "\",\"code\":\"heart-rate\",\"value\":" + value + ",\"unit\":\"/min\",\"time\":\""
                + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\"}";
    }

    private static String consentToAlice(String patient) {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Consent consent = new ConsentDraft(
                        patient,
                        "Practitioner/alice",
                        DemoData.TWIN_CATEGORIES,
                        Purpose.TREAT,
                        today.minusDays(1),
                        today.plusDays(30))
                .toConsent();
        Response response = fhir().body(json(consent)).post("/fhir/Consent");
        response.then().statusCode(201);
        String id = parse(response.asString(), Consent.class).getIdElement().getIdPart();
        await().atMost(CONFIRMATION)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> parse(compliance().get("/fhir/Consent/" + id).asString(), Consent.class)
                                .getStatus()
                        == Consent.ConsentState.ACTIVE);
        return id;
    }

    private Page signIn(String user, String path) {
        Page page = browser.newPage(1280, 800);
        String target = url(path);
        page.navigate(target);
        page.waitForSelector("#kc-form-login");
        page.fill("#username", user);
        page.fill("#password", user);
        page.click("#kc-login");
        page.waitForURL(target);
        return page;
    }

    private String url(String path) {
        String base = root.toString().replace("localhost", "127.0.0.1");
        return base.substring(0, base.length() - 1) + path;
    }
}

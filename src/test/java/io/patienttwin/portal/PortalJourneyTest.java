package io.patienttwin.portal;

import static io.patienttwin.fhir.FhirTestSupport.compliance;
import static io.patienttwin.fhir.FhirTestSupport.create;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.FormData;
import com.microsoft.playwright.options.RequestOptions;
import io.patienttwin.consent.ConsentDraft;
import io.patienttwin.consent.DataCategory;
import io.patienttwin.consent.Purpose;
import io.patienttwin.fhir.TestCustodian;
import io.patienttwin.identity.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import java.net.URL;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Random;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The portal in a real browser (Debian's Chromium through Playwright), signed in through Keycloak's
 * login page, against the real gate, chain and audit. The test owns its patients: A and B consent to
 * alice, C to nobody; their family name is unique to this run. Screenshots of every page go to
 * target/screenshots/ (docs/portal.md shows them).
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class PortalJourneyTest {

    private static final Duration CONFIRMATION = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URL root;

    private Browser browser;
    private String family;
    private String a;
    private String b;
    private String c;
    private String consentOfA;

    @BeforeAll
    void openBrowser() {
        browser = new Browser();
    }

    /** Once per class, but from a test's setup: RestAssured learns the app's port per test. */
    @BeforeEach
    void patientsAndConsents() {
        if (family != null) {
            return;
        }
        Random random = new Random();
        StringBuilder letters = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            letters.append((char) ('a' + random.nextInt(26)));
        }
        String tag = letters.toString();
        family = "Journey" + tag;
        a = "pj-" + tag + "-a";
        b = "pj-" + tag + "-b";
        c = "pj-" + tag + "-c";
        patient(a, "Ada", AdministrativeGender.FEMALE, "1958-03-14");
        patient(b, "Ben", AdministrativeGender.MALE, "1971-10-02");
        patient(c, "Cy", AdministrativeGender.MALE, "1990-06-30");
        for (String id : List.of(a, c)) {
            observation(id, "29463-7", 80, "kg", 3);
            observation(id, "2160-0", 1.1, "mg/dL", 3);
            observation(id, "2160-0", 1.3, "mg/dL", 1);
        }
        org.hl7.fhir.r4.model.Practitioner bob = new org.hl7.fhir.r4.model.Practitioner();
        bob.setId("bob");
        bob.addName().setFamily("Example").addGiven("Bob");
        fhir().body(json(bob)).put("/fhir/Practitioner/bob").then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        consentOfA = consentToAlice(a);
        consentToAlice(b);
    }

    @AfterAll
    void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    @Order(1)
    void aliceSeesOnlyConsentedPatientsOpensATwinAndRunsASimulation() {
        Page page = signIn("alice", "/portal/patients?q=" + family);

        assertThat(patientRows(page)).containsExactlyInAnyOrder(a, b);
        Browser.screenshot(page, "clinician-patients");
        assertAccessible(page);

        page.click("tr[data-patient='" + a + "'] a");
        page.waitForSelector("#latest-values");
        assertThat(page.textContent("#patient-name")).isEqualTo("Ada " + family);
        assertThat(page.textContent("#latest-values")).contains("weight").contains("creatinine");
        page.waitForSelector("#trend-charts[data-rendered='1']");
        assertThat(page.textContent("main")).contains("crcl").contains("egfr");
        Browser.screenshot(page, "clinician-twin");
        assertAccessible(page);

        page.click("#simulate-link");
        page.waitForSelector("#simulation-form");
        page.click("#run-simulation");
        page.waitForSelector("#simulation-chart[data-rendered]");
        assertThat(page.textContent("#comparison"))
                .contains("1 g q12h")
                .contains("1.25 g q12h")
                .contains("auc24");
        assertThat(page.textContent("#comparison .suggestion")).contains("mg reaches");
        Browser.screenshot(page, "clinician-simulation");
        assertAccessible(page);

        page.navigate(url("/portal/patients/" + c));
        assertThat(page.textContent("#error-heading")).isEqualTo("Not permitted");
        assertThat(page.content()).doesNotContain("Cy " + family);
        Browser.screenshot(page, "error-403");
        assertAccessible(page);
    }

    @Test
    @Order(2)
    void bobSeesNoneOfThem() {
        Page page = signIn("bob", "/portal/patients?q=" + family);

        assertThat(patientRows(page)).isEmpty();
        assertThat(page.textContent("#patient-count")).contains("No patients you may see");
        Browser.screenshot(page, "clinician-no-patients");
        assertAccessible(page);
        page.navigate(url("/portal/patients/" + a));
        assertThat(page.textContent("#error-heading")).isEqualTo("Not permitted");
    }

    @Test
    @Order(3)
    void patGrantsBobAccessBobSeesHerThenSheRevokesAndBobNoLongerDoes() {
        String patFamily = patFamilyName();
        Page bob = signIn("bob", "/portal/patients/pat");
        assertThat(bob.textContent("#error-heading")).isEqualTo("Not permitted");

        Page pat = signIn("pat", "/portal/my/consents");
        pat.fill("#grantee", "Practitioner/bob");
        for (DataCategory category : DemoData.TWIN_CATEGORIES) {
            pat.check("input[name='category'][value='" + category.code() + "']");
        }
        pat.selectOption("#purpose", "TREAT");
        pat.click("#grant-button");
        pat.waitForSelector("#granted-notice");
        String row = "tr.consent-row[data-grantee='Practitioner/bob'][data-status='active']";
        pat.waitForSelector(row, new Page.WaitForSelectorOptions().setTimeout(CONFIRMATION.toMillis()));
        assertThat(pat.textContent(row)).contains("block");
        Browser.screenshot(pat, "patient-consents");
        assertAccessible(pat);

        bob.navigate(url("/portal/patients?q=" + patFamily));
        assertThat(patientRows(bob)).contains("pat");
        bob.navigate(url("/portal/patients/pat"));
        bob.waitForSelector("#latest-values");
        Browser.screenshot(bob, "clinician-twin-after-consent");
        assertAccessible(bob);

        pat.click(row + " button.revoke");
        pat.waitForSelector("tr.consent-row[data-grantee='Practitioner/bob'][data-status='inactive']");

        bob.navigate(url("/portal/patients/pat"));
        assertThat(bob.textContent("#error-heading")).isEqualTo("Not permitted");
        bob.navigate(url("/portal/patients?q=" + patFamily));
        assertThat(patientRows(bob)).doesNotContain("pat");

        pat.navigate(url("/portal/my/access"));
        assertThat(pat.textContent("#access-log"))
                .contains("Practitioner/bob")
                .contains("deny")
                .contains("permit");
        Browser.screenshot(pat, "patient-access");
        assertAccessible(pat);
        pat.navigate(url("/portal/my"));
        pat.waitForSelector("#latest-values");
        Browser.screenshot(pat, "patient-record");
        assertAccessible(pat);
    }

    @Test
    @Order(4)
    void carolSeesTheConsentLogWithVerificationAndTheBreakGlassEntry() {
        Page alice = signIn("alice", "/portal/break-glass?patient=" + c);
        alice.fill("#bg-reason", "Unconscious in the emergency department, no relatives reachable");
        Browser.screenshot(alice, "clinician-break-glass-form");
        assertAccessible(alice);
        alice.click("#break-glass-form button[type=submit]");
        alice.waitForSelector("#break-glass-banner");
        assertThat(alice.textContent("#patient-name")).isEqualTo("Cy " + family);
        Browser.screenshot(alice, "clinician-break-glass");
        assertAccessible(alice);

        Page carol = signIn("carol", "/portal/compliance/consents");
        String consentRow = "tr.consent-event[data-consent='" + consentOfA + "'][data-event='granted']";
        assertThat(carol.textContent(consentRow + " .time")).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC");
        assertThat(carol.locator("tr.consent-event[data-event='revoked']:has-text('Practitioner/bob')")
                        .count())
                .as("pat's revocation of bob's consent is an event of its own")
                .isGreaterThanOrEqualTo(1);
        assertThat(carol.textContent(consentRow + " .verify")).isEqualTo("match");
        assertThat(carol.textContent(consentRow))
                .contains("Patient/" + a)
                .contains("Practitioner/alice")
                .contains("0x");
        Browser.screenshot(carol, "compliance-consent-log");
        assertAccessible(carol);

        carol.navigate(url("/portal/compliance/break-glass"));
        String session = "tr.break-glass-session:has-text('Patient/" + c + "')";
        assertThat(carol.textContent(session)).contains("Practitioner/alice").contains("Unconscious");
        carol.fill(session + " input[name='note']", "Reviewed with the ED lead");
        carol.click(session + " button.acknowledge");
        carol.waitForSelector(session + " .reviewed");
        assertThat(carol.textContent(session + " .reviewed")).contains("carol").contains("Reviewed with the ED lead");
        Browser.screenshot(carol, "compliance-break-glass");
        assertAccessible(carol);

        carol.navigate(url("/portal/compliance/audit?patient=" + c + "&user=Practitioner/alice"));
        assertThat(carol.textContent("#audit-rows"))
                .contains("PERMIT-BREAK-GLASS")
                .contains("ETREAT");
        assertThat(carol.textContent("#audit-rows")).doesNotContain("Practitioner/bob");
        Browser.screenshot(carol, "compliance-audit");
        assertAccessible(carol);
        APIResponse csv = carol.request().get(url("/portal/compliance/audit.csv?patient=" + c + "&outcome=deny"));
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.headers().get("content-type")).startsWith("text/csv");
        assertThat(csv.text())
                .startsWith("id,time,user,kind,interaction")
                .contains("Patient/" + c)
                .contains("DENY-");
        assertThat(csv.text()).doesNotContain(",permit,");
    }

    @Test
    @Order(5)
    void aFormWithoutItsCsrfTokenChangesNothing() {
        Page pat = signIn("pat", "/portal/my/consents");
        int before = pat.locator("tr.consent-row").count();

        APIResponse forged = pat.request()
                .post(
                        url("/portal/my/consents"),
                        RequestOptions.create()
                                .setForm(FormData.create()
                                        .set("grantee", "Practitioner/bob")
                                        .set("category", "labs")
                                        .set("purpose", "TREAT")
                                        .set("from", "2026-01-01")
                                        .set("until", "2036-01-01")
                                        .set("csrf-token", "forged")));

        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.text()).contains("Form expired").doesNotContain("Exception");
        pat.reload();
        assertThat(pat.locator("tr.consent-row").count()).isEqualTo(before);
    }

    @Test
    @Order(6)
    void rolesSeeOnlyTheirOwnPages() {
        Page bob = signIn("bob", "/portal/compliance/audit");
        assertThat(bob.textContent("#error-heading")).isEqualTo("Not permitted");
        bob.navigate(url("/portal/my"));
        assertThat(bob.textContent("#error-heading")).isEqualTo("Not permitted");
        Page carol = signIn("carol", "/portal/patients");
        assertThat(carol.textContent("#error-heading")).isEqualTo("Not permitted");
        assertThat(carol.content()).doesNotContain("Ada " + family);
        com.microsoft.playwright.Response missing = carol.navigate(url("/portal/no-such-page"));
        assertThat(missing.status()).isEqualTo(404);
        assertThat(carol.textContent("#error-heading")).isEqualTo("Not found");
        Browser.screenshot(carol, "error-404");
        assertAccessible(carol);

        carol.navigate(url("/portal/compliance/consents"));
        carol.click("header form[action='/portal/logout'] button");
        carol.waitForSelector("#kc-form-login");
        carol.navigate(url("/portal/compliance/consents"));
        assertThat(carol.locator("#kc-form-login").count())
                .as("signed out: the portal asks for a login again")
                .isEqualTo(1);
    }

    @Test
    @Order(7)
    void theTwinDashboardFitsAPhoneScreen() {
        Page page = signIn("alice", "/portal/patients/" + a, 390, 844);
        page.waitForSelector("#trend-charts[data-rendered='1']");

        Object overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth");
        assertThat(((Number) overflow).intValue())
                .as("horizontal overflow in px")
                .isLessThanOrEqualTo(0);
        Browser.screenshot(page, "clinician-twin-phone");
    }

    // --- helpers

    private Page signIn(String user, String path) {
        return signIn(user, path, 1280, 800);
    }

    private Page signIn(String user, String path, int width, int height) {
        Page page = browser.newPage(width, height);
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

    /**
     * The page's accessibility basics: a language, one h1, a main landmark, a label for every field,
     * a text alternative for every chart, no element reachable by keyboard without a visible name.
     */
    static void assertAccessible(Page page) {
        Object problems = page.evaluate(
                """
                () => {
                  const out = [];
                  if (!document.documentElement.lang) out.push('html without lang');
                  if (document.querySelectorAll('h1').length !== 1) out.push('h1 count ' + document.querySelectorAll('h1').length);
                  if (!document.querySelector('main')) out.push('no main landmark');
                  for (const f of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
                    const labelled = (f.id && document.querySelector('label[for="' + f.id + '"]'))
                        || f.closest('label') || f.getAttribute('aria-label') || f.getAttribute('aria-labelledby');
                    if (!labelled) out.push('field without label: ' + (f.name || f.id));
                  }
                  for (const c of document.querySelectorAll('canvas')) {
                    if (!c.getAttribute('aria-label')) out.push('chart without text alternative');
                  }
                  for (const e of document.querySelectorAll('a, button')) {
                    const name = (e.textContent || '').trim() || e.getAttribute('aria-label');
                    if (!name) out.push('unnamed ' + e.tagName);
                  }
                  return out.join('; ');
                }
                """);
        assertThat(problems).as(page.url()).isEqualTo("");
    }

    private static List<String> patientRows(Page page) {
        return page.locator("tr.patient-row").all().stream()
                .map(row -> row.getAttribute("data-patient"))
                .toList();
    }

    private void patient(String id, String given, AdministrativeGender gender, String born) {
        Patient patient = new Patient();
        patient.setId(id);
        patient.addName().setFamily(family).addGiven(given);
        patient.setGender(gender);
        patient.setBirthDateElement(new DateType(born));
        TestCustodian.manage(patient);
        fhir().body(json(patient)).put("/fhir/Patient/" + id).then().statusCode(201);
    }

    private static void observation(String patient, String loinc, double value, String unit, int daysAgo) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode(loinc);
        observation.setSubject(new Reference("Patient/" + patient));
        observation.setEffective(
                new org.hl7.fhir.r4.model.DateTimeType(new Date(System.currentTimeMillis() - daysAgo * 86_400_000L)));
        observation.setValue(new Quantity()
                .setValue(value)
                .setUnit(unit)
                .setSystem("http://unitsofmeasure.org")
                .setCode(unit));
        create(observation);
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

    /** Patient/pat's family name; gives her one if the shared test database holds her without. */
    private static String patFamilyName() {
        Response read = RestAssured.given()
                .auth()
                .oauth2(Tokens.pat())
                .accept("application/fhir+json")
                .get("/fhir/Patient/pat");
        Patient pat = read.statusCode() == 200 ? parse(read.asString(), Patient.class) : new Patient();
        if (pat.hasName() && pat.getNameFirstRep().hasFamily()) {
            return pat.getNameFirstRep().getFamily();
        }
        pat.setId("pat");
        pat.getMeta().setVersionId(null);
        pat.addName().setFamily("Parker").addGiven("Pat");
        fhir().body(json(pat)).put("/fhir/Patient/pat").then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        return "Parker";
    }
}

package io.patienttwin.policy;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.compliance;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.patienttwin.consent.AccessIndex;
import io.patienttwin.consent.ConsentFixture;
import io.patienttwin.consent.DataCategory;
import io.patienttwin.consent.SensitiveLabel;
import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.fhir.TestCustodian;
import io.patienttwin.identity.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The gate's conformance matrix (issue 5, "Done means" 1): every principal of {@link #principals()}
 * against every read path of {@link #paths()}, generated from the two axes. Each cell asserts the
 * status and the exact set of this test's resources returned — computed from one model of the rules,
 * not hand-written per cell — and that the decision point ran at least once for every resource
 * returned, so that nothing bypasses it.
 *
 * <p>The data: Patient/pat (P) with a lab, a vital sign, a lab labelled PSY and a condition; P consents
 * to alice (demographics, labs, vitals; TREAT) and to an organization that erin belongs to by an
 * on-chain membership grant (demographics, conditions). Patient E consented to alice for 2025 only
 * (expired); patient R consented to alice and revoked it; P, E and R are managed by the organization
 * the EHR system is custodian of, patient Q by another. The conditions "expired consent", "revoked
 * consent", "category not covered" and "sensitive label not named" are cells of alice's row: the model
 * says alice sees only P's demographics, labs and vitals without the label.
 */
@QuarkusTest
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class GateConformanceTest {

    private static final String P = "pat";
    private static final String REASON = "unconscious in the emergency department";
    private static final Duration CONFIRMATION = Duration.ofSeconds(30);

    @Inject
    ConsentPolicyDecisionPoint pdp;

    @Inject
    AccessIndex accessIndex;

    @Inject
    EntityManager em;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String tag = FhirTestSupport.newTag();
    private final String e = "mx-e-" + suffix;
    private final String r = "mx-r-" + suffix;
    private final String q = "mx-q-" + suffix;
    private final String organization = "Organization/mx-org-" + suffix;

    /** A resource of the data set, with the facts the rules look at. */
    record Res(String ref, String patient, DataCategory category, boolean psy) {
        String type() {
            return ref.substring(0, ref.indexOf('/'));
        }
    }

    private final List<Res> data = new ArrayList<>();

    /** A principal of the matrix: how it calls, and what the model says it may see. */
    record Principal(
            String name, Supplier<RequestSpecification> request, boolean refusedOutright, Predicate<Res> sees) {}

    /** A read path: runs the requests and returns what came back. */
    record Path(String name, Function<Principal, Answer> run, Function<Set<Res>, Set<String>> expected) {}

    /** What a cell's requests returned: every status, and the refs of this test's resources among the entries. */
    record Answer(List<Integer> statuses, Set<String> refs, int entries) {}

    /** Creates the data set once; called from the test factory, where the application is up. */
    private void createData() {
        if (!data.isEmpty()) {
            return;
        }
        TestCustodian.ensure();
        putPatient(P, TestCustodian.ORGANIZATION);
        putPatient(e, TestCustodian.ORGANIZATION);
        putPatient(r, TestCustodian.ORGANIZATION);
        // Q's organization has no custodian here: the operator writes its data, as no test principal may
        io.patienttwin.fhir.OperatorWrites.patient(q, "Organization/mx-unmanaged-" + suffix, tag);
        data.add(new Res("Patient/" + q, q, DataCategory.DEMOGRAPHICS, false));
        observation(P, "laboratory", "2160-0", false);
        observation(P, "vital-signs", "29463-7", false);
        observation(P, "laboratory", "2160-0", true);
        condition(P);
        observation(e, "laboratory", "2160-0", false);
        observation(r, "laboratory", "2160-0", false);
        data.add(new Res(
                "Observation/" + io.patienttwin.fhir.OperatorWrites.observation(q, tag), q, DataCategory.LABS, false));

        List<String> all =
                List.of("demographics", "labs", "vitals", "conditions", "medications", "allergies", "procedures");
        String toAlice = consent(P, "Practitioner/alice", List.of("demographics", "labs", "vitals"), null);
        String toOrganization = consent(P, organization, List.of("demographics", "conditions"), null);
        String expired = consent(
                e,
                "Practitioner/alice",
                all,
                new Period().setStart(date("2025-01-01T00:00:00Z")).setEnd(date("2026-01-01T00:00:00Z")));
        String revoked = consent(r, "Practitioner/alice", all, null);
        for (String id : List.of(toAlice, toOrganization, expired, revoked)) {
            awaitConsent(id, Consent.ConsentState.ACTIVE);
        }
        Consent revoking = parse(compliance().get("/fhir/Consent/" + revoked).asString(), Consent.class);
        revoking.setStatus(Consent.ConsentState.INACTIVE);
        revoking.getExtension().clear();
        fhir().body(json(revoking)).put("/fhir/Consent/" + revoked).then().statusCode(200);

        given().auth()
                .oauth2(Tokens.dave())
                .contentType("application/json")
                .body(Map.of("kind", "MEMBERSHIP", "subject", "Practitioner/erin", "target", organization))
                .post("/api/access-grants")
                .then()
                .statusCode(201);
        await().atMost(CONFIRMATION)
                .until(() ->
                        accessIndex.grantsOf("Practitioner/erin", AccessIndex.Kind.MEMBERSHIP, Instant.now()).stream()
                                .anyMatch(g -> g.target().equals(organization)));
    }

    List<Principal> principals() {
        Set<DataCategory> aliceCategories = Set.of(DataCategory.DEMOGRAPHICS, DataCategory.LABS, DataCategory.VITALS);
        Set<DataCategory> erinCategories = Set.of(DataCategory.DEMOGRAPHICS, DataCategory.CONDITIONS);
        return List.of(
                new Principal("patient self", as(Tokens.pat(), null, null), false, x -> x.patient()
                        .equals(P)),
                new Principal(
                        "consented clinician (expired, revoked, uncovered category, unnamed label as cells)",
                        as(Tokens.alice(), null, null),
                        false,
                        x -> x.patient().equals(P) && aliceCategories.contains(x.category()) && !x.psy()),
                new Principal("non-consented clinician", as(Tokens.bob(), null, null), false, x -> false),
                new Principal(
                        "member of a consented organization",
                        as(Tokens.erin(), null, null),
                        false,
                        x -> x.patient().equals(P) && erinCategories.contains(x.category())),
                new Principal("wrong purpose", as(Tokens.alice(), "HRESCH", null), false, x -> false),
                new Principal(
                        "break-glass with the permission", as(Tokens.alice(), "ETREAT", REASON), false, x -> true),
                new Principal(
                        "break-glass without the permission", as(Tokens.bob(), "ETREAT", REASON), true, x -> false),
                new Principal("compliance officer", as(Tokens.carol(), null, null), true, x -> false),
                new Principal(
                        "EHR system, custodian of P, E and R but not of Q",
                        as(Tokens.ehrSystem(), null, null),
                        false,
                        x -> !x.patient().equals(q)));
    }

    List<Path> paths() {
        return List.of(
                new Path("read", p -> each(p, x -> "/fhir/" + x.ref()), this::refs),
                new Path("vread", p -> each(p, x -> "/fhir/" + x.ref() + "/_history/1"), this::refs),
                new Path(
                        "search by patient",
                        p -> searches(
                                p,
                                patients().stream()
                                        .flatMap(pt -> List.of(
                                                "Observation?patient=" + pt,
                                                "Condition?patient=" + pt,
                                                "Patient?_id=" + pt)
                                                .stream())
                                        .toList()),
                        this::refs),
                new Path(
                        "search without patient",
                        p -> searches(p, List.of("Observation", "Condition", "Patient")),
                        this::refs),
                new Path("_include", p -> searches(p, List.of("Observation?_include=Observation:patient")), seen -> {
                    Set<String> expected = refs(only(seen, "Observation"));
                    only(seen, "Observation").forEach(o -> seen.stream()
                            .filter(x -> x.ref().equals("Patient/" + o.patient()))
                            .forEach(x -> expected.add(x.ref())));
                    return expected;
                }),
                new Path(
                        "_revinclude",
                        p -> searches(
                                p, List.of("Patient?_revinclude=Observation:patient&_revinclude=Condition:patient")),
                        seen -> {
                            Set<String> expected = refs(only(seen, "Patient"));
                            seen.stream()
                                    .filter(x ->
                                            !x.type().equals("Patient") && expected.contains("Patient/" + x.patient()))
                                    .forEach(x -> expected.add(x.ref()));
                            return expected;
                        }),
                new Path("history", p -> each(p, x -> "/fhir/" + x.ref() + "/_history"), this::refs),
                new Path(
                        "$everything",
                        p -> each(p, patientsAsRes(), x -> "/fhir/" + x.ref() + "/$everything"),
                        seen -> {
                            Set<String> expected = new LinkedHashSet<>();
                            seen.stream()
                                    .filter(x -> x.type().equals("Patient"))
                                    .forEach(pt -> seen.stream()
                                            .filter(x -> x.patient().equals(pt.patient()))
                                            .forEach(x -> expected.add(x.ref())));
                            return expected;
                        }),
                new Path("paging links", this::paged, seen -> refs(only(seen, "Observation"))),
                new Path(
                        "_summary=count",
                        p -> counted(p, "&_summary=count"),
                        seen -> countOf(only(seen, "Observation"))),
                new Path("_total", p -> counted(p, "&_total=accurate"), seen -> countOf(only(seen, "Observation"))),
                new Path("transaction response", this::transaction, this::refs),
                // a proof or an integrity check discloses its resource's version: decided as its vread/history
                new Path("$proof", p -> disclosed(p, x -> "/fhir/" + x.ref() + "/_history/1/$proof"), this::refs),
                new Path(
                        "$verify-integrity",
                        p -> disclosed(p, x -> "/fhir/" + x.ref() + "/$verify-integrity"),
                        this::refs));
    }

    @TestFactory
    List<DynamicTest> everyPrincipalOnEveryPath() {
        createData();
        List<DynamicTest> cells = new ArrayList<>();
        for (Principal principal : principals()) {
            Set<Res> seen = data.stream().filter(principal.sees()).collect(Collectors.toCollection(LinkedHashSet::new));
            for (Path path : paths()) {
                cells.add(DynamicTest.dynamicTest(principal.name() + " × " + path.name(), () -> {
                    long before = pdp.decisionCount();
                    Answer answer = path.run().apply(principal);
                    long decisions = pdp.decisionCount() - before;
                    if (principal.refusedOutright()) {
                        assertThat(answer.statuses())
                                .as("every request refused")
                                .containsOnly(403);
                        assertThat(answer.refs()).isEmpty();
                        return;
                    }
                    assertThat(answer.statuses()).as("statuses").isSubsetOf(200, 403);
                    assertThat(answer.refs())
                            .as("exactly what the rules permit")
                            .isEqualTo(path.expected().apply(seen));
                    assertThat(decisions)
                            .as("the decision point ran for every resource returned")
                            .isGreaterThanOrEqualTo(answer.entries());
                }));
            }
        }
        return cells;
    }

    // --- the live stream (the portal's twin page) ---------------------------------------------------

    /**
     * A principal as the portal's live stream meets it: a portal session of {@code user} (password = user
     * name in the test realm), or, for a client without one, its bearer token; whether the portal lets it
     * open clinician pages; and the read matrix's model of what it may see, by the principal's name there.
     */
    record LiveViewer(String name, String user, Supplier<String> token, boolean clinician, String modelOf) {}

    List<LiveViewer> liveViewers() {
        return List.of(
                new LiveViewer("consented clinician", "alice", null, true, "consented clinician"),
                new LiveViewer("non-consented clinician", "bob", null, true, "non-consented clinician"),
                new LiveViewer("member of a consented organization", "erin", null, true, "member of a consented"),
                new LiveViewer("compliance officer", "carol", null, false, "compliance officer"),
                new LiveViewer("patient self", "pat", null, false, "patient self"),
                new LiveViewer("EHR system with its bearer token", null, Tokens::ehrSystem, false, "EHR system"));
    }

    /**
     * The live row of the matrix: each viewer opens the live stream of every patient of the data set
     * (allowed exactly where the model lets it read the Patient, and only to clinicians), then new
     * Observations of every patient are stored — for P first one labelled PSY, then a vital sign and a lab
     * — and each stream must send exactly the new Observations the model lets its viewer see, and stay open
     * past the ones it may not (a label or category its consent leaves out is no revocation).
     */
    @TestFactory
    @org.junit.jupiter.api.Order(1) // before the read matrix, whose break-glass cells open sessions for alice
    List<DynamicTest> everyPortalViewerOnTheLiveStream() {
        createData();
        List<DynamicTest> cells = new ArrayList<>();
        for (LiveViewer viewer : liveViewers()) {
            Predicate<Res> sees = principals().stream()
                    .filter(p -> p.name().startsWith(viewer.modelOf()))
                    .findFirst()
                    .orElseThrow()
                    .sees();
            cells.add(DynamicTest.dynamicTest(viewer.name() + " × live stream", () -> live(viewer, sees)));
        }
        return cells;
    }

    private void live(LiveViewer viewer, Predicate<Res> model) throws Exception {
        // the portal reads for ETREAT wherever the viewer holds an open break-glass session (opened by the
        // read matrix's break-glass cells, or earlier tests, for up to an hour): it sees all of that patient
        Set<String> emergency = viewer.user() == null
                ? Set.of()
                : accessIndex
                        .sessionsOf(subjectOf(Tokens.password(viewer.user(), viewer.user())), Instant.now())
                        .stream()
                        .map(AccessIndex.Session::patientId)
                        .collect(Collectors.toSet());
        Predicate<Res> sees = x -> model.test(x) || emergency.contains(x.patient());
        // the realm accepts redirects to the loopback address on any port, not to "localhost"
        String base = (io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port)
                .replace("localhost", "127.0.0.1");
        io.patienttwin.identity.CodeFlowLogin session = new io.patienttwin.identity.CodeFlowLogin();
        if (viewer.user() != null) {
            session.open(base + "/portal/patients", viewer.user(), viewer.user());
        }
        List<LiveStream> streams = new ArrayList<>();
        try {
            for (Res patient : patientsAsRes()) {
                String url = base + "/portal/patients/" + patient.patient() + "/live";
                boolean opens = viewer.clinician() && sees.test(patient);
                if (viewer.user() == null) {
                    int status = given().auth()
                            .oauth2(viewer.token().get())
                            .redirects()
                            .follow(false)
                            .accept("text/event-stream")
                            .get(url)
                            .statusCode();
                    assertThat(status)
                            .as("a bearer token opens no portal stream")
                            .isNotEqualTo(200);
                    continue;
                }
                java.net.http.HttpResponse<java.io.InputStream> answer = session.stream(url);
                if (!opens) {
                    assertThat(answer.statusCode())
                            .as("the stream of " + patient.ref() + " is refused")
                            .isEqualTo(403);
                    answer.body().close();
                    continue;
                }
                assertThat(answer.statusCode())
                        .as("the stream of " + patient.ref() + " opens")
                        .isEqualTo(200);
                LiveStream stream = new LiveStream(patient.patient(), answer);
                streams.add(stream);
                stream.await("ready", Duration.ofSeconds(10));
            }
            List<Res> stored = new ArrayList<>();
            Instant beforeStoring = Instant.now().minusSeconds(1);
            String liveTag = FhirTestSupport.newTag();
            stored.add(liveObservation(P, "laboratory", "2160-0", true, liveTag));
            stored.add(liveObservation(P, "vital-signs", "29463-7", false, liveTag));
            stored.add(liveObservation(P, "laboratory", "2160-0", false, liveTag));
            for (String other : List.of(e, r, q)) {
                stored.add(liveObservation(other, "laboratory", "2160-0", false, liveTag));
            }
            for (LiveStream stream : List.copyOf(streams)) {
                Set<String> expected = stored.stream()
                        .filter(x -> x.patient().equals(stream.patient) && sees.test(x))
                        .map(Res::ref)
                        .collect(Collectors.toCollection(LinkedHashSet::new));
                Set<String> all = stored.stream().map(Res::ref).collect(Collectors.toSet());
                await().atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> stream.sources(all).containsAll(expected));
                // whatever was not to be sent has had the time to arrive (the last stored is in, the reader
                // works in order) and more: nothing else came
                Thread.sleep(300);
                assertThat(stream.sources(all))
                        .as("the stream of Patient/" + stream.patient + " sends exactly what the viewer may see")
                        .isEqualTo(expected);
                assertThat(stream.lines)
                        .as("the stream is still open")
                        .noneMatch(l -> l.startsWith("event:") && l.contains("end"));
                // a browser reconnecting from before these were stored (Last-Event-ID) is sent the same:
                // the catch-up is a search through the gate
                LiveStream resumed = new LiveStream(
                        stream.patient,
                        session.stream(
                                base + "/portal/patients/" + stream.patient + "/live",
                                Map.of("Last-Event-ID", beforeStoring.toString())));
                streams.add(resumed);
                await().atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> resumed.sources(all).containsAll(expected));
                Thread.sleep(300);
                assertThat(resumed.sources(all))
                        .as("resumed by Last-Event-ID, the stream of Patient/" + stream.patient
                                + " sends exactly what the viewer may see")
                        .isEqualTo(expected);
            }
        } finally {
            for (LiveStream stream : streams) {
                stream.events.close();
            }
        }
    }

    /** The subject ({@code sub}) of an access token: the principal break-glass sessions are kept under. */
    private static String subjectOf(String token) throws Exception {
        byte[] claims = java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1]);
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(claims)
                .path("sub")
                .asText();
    }

    /** An open live stream of a patient. */
    private static final class LiveStream {
        final String patient;
        final io.patienttwin.identity.EventStreamLines events;
        final List<String> lines;

        LiveStream(String patient, java.net.http.HttpResponse<java.io.InputStream> answer) {
            this.patient = patient;
            this.events = new io.patienttwin.identity.EventStreamLines(answer);
            this.lines = events.lines;
        }

        void await(String text, Duration timeout) {
            events.await(text, timeout);
        }

        /** The Observations of {@code among} the stream's reading events named as their source. */
        Set<String> sources(Set<String> among) {
            Set<String> found = new LinkedHashSet<>();
            for (String line : lines) {
                for (String ref : among) {
                    if (line.startsWith("data:") && line.contains("\"source\":\"" + ref + "\"")) {
                        found.add(ref);
                    }
                }
            }
            return found;
        }
    }

    /** A new Observation with a value the twin reads (so a stream has a point to send), not in the read matrix's data. */
    private Res liveObservation(String patient, String category, String loinc, boolean psy, String liveTag) {
        Observation observation = FhirTestSupport.tagged(new Observation(), liveTag);
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation
                .addCategory()
                .addCoding()
                .setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
                .setCode(category);
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode(loinc);
        boolean weight = loinc.equals("29463-7");
        observation.setValue(new org.hl7.fhir.r4.model.Quantity(weight ? 71.5 : 1.1)
                .setSystem("http://unitsofmeasure.org")
                .setCode(weight ? "kg" : "mg/dL")
                .setUnit(weight ? "kg" : "mg/dL"));
        observation.setEffective(new org.hl7.fhir.r4.model.DateTimeType(new Date()));
        observation.setSubject(new Reference("Patient/" + patient));
        if (psy) {
            observation.getMeta().addSecurity().setSystem(SensitiveLabel.SYSTEM).setCode("PSY");
        }
        String id = io.patienttwin.fhir.OperatorWrites.create(observation);
        return new Res(
                "Observation/" + id,
                patient,
                category.equals("vital-signs") ? DataCategory.VITALS : DataCategory.LABS,
                psy);
    }

    // --- paths -------------------------------------------------------------------------------------

    private Answer each(Principal principal, Function<Res, String> url) {
        return each(principal, data, url);
    }

    private Answer each(Principal principal, List<Res> targets, Function<Res, String> url) {
        List<Integer> statuses = new ArrayList<>();
        Set<String> refs = new LinkedHashSet<>();
        int entries = 0;
        for (Res target : targets) {
            Response response = principal.request().get().get(url.apply(target));
            statuses.add(response.statusCode());
            if (response.statusCode() == 403) {
                assertThat(response.asString()).contains("OperationOutcome");
                continue;
            }
            Resource resource = parse(response.asString(), Resource.class);
            if (resource instanceof Bundle bundle) {
                for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                    if (entry.hasResource()) {
                        entries++;
                        refs.add(ref(entry.getResource()));
                    }
                }
            } else {
                entries++;
                refs.add(ref(resource));
            }
        }
        refs.retainAll(refs(new LinkedHashSet<>(data)));
        return new Answer(statuses, refs, entries);
    }

    /** An operation about each resource (its answer is a Parameters): the resources it answered about. */
    private Answer disclosed(Principal principal, Function<Res, String> url) {
        List<Integer> statuses = new ArrayList<>();
        Set<String> refs = new LinkedHashSet<>();
        for (Res target : data) {
            Response response = principal.request().get().get(url.apply(target));
            statuses.add(response.statusCode());
            if (response.statusCode() == 403) {
                assertThat(response.asString()).contains("OperationOutcome");
            } else if (response.statusCode() == 200) {
                assertThat(response.asString()).contains("\"resourceType\":\"Parameters\"");
                refs.add(target.ref());
            }
        }
        return new Answer(statuses, refs, refs.size());
    }

    private Answer searches(Principal principal, List<String> queries) {
        List<Integer> statuses = new ArrayList<>();
        Set<String> refs = new LinkedHashSet<>();
        int entries = 0;
        for (String query : queries) {
            Response response = principal
                    .request()
                    .get()
                    .get("/fhir/" + query + (query.contains("?") ? "&" : "?") + "_tag=" + FhirTestSupport.tagParam(tag)
                            + "&_count=100");
            statuses.add(response.statusCode());
            if (response.statusCode() == 200) {
                Bundle bundle = parse(response.asString(), Bundle.class);
                entries += bundle.getEntry().size();
                bundle.getEntry().forEach(en -> refs.add(ref(en.getResource())));
            }
        }
        refs.retainAll(refs(new LinkedHashSet<>(data)));
        return new Answer(statuses, refs, entries);
    }

    private Answer paged(Principal principal) {
        List<Integer> statuses = new ArrayList<>();
        Set<String> refs = new LinkedHashSet<>();
        int entries = 0;
        String url = "/fhir/Observation?_tag=" + FhirTestSupport.tagParam(tag) + "&_count=1";
        Integer total = null;
        int pages = 0;
        while (url != null) {
            // the server's links are encoded already: send them as they are
            Response response = pages == 0
                    ? principal.request().get().get(url)
                    : principal.request().get().urlEncodingEnabled(false).get(url);
            statuses.add(response.statusCode());
            if (response.statusCode() != 200) {
                break;
            }
            Bundle bundle = parse(response.asString(), Bundle.class);
            total = bundle.getTotal();
            pages++;
            entries += bundle.getEntry().size();
            bundle.getEntry().forEach(en -> refs.add(ref(en.getResource())));
            Bundle.BundleLinkComponent next = bundle.getLink("next");
            url = next == null ? null : relative(next.getUrl());
        }
        if (total != null) {
            assertThat(refs)
                    .as("each page holds one entry, the total counts them")
                    .hasSize(total);
            assertThat(pages).isEqualTo(Math.max(total, 1));
        }
        return new Answer(statuses, refs, entries);
    }

    private Answer counted(Principal principal, String parameter) {
        Response response =
                principal.request().get().get("/fhir/Observation?_tag=" + FhirTestSupport.tagParam(tag) + parameter);
        if (response.statusCode() != 200) {
            return new Answer(List.of(response.statusCode()), Set.of(), 0);
        }
        Bundle bundle = parse(response.asString(), Bundle.class);
        Set<String> refs = new LinkedHashSet<>();
        refs.add("total=" + bundle.getTotal());
        if (parameter.contains("_total")) {
            assertThat(bundle.getEntry()).hasSize(bundle.getTotal());
        } else {
            assertThat(bundle.getEntry()).isEmpty();
        }
        return new Answer(List.of(200), refs, bundle.getEntry().size());
    }

    private Answer transaction(Principal principal) {
        Bundle request = new Bundle().setType(Bundle.BundleType.BATCH);
        for (Res x : data) {
            request.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(x.ref());
        }
        request.addEntry()
                .getRequest()
                .setMethod(Bundle.HTTPVerb.GET)
                .setUrl("Observation?_tag=" + FhirTestSupport.tagParam(tag));
        Response response = principal
                .request()
                .get()
                .contentType(FHIR_JSON)
                .body(json(request))
                .post("/fhir");
        if (response.statusCode() != 200) {
            return new Answer(List.of(response.statusCode()), Set.of(), 0);
        }
        List<Integer> statuses = new ArrayList<>();
        Set<String> refs = new LinkedHashSet<>();
        int entries = 0;
        for (Bundle.BundleEntryComponent entry :
                parse(response.asString(), Bundle.class).getEntry()) {
            statuses.add(Integer.parseInt(entry.getResponse().getStatus().split(" ")[0]));
            if (entry.getResource() instanceof Bundle inner) {
                entries += inner.getEntry().size();
                inner.getEntry().forEach(en -> refs.add(ref(en.getResource())));
            } else if (entry.hasResource()
                    && !(entry.getResource() instanceof org.hl7.fhir.r4.model.OperationOutcome)) {
                entries++;
                refs.add(ref(entry.getResource()));
            }
        }
        refs.retainAll(refs(new LinkedHashSet<>(data)));
        return new Answer(statuses, refs, entries);
    }

    // --- model helpers -----------------------------------------------------------------------------

    private Set<String> refs(Set<Res> resources) {
        return resources.stream().map(Res::ref).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static Set<Res> only(Set<Res> resources, String type) {
        return resources.stream()
                .filter(x -> x.type().equals(type))
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static Set<String> countOf(Set<Res> resources) {
        return Set.of("total=" + resources.size());
    }

    private List<String> patients() {
        return List.of(P, e, r, q);
    }

    private List<Res> patientsAsRes() {
        return data.stream().filter(x -> x.type().equals("Patient")).toList();
    }

    private static String ref(Resource resource) {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
    }

    private static String relative(String url) {
        int at = url.indexOf("/fhir");
        return at < 0 ? url : url.substring(at);
    }

    private static Supplier<RequestSpecification> as(String token, String purpose, String reason) {
        return () -> {
            RequestSpecification spec = given().auth().oauth2(token).accept(FHIR_JSON);
            if (purpose != null) {
                spec = spec.header("X-Purpose-Of-Use", purpose);
            }
            if (reason != null) {
                spec = spec.header("X-Break-Glass-Reason", reason);
            }
            return spec;
        };
    }

    // --- data --------------------------------------------------------------------------------------

    private void putPatient(String id, String managingOrganization) {
        Patient patient = FhirTestSupport.tagged(new Patient(), tag);
        patient.setId(id);
        patient.addName().setFamily("Matrix").addGiven(id);
        patient.setManagingOrganization(new Reference(managingOrganization));
        Response response = fhir().body(json(patient)).put("/fhir/Patient/" + id);
        assertThat(response.statusCode()).as(response.asString()).isIn(200, 201);
        data.add(new Res("Patient/" + id, id, DataCategory.DEMOGRAPHICS, false));
    }

    private void observation(String patient, String category, String loinc, boolean psy) {
        Observation observation = FhirTestSupport.tagged(new Observation(), tag);
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation
                .addCategory()
                .addCoding()
                .setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
                .setCode(category);
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode(loinc);
        observation.setSubject(new Reference("Patient/" + patient));
        if (psy) {
            observation.getMeta().addSecurity().setSystem(SensitiveLabel.SYSTEM).setCode("PSY");
        }
        String id = FhirTestSupport.create(observation);
        data.add(new Res(
                "Observation/" + id,
                patient,
                category.equals("vital-signs") ? DataCategory.VITALS : DataCategory.LABS,
                psy));
    }

    private void condition(String patient) {
        Condition condition = FhirTestSupport.tagged(new Condition(), tag);
        condition.setSubject(new Reference("Patient/" + patient));
        condition.setCode(new CodeableConcept(new Coding("http://snomed.info/sct", "38341003", "Hypertension")));
        String id = FhirTestSupport.create(condition);
        data.add(new Res("Condition/" + id, patient, DataCategory.CONDITIONS, false));
    }

    private String consent(String patient, String grantee, List<String> categories, Period period) {
        Consent consent = ConsentFixture.forPatient("Patient/" + patient);
        Consent.ProvisionComponent provision = consent.getProvision();
        provision.getActorFirstRep().setReference(new Reference(grantee));
        provision.getCode().clear();
        CodeableConcept codes = new CodeableConcept();
        categories.forEach(c -> codes.addCoding(new Coding(DataCategory.SYSTEM, c, null)));
        provision.addCode(codes);
        if (period != null) {
            provision.setPeriod(period);
        }
        Response response = fhir().body(json(consent)).post("/fhir/Consent");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(201);
        return parse(response.asString(), Consent.class).getIdElement().getIdPart();
    }

    private static void awaitConsent(String id, Consent.ConsentState status) {
        await().atMost(CONFIRMATION)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> parse(compliance().get("/fhir/Consent/" + id).asString(), Consent.class)
                                .getStatus()
                        == status);
    }

    private static Date date(String instant) {
        return Date.from(Instant.parse(instant));
    }
}

package io.patienttwin.policy;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.consent.ConsentFixture;
import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.fhir.OperatorWrites;
import io.patienttwin.fhir.TestCustodian;
import io.patienttwin.identity.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The gate's write matrix (issue 16, "Done means" 2), beside the read matrix of {@link
 * GateConformanceTest}: every principal of {@link #principals()} × every write path of {@link
 * #paths()} × every target of {@link Target}. Each cell writes its own fresh data first (as the
 * operator, so that data of every organization can exist), sends its request, and asserts the status
 * one model of the rules gives ({@link #expected}) — and, where the request is refused, that it
 * answered an OperationOutcome and the store holds exactly what it held before (a dump of every row
 * this test wrote, compared before and after).
 *
 * <p>The EHR system is custodian of {@link TestCustodian#ORGANIZATION}, which manages patient A and
 * Patient/pat; patient B belongs to an organization nobody here is custodian of. Only the EHR system
 * holds write scopes for clinical data ({@code system/*.cruds}); pat ({@code patient/Consent.cud}) and
 * dave ({@code user/Consent.cud}) write consents; alice, bob and carol write nothing.
 */
@QuarkusTest
class WriteConformanceTest {

    @Inject
    ConsentPolicyDecisionPoint pdp;

    @Inject
    EntityManager em;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String tag = FhirTestSupport.newTag();
    private final String a = "wm-a-" + suffix;
    private final String b = "wm-b-" + suffix;
    private final String otherOrganization = "Organization/wm-other-" + suffix;
    private long watermark;
    private int cell;

    /** Whose data a cell writes. */
    enum Target {
        /** Patient A, of the organization the EHR system is custodian of. */
        OWN_ORGANIZATION,
        /** Patient B, of an organization the EHR system is not custodian of. */
        OTHER_ORGANIZATION,
        /** Patient/pat, the patient principal herself (managed by the EHR system's organization). */
        PATIENT_PAT,
        /**
         * No patient: a clinical resource that names none (refused 422 by anyone who may write), or, for
         * paths on stored resources, a resource of no patient compartment (an Organization).
         */
        NO_PATIENT
    }

    enum Who {
        ALICE,
        BOB,
        PAT,
        CAROL,
        DAVE,
        EHR
    }

    record Principal(Who who, Supplier<String> token) {}

    /** A write path: what it writes (clinical data, a consent, a patient) and how it sends it. */
    record Path(String name, Kind kind, BiFunction<Principal, Target, Response> run) {}

    enum Kind {
        /** Creates or re-points clinical data: a target without a patient is 422. */
        CREATES,
        /** Updates stored clinical data of A to name the target's patient: a target without one is 422. */
        REPOINTS,
        /** Acts on a stored resource: without a patient, an Organization. */
        STORED,
        /** A conditional create or update: a match the writer may not read is none. */
        CONDITIONAL_WRITE,
        /** Conditional delete: no match the writer may read deletes nothing (200). */
        CONDITIONAL_DELETE,
        /** Refused as malformed by whoever may write at all (400), and for lack of scope by the others (403). */
        REFUSED,
        /** An interaction this server does not offer (PATCH): 400 for everyone, before any scope check. */
        UNSUPPORTED,
        /** The batch variant of CREATES: the entry's status is the answer. */
        BATCH_CREATES,
        /** The batch variant of STORED deletes. */
        BATCH_DELETE,
        CONSENT,
        PATIENT_MOVE
    }

    List<Principal> principals() {
        return List.of(
                new Principal(Who.ALICE, Tokens::alice),
                new Principal(Who.BOB, Tokens::bob),
                new Principal(Who.PAT, Tokens::pat),
                new Principal(Who.CAROL, Tokens::carol),
                new Principal(Who.DAVE, Tokens::dave),
                new Principal(Who.EHR, Tokens::ehrSystem));
    }

    List<Path> paths() {
        return List.of(
                new Path("create", Kind.CREATES, (p, t) -> as(p).body(json(fresh(t)))
                        .post("/fhir/Observation")),
                new Path("update", Kind.STORED, (p, t) -> {
                    Resource stored = storedOf(t);
                    return as(p).body(json(stored)).put("/fhir/" + ref(stored));
                }),
                new Path("update re-pointing own data to the target", Kind.REPOINTS, (p, t) -> {
                    Observation moved = fresh(Target.OWN_ORGANIZATION);
                    moved.setId(OperatorWrites.create(fresh(Target.OWN_ORGANIZATION)));
                    moved.setSubject(fresh(t).getSubject());
                    return as(p).body(json(moved)).put("/fhir/Observation/" + moved.getIdPart());
                }),
                new Path("delete", Kind.STORED, (p, t) -> {
                    String target = ref(storedOf(t));
                    return as(p).delete("/fhir/" + target);
                }),
                new Path("conditional create", Kind.CONDITIONAL_WRITE, (p, t) -> {
                    String key = matchable(t);
                    return as(p).header("If-None-Exist", "identifier=urn:wm|" + key)
                            .body(json(withKey(fresh(t), key)))
                            .post("/fhir/Observation");
                }),
                new Path("conditional update", Kind.CONDITIONAL_WRITE, (p, t) -> {
                    String key = matchable(t);
                    return as(p).body(json(withKey(fresh(t), key))).put("/fhir/Observation?identifier=urn:wm|" + key);
                }),
                new Path("conditional delete", Kind.CONDITIONAL_DELETE, (p, t) -> {
                    String type = t == Target.NO_PATIENT ? "Organization" : "Observation";
                    String key = matchable(t);
                    return as(p).delete("/fhir/" + type + "?identifier=urn:wm|" + key);
                }),
                new Path("patch", Kind.UNSUPPORTED, (p, t) -> {
                    String target = ref(storedOf(t));
                    return as(p).contentType("application/json-patch+json")
                            .body("[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"amended\"}]")
                            .patch("/fhir/" + target);
                }),
                new Path(
                        "transaction POST entry",
                        Kind.CREATES,
                        (p, t) -> bundle(p, Bundle.BundleType.TRANSACTION, e -> {
                            e.setResource(fresh(t))
                                    .getRequest()
                                    .setMethod(Bundle.HTTPVerb.POST)
                                    .setUrl("Observation");
                        })),
                new Path("transaction PUT entry", Kind.STORED, (p, t) -> {
                    Resource stored = storedOf(t);
                    return bundle(p, Bundle.BundleType.TRANSACTION, e -> e.setResource(stored)
                            .getRequest()
                            .setMethod(Bundle.HTTPVerb.PUT)
                            .setUrl(ref(stored)));
                }),
                new Path("transaction DELETE entry", Kind.STORED, (p, t) -> {
                    String target = ref(storedOf(t));
                    return bundle(p, Bundle.BundleType.TRANSACTION, e -> e.getRequest()
                            .setMethod(Bundle.HTTPVerb.DELETE)
                            .setUrl(target));
                }),
                new Path("transaction DELETE entry with a Consent body", Kind.REFUSED, (p, t) -> {
                    String target = ref(storedOf(t));
                    return bundle(p, Bundle.BundleType.TRANSACTION, e -> e.setResource(
                                    new Consent().setStatus(Consent.ConsentState.ACTIVE))
                            .getRequest()
                            .setMethod(Bundle.HTTPVerb.DELETE)
                            .setUrl(target));
                }),
                new Path(
                        "batch POST entry",
                        Kind.BATCH_CREATES,
                        (p, t) -> bundle(p, Bundle.BundleType.BATCH, e -> {
                            e.setResource(fresh(t))
                                    .getRequest()
                                    .setMethod(Bundle.HTTPVerb.POST)
                                    .setUrl("Observation");
                        })),
                new Path("batch DELETE entry", Kind.BATCH_DELETE, (p, t) -> {
                    String target = ref(storedOf(t));
                    return bundle(p, Bundle.BundleType.BATCH, e -> e.getRequest()
                            .setMethod(Bundle.HTTPVerb.DELETE)
                            .setUrl(target));
                }),
                new Path("consent create", Kind.CONSENT, (p, t) -> {
                    // written first: the fixture makes sure the consent's patient exists
                    Consent consent = consentOf(t);
                    return as(p).body(json(consent)).post("/fhir/Consent");
                }),
                new Path("patient update into the EHR system's organization", Kind.PATIENT_MOVE, (p, t) -> {
                    Resource moved = movedPatient(t);
                    return as(p).body(FhirTestSupport.FHIR.newJsonParser().encodeResourceToString(moved))
                            .put("/fhir/" + ref(moved));
                }));
    }

    /** The status the rules give a cell; for a batch, the status of its one entry. */
    int expected(Who who, Kind kind, Target target) {
        boolean ehr = who == Who.EHR;
        boolean reachable = target == Target.OWN_ORGANIZATION || target == Target.PATIENT_PAT;
        switch (kind) {
            case CREATES:
                return !ehr ? 403 : reachable ? 201 : target == Target.NO_PATIENT ? 422 : 403;
            case REPOINTS:
                return !ehr ? 403 : reachable ? 200 : target == Target.NO_PATIENT ? 422 : 403;
            case BATCH_CREATES:
                return !ehr ? 403 : reachable ? 201 : target == Target.NO_PATIENT ? 422 : 403;
            case STORED:
                return !ehr ? 403 : target == Target.OTHER_ORGANIZATION ? 403 : 200;
            case BATCH_DELETE:
                return !ehr ? 403 : target == Target.OTHER_ORGANIZATION ? 403 : 204;
            case CONDITIONAL_WRITE:
                // a match the writer may read is written; B's is hidden, so a new B resource is refused
                return !ehr ? 403 : reachable ? 200 : target == Target.NO_PATIENT ? 422 : 403;
            case CONDITIONAL_DELETE:
                return !ehr ? 403 : 200;
            case REFUSED:
                return !ehr ? 403 : 400;
            case UNSUPPORTED:
                return 400;
            case CONSENT:
                if (target == Target.NO_PATIENT && (ehr || who == Who.PAT || who == Who.DAVE)) {
                    return 422;
                }
                return switch (who) {
                    case EHR -> reachable ? 201 : 403;
                    case DAVE -> 201;
                    case PAT -> target == Target.PATIENT_PAT ? 201 : 403;
                    default -> 403;
                };
            case PATIENT_MOVE:
                return !ehr ? 403 : target == Target.OTHER_ORGANIZATION ? 403 : target == Target.NO_PATIENT ? 201 : 200;
            default:
                throw new IllegalArgumentException(kind.name());
        }
    }

    @TestFactory
    List<DynamicTest> everyPrincipalOnEveryWritePathForEveryTarget() {
        TestCustodian.ensure();
        Patient patientA = new Patient();
        patientA.setId(a);
        patientA.setManagingOrganization(new Reference(TestCustodian.ORGANIZATION));
        OperatorWrites.put(FhirTestSupport.tagged(patientA, tag));
        OperatorWrites.patient(b, otherOrganization, tag);
        ensurePat();
        watermark = currentPid();
        List<DynamicTest> cells = new ArrayList<>();
        for (Principal principal : principals()) {
            for (Path path : paths()) {
                for (Target target : Target.values()) {
                    String name = principal.who() + " × " + path.name() + " × " + target;
                    cells.add(DynamicTest.dynamicTest(name, () -> run(principal, path, target)));
                }
            }
        }
        return cells;
    }

    private void run(Principal principal, Path path, Target target) {
        int expected = expected(principal.who(), path.kind(), target);
        // the cell's data is written inside run(); the dump is taken right before the request
        String[] before = new String[1];
        long[] decisions = new long[1];
        Response response = path.run()
                .apply(
                        new Principal(principal.who(), () -> {
                            before[0] = dump();
                            decisions[0] = pdp.decisionCount();
                            return principal.token().get();
                        }),
                        target);
        int status = response.statusCode();
        boolean batch = path.kind() == Kind.BATCH_CREATES || path.kind() == Kind.BATCH_DELETE;
        if (batch && status == 200) {
            status = Integer.parseInt(parse(response.asString(), Bundle.class)
                    .getEntryFirstRep()
                    .getResponse()
                    .getStatus()
                    .split(" ")[0]);
        } else if (!batch && status == 200 && response.asString().contains("\"transaction-response\"")) {
            Bundle answer = parse(response.asString(), Bundle.class);
            status = Integer.parseInt(
                    answer.getEntryFirstRep().getResponse().getStatus().split(" ")[0]);
            status = status == 201 || status == 204 ? (path.kind() == Kind.CREATES ? 201 : 200) : status;
        }
        assertThat(status).as(response.asString()).isEqualTo(expected);
        if (expected >= 400) {
            assertThat(response.asString())
                    .as("a refusal is an OperationOutcome")
                    .contains("OperationOutcome");
            assertThat(dump()).as("a refused write changes nothing").isEqualTo(before[0]);
            if (response.asString().contains("PT-POLICY-403")) {
                assertThat(pdp.decisionCount())
                        .as("the decision point decided the refusal")
                        .isGreaterThan(decisions[0]);
            }
        }
    }

    // --- data of one cell, written as the operator --------------------------------------------------

    private String patientOf(Target target) {
        return switch (target) {
            case OWN_ORGANIZATION -> a;
            case OTHER_ORGANIZATION -> b;
            case PATIENT_PAT -> "pat";
            case NO_PATIENT -> null;
        };
    }

    /** A new Observation of the target's patient (none for NO_PATIENT), not stored. */
    private Observation fresh(Target target) {
        Observation observation = FhirTestSupport.tagged(OperatorWrites.labOf("x"), tag);
        String patient = patientOf(target);
        observation.setSubject(patient == null ? null : new Reference("Patient/" + patient));
        return observation;
    }

    /** A stored resource of the target: an Observation of its patient, or an Organization. */
    private Resource storedOf(Target target) {
        Resource resource = target == Target.NO_PATIENT ? organization() : fresh(target);
        resource.setId(OperatorWrites.create(resource));
        if (resource instanceof Observation observation) {
            observation.setStatus(Observation.ObservationStatus.AMENDED);
        }
        return resource;
    }

    /** Stores a resource of the target carrying a fresh identifier and returns the identifier. */
    private String matchable(Target target) {
        String key = "k-" + (++cell) + "-" + suffix;
        if (target == Target.NO_PATIENT) {
            OperatorWrites.create(organization()
                    .addIdentifier(new Identifier().setSystem("urn:wm").setValue(key)));
            return key;
        }
        OperatorWrites.create(withKey(fresh(target), key));
        return key;
    }

    private static Observation withKey(Observation observation, String key) {
        observation.addIdentifier(new Identifier().setSystem("urn:wm").setValue(key));
        return observation;
    }

    private Organization organization() {
        Organization organization = FhirTestSupport.tagged(new Organization(), tag);
        organization.setName("Write matrix " + suffix);
        return organization;
    }

    private Consent consentOf(Target target) {
        String patient = patientOf(target);
        Consent consent = ConsentFixture.forPatient("Patient/" + (patient == null ? "x" : patient));
        if (patient == null) {
            consent.setPatient(null);
        }
        consent.getProvision().getActorFirstRep().setReference(new Reference("Practitioner/wm-" + suffix));
        return consent;
    }

    /** The target's Patient, to be stored with the EHR system's organization; an Organization for none. */
    private Resource movedPatient(Target target) {
        if (target == Target.NO_PATIENT) {
            Organization organization = organization();
            organization.setId("wm-org-" + (++cell) + "-" + suffix);
            return organization;
        }
        Patient patient;
        if (target == Target.PATIENT_PAT) {
            patient = QuarkusTransaction.requiringNew()
                    .call(() -> parse(
                            (String) em.createNativeQuery(
                                            "select v.body from fhir_resource r join fhir_resource_version v"
                                                    + " on v.resource_pid = r.pid and v.version = r.version"
                                                    + " where r.res_type = 'Patient' and r.res_id = 'pat'")
                                    .getSingleResult(),
                            Patient.class));
        } else {
            patient = FhirTestSupport.tagged(new Patient(), tag);
            patient.setId(patientOf(target));
        }
        patient.setManagingOrganization(new Reference(TestCustodian.ORGANIZATION));
        return patient;
    }

    private void ensurePat() {
        long exists = QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                                "select count(*) from fhir_resource where res_type = 'Patient' and res_id = 'pat'")
                        .getSingleResult())
                .longValue());
        if (exists == 0) {
            Patient pat = new Patient();
            pat.setId("pat");
            pat.addName().setFamily("Pat");
            pat.setManagingOrganization(new Reference(TestCustodian.ORGANIZATION));
            OperatorWrites.put(pat);
        }
    }

    // --- requests ------------------------------------------------------------------------------------

    private Response bundle(
            Principal principal,
            Bundle.BundleType type,
            java.util.function.Consumer<Bundle.BundleEntryComponent> entry) {
        Bundle bundle = new Bundle().setType(type);
        entry.accept(bundle.addEntry());
        return as(principal).body(json(bundle)).post("/fhir");
    }

    private static RequestSpecification as(Principal principal) {
        return given().auth().oauth2(principal.token().get()).accept(FHIR_JSON).contentType(FHIR_JSON);
    }

    private static String ref(Resource resource) {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
    }

    // --- the store's state ---------------------------------------------------------------------------

    private long currentPid() {
        return QuarkusTransaction.requiringNew()
                .call(() -> ((Number) em.createNativeQuery("select coalesce(max(pid), 0) from fhir_resource")
                                .getSingleResult())
                        .longValue());
    }

    /**
     * Every row this test wrote and Patient/pat: type, id, version, deletion, patient and managing
     * organization; for Consents without the version, which the chain's confirmation changes on its own.
     * Also every consent record of this test's grantee (state requested), the outbox size and the number of
     * version leaves.
     */
    @SuppressWarnings("unchecked")
    private String dump() {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<Object[]> rows = em.createNativeQuery("select res_type, res_id, case when res_type = 'Consent' then -1"
                            + " else version end, deleted, patient_id, managing_org from fhir_resource"
                            + " where pid > ?1 or (res_type = 'Patient' and res_id = 'pat') order by pid")
                    .setParameter(1, watermark)
                    .getResultList();
            // the integrity anchoring's own chain writes come and go in the background; every other is counted
            Object outbox = em.createNativeQuery(
                            "select count(*) from ledger_outbox where action <> 'ANCHOR_AUDIT_BATCH'")
                    .getSingleResult();
            // a refused write leaves no version behind, and so no integrity leaf
            Object leaves = em.createNativeQuery(
                            "select count(*) from integrity_leaf where kind = 'VERSION'" + " and ref_type <> 'Consent'")
                    .getSingleResult();
            StringBuilder dump = new StringBuilder();
            rows.forEach(row -> dump.append(java.util.Arrays.toString(row)).append('\n'));
            return dump.append("outbox ")
                    .append(outbox)
                    .append(", version leaves ")
                    .append(leaves)
                    .toString();
        });
    }
}

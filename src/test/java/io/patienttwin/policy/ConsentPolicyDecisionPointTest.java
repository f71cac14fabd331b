package io.patienttwin.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.consent.AccessIndex;
import io.patienttwin.consent.ConsentIndex;
import io.patienttwin.consent.DataCategory;
import io.patienttwin.consent.Purpose;
import io.patienttwin.consent.SensitiveLabel;
import io.patienttwin.identity.Principal;
import io.patienttwin.identity.Principal.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The decision rules of ARCHITECTURE §3, one rule per test, on real (in-memory) consent and access indexes. */
class ConsentPolicyDecisionPointTest {

    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final long LABS = DataCategory.LABS.mask();
    private static final long VITALS = DataCategory.VITALS.mask();
    private static final int TREAT = (int) Purpose.TREAT.mask();

    private static final Principal ALICE = new Principal(
            Kind.PRACTITIONER,
            "sub-alice",
            "portal",
            "Practitioner/alice",
            Set.of("clinician", "break-glass"),
            List.of());
    private static final Principal BOB =
            new Principal(Kind.PRACTITIONER, "sub-bob", "portal", "Practitioner/bob", Set.of("clinician"), List.of());
    private static final Principal PAT =
            new Principal(Kind.PATIENT, "sub-pat", "portal", "Patient/p1", Set.of("patient"), List.of());
    private static final Principal CAROL =
            new Principal(Kind.COMPLIANCE, "sub-carol", "portal", null, Set.of("compliance-officer"), List.of());
    private static final Principal EHR =
            new Principal(Kind.SYSTEM, "sub-ehr", "ehr-system", null, Set.of("ehr-system"), List.of());

    private final ConsentIndex consents = new ConsentIndex();
    private final AccessIndex access = new AccessIndex();
    private final ConsentPolicyDecisionPoint pdp = new ConsentPolicyDecisionPoint(consents, access);

    private void consent(
            String id, String patient, String grantee, long categories, int purposes, long from, long until) {
        consents.apply(id, patient, new ConsentIndex.Entry(id, patient, grantee, categories, purposes, from, until, 7));
    }

    private Decision read(Principal who, Purpose purpose, String reason, String type, String patient, long mask) {
        return read(who, purpose, reason, type, patient, mask, null);
    }

    private Decision read(
            Principal who, Purpose purpose, String reason, String type, String patient, long mask, String custodian) {
        return pdp.decide(
                new AccessRequest(new ReadContext(who, purpose, reason, NOW), "read", type, patient, mask, custodian));
    }

    private Decision labsOfP1(Principal who) {
        return read(who, Purpose.TREAT, null, "Observation", "p1", LABS);
    }

    @Test
    void patientReadsOwnDataAndNobodyElses() {
        assertThat(labsOfP1(PAT).reason()).isEqualTo("PERMIT-SELF");
        assertThat(read(PAT, Purpose.TREAT, null, "Observation", "p2", LABS).reason())
                .isEqualTo("DENY-NOT-SELF");
    }

    @Test
    void consentNamingTheClinicianPermitsCoveredCategoryAndPurposeWithItsIdAndBlock() {
        consent("c1", "p1", "Practitioner/alice", LABS | VITALS, TREAT, 0, 0);

        Decision decision = labsOfP1(ALICE);

        assertThat(decision.permitted()).isTrue();
        assertThat(decision.reason()).isEqualTo("PERMIT-CONSENT");
        assertThat(decision.basis()).containsExactly("c1");
        assertThat(decision.block()).isEqualTo(7);
    }

    @Test
    void noConsentMeansDeny() {
        assertThat(labsOfP1(ALICE).reason()).isEqualTo("DENY-NO-CONSENT");
    }

    @Test
    void consentForOneClinicianDoesNotReachAnother() {
        consent("c1", "p1", "Practitioner/alice", LABS, TREAT, 0, 0);

        assertThat(labsOfP1(BOB).reason()).isEqualTo("DENY-NO-CONSENT");
    }

    @Test
    void categoryNotCoveredIsDenied() {
        consent("c1", "p1", "Practitioner/alice", VITALS, TREAT, 0, 0);

        assertThat(labsOfP1(ALICE).reason()).isEqualTo("DENY-CATEGORY");
    }

    @Test
    void sensitiveLabelIsReachedOnlyByAConsentNamingIt() {
        long labsLabelledHiv = LABS | SensitiveLabel.HIV.mask();
        consent("c1", "p1", "Practitioner/alice", LABS, TREAT, 0, 0);
        consent("c2", "p1", "Practitioner/bob", LABS | SensitiveLabel.HIV.mask(), TREAT, 0, 0);

        assertThat(read(ALICE, Purpose.TREAT, null, "Observation", "p1", labsLabelledHiv)
                        .reason())
                .isEqualTo("DENY-LABEL");
        assertThat(read(BOB, Purpose.TREAT, null, "Observation", "p1", labsLabelledHiv)
                        .reason())
                .isEqualTo("PERMIT-CONSENT");
    }

    @Test
    void purposeNotCoveredIsDenied() {
        consent("c1", "p1", "Practitioner/alice", LABS, TREAT, 0, 0);

        assertThat(read(ALICE, Purpose.HRESCH, null, "Observation", "p1", LABS).reason())
                .isEqualTo("DENY-PURPOSE");
    }

    @Test
    void consentOutsideItsPeriodIsDenied() {
        long now = NOW.getEpochSecond();
        consent("expired", "p1", "Practitioner/alice", LABS, TREAT, 0, now);
        consent("future", "p1", "Practitioner/bob", LABS, TREAT, now + 1, 0);

        assertThat(labsOfP1(ALICE).reason()).isEqualTo("DENY-CONSENT-EXPIRED");
        assertThat(labsOfP1(BOB).reason()).isEqualTo("DENY-CONSENT-EXPIRED");
    }

    @Test
    void revokedConsentDeniesTheNextRead() {
        consent("c1", "p1", "Practitioner/alice", LABS, TREAT, 0, 0);
        assertThat(labsOfP1(ALICE).permitted()).isTrue();

        consents.apply("c1", "p1", null);

        assertThat(labsOfP1(ALICE).reason()).isEqualTo("DENY-NO-CONSENT");
    }

    @Test
    void organizationConsentReachesMembersThroughAnEffectiveAccessGrant() {
        consent("c1", "p1", "Organization/o1", LABS, TREAT, 0, 0);
        access.put(new AccessIndex.Grant(
                "g1", AccessIndex.Kind.MEMBERSHIP, "Practitioner/alice", "Organization/o1", 0, 42));
        access.put(new AccessIndex.Grant(
                "g2", AccessIndex.Kind.MEMBERSHIP, "Practitioner/bob", "Organization/o1", NOW.getEpochSecond(), 43));

        Decision alice = labsOfP1(ALICE);
        assertThat(alice.reason()).isEqualTo("PERMIT-MEMBERSHIP-CONSENT");
        assertThat(alice.basis()).containsExactly("c1", "g1");
        assertThat(alice.block()).isEqualTo(42);
        assertThat(labsOfP1(BOB).reason()).as("membership expired").isEqualTo("DENY-NO-CONSENT");
    }

    @Test
    void systemClientReadsOnlyPatientsOfOrganizationsItIsCustodianFor() {
        access.put(new AccessIndex.Grant("g1", AccessIndex.Kind.CUSTODIAN, "ehr-system", "Organization/o1", 0, 5));

        Decision managed = read(EHR, Purpose.TREAT, null, "Observation", "p1", LABS, "Organization/o1");
        assertThat(managed.reason()).isEqualTo("PERMIT-CUSTODIAN");
        assertThat(managed.basis()).containsExactly("g1");
        assertThat(read(EHR, Purpose.TREAT, null, "Observation", "p2", LABS, "Organization/o2")
                        .reason())
                .isEqualTo("DENY-NO-CUSTODIAN-GRANT");
        assertThat(read(EHR, Purpose.TREAT, null, "Observation", "p3", LABS, null)
                        .reason())
                .isEqualTo("DENY-NO-CUSTODIAN-GRANT");
    }

    @Test
    void breakGlassNeedsThePermissionAndAReasonAndThenOpensASession() {
        assertThat(read(BOB, Purpose.ETREAT, "unconscious", "Observation", "p1", LABS)
                        .reason())
                .isEqualTo("DENY-BREAK-GLASS-NOT-PERMITTED");
        assertThat(read(ALICE, Purpose.ETREAT, null, "Observation", "p1", LABS).reason())
                .isEqualTo("DENY-BREAK-GLASS-NO-REASON");

        Decision opening = read(ALICE, Purpose.ETREAT, "unconscious", "Observation", "p1", LABS);
        assertThat(opening.permitted()).isTrue();
        assertThat(opening.opensBreakGlass()).isTrue();

        access.open(new AccessIndex.Session("s1", "sub-alice", "p1", NOW.minusSeconds(60), NOW.plusSeconds(3600)));
        Decision during = read(ALICE, Purpose.ETREAT, null, "Observation", "p1", LABS);
        assertThat(during.reason()).isEqualTo("PERMIT-BREAK-GLASS");
        assertThat(during.opensBreakGlass()).isFalse();
        assertThat(during.basis()).containsExactly("s1");
        assertThat(read(ALICE, Purpose.ETREAT, null, "Observation", "p2", LABS).reason())
                .as("the session is for p1 only")
                .isEqualTo("DENY-BREAK-GLASS-NO-REASON");
    }

    @Test
    void breakGlassSessionEndsAfterItsTimeBox() {
        access.open(new AccessIndex.Session(
                "s1", "sub-alice", "p1", NOW.minus(Duration.ofMinutes(61)), NOW.minus(Duration.ofMinutes(1))));

        assertThat(read(ALICE, Purpose.ETREAT, null, "Observation", "p1", LABS).reason())
                .isEqualTo("DENY-BREAK-GLASS-NO-REASON");
    }

    @Test
    void complianceOfficerReadsGovernanceRecordsButNoClinicalData() {
        assertThat(read(CAROL, Purpose.TREAT, null, "Consent", "p1", 0).reason())
                .isEqualTo("PERMIT-COMPLIANCE");
        assertThat(read(CAROL, Purpose.TREAT, null, "AuditEvent", "p1", 0).reason())
                .isEqualTo("PERMIT-COMPLIANCE");
        assertThat(labsOfP1(CAROL).reason()).isEqualTo("DENY-NO-CLINICAL-ACCESS");
    }

    @Test
    void governanceRecordsAreThePatientsOwnAndNobodyElses() {
        consent("c1", "p1", "Practitioner/alice", LABS, TREAT, 0, 0);

        assertThat(read(PAT, Purpose.TREAT, null, "Consent", "p1", 0).reason()).isEqualTo("PERMIT-SELF");
        assertThat(read(PAT, Purpose.TREAT, null, "AuditEvent", "p2", 0).reason())
                .isEqualTo("DENY-GOVERNANCE");
        assertThat(read(ALICE, Purpose.TREAT, null, "Consent", "p1", 0).reason())
                .isEqualTo("DENY-GOVERNANCE");
        assertThat(read(EHR, Purpose.TREAT, null, "AuditEvent", null, 0).reason())
                .isEqualTo("DENY-GOVERNANCE");
    }

    @Test
    void aDeviceWritesObservationsOfItsAssignedPatientOnlyAndReadsNothing() {
        Principal monitor = Principal.device("monitor-7", "p1");
        consent("c1", "p1", "Device/monitor-7", LABS | VITALS, TREAT, 0, 0);

        assertThat(write(monitor, "Observation", "p1").reason()).isEqualTo("PERMIT-DEVICE-ASSIGNED");
        assertThat(write(monitor, "Observation", "p2").reason()).isEqualTo("DENY-DEVICE-NOT-ASSIGNED");
        assertThat(write(monitor, "Patient", "p1").reason()).isEqualTo("DENY-NO-WRITE-ACCESS");
        assertThat(write(monitor, "Consent", "p1").reason()).isEqualTo("DENY-NO-WRITE-ACCESS");
        // not even a consent naming the device lets it read: a device is no reader
        assertThat(labsOfP1(monitor).reason()).isEqualTo("DENY-NO-CLINICAL-ACCESS");
        assertThat(read(monitor, Purpose.TREAT, null, "Consent", "p1", 0).reason())
                .isEqualTo("DENY-GOVERNANCE");
    }

    private Decision write(Principal who, String type, String patient) {
        return pdp.decideWrite(new AccessRequest(
                new ReadContext(who, Purpose.TREAT, null, NOW), "create", type, patient, VITALS, null));
    }

    @Test
    void resourcesOutsideAnyCompartmentAreReadableByEveryone() {
        for (Principal who : List.of(ALICE, BOB, PAT, CAROL, EHR)) {
            assertThat(read(who, Purpose.TREAT, null, "Organization", null, 0).reason())
                    .isEqualTo("PERMIT-NO-COMPARTMENT");
        }
    }

    @Test
    void distrustedIndexPermitsNothingThroughConsentsButTheOwnRecordStays() {
        consent("c1", "p1", "Practitioner/alice", LABS, TREAT, 0, 0);
        access.put(new AccessIndex.Grant("g1", AccessIndex.Kind.CUSTODIAN, "ehr-system", "Organization/o1", 0, 5));

        consents.distrust("genesis changed");

        assertThat(labsOfP1(ALICE).reason()).isEqualTo("DENY-CHAIN-UNTRUSTED");
        assertThat(read(EHR, Purpose.TREAT, null, "Observation", "p1", LABS, "Organization/o1")
                        .reason())
                .isEqualTo("DENY-CHAIN-UNTRUSTED");
        assertThat(pdp.scope(new ReadContext(ALICE, Purpose.TREAT, null, NOW)).grantees())
                .isEmpty();
        assertThat(labsOfP1(PAT).reason()).isEqualTo("PERMIT-SELF");
    }

    @Test
    void scopeNamesTheReaderAndItsOrganizationsNeverPatients() {
        access.put(new AccessIndex.Grant(
                "g1", AccessIndex.Kind.MEMBERSHIP, "Practitioner/alice", "Organization/o1", 0, 1));
        access.put(new AccessIndex.Grant("g2", AccessIndex.Kind.CUSTODIAN, "ehr-system", "Organization/o2", 0, 1));
        for (int i = 0; i < 100; i++) {
            consent("c" + i, "p" + i, "Practitioner/alice", LABS, TREAT, 0, 0);
        }

        ReadScope alice = pdp.scope(new ReadContext(ALICE, Purpose.TREAT, null, NOW));
        ReadScope ehr = pdp.scope(new ReadContext(EHR, Purpose.TREAT, null, NOW));
        ReadScope pat = pdp.scope(new ReadContext(PAT, Purpose.TREAT, null, NOW));
        ReadScope carol = pdp.scope(new ReadContext(CAROL, Purpose.TREAT, null, NOW));

        assertThat(alice.grantees()).containsExactlyInAnyOrder("Practitioner/alice", "Organization/o1");
        assertThat(alice.breakGlassPatients()).isEmpty();
        assertThat(ehr.custodianOf()).containsExactly("Organization/o2");
        assertThat(ehr.grantees()).isEmpty();
        assertThat(pat.selfPatient()).isEqualTo("p1");
        assertThat(carol.allGovernance()).isTrue();
        assertThat(carol.grantees()).isEmpty();
    }
}

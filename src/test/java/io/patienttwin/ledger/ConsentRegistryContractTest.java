package io.patienttwin.ledger;

import static io.patienttwin.ledger.ChainFixture.ADMIN;
import static io.patienttwin.ledger.ChainFixture.GAS;
import static io.patienttwin.ledger.ChainFixture.OUTSIDER;
import static io.patienttwin.ledger.ChainFixture.WRITER;
import static io.patienttwin.ledger.ChainFixture.random32;
import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.ledger.contracts.ConsentRegistry;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/** ConsentRegistry on a real EVM (Anvil, london): every function, every custom error, roles, events. */
class ConsentRegistryContractTest {

    private static final RevertDecoder ERRORS = RevertDecoder.forContracts("ConsentRegistry");
    private static final BigInteger MEMBERSHIP = BigInteger.ONE;
    private static final BigInteger CUSTODIAN = BigInteger.TWO;

    private static ChainFixture chain;
    private static ConsentRegistry asWriter;
    private static ConsentRegistry asAdmin;
    private static ConsentRegistry asOutsider;

    @BeforeAll
    static void deploy() throws Exception {
        chain = new ChainFixture();
        asAdmin = ConsentRegistry.deploy(
                        chain.web3j, chain.transactions(ADMIN), GAS, ADMIN.getAddress(), WRITER.getAddress())
                .send();
        asWriter = load(WRITER);
        asOutsider = load(OUTSIDER);
    }

    @AfterAll
    static void stop() {
        chain.close();
    }

    private static ConsentRegistry load(Credentials credentials) {
        return ConsentRegistry.load(asAdmin.getContractAddress(), chain.web3j, chain.transactions(credentials), GAS);
    }

    @Test
    void deploymentGivesTheAdminAndTheWriterTheirRolesAndNobodyElse() throws Exception {
        byte[] writerRole = asAdmin.WRITER_ROLE().send();
        byte[] adminRole = asAdmin.DEFAULT_ADMIN_ROLE().send();
        assertThat(asAdmin.hasRole(adminRole, ADMIN.getAddress()).send()).isTrue();
        assertThat(asAdmin.hasRole(writerRole, WRITER.getAddress()).send()).isTrue();
        assertThat(asAdmin.hasRole(writerRole, ADMIN.getAddress()).send()).isFalse();
        assertThat(asAdmin.hasRole(writerRole, OUTSIDER.getAddress()).send()).isFalse();
    }

    @Test
    void grantStoresTheConsentAndEmitsEveryFieldWithIdPatientAndGranteeIndexed() throws Exception {
        byte[] id = random32(), patient = random32(), grantee = random32(), document = random32();

        TransactionReceipt receipt = grant(
                        asWriter, id, patient, grantee, 0b101, 1, 1_700_000_000L, 1_800_000_000L, document)
                .send();

        assertThat(receipt.isStatusOK()).isTrue();
        ConsentRegistry.Consent stored = asWriter.consentOf(id).send();
        assertThat(stored.patient).isEqualTo(patient);
        assertThat(stored.grantee).isEqualTo(grantee);
        assertThat(stored.categories).isEqualTo(BigInteger.valueOf(0b101));
        assertThat(stored.purposes).isEqualTo(BigInteger.ONE);
        assertThat(stored.validFrom).isEqualTo(BigInteger.valueOf(1_700_000_000L));
        assertThat(stored.validUntil).isEqualTo(BigInteger.valueOf(1_800_000_000L));
        assertThat(stored.documentHash).isEqualTo(document);
        assertThat(stored.status).isEqualTo(BigInteger.ONE);
        List<ConsentRegistry.ConsentGrantedEventResponse> events = ConsentRegistry.getConsentGrantedEvents(receipt);
        assertThat(events).hasSize(1);
        ConsentRegistry.ConsentGrantedEventResponse event = events.get(0);
        assertThat(event.consentId).isEqualTo(id);
        assertThat(event.patient).isEqualTo(patient);
        assertThat(event.grantee).isEqualTo(grantee);
        assertThat(event.documentHash).isEqualTo(document);
        assertThat(event.validUntil).isEqualTo(BigInteger.valueOf(1_800_000_000L));
        assertThat(receipt.getLogs().get(0).getTopics()).hasSize(4);
    }

    @Test
    void anOpenEndedConsentHasValidUntilZero() throws Exception {
        byte[] id = random32();
        grant(asWriter, id, random32(), random32(), 1, 1, 1_700_000_000L, 0, random32())
                .send();
        assertThat(asWriter.consentOf(id).send().validUntil).isZero();
    }

    @Test
    void aConsentIdCanBeGrantedOnlyOnce() throws Exception {
        byte[] id = random32();
        grant(asWriter, id, random32(), random32(), 1, 1, 0, 0, random32()).send();

        assertReverts(WRITER, grant(asWriter, id, random32(), random32(), 1, 1, 0, 0, random32()), "ConsentExists", id);
    }

    @Test
    void grantRefusesAnEmptyScopeAnEmptyPeriodAndZeroIdentifiers() {
        assertReverts(
                WRITER, grant(asWriter, random32(), random32(), random32(), 0, 1, 0, 0, random32()), "EmptyScope");
        assertReverts(
                WRITER, grant(asWriter, random32(), random32(), random32(), 1, 0, 0, 0, random32()), "EmptyScope");
        assertReverts(
                WRITER,
                grant(asWriter, random32(), random32(), random32(), 1, 1, 200, 200, random32()),
                "InvalidPeriod",
                BigInteger.valueOf(200),
                BigInteger.valueOf(200));
        assertReverts(
                WRITER,
                grant(asWriter, random32(), new byte[32], random32(), 1, 1, 0, 0, random32()),
                "ZeroIdentifier");
        assertReverts(
                WRITER,
                grant(asWriter, random32(), random32(), random32(), 1, 1, 0, 0, new byte[32]),
                "ZeroIdentifier");
    }

    @Test
    void onlyAWriterMayGrantRevokeOrRecord() throws Exception {
        byte[] writerRole = asAdmin.WRITER_ROLE().send();
        for (RemoteFunctionCall<TransactionReceipt> call : List.of(
                grant(asOutsider, random32(), random32(), random32(), 1, 1, 0, 0, random32()),
                asOutsider.revoke(random32(), random32()),
                asOutsider.grantAccess(random32(), MEMBERSHIP, random32(), random32(), BigInteger.ZERO),
                asOutsider.revokeAccess(random32()),
                asOutsider.recordBreakGlass(
                        random32(), random32(), random32(), random32(), BigInteger.ONE, BigInteger.TWO))) {
            assertReverts(OUTSIDER, call, "AccessControlUnauthorizedAccount", OUTSIDER.getAddress(), writerRole);
        }
        // The admin manages roles but is no writer itself.
        assertReverts(
                ADMIN,
                grant(asAdmin, random32(), random32(), random32(), 1, 1, 0, 0, random32()),
                "AccessControlUnauthorizedAccount",
                ADMIN.getAddress(),
                writerRole);
    }

    @Test
    void theAdminAddsWritersAndAnOutsiderCannot() throws Exception {
        byte[] writerRole = asAdmin.WRITER_ROLE().send();
        byte[] adminRole = asAdmin.DEFAULT_ADMIN_ROLE().send();
        Credentials newcomer = Credentials.create(org.web3j.crypto.Keys.createEcKeyPair());

        assertReverts(
                OUTSIDER,
                asOutsider.grantRole(writerRole, newcomer.getAddress()),
                "AccessControlUnauthorizedAccount",
                OUTSIDER.getAddress(),
                adminRole);
        asAdmin.grantRole(writerRole, newcomer.getAddress()).send();

        assertThat(asAdmin.hasRole(writerRole, newcomer.getAddress()).send()).isTrue();
    }

    @Test
    void revokeMarksTheConsentRevokedAndEmitsThePatientAndReason() throws Exception {
        byte[] id = random32(), patient = random32(), reason = random32();
        grant(asWriter, id, patient, random32(), 1, 1, 0, 0, random32()).send();

        TransactionReceipt receipt = asWriter.revoke(id, reason).send();

        assertThat(asWriter.consentOf(id).send().status).isEqualTo(BigInteger.TWO);
        ConsentRegistry.ConsentRevokedEventResponse event =
                ConsentRegistry.getConsentRevokedEvents(receipt).get(0);
        assertThat(event.consentId).isEqualTo(id);
        assertThat(event.patient).isEqualTo(patient);
        assertThat(event.reason).isEqualTo(reason);
    }

    @Test
    void revokingTwiceOrRevokingAnUnknownConsentReverts() throws Exception {
        byte[] id = random32();
        grant(asWriter, id, random32(), random32(), 1, 1, 0, 0, random32()).send();
        asWriter.revoke(id, random32()).send();

        assertReverts(WRITER, asWriter.revoke(id, random32()), "ConsentAlreadyRevoked", id);
        byte[] unknown = random32();
        assertReverts(WRITER, asWriter.revoke(unknown, random32()), "UnknownConsent", unknown);
    }

    @Test
    void membershipAndCustodianGrantsAreStoredEmittedAndRevocable() throws Exception {
        for (BigInteger kind : List.of(MEMBERSHIP, CUSTODIAN)) {
            byte[] id = random32(), subject = random32(), target = random32();

            TransactionReceipt granted = asWriter.grantAccess(
                            id, kind, subject, target, BigInteger.valueOf(1_900_000_000L))
                    .send();

            ConsentRegistry.AccessGrant stored = asWriter.accessGrantOf(id).send();
            assertThat(stored.kind).isEqualTo(kind);
            assertThat(stored.subject).isEqualTo(subject);
            assertThat(stored.target).isEqualTo(target);
            assertThat(stored.status).isEqualTo(BigInteger.ONE);
            ConsentRegistry.AccessGrantedEventResponse event =
                    ConsentRegistry.getAccessGrantedEvents(granted).get(0);
            assertThat(event.grantId).isEqualTo(id);
            assertThat(event.kind).isEqualTo(kind);
            assertThat(event.subject).isEqualTo(subject);
            assertThat(event.target).isEqualTo(target);

            TransactionReceipt revoked = asWriter.revokeAccess(id).send();

            assertThat(asWriter.accessGrantOf(id).send().status).isEqualTo(BigInteger.TWO);
            ConsentRegistry.AccessRevokedEventResponse gone =
                    ConsentRegistry.getAccessRevokedEvents(revoked).get(0);
            assertThat(gone.grantId).isEqualTo(id);
            assertThat(gone.subject).isEqualTo(subject);
            assertReverts(WRITER, asWriter.revokeAccess(id), "AccessGrantAlreadyRevoked", id);
        }
    }

    @Test
    void accessGrantsRefuseDuplicatesUnknownKindsAndUnknownIds() throws Exception {
        byte[] id = random32();
        asWriter.grantAccess(id, MEMBERSHIP, random32(), random32(), BigInteger.ZERO)
                .send();

        assertReverts(
                WRITER,
                asWriter.grantAccess(id, MEMBERSHIP, random32(), random32(), BigInteger.ZERO),
                "AccessGrantExists",
                id);
        assertReverts(
                WRITER,
                asWriter.grantAccess(random32(), BigInteger.valueOf(3), random32(), random32(), BigInteger.ZERO),
                "InvalidAccessKind",
                BigInteger.valueOf(3));
        byte[] unknown = random32();
        assertReverts(WRITER, asWriter.revokeAccess(unknown), "UnknownAccessGrant", unknown);
    }

    @Test
    void breakGlassIsRecordedOnceWithItsPeriod() throws Exception {
        byte[] id = random32(), patient = random32(), principal = random32(), reason = random32();

        TransactionReceipt receipt = asWriter.recordBreakGlass(
                        id, patient, principal, reason, BigInteger.valueOf(1_000), BigInteger.valueOf(4_600))
                .send();

        assertThat(asWriter.isBreakGlassRecorded(id).send()).isTrue();
        ConsentRegistry.BreakGlassRecordedEventResponse event =
                ConsentRegistry.getBreakGlassRecordedEvents(receipt).get(0);
        assertThat(event.eventId).isEqualTo(id);
        assertThat(event.patient).isEqualTo(patient);
        assertThat(event.principal).isEqualTo(principal);
        assertThat(event.reasonHash).isEqualTo(reason);
        assertThat(event.validUntil).isEqualTo(BigInteger.valueOf(4_600));
        assertReverts(
                WRITER,
                asWriter.recordBreakGlass(id, patient, principal, reason, BigInteger.ONE, BigInteger.TWO),
                "BreakGlassExists",
                id);
        assertReverts(
                WRITER,
                asWriter.recordBreakGlass(
                        random32(), patient, principal, reason, BigInteger.valueOf(9), BigInteger.valueOf(9)),
                "InvalidPeriod",
                BigInteger.valueOf(9),
                BigInteger.valueOf(9));
    }

    @Test
    void gasPerCallStaysWithinTheStaticLimitsTheLedgerClientUses() throws Exception {
        byte[] consent = random32(), access = random32();
        long grant = grant(
                        asWriter,
                        consent,
                        random32(),
                        random32(),
                        0xFFF,
                        0x1F,
                        1_700_000_000L,
                        1_800_000_000L,
                        random32())
                .send()
                .getGasUsed()
                .longValueExact();
        long revoke = asWriter.revoke(consent, random32()).send().getGasUsed().longValueExact();
        long grantAccess = asWriter.grantAccess(access, MEMBERSHIP, random32(), random32(), BigInteger.TEN)
                .send()
                .getGasUsed()
                .longValueExact();
        long revokeAccess = asWriter.revokeAccess(access).send().getGasUsed().longValueExact();
        long breakGlass = asWriter.recordBreakGlass(
                        random32(), random32(), random32(), random32(), BigInteger.ONE, BigInteger.TEN)
                .send()
                .getGasUsed()
                .longValueExact();
        long deploy = asAdmin.getTransactionReceipt().orElseThrow().getGasUsed().longValueExact();
        System.out.printf(
                "GAS ConsentRegistry deploy=%d grant=%d revoke=%d grantAccess=%d revokeAccess=%d recordBreakGlass=%d%n",
                deploy, grant, revoke, grantAccess, revokeAccess, breakGlass);

        assertThat(List.of(grant, revoke, grantAccess, revokeAccess, breakGlass))
                .allMatch(gas -> gas < 300_000);
        assertThat(deploy).isLessThan(3_000_000);
    }

    private static RemoteFunctionCall<TransactionReceipt> grant(
            ConsentRegistry as,
            byte[] id,
            byte[] patient,
            byte[] grantee,
            long categories,
            long purposes,
            long validFrom,
            long validUntil,
            byte[] document) {
        return as.grant(
                id,
                patient,
                grantee,
                BigInteger.valueOf(categories),
                BigInteger.valueOf(purposes),
                BigInteger.valueOf(validFrom),
                BigInteger.valueOf(validUntil),
                document);
    }

    private static void assertReverts(
            Credentials from, RemoteFunctionCall<TransactionReceipt> call, String error, Object... arguments) {
        chain.assertReverts(ERRORS, from, asAdmin.getContractAddress(), call, error, arguments);
    }
}

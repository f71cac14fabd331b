package io.patienttwin.ledger;

import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint16;
import org.web3j.abi.datatypes.generated.Uint32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;

/**
 * One contract call, ABI-encoded: what the outbox stores and the writer sends. Encoding needs no
 * connection, so a FHIR write can queue its chain write while the chain is down.
 *
 * @param data the ABI-encoded call, 0x-hex
 */
public record LedgerCall(Contract contract, String data) {

    /** The contracts PatientTwin writes to. */
    public enum Contract {
        CONSENT_REGISTRY,
        AUDIT_ANCHOR
    }

    public static LedgerCall grantConsent(LedgerRecords.Consent c) {
        return registry(
                "grant",
                new Bytes32(c.consentId()),
                new Bytes32(c.patient()),
                new Bytes32(c.grantee()),
                new Uint32(c.categories()),
                new Uint16(c.purposes()),
                new Uint64(c.validFrom()),
                new Uint64(c.validUntil()),
                new Bytes32(c.documentHash()));
    }

    /** @param reason a code or hash (32 bytes), never free text */
    public static LedgerCall revokeConsent(byte[] consentId, byte[] reason) {
        return registry("revoke", new Bytes32(consentId), new Bytes32(reason));
    }

    public static LedgerCall grantAccess(LedgerRecords.AccessGrant g) {
        return registry(
                "grantAccess",
                new Bytes32(g.grantId()),
                new Uint8(g.kind().code),
                new Bytes32(g.subject()),
                new Bytes32(g.target()),
                new Uint64(g.validUntil()));
    }

    public static LedgerCall revokeAccess(byte[] grantId) {
        return registry("revokeAccess", new Bytes32(grantId));
    }

    public static LedgerCall recordBreakGlass(LedgerRecords.BreakGlass b) {
        return registry(
                "recordBreakGlass",
                new Bytes32(b.eventId()),
                new Bytes32(b.patient()),
                new Bytes32(b.principal()),
                new Bytes32(b.reasonHash()),
                new Uint64(b.validFrom()),
                new Uint64(b.validUntil()));
    }

    public static LedgerCall anchorAuditBatch(LedgerRecords.AuditBatch b) {
        return new LedgerCall(
                Contract.AUDIT_ANCHOR,
                encode(
                        "anchor",
                        new Bytes32(b.batchId()),
                        new Bytes32(b.merkleRoot()),
                        new Uint32(b.count()),
                        new Uint64(BigInteger.valueOf(b.firstTime())),
                        new Uint64(BigInteger.valueOf(b.lastTime()))));
    }

    private static LedgerCall registry(String function, Type<?>... arguments) {
        return new LedgerCall(Contract.CONSENT_REGISTRY, encode(function, arguments));
    }

    private static String encode(String function, Type<?>... arguments) {
        return FunctionEncoder.encode(new Function(function, List.of(arguments), List.of()));
    }
}

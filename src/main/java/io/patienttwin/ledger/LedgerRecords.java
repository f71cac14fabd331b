package io.patienttwin.ledger;

/** The facts PatientTwin writes to the chain: pseudonyms, hashes, bit masks and times, never PHI. */
public final class LedgerRecords {

    private LedgerRecords() {}

    /**
     * A consent as ConsentRegistry stores it.
     *
     * @param validUntil end of the period in unix seconds (exclusive), 0 for open-ended
     */
    public record Consent(
            byte[] consentId,
            byte[] patient,
            byte[] grantee,
            long categories,
            long purposes,
            long validFrom,
            long validUntil,
            byte[] documentHash) {}

    /** Kinds of access grant, as ConsentRegistry numbers them. */
    public enum AccessKind {
        MEMBERSHIP(1),
        CUSTODIAN(2);

        final int code;

        AccessKind(int code) {
            this.code = code;
        }
    }

    /** @param validUntil expiry in unix seconds (exclusive), 0 for open-ended */
    public record AccessGrant(byte[] grantId, AccessKind kind, byte[] subject, byte[] target, long validUntil) {}

    public record BreakGlass(
            byte[] eventId, byte[] patient, byte[] principal, byte[] reasonHash, long validFrom, long validUntil) {}

    /** @param firstTime time of the first event, unix milliseconds */
    public record AuditBatch(byte[] batchId, byte[] merkleRoot, int count, long firstTime, long lastTime) {}

    /** What AuditAnchor holds for a batch: its root (hex), leaf count, times and the block that anchored it. */
    public record Anchored(String merkleRoot, int count, long firstTime, long lastTime, long blockNumber) {}
}

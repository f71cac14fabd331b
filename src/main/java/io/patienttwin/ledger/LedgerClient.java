package io.patienttwin.ledger;

/**
 * Writes PatientTwin's facts to the consent chain and waits until a block includes them. Every write
 * is simulated first, so a write the contract would refuse fails with its decoded custom error and
 * sends nothing; every failure is a {@link LedgerException}.
 *
 * <p>Implementations are thread-safe, but writes of one account must come from one writer at a time
 * (the outbox takes care of that): the nonce is read from the node for every write, so a retry after
 * a crash or a restart never leaves a gap. Each write blocks until its receipt arrives or
 * {@code twin.ledger.receipt-timeout} passes. Nothing here may carry PHI: only pseudonyms and hashes.
 */
public interface LedgerClient {

    /** The chain and contracts this client writes to, and the current head block. */
    ChainFacts chainFacts();

    LedgerReceipt grantConsent(LedgerRecords.Consent consent);

    /** @param reason a code or hash (32 bytes), never free text */
    LedgerReceipt revokeConsent(byte[] consentId, byte[] reason);

    LedgerReceipt grantAccess(LedgerRecords.AccessGrant grant);

    LedgerReceipt revokeAccess(byte[] grantId);

    LedgerReceipt recordBreakGlass(LedgerRecords.BreakGlass breakGlass);

    LedgerReceipt anchorAuditBatch(LedgerRecords.AuditBatch batch);
}

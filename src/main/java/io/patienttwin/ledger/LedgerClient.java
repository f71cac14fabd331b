package io.patienttwin.ledger;

import java.util.List;
import java.util.Optional;

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

    /**
     * Sends several independent calls at once, with consecutive nonces, and awaits their receipts
     * together: one block interval for the whole batch instead of one per call. Each call is simulated
     * first; a call the contract refuses is not sent. Calls after a send the node refused are not sent
     * either (their nonces would leave a gap). The result has one entry per call, in order.
     *
     * @throws LedgerException when the node is unreachable before anything was sent
     */
    List<Submission> submitAll(List<LedgerCall> calls);

    /** The document hash ConsentRegistry holds for a consent id, or empty when it holds none. */
    Optional<String> consentDocumentHash(byte[] consentId);

    /** What AuditAnchor holds for a batch id, or empty when it holds none. */
    Optional<LedgerRecords.Anchored> anchorOf(byte[] batchId);

    /** ConsentRegistry's events in blocks {@code from..to} (inclusive), in chain order. */
    List<RegistryEvent> registryEvents(long from, long to);

    /** The hash of a block, or empty when the chain has no such block (yet). */
    Optional<String> blockHash(long number);

    /** The timestamp of the block with this hash, or empty when the chain has no such block. */
    Optional<java.time.Instant> blockTime(String blockHash);
}

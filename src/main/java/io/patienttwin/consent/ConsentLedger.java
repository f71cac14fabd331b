package io.patienttwin.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.patienttwin.ledger.ChainHistoryLost;
import io.patienttwin.ledger.LedgerCall;
import io.patienttwin.ledger.LedgerClient;
import io.patienttwin.ledger.LedgerOutbox;
import io.patienttwin.ledger.LedgerRecords;
import io.patienttwin.ledger.OutboxEntry;
import io.patienttwin.ledger.OutboxRejected;
import io.patienttwin.ledger.ProjectionReset;
import io.patienttwin.ledger.RegistryEvent;
import io.patienttwin.ledger.RegistryEventsRead;
import io.patienttwin.ledger.TransactionHooks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.LockModeType;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UnsignedIntType;
import org.jboss.logging.Logger;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * The lifecycle of a FHIR Consent on the chain (ARCHITECTURE §2.3–2.4).
 *
 * <ul>
 *   <li>Writing a Consent ({@link #beforeStore}) records it in the consent projection and queues its
 *       grant in the outbox, in the transaction that stores it; it is {@code proposed} until the chain
 *       confirms it, then {@code active} with its chain proof.
 *   <li>Setting its status to {@code inactive} (or deleting it) revokes it: it stops permitting at
 *       once, and the revocation is queued for the chain.
 *   <li>A consent the chain refuses becomes {@code rejected}, with the reason.
 *   <li>The terms of a recorded consent never change: a different document is refused with 422.
 * </ul>
 *
 * Status and chain proof are the server's: whatever a client sends there is replaced.
 */
@ApplicationScoped
public class ConsentLedger {

    private static final Logger LOG = Logger.getLogger(ConsentLedger.class);

    /** The reason code of a revocation on chain: keccak256 of this text, never free text. */
    static final byte[] REVOKED_BY_REQUEST =
            Hash.sha3("PatientTwin:revoked-by-request".getBytes(StandardCharsets.UTF_8));

    private static final Set<Consent.ConsentState> REVOKING =
            Set.of(Consent.ConsentState.INACTIVE, Consent.ConsentState.ENTEREDINERROR);

    private final ConsentMapper mapper;
    private final Pseudonyms pseudonyms;
    private final LedgerOutbox outbox;
    private final ConsentIndex index;
    private final Event<ConsentStateChanged> changes;
    private final TransactionSynchronizationRegistry transactions;
    private final FhirContext fhirContext;
    private final LedgerClient ledger;
    private final ProjectionChanges projection;

    public ConsentLedger(
            ConsentMapper mapper,
            Pseudonyms pseudonyms,
            LedgerOutbox outbox,
            ConsentIndex index,
            Event<ConsentStateChanged> changes,
            TransactionSynchronizationRegistry transactions,
            FhirContext fhirContext,
            LedgerClient ledger,
            ProjectionChanges projection) {
        this.mapper = mapper;
        this.pseudonyms = pseudonyms;
        this.outbox = outbox;
        this.index = index;
        this.changes = changes;
        this.transactions = transactions;
        this.fhirContext = fhirContext;
        this.ledger = ledger;
        this.projection = projection;
    }

    /**
     * In the write transaction, before the Consent is stored under {@code consentId}: records or
     * revokes it, and sets its status and chain proof. The consent must be enforceable
     * ({@link ConsentMapper#problems} empty).
     *
     * @param fresh the server has just assigned the id (a create): no record exists under it and none
     *     is looked up
     * @throws UnprocessableEntityException (422) for a status a new consent cannot have, a change to
     *     the terms of a recorded consent, or reactivating a revoked one
     */
    public void beforeStore(String consentId, Consent incoming, boolean fresh) {
        incoming.getExtension().removeIf(e -> ConsentMapper.PROOF_EXTENSION.equals(e.getUrl()));
        Consent.ConsentState status = incoming.getStatus();
        ConsentRecord record = fresh ? null : ConsentRecord.findById(consentId, LockModeType.PESSIMISTIC_WRITE);
        if (record == null) {
            if (status == Consent.ConsentState.DRAFT) {
                return; // not a consent yet: nothing to record
            }
            if (status != null && status != Consent.ConsentState.PROPOSED && status != Consent.ConsentState.ACTIVE) {
                throw refused(
                        "PT-CONSENT-422-STATUS",
                        "Consent.status: a new consent is draft, proposed or active, not " + status.toCode());
            }
            record(consentId, incoming);
        } else {
            if (!Numeric.toHexString(mapper.documentHash(incoming)).equals(record.documentHash)) {
                throw refused(
                        "PT-CONSENT-422-IMMUTABLE",
                        "Consent: the terms of a consent recorded on the chain cannot change; revoke it (status"
                                + " inactive) and write a new one");
            }
            if (status != null && REVOKING.contains(status)) {
                if (record.requested == ConsentRecord.Requested.ACTIVE) {
                    revoke(record);
                }
            } else if (record.requested == ConsentRecord.Requested.REVOKED) {
                throw refused(
                        "PT-CONSENT-422-REVOKED",
                        "Consent.status: a revoked consent stays revoked; write a new consent instead");
            }
        }
        applyRecordedState(incoming, consentId);
        if (status == Consent.ConsentState.ENTEREDINERROR) {
            incoming.setStatus(status); // a revocation the client marked as an error keeps that mark
        }
    }

    /** In the delete transaction: deleting a recorded consent revokes it. */
    public void beforeDelete(String consentId) {
        ConsentRecord record = ConsentRecord.findById(consentId, LockModeType.PESSIMISTIC_WRITE);
        if (record != null && record.requested == ConsentRecord.Requested.ACTIVE) {
            revoke(record);
        }
    }

    /**
     * What {@code Consent/{id}/$verify} reports.
     *
     * @param result {@code match}: the chain holds the document hash recomputed from the stored
     *     Consent; {@code mismatch}: it holds another; {@code not-on-chain}: the consent is recorded
     *     here but not (yet) on chain; {@code not-recorded}: a draft, never sent to the chain
     * @param onChainHash the hash the chain holds, null when it holds none
     */
    public record Verification(String result, String computedHash, String onChainHash, ConsentRecord record) {}

    /**
     * Recomputes the document hash of a stored Consent and compares it with the chain's record,
     * asked of the chain now (not of the projection).
     *
     * @throws io.patienttwin.ledger.LedgerException when the chain cannot be asked
     */
    public Verification verify(String consentId, Consent stored) {
        String computed = Numeric.toHexString(mapper.documentHash(stored));
        ConsentRecord record = ConsentRecord.findById(consentId);
        if (record == null) {
            return new Verification("not-recorded", computed, null, null);
        }
        Optional<String> onChain = ledger.consentDocumentHash(Numeric.hexStringToByteArray(record.chainId));
        if (onChain.isEmpty()) {
            return new Verification("not-on-chain", computed, null, record);
        }
        return new Verification(
                onChain.get().equalsIgnoreCase(computed) ? "match" : "mismatch", computed, onChain.get(), record);
    }

    /** The projection's row of a consent, if it was recorded. */
    public Optional<ConsentRecord> record(String consentId) {
        return ConsentRecord.findByIdOptional(consentId);
    }

    /**
     * Sets a stored Consent's status and chain proof from the projection.
     *
     * @return whether anything changed
     */
    public boolean applyRecordedState(Consent consent, String consentId) {
        ConsentRecord record = ConsentRecord.findById(consentId);
        if (record == null) {
            return false;
        }
        Consent.ConsentState status = statusOf(record);
        Extension proof = proof(record);
        record.published = fingerprint(record);
        Extension current = consent.getExtensionByUrl(ConsentMapper.PROOF_EXTENSION);
        boolean unchanged = consent.getStatus() == status
                && (proof == null ? current == null : current != null && current.equalsDeep(proof));
        if (unchanged) {
            return false;
        }
        consent.setStatus(status);
        consent.getExtension().removeIf(e -> ConsentMapper.PROOF_EXTENSION.equals(e.getUrl()));
        if (proof != null) {
            consent.addExtension(proof);
        }
        return true;
    }

    /** Applies a range of ConsentRegistry events to the projection, in the follower's transaction. */
    void onEvents(@Observes RegistryEventsRead read) {
        Map<String, List<RegistryEvent>> byRecord = new LinkedHashMap<>();
        for (RegistryEvent event : read.events()) {
            if (event instanceof RegistryEvent.ConsentGranted || event instanceof RegistryEvent.ConsentRevoked) {
                byRecord.computeIfAbsent(event.recordId(), id -> new ArrayList<>())
                        .add(event);
            }
        }
        if (byRecord.isEmpty()) {
            return;
        }
        Map<String, ConsentRecord> records = new HashMap<>();
        for (List<String> chunk : chunks(new ArrayList<>(byRecord.keySet()), 1000)) {
            ConsentRecord.<ConsentRecord>list("chainId in ?1", chunk).forEach(r -> records.put(r.chainId, r));
        }
        List<ConsentRecord> changed = new ArrayList<>();
        byRecord.forEach((chainId, events) -> {
            ConsentRecord record = records.get(chainId);
            if (record == null) {
                return; // written by another node, or a consent this node no longer knows
            }
            boolean change = false;
            for (RegistryEvent event : events) {
                change |= apply(record, event, read.contract());
            }
            if (change) {
                record.updatedAt = Instant.now();
                changed.add(record);
            }
        });
        List<String> shownChanged = changed.stream()
                .filter(record -> !fingerprint(record).equals(record.published))
                .map(record -> record.consentId)
                .toList();
        // the index entries first: the observer's batched writes clear the persistence context
        updateIndexAfterCommit(changed);
        if (!shownChanged.isEmpty()) {
            changes.fire(new ConsentStateChanged(shownChanged));
        }
    }

    /** The chain refused a queued grant: the consent is rejected for good. */
    void onRejected(@Observes OutboxRejected rejected) {
        if (rejected.action() != OutboxEntry.Action.GRANT_CONSENT) {
            return;
        }
        ConsentRecord.<ConsentRecord>find("chainId", rejected.recordId())
                .firstResultOptional()
                .ifPresent(record -> {
                    record.chainState = ConsentRecord.ChainState.REJECTED;
                    record.rejection = rejected.reason();
                    record.updatedAt = Instant.now();
                    changes.fire(new ConsentStateChanged(List.of(record.consentId)));
                    updateIndexAfterCommit(List.of(record));
                });
    }

    /** A rebuild: forget the chain's answers (not rejections, which come from the writer). */
    void onReset(@Observes ProjectionReset reset) {
        ConsentRecord.update(
                "chainState = ?1, grantedTx = null, grantedBlock = null, revokedTx = null, revokedBlock = null"
                        + " where chainState in ?2",
                ConsentRecord.ChainState.NONE,
                List.of(ConsentRecord.ChainState.ACTIVE, ConsentRecord.ChainState.REVOKED));
        index.clear();
        index.trustAgain();
        projection.reset();
    }

    void onHistoryLost(@Observes ChainHistoryLost lost) {
        index.distrust(lost.reason());
    }

    private static boolean apply(ConsentRecord record, RegistryEvent event, String contract) {
        if (event instanceof RegistryEvent.ConsentGranted granted) {
            if (record.chainState == ConsentRecord.ChainState.ACTIVE
                    || record.chainState == ConsentRecord.ChainState.REVOKED) {
                return false; // seen before
            }
            if (!granted.documentHash().equalsIgnoreCase(record.documentHash)) {
                LOG.errorf(
                        "Consent/%s: the chain holds document %s under its id, not %s",
                        record.consentId, granted.documentHash(), record.documentHash);
                record.chainState = ConsentRecord.ChainState.REJECTED;
                record.rejection = "the chain holds another document under this consent's id";
                return true;
            }
            record.chainState = ConsentRecord.ChainState.ACTIVE;
            // the chain's terms are the ones enforced
            record.categories = granted.categories();
            record.purposes = granted.purposes();
            record.validFrom = granted.validFrom();
            record.validUntil = granted.validUntil();
            record.grantedTx = granted.position().transactionHash();
            record.grantedBlock = granted.position().blockNumber();
            record.contract = contract;
            return true;
        }
        if (event instanceof RegistryEvent.ConsentRevoked revoked) {
            if (record.chainState == ConsentRecord.ChainState.REVOKED) {
                return false;
            }
            record.chainState = ConsentRecord.ChainState.REVOKED;
            record.revokedTx = revoked.position().transactionHash();
            record.revokedBlock = revoked.position().blockNumber();
            return true;
        }
        return false;
    }

    private void record(String consentId, Consent incoming) {
        ConsentMapper.Reading reading = mapper.read(incoming, consentId);
        if (reading instanceof ConsentMapper.Reading.Invalid invalid) {
            throw refused("PT-CONSENT-422", String.join("; ", invalid.problems()));
        }
        ConsentTerms terms = ((ConsentMapper.Reading.Valid) reading).terms();
        LedgerRecords.Consent onChain = mapper.toLedgerRecord(terms, incoming);
        ConsentRecord record = new ConsentRecord();
        record.consentId = consentId;
        record.chainId = Numeric.toHexString(onChain.consentId());
        record.patientId = terms.patientId();
        record.grantee = terms.grantee();
        record.categories = onChain.categories();
        record.purposes = (int) onChain.purposes();
        record.validFrom = onChain.validFrom();
        record.validUntil = onChain.validUntil();
        record.documentHash = Numeric.toHexString(onChain.documentHash());
        record.requested = ConsentRecord.Requested.ACTIVE;
        record.chainState = ConsentRecord.ChainState.NONE;
        record.updatedAt = Instant.now();
        record.persist();
        outbox.enqueue(
                OutboxEntry.Action.GRANT_CONSENT,
                onChain.consentId(),
                LedgerCall.grantConsent(onChain),
                onChain.documentHash(),
                null);
    }

    private void revoke(ConsentRecord record) {
        record.requested = ConsentRecord.Requested.REVOKED;
        record.updatedAt = Instant.now();
        projection.consentChanged(record.consentId, record.patientId, true); // the other nodes deny too, at commit
        byte[] chainId = Numeric.hexStringToByteArray(record.chainId);
        // denies from now on, also for reads racing this transaction; restored if it rolls back
        ConsentIndex.Entry restore =
                index.entry(record.patientId, record.consentId).orElse(null);
        index.apply(record.consentId, record.patientId, null);
        if (restore != null) {
            TransactionHooks.afterRollback(
                    transactions, () -> index.apply(restore.consentId(), restore.patientId(), restore));
        }
        if (record.chainState == ConsentRecord.ChainState.REJECTED) {
            return; // never on chain: nothing to revoke there
        }
        OutboxEntry grant =
                outbox.find(OutboxEntry.Action.GRANT_CONSENT, chainId).orElse(null);
        outbox.enqueue(
                OutboxEntry.Action.REVOKE_CONSENT,
                chainId,
                LedgerCall.revokeConsent(chainId, REVOKED_BY_REQUEST),
                null,
                grant);
    }

    /** After the commit, puts the records' effective states into the index; denials at once. */
    private void updateIndexAfterCommit(List<ConsentRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        List<ConsentIndex.Entry> effective = new ArrayList<>();
        List<String[]> ineffective = new ArrayList<>();
        for (ConsentRecord record : records) {
            projection.consentChanged(record.consentId, record.patientId, !record.effective());
            if (record.effective()) {
                effective.add(record.toIndexEntry());
            } else {
                ineffective.add(new String[] {record.consentId, record.patientId});
                index.apply(record.consentId, record.patientId, null); // deny at once
            }
        }
        TransactionHooks.afterCommit(transactions, () -> {
            effective.forEach(entry -> index.apply(entry.consentId(), entry.patientId(), entry));
            ineffective.forEach(ids -> index.apply(ids[0], ids[1], null));
        });
    }

    /** A digest of what the FHIR Consent shows of a record: status and proof. */
    private static String fingerprint(ConsentRecord record) {
        return Numeric.toHexString(Pseudonyms.document(
                statusOf(record).toCode() + "|" + record.contract + "|" + record.grantedTx + "|" + record.grantedBlock
                        + "|" + record.revokedTx + "|" + record.revokedBlock + "|" + record.rejection));
    }

    private static Consent.ConsentState statusOf(ConsentRecord record) {
        if (record.requested == ConsentRecord.Requested.REVOKED) {
            return Consent.ConsentState.INACTIVE;
        }
        return switch (record.chainState) {
            case NONE -> Consent.ConsentState.PROPOSED;
            case ACTIVE -> Consent.ConsentState.ACTIVE;
            case REVOKED -> Consent.ConsentState.INACTIVE;
            case REJECTED -> Consent.ConsentState.REJECTED;
        };
    }

    /** The chain-proof extension: what the chain holds about the consent, or null before anything. */
    private static Extension proof(ConsentRecord record) {
        Extension proof = new Extension(ConsentMapper.PROOF_EXTENSION);
        proof.addExtension("recordId", new StringType(record.chainId));
        proof.addExtension("documentHash", new StringType(record.documentHash));
        if (record.grantedTx != null) {
            proof.addExtension("contract", new StringType(record.contract));
            proof.addExtension("transactionHash", new StringType(record.grantedTx));
            proof.addExtension("blockNumber", new UnsignedIntType(Math.toIntExact(record.grantedBlock)));
        }
        if (record.revokedTx != null) {
            proof.addExtension("revocationTransactionHash", new StringType(record.revokedTx));
            proof.addExtension("revocationBlockNumber", new UnsignedIntType(Math.toIntExact(record.revokedBlock)));
        }
        if (record.rejection != null) {
            proof.addExtension("rejection", new StringType(record.rejection));
        }
        return proof;
    }

    private UnprocessableEntityException refused(String code, String problem) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.BUSINESSRULE)
                .setDiagnostics(code + ": " + problem);
        return new UnprocessableEntityException(fhirContext, outcome);
    }

    private static <T> List<List<T>> chunks(List<T> items, int size) {
        List<List<T>> chunks = new ArrayList<>();
        for (int i = 0; i < items.size(); i += size) {
            chunks.add(items.subList(i, Math.min(items.size(), i + size)));
        }
        return chunks;
    }
}

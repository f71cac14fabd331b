package io.patienttwin.consent;

import io.patienttwin.ledger.LedgerCall;
import io.patienttwin.ledger.LedgerOutbox;
import io.patienttwin.ledger.LedgerRecords;
import io.patienttwin.ledger.OutboxEntry;
import io.patienttwin.ledger.OutboxRejected;
import io.patienttwin.ledger.ProjectionReset;
import io.patienttwin.ledger.RegistryEvent;
import io.patienttwin.ledger.RegistryEventsRead;
import io.patienttwin.ledger.TransactionHooks;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import org.web3j.utils.Numeric;

/**
 * Access grants (ARCHITECTURE §3): records memberships of practitioners in organizations and care
 * teams, and custodian grants of system clients for organizations, on the chain through the outbox;
 * projects the chain's AccessGranted and AccessRevoked events into {@link AccessGrantRecord} and the
 * in-memory {@link AccessIndex}. A grant takes effect once confirmed on chain; a revocation at once.
 */
@ApplicationScoped
public class AccessGrants {

    private static final Logger LOG = Logger.getLogger(AccessGrants.class);
    private static final Pattern MEMBER = Pattern.compile("Practitioner/[A-Za-z0-9.-]{1,64}");
    private static final Pattern GROUP = Pattern.compile("(Organization|CareTeam)/[A-Za-z0-9.-]{1,64}");
    private static final Pattern ORGANIZATION = Pattern.compile("Organization/[A-Za-z0-9.-]{1,64}");
    private static final Pattern CLIENT = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private final AccessIndex index;
    private final LedgerOutbox outbox;
    private final Pseudonyms pseudonyms;
    private final TransactionSynchronizationRegistry transactions;
    private final ProjectionChanges projection;

    public AccessGrants(
            AccessIndex index,
            LedgerOutbox outbox,
            Pseudonyms pseudonyms,
            TransactionSynchronizationRegistry transactions,
            ProjectionChanges projection) {
        this.index = index;
        this.outbox = outbox;
        this.pseudonyms = pseudonyms;
        this.transactions = transactions;
        this.projection = projection;
    }

    @SuppressWarnings("unused")
    void load(@Observes @Priority(10) StartupEvent event) {
        List<AccessGrantRecord> effective = QuarkusTransaction.requiringNew()
                .call(() -> AccessGrantRecord.<AccessGrantRecord>list(
                        "requested = ?1 and chainState = ?2",
                        ConsentRecord.Requested.ACTIVE,
                        ConsentRecord.ChainState.ACTIVE));
        index.clearGrants();
        effective.forEach(record -> index.put(record.toIndexGrant()));
        LOG.infof("Access index: %d effective access grants", effective.size());
    }

    /**
     * Records a grant in the current transaction and queues it for the chain.
     *
     * @param subject {@code Practitioner/x} for a membership; the OAuth client id for a custodian grant
     * @param target {@code Organization/x} or {@code CareTeam/y} for a membership; {@code Organization/x}
     *     for a custodian grant
     * @param validUntil expiry, or null for open-ended
     * @throws IllegalArgumentException naming the problem, when the grant is malformed or already expired
     */
    public AccessGrantRecord grant(
            AccessIndex.Kind kind, String subject, String target, Instant validUntil, String createdBy) {
        if (kind == null) {
            throw new IllegalArgumentException("kind must be MEMBERSHIP or CUSTODIAN");
        }
        if (kind == AccessIndex.Kind.MEMBERSHIP) {
            require(subject, MEMBER, "subject must be Practitioner/{id}");
            require(target, GROUP, "target must be Organization/{id} or CareTeam/{id}");
        } else {
            require(subject, CLIENT, "subject must be an OAuth client id");
            require(target, ORGANIZATION, "target must be Organization/{id}");
        }
        if (validUntil != null && !validUntil.isAfter(Instant.now())) {
            throw new IllegalArgumentException("validUntil must lie in the future");
        }
        AccessGrantRecord record = new AccessGrantRecord();
        record.grantId = UUID.randomUUID().toString();
        byte[] chainId = pseudonyms.accessGrantId(record.grantId);
        record.chainId = Numeric.toHexString(chainId);
        record.kind = kind;
        record.subject = subject;
        record.target = target;
        record.validUntil = validUntil == null ? 0 : validUntil.getEpochSecond();
        record.requested = ConsentRecord.Requested.ACTIVE;
        record.chainState = ConsentRecord.ChainState.NONE;
        record.createdBy = createdBy;
        record.updatedAt = Instant.now();
        record.persist();
        outbox.enqueue(
                OutboxEntry.Action.GRANT_ACCESS,
                chainId,
                LedgerCall.grantAccess(new LedgerRecords.AccessGrant(
                        chainId,
                        kind == AccessIndex.Kind.MEMBERSHIP
                                ? LedgerRecords.AccessKind.MEMBERSHIP
                                : LedgerRecords.AccessKind.CUSTODIAN,
                        Pseudonyms.grantee(onChainSubject(kind, subject)),
                        Pseudonyms.grantee(target),
                        record.validUntil)),
                null,
                null);
        return record;
    }

    /**
     * Revokes a grant in the current transaction: it stops permitting at once, and the revocation is
     * queued for the chain after the grant itself.
     *
     * @return the grant, or empty when unknown
     */
    public Optional<AccessGrantRecord> revoke(String grantId) {
        Optional<AccessGrantRecord> found = AccessGrantRecord.findByIdOptional(grantId);
        found.filter(record -> record.requested == ConsentRecord.Requested.ACTIVE)
                .ifPresent(record -> {
                    record.requested = ConsentRecord.Requested.REVOKED;
                    record.updatedAt = Instant.now();
                    index.remove(record.subject, record.grantId);
                    projection.grantChanged(
                            record.grantId, record.subject, true); // the other nodes deny too, at commit
                    if (record.chainState != ConsentRecord.ChainState.REJECTED) {
                        byte[] chainId = Numeric.hexStringToByteArray(record.chainId);
                        outbox.enqueue(
                                OutboxEntry.Action.REVOKE_ACCESS,
                                chainId,
                                LedgerCall.revokeAccess(chainId),
                                null,
                                outbox.find(OutboxEntry.Action.GRANT_ACCESS, chainId)
                                        .orElse(null));
                    }
                });
        return found;
    }

    /** Every grant, newest first. */
    public List<AccessGrantRecord> list() {
        return AccessGrantRecord.list("order by updatedAt desc");
    }

    void onEvents(@Observes RegistryEventsRead read) {
        for (RegistryEvent event : read.events()) {
            if (event instanceof RegistryEvent.AccessGranted granted) {
                AccessGrantRecord.<AccessGrantRecord>find("chainId", granted.recordId())
                        .firstResultOptional()
                        .filter(r -> r.chainState == ConsentRecord.ChainState.NONE)
                        .ifPresent(record -> {
                            record.chainState = ConsentRecord.ChainState.ACTIVE;
                            record.validUntil = granted.validUntil();
                            record.grantedTx = granted.position().transactionHash();
                            record.grantedBlock = granted.position().blockNumber();
                            record.updatedAt = Instant.now();
                            afterCommit(record);
                        });
            } else if (event instanceof RegistryEvent.AccessRevoked revoked) {
                AccessGrantRecord.<AccessGrantRecord>find("chainId", revoked.recordId())
                        .firstResultOptional()
                        .filter(r -> r.chainState != ConsentRecord.ChainState.REVOKED)
                        .ifPresent(record -> {
                            record.chainState = ConsentRecord.ChainState.REVOKED;
                            record.revokedTx = revoked.position().transactionHash();
                            record.updatedAt = Instant.now();
                            index.remove(record.subject, record.grantId);
                            projection.grantChanged(record.grantId, record.subject, true);
                        });
            }
        }
    }

    void onRejected(@Observes OutboxRejected rejected) {
        if (rejected.action() != OutboxEntry.Action.GRANT_ACCESS) {
            return;
        }
        AccessGrantRecord.<AccessGrantRecord>find("chainId", rejected.recordId())
                .firstResultOptional()
                .ifPresent(record -> {
                    record.chainState = ConsentRecord.ChainState.REJECTED;
                    record.rejection = rejected.reason();
                    record.updatedAt = Instant.now();
                    index.remove(record.subject, record.grantId);
                    projection.grantChanged(record.grantId, record.subject, true);
                });
    }

    void onReset(@Observes ProjectionReset reset) {
        AccessGrantRecord.update(
                "chainState = ?1, grantedTx = null, grantedBlock = null, revokedTx = null where chainState in ?2",
                ConsentRecord.ChainState.NONE,
                List.of(ConsentRecord.ChainState.ACTIVE, ConsentRecord.ChainState.REVOKED));
        index.clearGrants();
    }

    /** What the chain records as a grant's subject: the reference, or {@code Client/{id}} for a client. */
    static String onChainSubject(AccessIndex.Kind kind, String subject) {
        return kind == AccessIndex.Kind.MEMBERSHIP ? subject : "Client/" + subject;
    }

    private void afterCommit(AccessGrantRecord record) {
        projection.grantChanged(record.grantId, record.subject, !record.effective());
        AccessIndex.Grant grant = record.effective() ? record.toIndexGrant() : null;
        if (grant == null) {
            return;
        }
        TransactionHooks.afterCommit(transactions, () -> index.put(grant));
    }

    private static void require(String value, Pattern pattern, String message) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new IllegalArgumentException(message);
        }
    }
}

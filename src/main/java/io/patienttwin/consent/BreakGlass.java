package io.patienttwin.consent;

import io.patienttwin.ledger.LedgerCall;
import io.patienttwin.ledger.LedgerOutbox;
import io.patienttwin.ledger.LedgerRecords;
import io.patienttwin.ledger.OutboxEntry;
import io.patienttwin.ledger.RegistryEvent;
import io.patienttwin.ledger.RegistryEventsRead;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.web3j.utils.Numeric;

/**
 * Break-glass sessions: a principal holding the break-glass permission, reading for purpose ETREAT
 * with a justification, opens time-boxed access to one patient. The session is stored, queued for
 * the chain (pseudonyms and a hash of the reason only) and for compliance review in one transaction,
 * and permits at once: an emergency does not wait for a block. Open sessions live in the {@link
 * AccessIndex}.
 */
@ApplicationScoped
public class BreakGlass {

    private static final Logger LOG = Logger.getLogger(BreakGlass.class);
    private static final int MAX_REASON = 1000;

    private final AccessIndex index;
    private final LedgerOutbox outbox;
    private final Pseudonyms pseudonyms;
    private final Duration duration;
    private final ProjectionChanges projection;

    public BreakGlass(
            AccessIndex index,
            LedgerOutbox outbox,
            Pseudonyms pseudonyms,
            ProjectionChanges projection,
            @ConfigProperty(name = "twin.policy.break-glass-duration", defaultValue = "60m") Duration duration) {
        this.projection = projection;
        this.index = index;
        this.outbox = outbox;
        this.pseudonyms = pseudonyms;
        this.duration = duration;
    }

    @SuppressWarnings("unused")
    void load(@Observes @Priority(10) StartupEvent event) {
        List<BreakGlassRecord> open = QuarkusTransaction.requiringNew()
                .call(() -> BreakGlassRecord.<BreakGlassRecord>list("validUntil > ?1", Instant.now()));
        index.clearSessions();
        open.forEach(record -> index.open(record.toSession()));
        LOG.infof("Access index: %d open break-glass sessions", open.size());
    }

    /**
     * Opens a session for the principal and patient, or returns the one already open. Runs in its own
     * transaction, committed before it returns: no data leaves before the record is durable.
     */
    public AccessIndex.Session open(String principal, String fhirUser, String patientId, String reason) {
        String justification = reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason;
        BreakGlassRecord record = QuarkusTransaction.requiringNew().call(() -> {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Optional<BreakGlassRecord> existing = BreakGlassRecord.<BreakGlassRecord>find(
                            "principal = ?1 and patientId = ?2 and validUntil > ?3", principal, patientId, now)
                    .firstResultOptional();
            if (existing.isPresent()) {
                return existing.get();
            }
            BreakGlassRecord created = new BreakGlassRecord();
            created.sessionId = UUID.randomUUID().toString();
            byte[] chainId = pseudonyms.breakGlassId(created.sessionId);
            created.chainId = Numeric.toHexString(chainId);
            created.principal = principal;
            created.fhirUser = fhirUser;
            created.patientId = patientId;
            created.reason = justification;
            created.validFrom = now;
            created.validUntil = now.plus(duration);
            created.chainState = "NONE";
            created.persist();
            outbox.enqueue(
                    OutboxEntry.Action.RECORD_BREAK_GLASS,
                    chainId,
                    LedgerCall.recordBreakGlass(new LedgerRecords.BreakGlass(
                            chainId,
                            pseudonyms.patient(patientId),
                            Pseudonyms.grantee(fhirUser == null ? "Principal/" + principal : fhirUser),
                            Pseudonyms.document(justification),
                            created.validFrom.getEpochSecond(),
                            created.validUntil.getEpochSecond())),
                    null,
                    null);
            projection.breakGlassOpened(created.sessionId); // honoured by every node once this commits
            LOG.warnf("Break-glass: %s opened access to Patient/%s until %s", principal, patientId, created.validUntil);
            return created;
        });
        AccessIndex.Session session = record.toSession();
        index.open(session);
        return session;
    }

    /** Sessions, newest first; only those not yet reviewed when {@code unreviewedOnly}. */
    public List<BreakGlassRecord> list(boolean unreviewedOnly) {
        return unreviewedOnly
                ? BreakGlassRecord.list("reviewedAt is null order by validFrom desc")
                : BreakGlassRecord.list("order by validFrom desc");
    }

    /** Records a compliance officer's review of a session; empty when unknown. */
    public Optional<BreakGlassRecord> acknowledge(String sessionId, String reviewer, String note) {
        Optional<BreakGlassRecord> found = BreakGlassRecord.findByIdOptional(sessionId);
        found.ifPresent(record -> {
            record.reviewedBy = reviewer;
            record.reviewedAt = Instant.now();
            record.reviewNote = note == null || note.length() <= MAX_REASON ? note : note.substring(0, MAX_REASON);
        });
        return found;
    }

    void onEvents(@Observes RegistryEventsRead read) {
        for (RegistryEvent event : read.events()) {
            if (event instanceof RegistryEvent.BreakGlassRecorded recorded) {
                BreakGlassRecord.<BreakGlassRecord>find("chainId", recorded.recordId())
                        .firstResultOptional()
                        .ifPresent(record -> {
                            record.chainState = "ACTIVE";
                            record.recordedTx = recorded.position().transactionHash();
                            record.recordedBlock = recorded.position().blockNumber();
                        });
            }
        }
    }
}

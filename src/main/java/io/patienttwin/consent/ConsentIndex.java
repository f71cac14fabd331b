package io.patienttwin.consent;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The in-memory index of effective consents (asked for, confirmed on chain, not revoked), by patient:
 * what the read path decides on, without I/O. Loaded from the consent projection at startup, before
 * the ledger follower starts; kept current by {@link ConsentLedger} after each commit — and at once,
 * inside the transaction, for revocations, so that a revocation never waits for a commit to deny.
 * When the chain lost its history the index permits nothing until the projection is rebuilt.
 */
@ApplicationScoped
public class ConsentIndex {

    private static final Logger LOG = Logger.getLogger(ConsentIndex.class);

    /**
     * An effective consent.
     *
     * @param validFrom unix seconds, 0 for none
     * @param validUntil unix seconds (exclusive), 0 for open-ended
     * @param block the block that confirmed the grant
     */
    public record Entry(
            String consentId,
            String patientId,
            String grantee,
            long categories,
            int purposes,
            long validFrom,
            long validUntil,
            long block) {

        /** Whether {@code at} lies in the consent's period. */
        public boolean validAt(Instant at) {
            long seconds = at.getEpochSecond();
            return seconds >= validFrom && (validUntil == 0 || seconds < validUntil);
        }
    }

    private final Map<String, Map<String, Entry>> byPatient = new ConcurrentHashMap<>();
    private volatile String distrusted;

    @SuppressWarnings("unused")
    void load(@Observes @Priority(10) StartupEvent event) {
        reload();
    }

    /** Replaces the index with the projection's effective consents. */
    public void reload() {
        List<ConsentRecord> effective = QuarkusTransaction.requiringNew()
                .call(() -> ConsentRecord.<ConsentRecord>list(
                        "requested = ?1 and chainState = ?2",
                        ConsentRecord.Requested.ACTIVE,
                        ConsentRecord.ChainState.ACTIVE));
        byPatient.clear();
        effective.forEach(record -> put(record.toIndexEntry()));
        LOG.infof("Consent index: %d effective consents", effective.size());
    }

    /** The effective consents of a patient valid at {@code at}; none while the index is distrusted. */
    public List<Entry> consentsOf(String patientId, Instant at) {
        if (distrusted != null) {
            return List.of();
        }
        Map<String, Entry> entries = byPatient.get(patientId);
        return entries == null
                ? List.of()
                : entries.values().stream().filter(e -> e.validAt(at)).toList();
    }

    /** Every effective consent of a patient, valid now or not; none while the index is distrusted. */
    public java.util.Collection<Entry> allOf(String patientId) {
        Map<String, Entry> entries = distrusted != null ? null : byPatient.get(patientId);
        return entries == null ? List.of() : entries.values();
    }

    /**
     * An effective consent of the patient naming the grantee that covers every bit of {@code
     * categories} (data category and sensitive labels) and the purpose, at {@code at}.
     */
    public Optional<Entry> permitting(String patientId, String grantee, long categories, int purpose, Instant at) {
        return consentsOf(patientId, at).stream()
                .filter(e -> e.grantee().equals(grantee)
                        && (e.categories() & categories) == categories
                        && (e.purposes() & purpose) == purpose)
                .findFirst();
    }

    /** A patient's effective consent by id, valid now or not. */
    Optional<Entry> entry(String patientId, String consentId) {
        Map<String, Entry> entries = byPatient.get(patientId);
        return Optional.ofNullable(entries == null ? null : entries.get(consentId));
    }

    /** Whether the index may be used: false after the chain lost its history. */
    public boolean trusted() {
        return distrusted == null;
    }

    /** Why the index permits nothing, if it does not. */
    public Optional<String> distrustReason() {
        return Optional.ofNullable(distrusted);
    }

    /** Makes the index permit nothing, with the reason; the ledger does so when the chain lost its history. */
    public void distrust(String reason) {
        distrusted = reason;
    }

    /** Trusts the index again after the projection was rebuilt. */
    public void trustAgain() {
        distrusted = null;
    }

    /** Puts an effective entry in, or takes a consent out; for the consent projection (and test fixtures). */
    public void apply(String consentId, String patientId, Entry effectiveOrNull) {
        if (effectiveOrNull == null) {
            Map<String, Entry> entries = byPatient.get(patientId);
            if (entries != null) {
                entries.remove(consentId);
            }
        } else {
            put(effectiveOrNull);
        }
    }

    void clear() {
        byPatient.clear();
    }

    private void put(Entry entry) {
        byPatient
                .computeIfAbsent(entry.patientId(), p -> new ConcurrentHashMap<>())
                .put(entry.consentId(), entry);
    }
}

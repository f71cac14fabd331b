package io.patienttwin.ledger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The consent events the follower has read from ConsentRegistry ({@code ledger_event}), newest first,
 * with the time of their block (asked of the chain once per block hash: a block's time never changes).
 */
@ApplicationScoped
public class ConsentEventLog {

    /** One ConsentGranted or ConsentRevoked event; {@code recordId} is the consent's on-chain id. */
    public record Entry(
            String blockHash, long blockNumber, int logIndex, String txHash, String event, String recordId) {}

    private static final String CONSENT_EVENTS = "event in ('ConsentGranted', 'ConsentRevoked')";
    private static final int TIME_CACHE = 10_000;

    private final EntityManager em;
    private final LedgerClient ledger;
    private final Map<String, Instant> times = new ConcurrentHashMap<>();

    ConsentEventLog(EntityManager em, LedgerClient ledger) {
        this.em = em;
        this.ledger = ledger;
    }

    public long count() {
        return ((Number) em.createNativeQuery("select count(*) from ledger_event where " + CONSENT_EVENTS)
                        .getSingleResult())
                .longValue();
    }

    /** A page of consent events, newest first (by block, then position in the block). */
    public List<Entry> page(int offset, int count) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery(
                        "select block_hash, block_number, log_index, tx_hash, event, record_id"
                                + " from ledger_event where " + CONSENT_EVENTS
                                + " order by block_number desc, log_index desc")
                .setFirstResult(offset)
                .setMaxResults(count)
                .getResultList();
        List<Entry> entries = new ArrayList<>(rows.size());
        for (Object[] row : rows) {
            entries.add(new Entry(
                    (String) row[0],
                    ((Number) row[1]).longValue(),
                    ((Number) row[2]).intValue(),
                    (String) row[3],
                    (String) row[4],
                    (String) row[5]));
        }
        return entries;
    }

    /**
     * The time of a block, or empty when the chain cannot say.
     *
     * @throws LedgerException when the chain is unreachable
     */
    public Optional<Instant> time(String blockHash) {
        Instant known = times.get(blockHash);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<Instant> time = ledger.blockTime(blockHash);
        if (time.isPresent()) {
            if (times.size() >= TIME_CACHE) {
                times.clear();
            }
            times.put(blockHash, time.get());
        }
        return time;
    }
}

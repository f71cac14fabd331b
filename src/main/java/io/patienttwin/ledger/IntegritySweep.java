package io.patienttwin.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.patienttwin.audit.AuditEventRow;
import io.patienttwin.integrity.Leaves;
import io.patienttwin.integrity.MerkleTree;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.web3j.utils.Numeric;

/**
 * The integrity sweep (docs/architecture.md, "Integrity"): walks every anchored batch, recomputes each
 * leaf from the row it covers and the batch's root from its leaves, and compares them with what the
 * chain holds; then looks for rows that have no leaf at all. Reports:
 *
 * <ul>
 *   <li>{@code MISSING}: a leaf whose row is gone (a deleted version or audit record);
 *   <li>{@code ALTERED}: a row that no longer hashes to its leaf;
 *   <li>{@code BATCH_ALTERED}: leaf rows that no longer give the root (or count) the chain holds;
 *   <li>{@code NOT_ON_CHAIN}: a batch recorded as anchored that the chain does not hold (a chain reset);
 *   <li>{@code REFUSED}: a batch whose anchor the chain refused for good (its id held another root);
 *   <li>{@code EXTRA}: a version or audit record without a leaf (inserted behind the server's back, or
 *       stored before anchoring existed).
 * </ul>
 *
 * The sweep reads rows only to hash them; a finding names a row (type, id, version) and never its
 * content. Each run is stored (table integrity_sweep); the compliance console shows the last.
 */
@ApplicationScoped
public class IntegritySweep {

    /** Findings kept in a report; the counts are always complete. */
    static final int MAX_FINDINGS = 1000;

    public record Finding(String kind, Long batch, String reference, String detail) {}

    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record Report(
            Instant startedAt,
            Instant finishedAt,
            int batches,
            long leaves,
            long missing,
            long altered,
            long extra,
            long batchesAltered,
            List<Finding> findings) {

        /** Whether the store and the chain agree everywhere (in the JSON as {@code clean}). */
        @com.fasterxml.jackson.annotation.JsonProperty("clean")
        public boolean clean() {
            return missing == 0 && altered == 0 && extra == 0 && batchesAltered == 0;
        }
    }

    private final EntityManager entityManager;
    private final LedgerClient ledger;
    private final ObjectMapper json;

    public IntegritySweep(EntityManager entityManager, LedgerClient ledger, ObjectMapper json) {
        this.entityManager = entityManager;
        this.ledger = ledger;
        this.json = json;
    }

    private record Leaf(long id, String kind, String refType, String refId, long refVersion, byte[] hash) {}

    /**
     * Runs a sweep and stores its report.
     *
     * @throws LedgerException when the chain cannot be asked
     */
    public Report run() {
        Instant started = Instant.now();
        List<Finding> findings = new ArrayList<>();
        long[] counts = new long[5]; // leaves, missing, altered, extra, batches altered
        @SuppressWarnings("unchecked")
        List<Object[]> batches = QuarkusTransaction.requiringNew().call(() -> entityManager
                .createNativeQuery("select id, chain_batch, merkle_root, leaf_count from integrity_batch"
                        + " where block_hash is not null order by id")
                .getResultList());
        for (Object[] batch : batches) {
            sweepBatch(
                    ((Number) batch[0]).longValue(),
                    (String) batch[1],
                    ((Number) batch[3]).intValue(),
                    findings,
                    counts);
        }
        QuarkusTransaction.requiringNew().run(() -> refusedBatches(findings, counts));
        QuarkusTransaction.requiringNew().run(() -> extraRows(findings, counts));
        Report report = new Report(
                started,
                Instant.now(),
                batches.size(),
                counts[0],
                counts[1],
                counts[2],
                counts[3],
                counts[4],
                List.copyOf(findings));
        store(report);
        return report;
    }

    /** The last stored report, if a sweep ever ran. */
    public Optional<Report> last() {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<String> rows = entityManager
                    .createNativeQuery("select report from integrity_sweep order by id desc")
                    .setMaxResults(1)
                    .getResultList();
            return rows.stream().findFirst().map(this::read);
        });
    }

    private void sweepBatch(long batchId, String chainBatch, int recordedCount, List<Finding> findings, long[] counts) {
        List<Leaf> leaves = QuarkusTransaction.requiringNew().call(() -> leavesOf(batchId));
        counts[0] += leaves.size();
        Optional<LedgerRecords.Anchored> anchored = ledger.anchorOf(Numeric.hexStringToByteArray(chainBatch));
        if (anchored.isEmpty()) {
            counts[4]++;
            add(findings, new Finding("NOT_ON_CHAIN", batchId, null, "the chain holds no batch " + chainBatch));
        } else {
            String root = leaves.isEmpty()
                    ? null
                    : Numeric.toHexString(
                            MerkleTree.of(leaves.stream().map(Leaf::hash).toList())
                                    .root());
            if (anchored.get().count() != leaves.size()
                    || !anchored.get().merkleRoot().equalsIgnoreCase(root)) {
                counts[4]++;
                add(
                        findings,
                        new Finding(
                                "BATCH_ALTERED",
                                batchId,
                                null,
                                "the chain holds " + anchored.get().count() + " leaves with root "
                                        + anchored.get().merkleRoot() + "; the store has " + leaves.size()
                                        + (recordedCount != leaves.size() ? " (recorded " + recordedCount + ")" : "")
                                        + " leaves with root " + root));
            }
        }
        Map<Long, byte[]> recomputed = QuarkusTransaction.requiringNew().call(() -> recompute(batchId, leaves));
        for (Leaf leaf : leaves) {
            byte[] now = recomputed.get(leaf.id());
            String reference = reference(leaf);
            if (now == null) {
                counts[1]++;
                add(findings, new Finding("MISSING", batchId, reference, "the row is gone"));
            } else if (!MessageDigest.isEqual(now, leaf.hash())) {
                counts[2]++;
                add(findings, new Finding("ALTERED", batchId, reference, "the row no longer hashes to its leaf"));
            }
        }
    }

    private List<Leaf> leavesOf(long batchId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager
                .createNativeQuery("select id, kind, ref_type, ref_id, ref_version, leaf_hash from integrity_leaf"
                        + " where batch_id = ?1 order by id")
                .setParameter(1, batchId)
                .getResultList();
        List<Leaf> leaves = new ArrayList<>(rows.size());
        for (Object[] row : rows) {
            leaves.add(new Leaf(
                    ((Number) row[0]).longValue(),
                    (String) row[1],
                    (String) row[2],
                    (String) row[3],
                    ((Number) row[4]).longValue(),
                    (byte[]) row[5]));
        }
        return leaves;
    }

    /** Each leaf's hash as recomputed from its row now; absent when the row is gone. */
    private Map<Long, byte[]> recompute(long batchId, List<Leaf> leaves) {
        Map<Long, byte[]> hashes = new HashMap<>();
        List<Leaf> versions =
                leaves.stream().filter(l -> "VERSION".equals(l.kind())).toList();
        List<Leaf> audits =
                leaves.stream().filter(l -> "AUDIT".equals(l.kind())).toList();
        if (!versions.isEmpty()) {
            @SuppressWarnings("unchecked")
            List<Object[]> rows = entityManager
                    .createNativeQuery("select l.id, v.last_updated, v.body from integrity_leaf l"
                            + " join fhir_resource r on r.res_type = l.ref_type and r.res_id = l.ref_id"
                            + " join fhir_resource_version v on v.resource_pid = r.pid and v.version = l.ref_version"
                            + " where l.batch_id = ?1 and l.kind = 'VERSION'")
                    .setParameter(1, batchId)
                    .getResultList();
            Map<Long, Leaf> byId = new HashMap<>();
            versions.forEach(v -> byId.put(v.id(), v));
            Object[][] found = rows.toArray(new Object[0][]);
            byte[][] computed = new byte[found.length][];
            IntStream.range(0, found.length).parallel().forEach(i -> {
                Leaf leaf = byId.get(((Number) found[i][0]).longValue());
                computed[i] = Leaves.version(
                        leaf.refType(),
                        leaf.refId(),
                        leaf.refVersion(),
                        IntegrityAnchorer.instant(found[i][1]),
                        (String) found[i][2]);
            });
            for (int i = 0; i < found.length; i++) {
                hashes.put(((Number) found[i][0]).longValue(), computed[i]);
            }
        }
        if (!audits.isEmpty()) {
            Map<Long, Long> leafOfRecord = new HashMap<>();
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (Leaf leaf : audits) {
                long record = Long.parseLong(leaf.refId());
                leafOfRecord.put(record, leaf.id());
                min = Math.min(min, record);
                max = Math.max(max, record);
            }
            @SuppressWarnings("unchecked")
            List<Object[]> rows = entityManager
                    .createNativeQuery("select id, recorded_at, agent, agent_kind, agent_ref, interaction, target,"
                            + " patient_id, purpose, outcome, reason, basis, block, entities, total from audit_event"
                            + " where id between ?1 and ?2")
                    .setParameter(1, min)
                    .setParameter(2, max)
                    .getResultList();
            for (Object[] row : rows) {
                long record = ((Number) row[0]).longValue();
                Long leafId = leafOfRecord.get(record);
                if (leafId == null) {
                    continue; // a record of another batch
                }
                hashes.put(leafId, Leaves.audit(auditRow(row).canonicalDocument(record)));
            }
        }
        return hashes;
    }

    private static AuditEventRow auditRow(Object[] row) {
        AuditEventRow audit = new AuditEventRow();
        audit.recordedAt = IntegrityAnchorer.instant(row[1]);
        audit.agent = (String) row[2];
        audit.agentKind = (String) row[3];
        audit.agentRef = (String) row[4];
        audit.interaction = (String) row[5];
        audit.target = (String) row[6];
        audit.patientId = (String) row[7];
        audit.purpose = (String) row[8];
        audit.outcome = (String) row[9];
        audit.reason = (String) row[10];
        audit.basis = (String) row[11];
        audit.block = row[12] == null ? null : ((Number) row[12]).longValue();
        audit.entities = (String) row[13];
        audit.total = row[14] == null ? null : ((Number) row[14]).longValue();
        return audit;
    }

    /** Versions and audit records that have no leaf at all. */
    /** Batches the chain refused for good: their leaves will never be anchored without an operator. */
    private void refusedBatches(List<Finding> findings, long[] counts) {
        @SuppressWarnings("unchecked")
        List<Object[]> refused = entityManager
                .createNativeQuery("select b.id, o.last_error from integrity_batch b join ledger_outbox o"
                        + " on o.id = b.outbox_id where o.state = 'REJECTED' order by b.id")
                .getResultList();
        for (Object[] row : refused) {
            counts[4]++;
            add(
                    findings,
                    new Finding(
                            "REFUSED", ((Number) row[0]).longValue(), null, "the chain refused the anchor: " + row[1]));
        }
    }

    private static final String VERSIONS_WITHOUT_LEAF = " from fhir_resource_version v where not exists (select 1"
            + " from integrity_leaf l where l.ref_type = v.res_type and l.ref_id = v.res_id and l.ref_version = v.version)";

    private static final String RECORDS_WITHOUT_LEAF = " from audit_event a where not exists (select 1 from"
            + " integrity_leaf l where l.ref_type = 'AuditEvent' and l.ref_id = cast(a.id as varchar(64))"
            + " and l.ref_version = 0)";

    private void extraRows(List<Finding> findings, long[] counts) {
        counts[3] += ((Number) entityManager
                        .createNativeQuery("select count(*)" + VERSIONS_WITHOUT_LEAF)
                        .getSingleResult())
                .longValue();
        @SuppressWarnings("unchecked")
        List<Object[]> versions = entityManager
                .createNativeQuery("select v.res_type, v.res_id, v.version" + VERSIONS_WITHOUT_LEAF
                        + " order by v.res_type, v.res_id, v.version")
                .setMaxResults(MAX_FINDINGS)
                .getResultList();
        for (Object[] row : versions) {
            add(findings, new Finding("EXTRA", null, row[0] + "/" + row[1] + "/_history/" + row[2], "no leaf"));
        }
        counts[3] += ((Number) entityManager
                        .createNativeQuery("select count(*)" + RECORDS_WITHOUT_LEAF)
                        .getSingleResult())
                .longValue();
        @SuppressWarnings("unchecked")
        List<Number> records = entityManager
                .createNativeQuery("select a.id" + RECORDS_WITHOUT_LEAF + " order by a.id")
                .setMaxResults(MAX_FINDINGS)
                .getResultList();
        for (Number record : records) {
            add(findings, new Finding("EXTRA", null, "AuditEvent/" + record, "no leaf"));
        }
    }

    private static String reference(Leaf leaf) {
        return "AUDIT".equals(leaf.kind())
                ? "AuditEvent/" + leaf.refId()
                : leaf.refType() + "/" + leaf.refId() + "/_history/" + leaf.refVersion();
    }

    private static void add(List<Finding> findings, Finding finding) {
        if (findings.size() < MAX_FINDINGS) {
            findings.add(finding);
        }
    }

    private void store(Report report) {
        String text;
        try {
            text = json.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        QuarkusTransaction.requiringNew().run(() -> entityManager
                .createNativeQuery("insert into integrity_sweep (started_at, finished_at, batches, leaves, missing,"
                        + " altered, extra, report) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                .setParameter(1, OffsetDateTime.ofInstant(report.startedAt(), java.time.ZoneOffset.UTC))
                .setParameter(2, OffsetDateTime.ofInstant(report.finishedAt(), java.time.ZoneOffset.UTC))
                .setParameter(3, report.batches())
                .setParameter(4, report.leaves())
                .setParameter(5, report.missing())
                .setParameter(6, report.altered())
                .setParameter(7, report.extra())
                .setParameter(8, text)
                .executeUpdate());
    }

    private Report read(String text) {
        try {
            return json.readValue(text, Report.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an unreadable sweep report", e);
        }
    }
}

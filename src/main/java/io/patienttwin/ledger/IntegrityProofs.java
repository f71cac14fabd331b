package io.patienttwin.ledger;

import io.patienttwin.integrity.MerkleTree;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.web3j.utils.Numeric;

/**
 * Inclusion proofs of integrity leaves and their check against the chain (docs/architecture.md,
 * "Integrity"). The callers decide whether the reader may see what a proof is about: a proof is a
 * disclosure, so the FHIR layer reads the thing through the gate first.
 *
 * <p>A proof reads the leaf's row, its batch's row and its ≈ 14 sibling hashes from the levels stored when
 * the batch was closed (table integrity_batch_level); nothing is rebuilt. The levels need no trust: the
 * path is checked against the batch's root here (a mismatch reports the proof {@code ALTERED}) and
 * against the chain's root by {@link #verify} and by the offline verifier. An anchored batch's row and
 * the root the chain holds for it are kept once read; neither can hide an edit, since the chain's root
 * comes from the chain only.
 */
@ApplicationScoped
public class IntegrityProofs {

    private static final int HASH_BYTES = 32;

    public enum Status {
        /** The leaf is in a batch whose root is on chain, and its path leads to that root. */
        ANCHORED,
        /** The leaf waits for its batch, or its batch waits for the chain. */
        PENDING,
        /** The batch's leaves in the store no longer give the root it was anchored with. */
        ALTERED
    }

    /** The stored leaf of a thing, its batch and its inclusion path. */
    public record Proof(
            Status status,
            String refType,
            String refId,
            long refVersion,
            byte[] leaf,
            Long batchId,
            String chainBatch,
            int index,
            int size,
            List<byte[]> path,
            String root,
            Long blockNumber,
            String blockHash,
            String txHash,
            long chainId,
            String contract) {}

    /** A recomputed leaf compared with the store and the chain. */
    public enum Check {
        MATCH,
        MISMATCH,
        PENDING,
        NO_LEAF
    }

    public record Verification(Check check, String detail) {}

    private final EntityManager entityManager;
    private final LedgerClient ledger;
    private final IntegrityAnchorer anchorer;
    private final Map<Long, BatchRow> anchoredBatches = new ConcurrentHashMap<>();
    private final Map<String, String> chainRoots = new ConcurrentHashMap<>();

    private final LedgerConfig config;

    public IntegrityProofs(
            EntityManager entityManager, LedgerClient ledger, IntegrityAnchorer anchorer, LedgerConfig config) {
        this.entityManager = entityManager;
        this.ledger = ledger;
        this.anchorer = anchorer;
        this.config = config;
    }

    /** The proof of a leaf ({@code AuditEvent}/id/0 for an audit record), or empty when it has none. */
    public Optional<Proof> proof(String refType, String refId, long refVersion) {
        ChainFacts facts = facts();
        Lookup lookup = QuarkusTransaction.requiringNew().call(() -> lookup(refType, refId, refVersion, facts));
        if (lookup.levelsMissing() != null) {
            anchorer.storeLevels(lookup.levelsMissing());
            lookup = QuarkusTransaction.requiringNew().call(() -> lookup(refType, refId, refVersion, facts));
            if (lookup.levelsMissing() != null) {
                throw new IllegalStateException("batch " + lookup.levelsMissing() + ": its levels were not stored");
            }
        }
        return lookup.proof();
    }

    /** A proof, or the batch whose levels must be stored first (closed before they were kept). */
    private record Lookup(Optional<Proof> proof, Long levelsMissing) {}

    private Lookup lookup(String refType, String refId, long refVersion, ChainFacts facts) {
        Optional<Object[]> row = leafRow(refType, refId, refVersion);
        if (row.isEmpty()) {
            return new Lookup(Optional.empty(), null);
        }
        byte[] hash = (byte[]) row.get()[1];
        if (row.get()[2] == null) {
            return new Lookup(
                    Optional.of(new Proof(
                            Status.PENDING,
                            refType,
                            refId,
                            refVersion,
                            hash,
                            null,
                            null,
                            -1,
                            0,
                            List.of(),
                            null,
                            null,
                            null,
                            null,
                            facts.chainId(),
                            facts.auditAnchor())),
                    null);
        }
        long batchId = ((Number) row.get()[2]).longValue();
        if (row.get()[3] == null) {
            return new Lookup(Optional.empty(), batchId);
        }
        int index = ((Number) row.get()[3]).intValue();
        BatchRow batch = batch(batchId);
        List<byte[]> path = index >= 0 && index < batch.size() ? path(batchId, index, batch.size()) : null;
        boolean intact = path != null
                && MerkleTree.verify(hash, index, batch.size(), path, Numeric.hexStringToByteArray(batch.root()));
        Status status = !intact ? Status.ALTERED : batch.blockHash() == null ? Status.PENDING : Status.ANCHORED;
        return new Lookup(
                Optional.of(new Proof(
                        status,
                        refType,
                        refId,
                        refVersion,
                        hash,
                        batchId,
                        batch.chainBatch(),
                        index,
                        batch.size(),
                        path == null ? List.of() : path,
                        batch.root(),
                        batch.blockNumber(),
                        batch.blockHash(),
                        batch.txHash(),
                        facts.chainId(),
                        facts.auditAnchor())),
                null);
    }

    /**
     * Checks a leaf recomputed from the store against the stored leaf, the batch's tree and the root on
     * chain: {@code MATCH} only when all three agree.
     *
     * @throws LedgerException when the chain cannot be asked
     */
    public Verification verify(String refType, String refId, long refVersion, byte[] recomputed) {
        Optional<Proof> proof = proof(refType, refId, refVersion);
        if (proof.isEmpty()) {
            return new Verification(Check.NO_LEAF, "no integrity leaf: stored outside the server, or before anchoring");
        }
        Proof p = proof.get();
        if (!MessageDigest.isEqual(p.leaf(), recomputed)) {
            return new Verification(
                    Check.MISMATCH, "the stored row differs from the leaf recorded when it was written");
        }
        if (p.status() == Status.ALTERED) {
            return new Verification(Check.MISMATCH, "batch " + p.batchId() + ": its leaves no longer give its root");
        }
        if (p.batchId() == null) {
            return new Verification(Check.PENDING, "waiting for the next batch");
        }
        String onChain = chainRoot(p.chainBatch());
        if (onChain == null) {
            return new Verification(Check.PENDING, "batch " + p.batchId() + " is not on chain yet");
        }
        boolean proven =
                MerkleTree.verify(recomputed, p.index(), p.size(), p.path(), Numeric.hexStringToByteArray(onChain));
        return proven
                ? new Verification(Check.MATCH, "batch " + p.batchId() + ", block " + p.blockNumber())
                : new Verification(
                        Check.MISMATCH, "batch " + p.batchId() + ": the path does not lead to the root on chain");
    }

    /** The root AuditAnchor holds for a batch (hex), or null while it holds none. */
    private String chainRoot(String chainBatch) {
        String known = chainRoots.get(chainBatch);
        if (known != null) {
            return known;
        }
        Optional<LedgerRecords.Anchored> anchored = ledger.anchorOf(Numeric.hexStringToByteArray(chainBatch));
        anchored.ifPresent(a -> chainRoots.put(chainBatch, a.merkleRoot()));
        return anchored.map(LedgerRecords.Anchored::merkleRoot).orElse(null);
    }

    /** How long the chain id and contract address a proof names are taken from the last look. */
    private static final java.time.Duration FACTS_FOR = java.time.Duration.ofSeconds(60);

    private volatile ChainFacts cachedFacts;
    private volatile java.time.Instant factsAt = java.time.Instant.EPOCH;

    /**
     * The chain id and AuditAnchor address a proof names: from the chain at most once a minute, else the
     * last known, else configuration — a proof is answered while the chain is down (its batch's block and
     * root are in the store; the verifier asks the chain itself).
     */
    private ChainFacts facts() {
        ChainFacts facts = cachedFacts;
        if (facts != null && factsAt.plus(FACTS_FOR).isAfter(java.time.Instant.now())) {
            return facts;
        }
        try {
            facts = ledger.chainFacts();
            cachedFacts = facts;
            factsAt = java.time.Instant.now();
            return facts;
        } catch (LedgerException e) {
            if (facts != null) {
                return facts;
            }
            return new ChainFacts(
                    config.chainId(),
                    null,
                    config.consentRegistry().orElse(null),
                    config.auditAnchor().orElse(null),
                    0);
        }
    }

    private Optional<Object[]> leafRow(String refType, String refId, long refVersion) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager
                .createNativeQuery("select id, leaf_hash, batch_id, batch_index from integrity_leaf"
                        + " where ref_type = ?1 and ref_id = ?2 and ref_version = ?3")
                .setParameter(1, refType)
                .setParameter(2, refId)
                .setParameter(3, refVersion)
                .getResultList();
        return rows.stream().findFirst();
    }

    /** What a proof names of its batch. */
    private record BatchRow(
            String chainBatch, String root, int size, Long blockNumber, String blockHash, String txHash) {}

    /** A batch's row; kept once anchored (an anchored batch's row is never written again). */
    private BatchRow batch(long batchId) {
        BatchRow known = anchoredBatches.get(batchId);
        if (known != null) {
            return known;
        }
        IntegrityBatch b = IntegrityBatch.findById(batchId);
        BatchRow row = new BatchRow(b.chainBatch, b.merkleRoot, b.leafCount, b.blockNumber, b.blockHash, b.txHash);
        if (b.blockHash != null) {
            anchoredBatches.put(batchId, row);
        }
        return row;
    }

    /**
     * The inclusion path of a leaf read from its batch's stored levels: one query for the ≈ 14 sibling
     * hashes, each cut from its level by offset. Null when a level is missing or too short (an altered
     * store); the caller reports the proof as altered.
     */
    private List<byte[]> path(long batchId, int index, int size) {
        List<MerkleTree.Position> positions = MerkleTree.pathPositions(index, size);
        if (positions.isEmpty()) {
            return List.of();
        }
        StringBuilder sql = new StringBuilder("select level, substring(hashes from case level");
        for (MerkleTree.Position p : positions) {
            sql.append(" when ").append(p.level()).append(" then ").append(p.index() * HASH_BYTES + 1);
        }
        sql.append(" end for ")
                .append(HASH_BYTES)
                .append(") from integrity_batch_level where batch_id = ?1 and level in (");
        for (int i = 0; i < positions.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(positions.get(i).level());
        }
        sql.append(")");
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager
                .createNativeQuery(sql.toString())
                .setParameter(1, batchId)
                .getResultList();
        Map<Integer, byte[]> byLevel = new HashMap<>();
        for (Object[] row : rows) {
            byLevel.put(((Number) row[0]).intValue(), (byte[]) row[1]);
        }
        List<byte[]> path = new ArrayList<>(positions.size());
        for (MerkleTree.Position p : positions) {
            byte[] hash = byLevel.get(p.level());
            if (hash == null || hash.length != HASH_BYTES) {
                return null;
            }
            path.add(hash);
        }
        return path;
    }
}

package io.patienttwin.ledger;

import io.patienttwin.integrity.MerkleTree;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * <p>A closed batch never changes, so its tree is built once from its leaf rows and kept (a few batches,
 * least recently used first out); the root the chain holds for a batch is kept too once read. Neither
 * cache can hide an edit: a tree built from altered leaf rows has another root than the chain's, and
 * the chain's root comes from the chain only.
 */
@ApplicationScoped
public class IntegrityProofs {

    /** How many batch trees are kept (10,000 leaves are about 1 MB). */
    private static final int CACHED_TREES = 16;

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

    private record BatchTree(MerkleTree tree, Map<Long, Integer> indexOfLeaf) {}

    private final EntityManager entityManager;
    private final LedgerClient ledger;
    private final Map<Long, BatchTree> trees =
            java.util.Collections.synchronizedMap(new LinkedHashMap<>(CACHED_TREES, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, BatchTree> eldest) {
                    return size() > CACHED_TREES;
                }
            });
    private final Map<String, String> chainRoots = new ConcurrentHashMap<>();

    private final LedgerConfig config;

    public IntegrityProofs(EntityManager entityManager, LedgerClient ledger, LedgerConfig config) {
        this.entityManager = entityManager;
        this.ledger = ledger;
        this.config = config;
    }

    /** The proof of a leaf ({@code AuditEvent}/id/0 for an audit record), or empty when it has none. */
    public Optional<Proof> proof(String refType, String refId, long refVersion) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Optional<Object[]> leaf = leafRow(refType, refId, refVersion);
            if (leaf.isEmpty()) {
                return Optional.empty();
            }
            long leafId = ((Number) leaf.get()[0]).longValue();
            byte[] hash = (byte[]) leaf.get()[1];
            ChainFacts facts = facts();
            if (leaf.get()[2] == null) {
                return Optional.of(new Proof(
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
                        facts.auditAnchor()));
            }
            IntegrityBatch batch = IntegrityBatch.findById(((Number) leaf.get()[2]).longValue());
            BatchTree tree = tree(batch.id);
            int index = tree.indexOfLeaf().get(leafId);
            boolean intact = Numeric.toHexString(tree.tree().root()).equalsIgnoreCase(batch.merkleRoot)
                    && MessageDigest.isEqual(tree.tree().leaf(index), hash);
            Status status = !intact ? Status.ALTERED : batch.blockHash == null ? Status.PENDING : Status.ANCHORED;
            return Optional.of(new Proof(
                    status,
                    refType,
                    refId,
                    refVersion,
                    hash,
                    batch.id,
                    batch.chainBatch,
                    index,
                    tree.tree().size(),
                    tree.tree().path(index),
                    batch.merkleRoot,
                    batch.blockNumber,
                    batch.blockHash,
                    batch.txHash,
                    facts.chainId(),
                    facts.auditAnchor()));
        });
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
                .createNativeQuery("select id, leaf_hash, batch_id from integrity_leaf"
                        + " where ref_type = ?1 and ref_id = ?2 and ref_version = ?3")
                .setParameter(1, refType)
                .setParameter(2, refId)
                .setParameter(3, refVersion)
                .getResultList();
        return rows.stream().findFirst();
    }

    private BatchTree tree(long batchId) {
        BatchTree cached = trees.get(batchId);
        if (cached != null) {
            return cached;
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager
                .createNativeQuery("select id, leaf_hash from integrity_leaf where batch_id = ?1 order by id")
                .setParameter(1, batchId)
                .getResultList();
        List<byte[]> leaves = new ArrayList<>(rows.size());
        Map<Long, Integer> index = new HashMap<>(rows.size() * 2);
        for (Object[] row : rows) {
            index.put(((Number) row[0]).longValue(), leaves.size());
            leaves.add((byte[]) row[1]);
        }
        BatchTree tree = new BatchTree(MerkleTree.of(leaves), index);
        trees.put(batchId, tree);
        return tree;
    }
}

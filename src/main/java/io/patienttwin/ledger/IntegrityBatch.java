package io.patienttwin.ledger;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * One Merkle batch of integrity leaves (table integrity_batch): its leaves are the integrity_leaf rows
 * with its id, in id order; its root goes on chain through the outbox write {@link #outboxId}.
 */
@Entity
@Table(name = "integrity_batch")
public class IntegrityBatch extends PanacheEntityBase {

    /** 1, 2, 3, … in the order batches were closed. */
    @Id
    public Long id;

    /** The batch id on chain (bytes32 as hex). */
    @Column(name = "chain_batch")
    public String chainBatch;

    @Column(name = "merkle_root")
    public String merkleRoot;

    @Column(name = "leaf_count")
    public int leafCount;

    /** Unix milliseconds of the first and the last leaf. */
    @Column(name = "first_time")
    public long firstTime;

    @Column(name = "last_time")
    public long lastTime;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "outbox_id")
    public Long outboxId;

    /** Set once read back from the chain: the block that holds the anchor, and its hash. */
    @Column(name = "block_number")
    public Long blockNumber;

    @Column(name = "block_hash")
    public String blockHash;

    /** The anchoring transaction, when this node sent it (a retry that found it on chain has none). */
    @Column(name = "tx_hash")
    public String txHash;

    @Column(name = "anchored_at")
    public Instant anchoredAt;
}

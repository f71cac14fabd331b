package io.patienttwin.ledger;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** How far the follower has read, and which chain it was reading (table ledger_cursor, one row). */
@Entity
@Table(name = "ledger_cursor")
public class LedgerCursor extends PanacheEntityBase {

    static final int ID = 1;

    @Id
    public Integer id;

    @Column(name = "chain_id")
    public long chainId;

    @Column(name = "genesis_hash")
    public String genesisHash;

    public String registry;

    /** The last block whose events are applied; -1 before the first. */
    @Column(name = "processed_block")
    public long processedBlock;

    @Column(name = "processed_hash")
    public String processedHash;

    @Column(name = "updated_at")
    public Instant updatedAt;
}

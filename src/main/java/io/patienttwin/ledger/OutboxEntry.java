package io.patienttwin.ledger;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** One chain write waiting in, or done by, the transactional outbox (table ledger_outbox). */
@Entity
@Table(name = "ledger_outbox")
public class OutboxEntry extends PanacheEntityBase {

    /** What a write does; together with the record id it is unique. */
    public enum Action {
        GRANT_CONSENT,
        REVOKE_CONSENT,
        GRANT_ACCESS,
        REVOKE_ACCESS,
        RECORD_BREAK_GLASS,
        ANCHOR_AUDIT_BATCH
    }

    public enum State {
        /** Waiting to be sent, or to be sent again. */
        PENDING,
        /** On chain: included by this node, or found there by a retry. */
        CONFIRMED,
        /** The contract refuses it for good (e.g. an invalid period); never retried. */
        REJECTED,
        /** No longer needed: the write it waited for was rejected. */
        SKIPPED
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Enumerated(EnumType.STRING)
    public Action action;

    @Column(name = "record_id")
    public String recordId;

    @Enumerated(EnumType.STRING)
    public LedgerCall.Contract contract;

    @Column(name = "call_data")
    public String callData;

    @Column(name = "document_hash")
    public String documentHash;

    @Column(name = "after_id")
    public Long afterId;

    @Enumerated(EnumType.STRING)
    public State state;

    public int attempts;

    @Column(name = "next_attempt_at")
    public Instant nextAttemptAt;

    @Column(name = "last_error")
    public String lastError;

    @Column(name = "tx_hash")
    public String txHash;

    @Column(name = "block_number")
    public Long blockNumber;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "completed_at")
    public Instant completedAt;

    public LedgerCall call() {
        return new LedgerCall(contract, callData);
    }
}

package io.patienttwin.consent;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * The access-grant projection (table access_grant): memberships and custodian grants this node
 * recorded on the chain, with what was asked for and what the chain says. Effective only when both
 * are ACTIVE and it has not expired.
 */
@Entity
@Table(name = "access_grant")
public class AccessGrantRecord extends PanacheEntityBase {

    @Id
    @Column(name = "grant_id")
    public String grantId;

    @Column(name = "chain_id")
    public String chainId;

    @Enumerated(EnumType.STRING)
    public AccessIndex.Kind kind;

    public String subject;

    public String target;

    /** Unix seconds (exclusive), 0 for open-ended. */
    @Column(name = "valid_until")
    public long validUntil;

    @Enumerated(EnumType.STRING)
    public ConsentRecord.Requested requested;

    @Enumerated(EnumType.STRING)
    @Column(name = "chain_state")
    public ConsentRecord.ChainState chainState;

    @Column(name = "granted_tx")
    public String grantedTx;

    @Column(name = "granted_block")
    public Long grantedBlock;

    @Column(name = "revoked_tx")
    public String revokedTx;

    public String rejection;

    @Column(name = "created_by")
    public String createdBy;

    @Column(name = "updated_at")
    public Instant updatedAt;

    boolean effective() {
        return requested == ConsentRecord.Requested.ACTIVE && chainState == ConsentRecord.ChainState.ACTIVE;
    }

    AccessIndex.Grant toIndexGrant() {
        return new AccessIndex.Grant(
                grantId, kind, subject, target, validUntil, grantedBlock == null ? 0 : grantedBlock);
    }
}

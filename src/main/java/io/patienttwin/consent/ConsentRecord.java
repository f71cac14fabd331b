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
 * The consent projection (table consent_record): one row per FHIR Consent this node recorded on the
 * chain, with what its patient asked for and what the chain says. It permits only when both are
 * ACTIVE; the terms are those the chain holds.
 */
@Entity
@Table(name = "consent_record")
public class ConsentRecord extends PanacheEntityBase {

    /** What the patient (or their EHR) asked for. */
    public enum Requested {
        ACTIVE,
        /** Revoked here; denies at once, whatever the chain says yet. */
        REVOKED
    }

    /** What the chain says. */
    public enum ChainState {
        /** Not (yet) on chain. */
        NONE,
        ACTIVE,
        REVOKED,
        /** The chain refused it; it will never be active. */
        REJECTED
    }

    @Id
    @Column(name = "consent_id")
    public String consentId;

    /** The consent's on-chain id, 0x-hex. */
    @Column(name = "chain_id")
    public String chainId;

    @Column(name = "patient_id")
    public String patientId;

    /** Relative reference of the grantee, e.g. Practitioner/alice. */
    public String grantee;

    /** Data categories and sensitive labels, as ConsentTerms#categoriesMask. */
    public long categories;

    public int purposes;

    /** Unix seconds; 0 when the consent states no start. */
    @Column(name = "valid_from")
    public long validFrom;

    /** Unix seconds, exclusive; 0 when open-ended. */
    @Column(name = "valid_until")
    public long validUntil;

    @Column(name = "document_hash")
    public String documentHash;

    @Enumerated(EnumType.STRING)
    public Requested requested;

    @Enumerated(EnumType.STRING)
    @Column(name = "chain_state")
    public ChainState chainState;

    @Column(name = "granted_tx")
    public String grantedTx;

    @Column(name = "granted_block")
    public Long grantedBlock;

    @Column(name = "revoked_tx")
    public String revokedTx;

    @Column(name = "revoked_block")
    public Long revokedBlock;

    /** The ConsentRegistry address holding the record. */
    public String contract;

    public String rejection;

    /** Status and proof last written to the FHIR Consent ({@link ConsentLedger#applyRecordedState}). */
    public String published;

    @Column(name = "updated_at")
    public Instant updatedAt;

    /** Whether this consent permits anything now: asked for and confirmed on chain, not revoked. */
    public boolean effective() {
        return requested == Requested.ACTIVE && chainState == ChainState.ACTIVE;
    }

    ConsentIndex.Entry toIndexEntry() {
        return new ConsentIndex.Entry(
                consentId,
                patientId,
                grantee,
                categories,
                purposes,
                validFrom,
                validUntil,
                grantedBlock == null ? -1 : grantedBlock);
    }
}

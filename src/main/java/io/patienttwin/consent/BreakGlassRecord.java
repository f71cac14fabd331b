package io.patienttwin.consent;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A break-glass session (table break_glass): who opened emergency access to which patient, why, until when, and its review. */
@Entity
@Table(name = "break_glass")
public class BreakGlassRecord extends PanacheEntityBase {

    @Id
    @Column(name = "session_id")
    public String sessionId;

    @Column(name = "chain_id")
    public String chainId;

    /** The token subject of the principal. */
    public String principal;

    @Column(name = "fhir_user")
    public String fhirUser;

    @Column(name = "patient_id")
    public String patientId;

    public String reason;

    @Column(name = "valid_from")
    public Instant validFrom;

    @Column(name = "valid_until")
    public Instant validUntil;

    /** NONE until the chain confirms the record, then ACTIVE. */
    @Column(name = "chain_state")
    public String chainState;

    @Column(name = "recorded_tx")
    public String recordedTx;

    @Column(name = "recorded_block")
    public Long recordedBlock;

    @Column(name = "reviewed_by")
    public String reviewedBy;

    @Column(name = "reviewed_at")
    public Instant reviewedAt;

    @Column(name = "review_note")
    public String reviewNote;

    AccessIndex.Session toSession() {
        return new AccessIndex.Session(sessionId, principal, patientId, validFrom, validUntil);
    }
}

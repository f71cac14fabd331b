package io.patienttwin.audit;

import io.patienttwin.integrity.Leaves;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A row of the access audit (table audit_event); see {@link AuditRecord}. */
@Entity
@Table(name = "audit_event")
public class AuditEventRow extends PanacheEntityBase {

    static final int MAX_ENTITIES = 1000;

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "recorded_at")
    public Instant recordedAt;

    public String agent;

    @Column(name = "agent_kind")
    public String agentKind;

    @Column(name = "agent_ref")
    public String agentRef;

    public String interaction;

    public String target;

    @Column(name = "patient_id")
    public String patientId;

    public String purpose;

    public String outcome;

    public String reason;

    public String basis;

    public Long block;

    public String entities;

    public Long total;

    static AuditEventRow of(AuditRecord record) {
        AuditEventRow row = new AuditEventRow();
        row.recordedAt = record.recordedAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        row.agent = cut(record.agent(), 140);
        row.agentKind = record.agentKind();
        row.agentRef = cut(record.agentRef(), 140);
        row.interaction = record.interaction();
        row.target = cut(record.target(), 200);
        row.patientId = record.patientId();
        row.purpose = record.purpose();
        row.outcome = record.outcome();
        row.reason = record.reason();
        row.basis = record.basis().isEmpty() ? null : cut(String.join(",", record.basis()), 4000);
        row.block = record.block() == 0 ? null : record.block();
        row.entities = record.entities().isEmpty()
                ? null
                : String.join(
                        ",",
                        record.entities()
                                .subList(
                                        0,
                                        Math.min(MAX_ENTITIES, record.entities().size())));
        row.total = record.total();
        return row;
    }

    /**
     * The RFC 8785 canonical document of this row under its id (integrity.Leaves): every column, so
     * that an edit of any of them changes the row's integrity leaf.
     */
    public String canonicalDocument(long rowId) {
        java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("recordedAt", recordedAt);
        fields.put("agent", agent);
        fields.put("agentKind", agentKind);
        fields.put("agentRef", agentRef);
        fields.put("interaction", interaction);
        fields.put("target", target);
        fields.put("patientId", patientId);
        fields.put("purpose", purpose);
        fields.put("outcome", outcome);
        fields.put("reason", reason);
        fields.put("basis", basis);
        fields.put("block", block);
        fields.put("entities", entities);
        fields.put("total", total);
        return Leaves.auditDocument(rowId, fields);
    }

    private static String cut(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }
}

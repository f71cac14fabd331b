package io.patienttwin.fhir.store;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import io.patienttwin.identity.Principal;
import io.patienttwin.policy.AccessRequest;
import io.patienttwin.policy.Decision;
import io.patienttwin.policy.PolicyDecisionPoint;
import io.patienttwin.policy.ReadContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * The write side of the gate: every version a write replaces, deletes or stores is decided by the
 * {@link PolicyDecisionPoint} before the store changes anything ("a write is a read path": what a
 * writer can change is an input of later read decisions). A denial is audited like a read denial and
 * answered 403 {@code PT-POLICY-403}, the same answer as for a patient that does not exist, so a write
 * tells nothing about data the writer may not reach. A permit is audited when the transaction commits
 * ({@link WriteAudit}). The operator's own writes (no request) are not
 * decided. Called inside the write's transaction; thread-safe.
 */
@ApplicationScoped
class WriteGate {

    private final PolicyDecisionPoint policy;
    private final WriterContext writers;
    private final AccessLog log;
    private final TransactionCustodians custodians;
    private final GatedResourceReader reader;
    private final WriteAudit audit;

    WriteGate(
            PolicyDecisionPoint policy,
            WriterContext writers,
            AccessLog log,
            TransactionCustodians custodians,
            GatedResourceReader reader,
            WriteAudit audit) {
        this.policy = policy;
        this.writers = writers;
        this.log = log;
        this.custodians = custodians;
        this.reader = reader;
        this.audit = audit;
    }

    /**
     * One side of a write, as stored or as it will be stored.
     *
     * @param patientId the compartment patient (a Patient's own id), or null for none
     * @param managingOrganization for a Patient, the id of its managing organization on this side, or null
     */
    record Side(String type, String id, String patientId, String managingOrganization, long mask) {}

    /**
     * Decides one side of a write; returns normally when it is permitted.
     *
     * @throws ForbiddenOperationException when the writer may not reach it (audited)
     */
    void check(String interaction, Side side) {
        Optional<ReadContext> writer = writers.current();
        if (writer.isEmpty()) {
            return;
        }
        ReadContext context = writer.get();
        String custodian = custodianOf(side);
        Decision decision = policy.decideWrite(
                new AccessRequest(context, interaction, side.type(), side.patientId(), side.mask(), custodian));
        if (!decision.permitted()) {
            log.denied(context, interaction, side.type() + "/" + side.id(), side.patientId(), decision.reason());
            throw forbidden();
        }
        if (context.principal().kind() != Principal.Kind.DEVICE) {
            // a device's readings are audited by the reading writer: one record per device and batch,
            // naming the alerts they raised as well
            audit.permitted(context, interaction, side.type() + "/" + side.id(), side.patientId(), decision);
        }
    }

    /**
     * Decides a write of {@code type/id} on a patient it links besides its own (a Patient's {@code link}):
     * the writer must reach that patient's record too.
     */
    void checkLinkedPatient(String interaction, String type, String id, String linkedPatient) {
        check(interaction, new Side(type, id, linkedPatient, null, 0));
    }

    /**
     * Refuses a write by a principal (audited with the reason), as {@link #check} refuses a forbidden one;
     * the operator's own writes pass.
     */
    void deny(String interaction, String type, String id, String reason) {
        Optional<ReadContext> writer = writers.current();
        if (writer.isPresent()) {
            log.denied(writer.get(), interaction, type + "/" + id, null, reason);
            throw forbidden();
        }
    }

    /** Records what a Patient written in this transaction is managed by, for the writes after it. */
    void patientWritten(String patientId, String managingOrganization) {
        custodians.put(patientId, Optional.ofNullable(managingOrganization).map(id -> "Organization/" + id));
    }

    private String custodianOf(Side side) {
        if ("Patient".equals(side.type()) && side.id().equals(side.patientId())) {
            return side.managingOrganization() == null ? null : "Organization/" + side.managingOrganization();
        }
        if (side.patientId() == null) {
            return null;
        }
        Optional<String> known = custodians.get(side.patientId());
        if (known == null) {
            known = reader.managingOrganizationOf(side.patientId()).map(id -> "Organization/" + id);
            custodians.put(side.patientId(), known);
        }
        return known.orElse(null);
    }

    private static ForbiddenOperationException forbidden() {
        return new ForbiddenOperationException("PT-POLICY-403: access denied");
    }
}

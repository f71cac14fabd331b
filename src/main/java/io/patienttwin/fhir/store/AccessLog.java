package io.patienttwin.fhir.store;

import io.patienttwin.audit.AuditRecord;
import io.patienttwin.audit.AuditTrail;
import io.patienttwin.identity.Principal;
import io.patienttwin.policy.Decision;
import io.patienttwin.policy.ReadContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns the gate's decisions into audit records (one per gated call: a read, a search page, its
 * includes, a history page, a compartment page) and waits until each is durable before the data
 * leaves.
 */
@ApplicationScoped
public class AccessLog {

    /** The permitted rows of one gated call, in order, with the decisions that let them out. */
    static final class Gated {
        private final List<StoredResource> resources = new ArrayList<>();
        private final List<String> patients = new ArrayList<>();
        private final List<Decision> decisions = new ArrayList<>();

        void add(StoredResource resource, String patientId, Decision decision) {
            resources.add(resource);
            patients.add(patientId);
            decisions.add(decision);
        }

        List<StoredResource> resources() {
            return resources;
        }

        List<String> patients() {
            return patients;
        }

        List<Decision> decisions() {
            return decisions;
        }
    }

    private final AuditTrail trail;

    public AccessLog(AuditTrail trail) {
        this.trail = trail;
    }

    void permitted(
            ReadContext context, String interaction, List<String> entities, String patientId, Decision decision) {
        trail.record(record(
                context,
                interaction,
                entities.get(0),
                patientId,
                "permit",
                decision.reason(),
                decision.basis(),
                decision.block(),
                entities,
                entities.size()));
    }

    /** Records a denial (and waits until it is durable). */
    public void denied(ReadContext context, String interaction, String target, String patientId, String reason) {
        trail.record(record(context, interaction, target, patientId, "deny", reason, List.of(), 0, List.of(), 0));
    }

    /**
     * Records permitted writes of one writer, interaction and patient (see {@link WriteAudit}); waits
     * until durable.
     */
    void writesPermitted(
            ReadContext context,
            String interaction,
            String patientId,
            List<String> entities,
            List<Decision> decisions) {
        Summary summary = Summary.of(decisions);
        trail.record(record(
                context,
                interaction,
                entities.get(0),
                patientId,
                "permit",
                String.join("+", summary.reasons()),
                summary.basis(),
                summary.block(),
                entities,
                entities.size()));
    }

    /** The reasons, the consents or grants, and the newest block of a group of permits. */
    private record Summary(List<String> reasons, List<String> basis, long block) {
        static Summary of(List<Decision> decisions) {
            Set<String> basis = new LinkedHashSet<>();
            Set<String> reasons = new LinkedHashSet<>();
            long block = 0;
            for (Decision decision : decisions) {
                basis.addAll(decision.basis());
                reasons.add(decision.reason());
                block = Math.max(block, decision.block());
            }
            return new Summary(new ArrayList<>(reasons), new ArrayList<>(basis), block);
        }
    }

    /**
     * Records the writes of a principal that writes without a request of its own (a device's readings,
     * one record per device and batch, naming every resource written); waits until durable.
     */
    public void written(
            ReadContext context, String interaction, List<String> entities, String patientId, String reason) {
        trail.record(record(
                context,
                interaction,
                entities.get(0),
                patientId,
                "permit",
                reason,
                List.of(),
                0,
                entities,
                entities.size()));
    }

    /**
     * Records a read of governance data that is not clinical (the consent log, the access audit, the
     * break-glass queue) by a principal the caller has checked may read it; waits until durable.
     */
    public void governanceRead(ReadContext context, String interaction, String target, String patientId, long total) {
        trail.record(record(
                context,
                interaction,
                target,
                patientId,
                "permit",
                "PERMIT-COMPLIANCE",
                List.of(),
                0,
                List.of(),
                total));
    }

    void searched(ReadContext context, String interaction, String target, Gated page, long total) {
        Summary summary = Summary.of(page.decisions());
        Set<String> patients = new LinkedHashSet<>(page.patients());
        patients.remove(null);
        List<String> entities =
                page.resources().stream().map(r -> r.type() + "/" + r.id()).toList();
        trail.record(record(
                context,
                interaction,
                Objects.requireNonNullElse(target, "*"),
                patients.size() == 1 ? patients.iterator().next() : null,
                "permit",
                summary.reasons().isEmpty() ? "PERMIT-SCOPE" : String.join("+", summary.reasons()),
                summary.basis(),
                summary.block(),
                entities,
                total));
    }

    private static AuditRecord record(
            ReadContext context,
            String interaction,
            String target,
            String patientId,
            String outcome,
            String reason,
            List<String> basis,
            long block,
            List<String> entities,
            long total) {
        Principal principal = context.principal();
        return new AuditRecord(
                Instant.now(),
                principal.subject(),
                principal.kind().name(),
                principal.fhirUser() != null ? principal.fhirUser() : principal.clientId(),
                interaction,
                target,
                patientId,
                context.purpose().name(),
                outcome,
                reason.length() > 64 ? reason.substring(0, 64) : reason,
                basis,
                block,
                entities,
                total);
    }
}

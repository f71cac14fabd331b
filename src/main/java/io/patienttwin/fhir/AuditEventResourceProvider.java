package io.patienttwin.fhir;

import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.patienttwin.audit.AuditEventRow;
import io.patienttwin.audit.AuditQuery;
import io.patienttwin.audit.AuditRecord;
import io.patienttwin.audit.AuditTrail;
import io.patienttwin.policy.AccessRequest;
import io.patienttwin.policy.Decision;
import io.patienttwin.policy.PolicyDecisionPoint;
import io.patienttwin.policy.ReadContext;
import io.patienttwin.policy.ReadScope;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * {@code AuditEvent}: the access audit, as FHIR AuditEvents in the manner of IHE BALP — read-only
 * (the server is the only source; a client cannot write into the audit trail, 405). Compliance
 * officers read all of it, patients the records about themselves, nobody else (the decision point's
 * governance rule); reading the audit is audited too.
 */
public class AuditEventResourceProvider implements IResourceProvider {

    /** Extension with the chain block of the newest consent or grant a decision used. */
    static final String CHAIN_BLOCK_EXTENSION = "https://patienttwin.io/fhir/StructureDefinition/audit-chain-block";

    private final AuditTrail trail;
    private final PolicyDecisionPoint policy;
    private final CurrentReader current;
    private final SearchRequests searchRequests;
    private final IntegrityOperations integrity;

    AuditEventResourceProvider(
            AuditTrail trail,
            PolicyDecisionPoint policy,
            CurrentReader current,
            SearchRequests searchRequests,
            IntegrityOperations integrity) {
        this.trail = trail;
        this.policy = policy;
        this.current = current;
        this.searchRequests = searchRequests;
        this.integrity = integrity;
    }

    @Override
    public Class<AuditEvent> getResourceType() {
        return AuditEvent.class;
    }

    /** One record; 403 for a record the reader may not see and for an unknown id alike. */
    @Read
    public AuditEvent read(@IdParam IIdType id) {
        return toFhir(readRow(id));
    }

    /**
     * {@code AuditEvent/id/$proof}: the record's integrity leaf with its canonical document, its
     * inclusion path and where the chain holds the root. Read through the gate like the record.
     */
    @Operation(name = "$proof", idempotent = true)
    public Parameters proof(@IdParam IIdType id) {
        AuditEventRow row = readRow(id);
        return integrity.proofOfAudit(row.id, row.canonicalDocument(row.id));
    }

    /** {@code AuditEvent/id/$verify-integrity}: the record recomputed from its row, checked against the chain. */
    @Operation(name = "$verify-integrity", idempotent = true)
    public Parameters verifyIntegrity(@IdParam IIdType id) {
        AuditEventRow row = readRow(id);
        return integrity.verifyAudit(row.id, row.canonicalDocument(row.id));
    }

    private AuditEventRow readRow(IIdType id) {
        ReadContext context = current.context();
        AuditEventRow row = parseId(id.getIdPart()).flatMap(trail::find).orElse(null);
        Decision decision = policy.decide(
                new AccessRequest(context, "read", "AuditEvent", row == null ? null : row.patientId, 0, null));
        boolean permitted = decision.permitted() && row != null;
        record(context, "read", "AuditEvent/" + id.getIdPart(), permitted, decision.reason(), permitted ? 1 : 0);
        if (!permitted) {
            if (row == null && decision.permitted()) {
                throw new ResourceNotFoundException("PT-FHIR-404: AuditEvent/" + id.getIdPart() + " is not known");
            }
            throw new ForbiddenOperationException("PT-POLICY-403: access denied");
        }
        return row;
    }

    /**
     * The records the reader may see, newest first: compliance officers all, a patient their own;
     * for anyone else the answer is empty. Parameters: {@code patient}, {@code agent} (the FHIR user or
     * client id), {@code date} (ge/gt/le/lt), {@code _count}, {@code _offset}.
     */
    @Search
    public IBundleProvider search(
            @OptionalParam(name = AuditEvent.SP_PATIENT) ReferenceParam patient,
            @OptionalParam(name = AuditEvent.SP_AGENT) ReferenceParam agent,
            @OptionalParam(name = AuditEvent.SP_DATE) DateRangeParam date,
            @Count Integer count,
            @Offset Integer offset) {
        ReadContext context = current.context();
        ReadScope scope = policy.scope(context);
        String wanted = patient == null ? null : patient.getIdPart();
        String self = scope.selfPatient();
        int size = searchRequests.pageSize(count == null ? null : count.toString());
        int start = offset == null ? 0 : Math.max(offset, 0);
        boolean nothing = !scope.allGovernance() && (self == null || (wanted != null && !wanted.equals(self)));
        if (nothing) {
            record(context, "search-type", "AuditEvent", true, "PERMIT-SCOPE", 0);
            return new PageBundleProvider(List.of(), start, size, 0);
        }
        Date from = date == null ? null : date.getLowerBoundAsInstant();
        Date to = date == null ? null : date.getUpperBoundAsInstant();
        AuditTrail.Page page = trail.search(new AuditQuery(
                scope.allGovernance() ? wanted : self,
                agent == null ? null : agent.getValue(),
                from == null ? null : from.toInstant(),
                to == null ? null : to.toInstant().plusMillis(1),
                start,
                size));
        List<IBaseResource> resources = new ArrayList<>();
        for (AuditEventRow row : page.rows()) {
            Decision decision =
                    policy.decide(new AccessRequest(context, "search-type", "AuditEvent", row.patientId, 0, null));
            if (decision.permitted()) {
                resources.add(toFhir(row));
            }
        }
        record(context, "search-type", "AuditEvent", true, "PERMIT-SCOPE", resources.size());
        return new PageBundleProvider(resources, start, size, page.total());
    }

    @Create
    public MethodOutcome create(@ResourceParam AuditEvent event) {
        throw readOnly();
    }

    @Update
    public MethodOutcome update(@IdParam IIdType id, @ResourceParam AuditEvent event) {
        throw readOnly();
    }

    @Delete
    public MethodOutcome delete(@IdParam IIdType id) {
        throw readOnly();
    }

    private static MethodNotAllowedException readOnly() {
        return new MethodNotAllowedException(
                "PT-AUDIT-405: AuditEvent is the server's access audit and cannot be written by clients");
    }

    private void record(ReadContext context, String interaction, String target, boolean permit, String reason, int n) {
        trail.record(new AuditRecord(
                Instant.now(),
                context.principal().subject(),
                context.principal().kind().name(),
                context.principal().fhirUser() != null
                        ? context.principal().fhirUser()
                        : context.principal().clientId(),
                interaction,
                target,
                null,
                context.purpose().name(),
                permit ? "permit" : "deny",
                reason,
                List.of(),
                0,
                List.of(),
                n));
    }

    private static java.util.Optional<Long> parseId(String id) {
        try {
            return java.util.Optional.of(Long.parseLong(id));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    /** A record as a BALP-style AuditEvent. */
    static AuditEvent toFhir(AuditEventRow row) {
        AuditEvent event = new AuditEvent();
        event.setId(Long.toString(row.id));
        event.setType(
                new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"));
        event.addSubtype(new Coding("http://hl7.org/fhir/restful-interaction", subtype(row.interaction), null));
        event.setAction(AuditEvent.AuditEventAction.R);
        event.setRecorded(Date.from(row.recordedAt));
        boolean permit = "permit".equals(row.outcome);
        event.setOutcome(permit ? AuditEvent.AuditEventOutcome._0 : AuditEvent.AuditEventOutcome._4);
        event.setOutcomeDesc(row.reason);
        event.addPurposeOfEvent(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", row.purpose, null)));
        AuditEvent.AuditEventAgentComponent agent = event.addAgent().setRequestor(true);
        agent.setWho(new Reference()
                .setIdentifier(new Identifier()
                        .setSystem("urn:patienttwin:token-subject")
                        .setValue(row.agent)));
        if (row.agentRef != null && row.agentRef.contains("/")) {
            agent.getWho().setReference(row.agentRef);
        } else if (row.agentRef != null) {
            agent.setAltId(row.agentRef);
        }
        agent.setType(new CodeableConcept(new Coding("urn:patienttwin:agent-kind", row.agentKind, null)));
        if (row.basis != null) {
            Arrays.stream(row.basis.split(",")).forEach(id -> agent.addPolicy("urn:patienttwin:basis:" + id));
        }
        event.getSource().setObserver(new Reference().setDisplay("PatientTwin"));
        event.getSource().addType(new Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", null));
        if (row.patientId != null) {
            event.addEntity()
                    .setWhat(new Reference("Patient/" + row.patientId))
                    .setRole(new Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"));
        }
        event.addEntity().setName(row.target).setDescription("requested");
        if (row.entities != null) {
            for (String ref : row.entities.split(",")) {
                event.addEntity()
                        .setWhat(new Reference(ref))
                        .setRole(new Coding(
                                "http://terminology.hl7.org/CodeSystem/object-role", "4", "Domain Resource"));
            }
        }
        if (row.block != null) {
            event.addExtension(CHAIN_BLOCK_EXTENSION, new StringType(Long.toString(row.block)));
        }
        return event;
    }

    private static String subtype(String interaction) {
        switch (interaction) {
            case "read":
            case "vread":
            case "search-type":
            case "history-instance":
            case "history-type":
            case "history-system":
                return interaction;
            default:
                return "operation";
        }
    }
}

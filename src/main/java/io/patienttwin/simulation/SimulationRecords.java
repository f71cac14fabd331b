package io.patienttwin.simulation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.patienttwin.consent.DataCategory;
import io.patienttwin.consent.Purpose;
import io.patienttwin.consent.SensitiveLabel;
import io.patienttwin.identity.Principal;
import io.patienttwin.simulation.model.ModelDefinition;
import io.patienttwin.twin.TwinService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;

/**
 * The record of one {@code $simulate} run, as a FHIR {@code Provenance} (layout in docs/simulation.md):
 * the request (with its effective seed) and the result contained in it, every version the twin read,
 * the consents, grants and chain block that permitted those reads, the model id and version, who ran
 * it, for which purpose and as of which instant. It belongs to the patient's compartment (its target
 * names the Patient) and carries the categories and labels of everything it was derived from, so only a
 * reader of all of that may read it. {@link #read} takes such a record apart again for a rerun.
 */
final class SimulationRecords {

    /** {@code meta.tag} system and code that mark a simulation record. */
    static final String KIND_SYSTEM = "https://patienttwin.io/fhir/CodeSystem/record-kind";

    static final String KIND_SIMULATION = "simulation";

    /** The activity code of a run. */
    static final String ACTIVITY_SYSTEM = "https://patienttwin.io/fhir/CodeSystem/activity";

    /** Extension holding the newest chain block among the permits of the run's reads (decimal text). */
    static final String BLOCK_EXTENSION = "https://patienttwin.io/fhir/StructureDefinition/chain-block";

    /** Prefix of a {@code Provenance.policy} URI naming a consent, grant or break-glass session id. */
    static final String BASIS_PREFIX = "urn:patienttwin:basis:";

    /** Identifier system of the model agent: {@code <model id>|<model version>}. */
    static final String MODEL_SYSTEM = "https://patienttwin.io/fhir/simulation-model";

    /** Identifier system of an OAuth client named as the agent when the caller has no FHIR user. */
    static final String CLIENT_SYSTEM = "https://patienttwin.io/fhir/oauth-client";

    static final String PARTICIPANT_SYSTEM = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    private SimulationRecords() {}

    /** A record taken apart: what a rerun needs. */
    record Recorded(
            String patientId,
            Parameters request,
            Parameters result,
            List<String> versions,
            Instant asOf,
            String modelId,
            String modelVersion) {}

    /** The request as it ran: as given, with the seed made explicit. */
    static Parameters effectiveRequest(Parameters request, SimulationRequest parsed) {
        Parameters effective = request.copy();
        effective.setId((String) null);
        effective.setMeta(null);
        if (effective.getParameter().stream().noneMatch(p -> "seed".equals(p.getName()))) {
            effective.addParameter().setName("seed").setValue(new IntegerType((int) parsed.seed()));
        }
        return effective;
    }

    static Provenance of(
            String patientId,
            Parameters request,
            Parameters result,
            TwinService.Built built,
            Principal principal,
            Purpose purpose,
            ModelDefinition model) {
        Provenance record = new Provenance();
        record.getMeta().addTag(KIND_SYSTEM, KIND_SIMULATION, "simulation record");
        long mask = built.reads().mask();
        for (DataCategory category : DataCategory.values()) {
            if ((mask & category.mask()) != 0) {
                record.getMeta().addTag(DataCategory.SYSTEM, category.code(), null);
            }
        }
        for (SensitiveLabel label : SensitiveLabel.values()) {
            if ((mask & label.mask()) != 0) {
                record.getMeta().addSecurity(SensitiveLabel.SYSTEM, label.name(), null);
            }
        }
        Parameters contained = request.copy();
        contained.setId("request");
        Parameters answer = result.copy();
        answer.setId("result");
        record.addContained(contained);
        record.addContained(answer);
        record.addTarget(new Reference("#result"));
        record.addTarget(new Reference("Patient/" + patientId));
        record.setOccurred(new DateTimeType(Date.from(built.asOf()), TemporalPrecisionEnum.MILLI, UTC));
        record.setRecordedElement(new InstantType(Date.from(built.asOf()), TemporalPrecisionEnum.MILLI, UTC));
        for (String basis : built.reads().basis()) {
            record.addPolicy(BASIS_PREFIX + basis);
        }
        record.addExtension(
                BLOCK_EXTENSION, new StringType(Long.toString(built.reads().block())));
        record.addReason(new CodeableConcept(new Coding(Purpose.SYSTEM, purpose.name(), null)));
        record.setActivity(new CodeableConcept(new Coding(ACTIVITY_SYSTEM, "simulate", "$simulate")));
        Provenance.ProvenanceAgentComponent caller = record.addAgent();
        caller.setType(new CodeableConcept(new Coding(PARTICIPANT_SYSTEM, "author", "Author")));
        if (principal.fhirUser() != null) {
            caller.setWho(new Reference(principal.fhirUser()));
        } else {
            caller.setWho(new Reference()
                    .setIdentifier(new Identifier().setSystem(CLIENT_SYSTEM).setValue(principal.clientId()))
                    .setDisplay(principal.clientId()));
        }
        Provenance.ProvenanceAgentComponent software = record.addAgent();
        software.setType(new CodeableConcept(new Coding(PARTICIPANT_SYSTEM, "assembler", "Assembler")));
        software.setWho(new Reference()
                .setIdentifier(new Identifier().setSystem(MODEL_SYSTEM).setValue(model.id() + "|" + model.version()))
                .setDisplay("PatientTwin model " + model.id() + " " + model.version()));
        record.addEntity().setRole(Provenance.ProvenanceEntityRole.QUOTATION).setWhat(new Reference("#request"));
        for (String version : built.reads().versions()) {
            record.addEntity().setRole(Provenance.ProvenanceEntityRole.SOURCE).setWhat(new Reference(version));
        }
        return record;
    }

    /** Takes a record apart; 422 {@code PT-SIM-422-RECORD} when it is no simulation record of this server. */
    static Recorded read(Provenance record) {
        boolean simulation = record.getMeta().getTag().stream()
                .anyMatch(t -> KIND_SYSTEM.equals(t.getSystem()) && KIND_SIMULATION.equals(t.getCode()));
        if (!simulation) {
            throw notARecord("it is not tagged " + KIND_SYSTEM + "|" + KIND_SIMULATION);
        }
        Parameters request = contained(record, "request");
        Parameters result = contained(record, "result");
        String patientId = null;
        for (Reference target : record.getTarget()) {
            if (target.getReferenceElement().hasResourceType()
                    && "Patient".equals(target.getReferenceElement().getResourceType())) {
                patientId = target.getReferenceElement().getIdPart();
            }
        }
        if (patientId == null) {
            throw notARecord("its target names no Patient");
        }
        List<String> versions = new ArrayList<>();
        for (Provenance.ProvenanceEntityComponent entity : record.getEntity()) {
            if (entity.getRole() == Provenance.ProvenanceEntityRole.SOURCE) {
                versions.add(entity.getWhat().getReference());
            }
        }
        if (!record.hasOccurredDateTimeType()) {
            throw notARecord("it has no occurredDateTime");
        }
        Instant asOf = record.getOccurredDateTimeType().getValue().toInstant();
        String model = null;
        for (Provenance.ProvenanceAgentComponent agent : record.getAgent()) {
            Identifier id = agent.getWho().getIdentifier();
            if (MODEL_SYSTEM.equals(id.getSystem())
                    && id.getValue() != null
                    && id.getValue().contains("|")) {
                model = id.getValue();
            }
        }
        if (model == null) {
            throw notARecord("it names no model agent");
        }
        int bar = model.indexOf('|');
        return new Recorded(
                patientId, request, result, versions, asOf, model.substring(0, bar), model.substring(bar + 1));
    }

    /** The exact text of a result for comparison: its JSON without id or meta. */
    static String canonical(Parameters result) {
        Parameters copy = result.copy();
        copy.setId((String) null);
        copy.setMeta(null);
        return FHIR.newJsonParser().encodeResourceToString(copy);
    }

    private static Parameters contained(Provenance record, String id) {
        for (Resource resource : record.getContained()) {
            String local = resource.getIdElement().getIdPart();
            if (resource instanceof Parameters parameters && (id.equals(local) || ("#" + id).equals(local))) {
                return parameters;
            }
        }
        throw notARecord("it contains no Parameters #" + id);
    }

    private static UnprocessableEntityException notARecord(String why) {
        return new UnprocessableEntityException("PT-SIM-422-RECORD: this Provenance is no simulation record: " + why);
    }

    private static final java.util.TimeZone UTC = java.util.TimeZone.getTimeZone("UTC");
}

package io.patienttwin.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationResult;
import io.patienttwin.consent.ConsentAuthors;
import io.patienttwin.consent.ConsentLedger;
import io.patienttwin.consent.ConsentMapper;
import io.patienttwin.fhir.store.GatedResourceReader;
import io.patienttwin.fhir.store.ResourceStore;
import io.patienttwin.fhir.store.WriteOutcome;
import io.patienttwin.fhir.validation.ProfileValidator;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The FHIR write interactions with their HTTP semantics (conditional create, If-Match, validation on
 * write), each in one database transaction. Reads go straight to the {@link GatedResourceReader}.
 */
@ApplicationScoped
public class ResourceService {

    private final ResourceStore store;
    private final GatedResourceReader reader;
    private final SearchRequests searchRequests;
    private final ProfileValidator validator;
    private final FhirConfig config;
    private final FhirContext fhirContext;
    private final ConsentMapper consents;
    private final ConsentLedger consentLedger;
    private final ConsentAuthors consentAuthors;
    private final CurrentReader currentReader;
    private final IncomingResources incoming;

    public ResourceService(
            ResourceStore store,
            GatedResourceReader reader,
            SearchRequests searchRequests,
            ProfileValidator validator,
            FhirConfig config,
            FhirContext fhirContext,
            ConsentMapper consents,
            ConsentLedger consentLedger,
            ConsentAuthors consentAuthors,
            CurrentReader currentReader,
            IncomingResources incoming) {
        this.store = store;
        this.reader = reader;
        this.searchRequests = searchRequests;
        this.validator = validator;
        this.config = config;
        this.fhirContext = fhirContext;
        this.consents = consents;
        this.consentLedger = consentLedger;
        this.consentAuthors = consentAuthors;
        this.currentReader = currentReader;
        this.incoming = incoming;
    }

    /**
     * Creates a resource; with {@code ifNoneExist} ({@code Type?criteria}) an existing single match
     * among what the writer may read is returned instead, and several such matches are a 412. A match
     * the writer may not read counts as none ({@link GatedResourceReader#matchingIds}).
     */
    @Transactional
    public WriteOutcome create(IBaseResource resource, String ifNoneExist) {
        String type = fhirContext.getResourceType(resource);
        if (ifNoneExist != null && !ifNoneExist.isBlank()) {
            Optional<String> match = singleMatch(type, ifNoneExist);
            if (match.isPresent()) {
                return new WriteOutcome(type, match.get(), 0, null, false, false, null);
            }
        }
        String id = resource instanceof Consent ? ResourceStore.newId() : null;
        prepare(resource, id, true);
        return flushed(store.create(resource, id));
    }

    /**
     * Stores a record the platform writes about the request it answers (see {@link
     * ResourceStore#createRecord}); the caller's reads, not a write of the caller's, are what it rests on.
     */
    @Transactional
    public WriteOutcome record(IBaseResource resource) {
        return flushed(store.createRecord(resource));
    }

    /** Updates (or creates under the client's id) a resource; {@code expectedVersion} comes from If-Match. */
    @Transactional
    public WriteOutcome update(String type, String id, IBaseResource resource, Long expectedVersion) {
        String bodyId = resource.getIdElement().getIdPart();
        if (bodyId == null) {
            throw new InvalidRequestException("PT-FHIR-400-ID: the resource in an update must carry its id");
        }
        if (!bodyId.equals(id)) {
            throw new InvalidRequestException(
                    "PT-FHIR-400-ID: resource id '" + bodyId + "' does not match the URL id '" + id + "'");
        }
        prepare(resource, id);
        return flushed(store.update(type, id, resource, expectedVersion));
    }

    /**
     * Creates a resource under an id the caller has looked up in this transaction and found free ({@link
     * ResourceStore#createUnder}), and leaves its index rows and leaf to the transaction's next {@link
     * #flush}: a batch of such writes costs one round of inserts, not one per resource (the device
     * readings' path). Validated, decided and indexed like any write.
     */
    @Transactional
    public WriteOutcome createUnderFreeId(String id, IBaseResource resource) {
        prepare(resource, id, true);
        return store.createUnder(id, resource);
    }

    /** Writes what the transaction's writes left pending now, so that an error surfaces in the caller. */
    public void flush() {
        store.flushIfAtLeast(1);
    }

    /**
     * Conditional update ({@code PUT Type?criteria}): the one match among what the writer may read is
     * updated; with none, the resource is created (under its own id when it carries one, which must not
     * name an existing resource); several are a 412.
     */
    @Transactional
    public WriteOutcome conditionalUpdate(String type, String criteria, IBaseResource resource) {
        Optional<String> match = singleMatch(type, criteria);
        String bodyId = resource.getIdElement().getIdPart();
        if (match.isPresent()) {
            if (bodyId != null && !bodyId.equals(match.get())) {
                throw new InvalidRequestException(
                        "PT-FHIR-400-ID: resource id '" + bodyId + "' does not match the resource the criteria select");
            }
            resource.setId(type + "/" + match.get());
            prepare(resource, match.get());
            return flushed(store.update(type, match.get(), resource, null));
        }
        if (bodyId != null) {
            // an update under the client's id: the write gate decides on what is stored there, if anything
            prepare(resource, bodyId);
            return flushed(store.update(type, bodyId, resource, null));
        }
        String id = resource instanceof Consent ? ResourceStore.newId() : null;
        prepare(resource, id, true);
        return flushed(store.create(resource, id));
    }

    @Transactional
    public WriteOutcome delete(String type, String id, Long expectedVersion) {
        beforeDelete(type, id);
        return flushed(store.delete(type, id, expectedVersion));
    }

    /**
     * Conditional delete ({@code DELETE Type?criteria}): the one match among what the writer may read is
     * deleted; none deletes nothing; several are a 412 (this server deletes one resource at a time).
     */
    @Transactional
    public WriteOutcome conditionalDelete(String type, String criteria) {
        Optional<String> match = singleMatch(type, criteria);
        if (match.isEmpty()) {
            return new WriteOutcome(type, null, 0, java.time.Instant.now(), false, false, null);
        }
        return delete(type, match.get(), null);
    }

    /**
     * The one resource matching conditional criteria among what the writer may read, empty for none;
     * several are a 412 {@code PT-FHIR-412-CONDITIONAL}.
     */
    Optional<String> singleMatch(String type, String criteria) {
        List<String> matches = reader.matchingIds(
                CurrentReader.contextOf(currentReader), searchRequests.fromConditionalUrl(type, criteria), 2);
        if (matches.size() > 1) {
            throw new PreconditionFailedException(
                    "PT-FHIR-412-CONDITIONAL: " + criteria + " matches more than one " + type);
        }
        return matches.stream().findFirst();
    }

    /**
     * Everything a write does before storing, inside its transaction once the id is known: validation
     * and, for a Consent, its chain lifecycle (recorded, revoked, status and proof set by the server).
     */
    void prepare(IBaseResource resource, String id) {
        prepare(resource, id, false);
    }

    /**
     * As {@link #prepare(IBaseResource, String)}; {@code fresh}: the server has just assigned the id
     * (a create), so nothing is stored under it and nothing needs looking up.
     */
    void prepare(IBaseResource resource, String id, boolean fresh) {
        incoming.prepare(resource, currentReader.serverBase());
        validateOnWrite(resource);
        if (resource instanceof Consent consent) {
            consentAuthors.checkWrite(
                    CurrentReader.principalOf(currentReader),
                    consent,
                    fresh ? Optional.empty() : storedConsentPatient(id));
            consentLedger.beforeStore(id, consent, fresh);
        }
    }

    /** Inside a delete's transaction: deleting a recorded Consent revokes it. */
    void beforeDelete(String type, String id) {
        if ("Consent".equals(type)) {
            consentAuthors.checkDelete(CurrentReader.principalOf(currentReader), storedConsentPatient(id));
            consentLedger.beforeDelete(id);
        }
    }

    /** The patient of the Consent stored under an id (recorded on chain or a draft), if there is one. */
    private Optional<String> storedConsentPatient(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Optional<String> recorded = consentLedger.record(id).map(record -> record.patientId);
        if (recorded.isPresent()) {
            return recorded;
        }
        return reader.currentForUpdate("Consent", id)
                .filter(stored -> !stored.deleted())
                .flatMap(stored -> ConsentMapper.patientOf(
                        fhirContext.newJsonParser().parseResource(Consent.class, stored.json())));
    }

    /** Writes the index rows inside the method, so errors surface here and not at commit. */
    private WriteOutcome flushed(WriteOutcome outcome) {
        store.flushIfAtLeast(1);
        return outcome;
    }

    /**
     * Refuses with 422 a Consent that PatientTwin could not enforce (always), and any resource that
     * breaks R4 or its profiles (when validation on write is switched on).
     */
    void validateOnWrite(IBaseResource resource) {
        if (resource instanceof Consent consent) {
            List<String> problems = consents.problems(consent);
            if (!problems.isEmpty()) {
                OperationOutcome outcome = new OperationOutcome();
                outcome.addIssue()
                        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                        .setCode(OperationOutcome.IssueType.BUSINESSRULE)
                        .setDiagnostics("PT-CONSENT-422: PatientTwin cannot enforce this consent");
                problems.forEach(problem -> outcome.addIssue()
                        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                        .setCode(OperationOutcome.IssueType.BUSINESSRULE)
                        .setDiagnostics(problem)
                        .addExpression(problem.substring(0, problem.indexOf(':'))));
                throw new UnprocessableEntityException(fhirContext, outcome);
            }
        }
        if (!config.validateOnWrite()) {
            return;
        }
        ValidationResult result = validator.validate(resource, null);
        boolean errors = result.getMessages().stream()
                .anyMatch(m ->
                        m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL);
        if (errors) {
            OperationOutcome outcome = (OperationOutcome) result.toOperationOutcome();
            outcome.getIssue()
                    .add(
                            0,
                            new OperationOutcome.OperationOutcomeIssueComponent()
                                    .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                                    .setCode(OperationOutcome.IssueType.INVALID)
                                    .setDiagnostics(
                                            "PT-FHIR-422-VALIDATION: the resource does not conform to R4 or its profiles"));
            throw new UnprocessableEntityException(fhirContext, outcome);
        }
    }
}

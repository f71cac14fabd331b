package io.patienttwin.fhir.store;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.patienttwin.integrity.Leaves;
import io.patienttwin.policy.Sensitivity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;

/**
 * The write side of the FHIR store: create, update and delete of any R4 resource, each producing a
 * new immutable version and fresh search-index rows in the caller's transaction. Version checks take
 * a row lock, so concurrent writers of one resource are serialized and never lose an update.
 *
 * <p>Every write passes the {@link WriteGate} on the version it replaces or deletes (under the row
 * lock) and on the version it stores, before anything changes. A resource of a patient-compartment
 * type is stored only when its patient link resolves to a Patient of this server: a link the store
 * cannot resolve (an identifier alone, a contained or {@code urn:} reference, another server's URL)
 * or no link at all is a 422 {@code PT-FHIR-422-COMPARTMENT}, never data that belongs to nobody.
 */
@ApplicationScoped
public class ResourceStore {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private final FhirContext fhirContext;
    private final SearchIndexer indexer;
    private final PendingWrites pending;
    private final WriteGate gate;
    private final SearchParameterRegistry registry;
    private final NewObservations newObservations;
    /** Whether versions get their integrity leaf (off only to measure what the leaves cost). */
    private final boolean leaves;

    ResourceStore(
            FhirContext fhirContext,
            SearchIndexer indexer,
            PendingWrites pending,
            WriteGate gate,
            SearchParameterRegistry registry,
            NewObservations newObservations,
            @org.eclipse.microprofile.config.inject.ConfigProperty(
                            name = "twin.integrity.leaves",
                            defaultValue = "true")
                    boolean leaves) {
        this.fhirContext = fhirContext;
        this.indexer = indexer;
        this.pending = pending;
        this.gate = gate;
        this.registry = registry;
        this.newObservations = newObservations;
        this.leaves = leaves;
    }

    /** A new server-assigned logical id. */
    public static String newId() {
        return UUID.randomUUID().toString();
    }

    /** Whether a string is a valid FHIR logical id. */
    public static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** Stores a new resource under a fresh server-assigned id, or {@code id} when the caller chose one. */
    @Transactional
    public WriteOutcome create(IBaseResource resource, String id) {
        return create(resource, id, "POST");
    }

    /**
     * Stores a record the platform writes about a request it answered (the Provenance of a
     * {@code $simulate} run), under a fresh id. It is not decided as the caller's write: the caller
     * wrote nothing, and every read the record derives from was decided and audited. Everything else is
     * as for any write: it must belong to a resolved patient when its type can, its sensitivity comes
     * from its body (so a record derived from sensitive reads must carry their categories and labels),
     * and it gets its version leaf. The record's creator is the platform; the caller is named inside it.
     */
    @Transactional
    public WriteOutcome createRecord(IBaseResource resource) {
        FhirResourceEntity entity = new FhirResourceEntity();
        entity.type = fhirContext.getResourceType(resource);
        entity.resourceId = newId();
        entity.version = 0;
        return writeVersion(entity, resource, "POST", true, false);
    }

    private WriteOutcome create(IBaseResource resource, String id, String method) {
        String type = fhirContext.getResourceType(resource);
        String logicalId = id == null ? newId() : requireValidId(id);
        FhirResourceEntity entity = new FhirResourceEntity();
        entity.type = type;
        entity.resourceId = logicalId;
        entity.version = 0;
        return writeVersion(entity, resource, method, true);
    }

    /**
     * Stores a new resource under an id the caller has found free in this transaction (a device reading,
     * whose id its message determines), without {@link #update}'s row-lock query: a concurrent creator of
     * the same id makes this transaction fail on the unique key (the caller retries and then finds it),
     * never two versions 1. Decided by the write gate like any create.
     */
    @Transactional
    public WriteOutcome createUnder(String id, IBaseResource resource) {
        return create(resource, id, "PUT");
    }

    /**
     * Replaces a resource with a new version, or creates it under the client's id when absent.
     *
     * @param expectedVersion the version the client believes current (If-Match), or null to skip the check
     */
    @Transactional
    public WriteOutcome update(String type, String id, IBaseResource resource, Long expectedVersion) {
        requireValidId(id);
        Optional<FhirResourceEntity> existing = lockCurrent(type, id);
        if (existing.isEmpty()) {
            if (expectedVersion != null) {
                throw new PreconditionFailedException("PT-STORE-412: " + type + "/" + id
                        + " does not exist, so version " + expectedVersion + " cannot match");
            }
            return create(resource, id, "PUT");
        }
        FhirResourceEntity entity = existing.get();
        checkVersion(entity, expectedVersion);
        if (!entity.deleted) {
            gate.check("update", stored(entity));
        }
        return writeVersion(entity, resource, "PUT", entity.deleted);
    }

    /**
     * Tells the store that the current transaction will write this Patient (a Bundle writes its POST
     * entries before its PUT entries): resources written before it in the same transaction belong to the
     * organization it names. The Patient's own write is decided as any other, so announcing it grants
     * nothing: if it may not be written, the transaction fails.
     */
    public void expectPatient(String id, Patient patient) {
        gate.patientWritten(id, managingOrganization(patient));
    }

    /** A new version of an existing resource, expected to be at {@code expectedVersion} now. */
    public record Update(String id, IBaseResource resource, long expectedVersion) {}

    /**
     * Stores a new version of each of several existing resources of one type, locked with one query
     * (a system process updating many resources at once: chain confirmations of Consents, which change
     * no patient link; not decided by the write gate). A resource that no longer exists is skipped; one
     * at another version is a 412, as for {@link #update}.
     *
     * @return how many were written
     */
    @Transactional
    public int updateExisting(String type, List<Update> updates) {
        if (updates.isEmpty()) {
            return 0;
        }
        Map<String, FhirResourceEntity> locked = new HashMap<>();
        FhirResourceEntity.<FhirResourceEntity>find(
                        "type = ?1 and resourceId in ?2",
                        type,
                        updates.stream().map(Update::id).toList())
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .stream()
                .forEach(entity -> locked.put(entity.resourceId, entity));
        int written = 0;
        for (Update update : updates) {
            FhirResourceEntity entity = locked.get(update.id());
            if (entity == null) {
                continue;
            }
            checkVersion(entity, update.expectedVersion());
            writeVersion(entity, update.resource(), "PUT", entity.deleted, false);
            written++;
        }
        return written;
    }

    /** Deletes a resource (a new version without body); a missing or already deleted one is a no-op. */
    @Transactional
    public WriteOutcome delete(String type, String id, Long expectedVersion) {
        Optional<FhirResourceEntity> existing = lockCurrent(type, id);
        if (existing.isEmpty()) {
            // as a read of a missing id: the same 403 as a forbidden one wherever the type can hold a patient's data
            if (registry.inPatientCompartment(type)) {
                gate.deny("delete", type, id, "DENY-UNKNOWN");
            }
            return new WriteOutcome(type, id, 0L, Instant.now(), false, false, null);
        }
        FhirResourceEntity entity = existing.get();
        gate.check("delete", stored(entity));
        if (entity.deleted) {
            return new WriteOutcome(type, id, entity.version, Instant.now(), false, false, null);
        }
        checkVersion(entity, expectedVersion);
        Instant now = now();
        entity.version += 1;
        entity.deleted = true;
        entity.lastUpdated = now;
        persistVersion(entity, "DELETE", null);
        pending.reindex(entity.pid, true, type, null);
        return new WriteOutcome(type, id, entity.version, now, false, true, null);
    }

    /** Writes pending index rows if the current transaction has gathered at least {@code threshold}. */
    public void flushIfAtLeast(int threshold) {
        if (pending.size() >= threshold) {
            pending.flush();
        }
    }

    private WriteOutcome writeVersion(
            FhirResourceEntity entity, IBaseResource resource, String method, boolean indexWasEmpty) {
        return writeVersion(entity, resource, method, indexWasEmpty, true);
    }

    /** {@code decided}: the new version passes the write gate (all but a system process's own updates). */
    private WriteOutcome writeVersion(
            FhirResourceEntity entity, IBaseResource resource, String method, boolean indexWasEmpty, boolean decided) {
        Resource r4 = (Resource) resource;
        ResourceIndex index = indexer.index(resource);
        String patientId = "Patient".equals(entity.type) ? entity.resourceId : index.compartmentPatient();
        requireResolvedCompartment(entity.type, index, patientId);
        Set<String> linkedPatients = otherPatients(entity, index, patientId);
        String managingOrganization = r4 instanceof Patient patient ? managingOrganization(patient) : null;
        boolean inCompartment = patientId != null;
        long mask = inCompartment ? Sensitivity.maskOf(r4) : 0;
        if (decided) {
            String interaction = entity.pid == null || entity.deleted ? "create" : "update";
            gate.check(
                    interaction,
                    new WriteGate.Side(entity.type, entity.resourceId, patientId, managingOrganization, mask));
            for (String linked : linkedPatients) {
                gate.checkLinkedPatient(interaction, entity.type, entity.resourceId, linked);
            }
        }
        if ("Patient".equals(entity.type)) {
            gate.patientWritten(entity.resourceId, managingOrganization);
        }
        Instant now = now();
        boolean isNew = entity.pid == null;
        entity.version += 1;
        entity.deleted = false;
        entity.lastUpdated = now;
        r4.setIdElement(new IdType(entity.type, entity.resourceId, Long.toString(entity.version)));
        r4.getMeta().setVersionId(Long.toString(entity.version));
        r4.getMeta().setLastUpdated(java.util.Date.from(now));
        entity.patientId = patientId;
        entity.managingOrganization = managingOrganization;
        entity.category = inCompartment ? Sensitivity.categoryOf(r4).code() : null;
        entity.accessMask = mask;
        entity.securityLabels = r4.getMeta().getSecurity().isEmpty()
                ? null
                : r4.getMeta().getSecurity().stream().map(Coding::getCode).collect(Collectors.joining(","));
        if (isNew) {
            entity.persist();
        }
        String json = fhirContext.newJsonParser().encodeResourceToString(resource);
        persistVersion(entity, method, json);
        pending.reindex(entity.pid, !isNew && !indexWasEmpty, entity.type, index);
        if ("Observation".equals(entity.type) && patientId != null) {
            newObservations.stored(patientId, entity.resourceId);
        }
        return new WriteOutcome(
                entity.type, entity.resourceId, entity.version, now, isNew || indexWasEmpty, true, resource);
    }

    /** The stored side of a write: what the current version of a resource is and whose it is. */
    private static WriteGate.Side stored(FhirResourceEntity entity) {
        return new WriteGate.Side(
                entity.type, entity.resourceId, entity.patientId, entity.managingOrganization, entity.accessMask);
    }

    /**
     * Fails closed on a patient link the store cannot resolve: such a resource would belong to nobody,
     * and so be readable by everybody.
     */
    private void requireResolvedCompartment(String type, ResourceIndex index, String patientId) {
        if (!index.unresolvedCompartmentLinks.isEmpty()) {
            throw new UnprocessableEntityException(
                    "PT-FHIR-422-COMPARTMENT: " + type + "." + index.unresolvedCompartmentLinks.get(0)
                            + " does not resolve to a Patient of this server; a patient link must be a reference"
                            + " Patient/{id} (or a fullUrl of the same transaction)");
        }
        if (patientId == null && registry.inPatientCompartment(type)) {
            throw new UnprocessableEntityException("PT-FHIR-422-COMPARTMENT: a " + type
                    + " belongs to a patient's record and must name its patient ("
                    + String.join(", ", registry.compartmentParams(type)) + ")");
        }
    }

    /**
     * The patients other than its own that a version links in its compartment parameters. A resource
     * belongs to one patient's record, whose consents decide who reads it: one naming a second patient
     * (an Observation of A performed by Patient/B) would put data into B's compartment that B's readers
     * are not asked about, and is refused. A Patient's {@code link} to another patient changes that
     * patient's record too, so it is returned, and the write is decided on each.
     */
    private Set<String> otherPatients(FhirResourceEntity entity, ResourceIndex index, String patientId) {
        Set<String> others = index.compartmentPatients();
        others.remove(patientId);
        if (others.isEmpty() || "Patient".equals(entity.type)) {
            return others;
        }
        throw new UnprocessableEntityException("PT-FHIR-422-COMPARTMENT: a " + entity.type
                + " belongs to one patient's record; this one names Patient/" + patientId + " and Patient/"
                + others.iterator().next() + " in its patient links ("
                + String.join(", ", registry.compartmentParams(entity.type)) + ")");
    }

    /** The id of a Patient's managing organization when it is a relative reference to an Organization. */
    private static String managingOrganization(Patient patient) {
        org.hl7.fhir.instance.model.api.IIdType reference =
                patient.getManagingOrganization().getReferenceElement();
        return "Organization".equals(reference.getResourceType()) && !reference.isAbsolute() && reference.hasIdPart()
                ? reference.getIdPart()
                : null;
    }

    /** Stores a version and queues its integrity leaf (integrity.Leaves) in the same transaction. */
    private void persistVersion(FhirResourceEntity entity, String method, String json) {
        FhirResourceVersionEntity version = new FhirResourceVersionEntity();
        version.key = new FhirResourceVersionEntity.Key(entity.pid, entity.version);
        version.type = entity.type;
        version.resourceId = entity.resourceId;
        version.deleted = json == null;
        version.lastUpdated = entity.lastUpdated;
        version.method = method;
        version.patientId = entity.patientId;
        version.accessMask = entity.accessMask;
        version.body = json;
        version.persist();
        if (!leaves) {
            return;
        }
        pending.leaf(new PendingWrites.Leaf(
                entity.type,
                entity.resourceId,
                entity.version,
                Leaves.version(entity.type, entity.resourceId, entity.version, entity.lastUpdated, json),
                entity.lastUpdated));
    }

    private static Optional<FhirResourceEntity> lockCurrent(String type, String id) {
        return FhirResourceEntity.<FhirResourceEntity>find("type = ?1 and resourceId = ?2", type, id)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResultOptional();
    }

    private static void checkVersion(FhirResourceEntity entity, Long expectedVersion) {
        if (expectedVersion != null && expectedVersion != entity.version) {
            throw new PreconditionFailedException("PT-STORE-412: " + entity.type + "/" + entity.resourceId
                    + " is at version " + entity.version + ", not " + expectedVersion);
        }
    }

    private static String requireValidId(String id) {
        if (!isValidId(id)) {
            throw new InvalidRequestException("PT-STORE-400: invalid resource id '" + id + "'");
        }
        return id;
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}

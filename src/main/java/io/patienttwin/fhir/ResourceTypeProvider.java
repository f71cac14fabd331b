package io.patienttwin.fhir;

import ca.uhn.fhir.rest.annotation.ConditionalUrlParam;
import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.History;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Since;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.annotation.Validate;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.ValidationModeEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import io.patienttwin.fhir.store.WriteOutcome;
import java.util.Date;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;

/**
 * The FHIR interactions of one resource type. One instance per R4 type, all sharing the same
 * services; HAPI binds each instance's methods to its {@link #getResourceType()}.
 */
public class ResourceTypeProvider implements IResourceProvider {

    private final Class<? extends IBaseResource> resourceType;
    private final String typeName;
    protected final ResourceService writes;
    protected final ReadService reads;
    private final ValidateOperation validation;
    private final IntegrityOperations integrity;

    ResourceTypeProvider(
            Class<? extends IBaseResource> resourceType,
            String typeName,
            ResourceService writes,
            ReadService reads,
            ValidateOperation validation,
            IntegrityOperations integrity) {
        this.resourceType = resourceType;
        this.typeName = typeName;
        this.writes = writes;
        this.reads = reads;
        this.validation = validation;
        this.integrity = integrity;
    }

    @Override
    public Class<? extends IBaseResource> getResourceType() {
        return resourceType;
    }

    @Read(version = true)
    public IBaseResource read(@IdParam IIdType id) {
        return id.hasVersionIdPart()
                ? reads.vread(typeName, id.getIdPart(), id.getVersionIdPart())
                : reads.read(typeName, id.getIdPart());
    }

    @Create
    public MethodOutcome create(@ResourceParam IBaseResource resource, @ConditionalUrlParam String ifNoneExist) {
        return outcome(writes.create(resource, ifNoneExist));
    }

    @Update
    public MethodOutcome update(
            @IdParam IIdType id, @ResourceParam IBaseResource resource, @ConditionalUrlParam String conditional) {
        if (conditional != null) {
            return outcome(writes.conditionalUpdate(typeName, conditional, resource));
        }
        if (id == null || !id.hasIdPart()) {
            throw new InvalidRequestException(
                    "PT-FHIR-400-TARGET: PUT needs " + typeName + "/{id} or " + typeName + "?criteria");
        }
        return outcome(writes.update(typeName, id.getIdPart(), resource, expectedVersion(id)));
    }

    @Delete
    public MethodOutcome delete(@IdParam IIdType id, @ConditionalUrlParam String conditional) {
        if (conditional == null && (id == null || !id.hasIdPart())) {
            throw new InvalidRequestException("PT-FHIR-400-TARGET: DELETE needs " + typeName + "/{id} or " + typeName
                    + "?criteria; this server does not delete a whole type");
        }
        WriteOutcome deleted = conditional != null
                ? writes.conditionalDelete(typeName, conditional)
                : writes.delete(typeName, id.getIdPart(), expectedVersion(id));
        String target = deleted.id() == null ? conditional : typeName + "/" + deleted.id();
        MethodOutcome outcome = deleted.id() == null
                ? new MethodOutcome()
                : new MethodOutcome(new IdType(typeName, deleted.id(), Long.toString(deleted.version())));
        outcome.setOperationOutcome(OperationOutcomes.information(
                deleted.changed()
                        ? "PT-FHIR-200-DELETED: " + target + " deleted"
                        : "PT-FHIR-200-NOTHING-DELETED: " + target + " did not exist or was already deleted"));
        return outcome;
    }

    @History
    public IBundleProvider instanceHistory(
            @IdParam IIdType id, @Since Date since, @Count Integer count, @Offset Integer offset) {
        return reads.history(typeName, id.getIdPart(), since, count, offset);
    }

    @History
    public IBundleProvider typeHistory(@Since Date since, @Count Integer count, @Offset Integer offset) {
        return reads.history(typeName, null, since, count, offset);
    }

    @Search(allowUnknownParams = true)
    public IBundleProvider search(RequestDetails request, SummaryEnum summary) {
        return reads.search(typeName, request.getParameters(), summary == SummaryEnum.COUNT);
    }

    @Validate
    public MethodOutcome validate(
            @ResourceParam IBaseResource resource,
            @IdParam(optional = true) IIdType id,
            @Validate.Mode ValidationModeEnum mode,
            @Validate.Profile String profile) {
        return validation.validate(typeName, resource, id, mode, profile);
    }

    /**
     * {@code Type/id/_history/vid/$proof} (or {@code Type/id/$proof} for the current version): the
     * version's integrity leaf, its inclusion path and where the chain holds the root. Read through
     * the gate like a vread of the version.
     */
    @Operation(name = "$proof", idempotent = true)
    public Parameters proof(@IdParam IIdType id) {
        Long version = null;
        if (id.hasVersionIdPart()) {
            try {
                version = Long.parseLong(id.getVersionIdPart());
            } catch (NumberFormatException e) {
                throw new InvalidRequestException("PT-FHIR-400: '" + id.getVersionIdPart() + "' is not a version");
            }
        }
        return integrity.proofOfVersion(typeName, id.getIdPart(), version);
    }

    /**
     * {@code Type/id/$verify-integrity}: every version recomputed from the store and checked against its
     * leaf and the root on chain. Read through the gate like the resource's history.
     */
    @Operation(name = "$verify-integrity", idempotent = true)
    public Parameters verifyIntegrity(@IdParam IIdType id) {
        return integrity.verifyResource(typeName, id.getIdPart());
    }

    private MethodOutcome outcome(WriteOutcome written) {
        // A conditional create that matched an existing resource answers with that resource.
        IBaseResource resource = written.resource() != null ? written.resource() : reads.read(typeName, written.id());
        MethodOutcome outcome = new MethodOutcome(resource.getIdElement());
        outcome.setCreated(written.created());
        outcome.setResource(resource);
        return outcome;
    }

    private static Long expectedVersion(IIdType id) {
        if (!id.hasVersionIdPart()) {
            return null;
        }
        try {
            return Long.parseLong(id.getVersionIdPart());
        } catch (NumberFormatException e) {
            throw new PreconditionFailedException(
                    "PT-FHIR-412: If-Match version '" + id.getVersionIdPart() + "' is not a version");
        }
    }
}

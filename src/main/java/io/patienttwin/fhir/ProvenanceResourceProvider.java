package io.patienttwin.fhir;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Provenance;

/**
 * The Provenance type's interactions plus {@code $reproduce}: the rerun of the simulation a
 * simulation record describes (delegated to {@link TwinOperations}).
 */
public class ProvenanceResourceProvider extends ResourceTypeProvider {

    private final TwinOperations twins;

    ProvenanceResourceProvider(
            ResourceService writes,
            ReadService reads,
            ValidateOperation validation,
            IntegrityOperations integrity,
            TwinOperations twins) {
        super(Provenance.class, "Provenance", writes, reads, validation, integrity);
        this.twins = twins;
    }

    /**
     * {@code GET Provenance/{id}/$reproduce}: reruns the recorded simulation from the recorded versions
     * and says whether the result is the recorded one exactly ({@code reproduced}), with the new result.
     */
    @Operation(name = "$reproduce", idempotent = true)
    public Parameters reproduce(@IdParam IIdType id) {
        return twins.reproduce(id.getIdPart());
    }
}

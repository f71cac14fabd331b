package io.patienttwin.fhir;

import ca.uhn.fhir.model.valueset.BundleTypeEnum;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.UnsignedIntType;

/**
 * The Patient type's interactions plus the patient-compartment operation {@code $everything} and the
 * twin operations {@code $twin} and {@code $simulate} (delegated to {@link TwinOperations}).
 */
public class PatientResourceProvider extends ResourceTypeProvider {

    private final TwinOperations twins;

    PatientResourceProvider(
            ResourceService writes,
            ReadService reads,
            ValidateOperation validation,
            IntegrityOperations integrity,
            TwinOperations twins) {
        super(Patient.class, "Patient", writes, reads, validation, integrity);
        this.twins = twins;
    }

    /** {@code GET Patient/{id}/$twin}: the patient twin as Parameters. */
    @Operation(name = "$twin", idempotent = true)
    public Parameters twin(@IdParam IIdType id) {
        return twins.twin(id.getIdPart());
    }

    /** {@code POST Patient/{id}/$simulate} with a Parameters body: regimens simulated for this patient. */
    @Operation(name = "$simulate", manualRequest = true)
    public Parameters simulate(@IdParam IIdType id, RequestDetails request) {
        byte[] body = request.loadRequestContents();
        if (body == null || body.length == 0) {
            throw new InvalidRequestException("PT-SIM-400-BODY: $simulate needs a Parameters body");
        }
        IBaseResource parsed;
        try {
            parsed = request.getFhirContext().newJsonParser().parseResource(new String(body, StandardCharsets.UTF_8));
        } catch (DataFormatException e) {
            throw new InvalidRequestException("PT-SIM-400-BODY: the body is not a FHIR JSON resource");
        }
        if (!(parsed instanceof Parameters parameters)) {
            throw new InvalidRequestException("PT-SIM-400-BODY: the body must be a Parameters resource");
        }
        return twins.simulate(id.getIdPart(), parameters);
    }

    /** {@code Patient/{id}/$everything}: the Patient and every current resource of its compartment, paged. */
    @Operation(name = "$everything", idempotent = true, bundleType = BundleTypeEnum.SEARCHSET)
    public IBundleProvider everything(
            @IdParam IIdType id,
            @OperationParam(name = "_count") UnsignedIntType count,
            @OperationParam(name = "_offset") UnsignedIntType offset) {
        return reads.everything(
                id.getIdPart(), count == null ? null : count.getValue(), offset == null ? null : offset.getValue());
    }
}

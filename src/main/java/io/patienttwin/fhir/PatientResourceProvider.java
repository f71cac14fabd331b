package io.patienttwin.fhir;

import ca.uhn.fhir.model.valueset.BundleTypeEnum;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.UnsignedIntType;

/** The Patient type's interactions plus the patient-compartment operation {@code $everything}. */
public class PatientResourceProvider extends ResourceTypeProvider {

    PatientResourceProvider(ResourceService writes, ReadService reads, ValidateOperation validation) {
        super(Patient.class, "Patient", writes, reads, validation);
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

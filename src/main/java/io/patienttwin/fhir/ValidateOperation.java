package io.patienttwin.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.ValidationModeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.validation.ValidationResult;
import io.patienttwin.fhir.validation.ProfileValidator;
import jakarta.enterprise.context.ApplicationScoped;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * {@code $validate} for every type: validates the posted resource, or the stored one for
 * {@code Type/id/$validate} without a body. Answers 200 with the issues found (as the FHIR
 * specification asks); an empty issue list means valid.
 */
@ApplicationScoped
public class ValidateOperation {

    private final ProfileValidator validator;
    private final ReadService reads;
    private final FhirContext fhirContext;

    public ValidateOperation(ProfileValidator validator, ReadService reads, FhirContext fhirContext) {
        this.validator = validator;
        this.reads = reads;
        this.fhirContext = fhirContext;
    }

    MethodOutcome validate(String type, IBaseResource posted, IIdType id, ValidationModeEnum mode, String profile) {
        if (mode == ValidationModeEnum.DELETE) {
            throw new InvalidRequestException("PT-FHIR-400-VALIDATE: mode 'delete' is not supported");
        }
        IBaseResource resource = posted;
        if (resource == null) {
            if (id == null || !id.hasIdPart()) {
                throw new InvalidRequestException("PT-FHIR-400-VALIDATE: nothing to validate");
            }
            resource = reads.read(type, id.getIdPart());
        } else if (!fhirContext.getResourceType(resource).equals(type)) {
            throw new InvalidRequestException("PT-FHIR-400-VALIDATE: a " + fhirContext.getResourceType(resource)
                    + " cannot be validated at the " + type + " endpoint");
        }
        ValidationResult result = validator.validate(resource, profile);
        OperationOutcome outcome = (OperationOutcome) result.toOperationOutcome();
        if (result.isSuccessful() && outcome.getIssue().isEmpty()) {
            outcome = OperationOutcomes.information("PT-FHIR-200-VALID: no issues found");
        }
        MethodOutcome methodOutcome = new MethodOutcome();
        methodOutcome.setOperationOutcome(outcome);
        methodOutcome.setResponseStatusCode(200);
        return methodOutcome;
    }
}

package io.patienttwin.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.SystemRestfulInteraction;

/**
 * Completes the generated CapabilityStatement with what HAPI cannot infer from the providers: the
 * one {@code @Transaction} method serves batch Bundles as well.
 */
@Interceptor
public class CapabilityStatementCustomizer {

    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void complete(IBaseConformance generated) {
        CapabilityStatement statement = (CapabilityStatement) generated;
        CapabilityStatement.CapabilityStatementRestComponent rest = statement.getRestFirstRep();
        boolean hasBatch = rest.getInteraction().stream().anyMatch(i -> i.getCode() == SystemRestfulInteraction.BATCH);
        if (!hasBatch) {
            rest.addInteraction().setCode(SystemRestfulInteraction.BATCH);
        }
    }
}

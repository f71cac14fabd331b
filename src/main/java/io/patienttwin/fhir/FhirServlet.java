package io.patienttwin.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ServerCapabilityStatementProvider;
import ca.uhn.fhir.rest.server.util.FhirContextSearchParamRegistry;
import io.patienttwin.consent.ConsentLedger;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.eclipse.microprofile.config.ConfigProvider;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The FHIR R4 REST endpoint at /fhir: HAPI's plain server with one provider per R4 resource type, the
 * system provider, and PatientTwin's error handling. {@link #initialize()} runs before Flyway has
 * migrated, so nothing here touches the database.
 */
@WebServlet(urlPatterns = "/fhir/*", loadOnStartup = 1)
public class FhirServlet extends RestfulServer {

    @Inject
    ResourceService writes;

    @Inject
    ReadService reads;

    @Inject
    ConsentLedger consentLedger;

    @Inject
    ValidateOperation validation;

    @Inject
    IntegrityOperations integrity;

    @Inject
    SystemProvider systemProvider;

    @Inject
    FhirErrorInterceptor errors;

    @Inject
    SmartScopeInterceptor scopes;

    @Inject
    TwinOperations twins;

    @Inject
    ReadContextInterceptor readers;

    @Inject
    io.patienttwin.audit.AuditTrail auditTrail;

    @Inject
    io.patienttwin.policy.PolicyDecisionPoint policy;

    @Inject
    CurrentReader currentReader;

    @Inject
    SearchRequests searchRequests;

    public FhirServlet() {
        super(requestContext());
    }

    /**
     * The context the endpoint parses requests with: its own, strict one ({@link RequestParseErrors});
     * the application's shared context stays lenient for what the store has written itself.
     */
    private static FhirContext requestContext() {
        FhirContext context = io.patienttwin.fhir.store.FhirContextProducer.configure(FhirContext.forR4());
        context.setParserErrorHandler(new RequestParseErrors());
        return context;
    }

    @Override
    protected void initialize() {
        setDefaultResponseEncoding(EncodingEnum.JSON);
        setDefaultPrettyPrint(false);
        // Page sizes are applied by the providers (SearchRequests); config mappings are not yet
        // available while the servlet container boots, so only the plain config is read here.
        ConfigProvider.getConfig()
                .getOptionalValue("twin.fhir.base-url", String.class)
                .ifPresent(base -> setServerAddressStrategy(new HardcodedServerAddressStrategy(base)));
        setServerName("PatientTwin");
        setImplementationDescription("PatientTwin FHIR R4 server");
        registerInterceptor(errors);
        registerInterceptor(scopes);
        registerInterceptor(readers);
        registerInterceptor(new CapabilityStatementCustomizer());
        List<Object> providers = new ArrayList<>();
        FhirContext fhirContext = getFhirContext();
        for (String type : new TreeSet<>(fhirContext.getResourceTypes())) {
            if (type.equals("AuditEvent")) {
                providers.add(
                        new AuditEventResourceProvider(auditTrail, policy, currentReader, searchRequests, integrity));
            } else if (type.equals("Consent")) {
                providers.add(new ConsentResourceProvider(writes, reads, validation, integrity, consentLedger));
            } else if (type.equals("Patient")) {
                providers.add(new PatientResourceProvider(writes, reads, validation, integrity, twins));
            } else if (type.equals("Provenance")) {
                providers.add(new ProvenanceResourceProvider(writes, reads, validation, integrity, twins));
            } else {
                Class<? extends IBaseResource> resourceClass =
                        fhirContext.getResourceDefinition(type).getImplementingClass();
                providers.add(new ResourceTypeProvider(resourceClass, type, writes, reads, validation, integrity));
            }
        }
        registerProviders(providers);
        registerProvider(systemProvider);
        setServerConformanceProvider(
                new ServerCapabilityStatementProvider(this, new FhirContextSearchParamRegistry(fhirContext), null));
    }
}

package io.patienttwin.consent;

import ca.uhn.fhir.context.FhirContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Base64;

/** The consent package's beans, built from configuration. */
@ApplicationScoped
class ConsentBeans {

    @Produces
    @Singleton
    Pseudonyms pseudonyms(ConsentConfig config) {
        return new Pseudonyms(Base64.getDecoder().decode(config.pseudonymSecret()));
    }

    @Produces
    @Singleton
    ConsentMapper consentMapper(FhirContext fhirContext, Pseudonyms pseudonyms) {
        return new ConsentMapper(fhirContext, pseudonyms);
    }
}

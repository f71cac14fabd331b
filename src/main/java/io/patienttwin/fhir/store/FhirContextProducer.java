package io.patienttwin.fhir.store;

import ca.uhn.fhir.context.FhirContext;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The one R4 FhirContext of the application (expensive to build, thread-safe once built). */
public class FhirContextProducer {

    /**
     * Where a version-specific reference is the point and must be stored and answered as written (HAPI
     * strips {@code /_history/n} from references when encoding, by default): what a Provenance says was
     * used and produced is one exact version.
     */
    static final String[] VERSIONED_REFERENCE_PATHS = {"Provenance.entity.what", "Provenance.target"};

    @Produces
    @Singleton
    FhirContext fhirContext() {
        return configure(FhirContext.forR4Cached());
    }

    /** Applies the application's parser options to a context (the shared one and the endpoint's). */
    public static FhirContext configure(FhirContext context) {
        context.getParserOptions().setDontStripVersionsFromReferencesAtPaths(VERSIONED_REFERENCE_PATHS);
        return context;
    }
}

package io.patienttwin.fhir;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Settings of the FHIR REST API at /fhir. */
@ConfigMapping(prefix = "twin.fhir")
public interface FhirConfig {

    /**
     * Public base URL of the FHIR endpoint (e.g. {@code https://twin.example.org/fhir}), used in
     * Bundle links and Location headers. When absent, the base is derived from each request, which is
     * right unless a proxy rewrites the host.
     */
    Optional<String> baseUrl();

    /** Page size of a search when the client sends no {@code _count}. */
    @WithDefault("20")
    int defaultPageSize();

    /** Largest page a client may ask for with {@code _count}; larger values are capped. */
    @WithDefault("500")
    int maximumPageSize();

    /**
     * Validate every created or updated resource against core R4 and fhir-profiles/ before storing
     * it; invalid resources are refused with 422. Costs ~1 ms per small resource once warm.
     */
    @WithDefault("false")
    boolean validateOnWrite();

    /**
     * Largest request body /fhir accepts; larger ones get 413 with an OperationOutcome. Synthea
     * patient bundles reach ~75 MB. (quarkus.http.limits.max-body-size is only the outer backstop.)
     */
    @WithDefault("200M")
    MemorySize maxRequestSize();

    /** Resources per database flush while a large transaction or batch Bundle is written. */
    @WithDefault("500")
    int writeChunkSize();

    /**
     * Time limit of one transaction Bundle (one database transaction), not of single writes (those
     * keep {@code quarkus.transaction-manager.default-transaction-timeout}, 60 s). The largest Synthea
     * record (72 MB, about 30,000 resources) took 50–190 s on the 2-core machines here; a transaction
     * over the limit is rolled back whole and answered 503 {@code PT-FHIR-503-TIMEOUT}.
     */
    @WithDefault("10M")
    java.time.Duration transactionTimeout();
}

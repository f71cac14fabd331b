package io.patienttwin.fhir;

import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.History;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.Since;
import ca.uhn.fhir.rest.annotation.Transaction;
import ca.uhn.fhir.rest.annotation.TransactionParam;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Date;
import org.hl7.fhir.r4.model.Bundle;

/** System-level interactions: transaction/batch Bundles (POST /fhir) and the system history. */
@ApplicationScoped
public class SystemProvider {

    private final BundleProcessor bundles;
    private final ReadService reads;

    public SystemProvider(BundleProcessor bundles, ReadService reads) {
        this.bundles = bundles;
        this.reads = reads;
    }

    @Transaction
    public Bundle transaction(@TransactionParam Bundle bundle, RequestDetails request) {
        return bundles.process(bundle, request);
    }

    @History
    public IBundleProvider history(@Since Date since, @Count Integer count, @Offset Integer offset) {
        return reads.history(null, null, since, count, offset);
    }
}

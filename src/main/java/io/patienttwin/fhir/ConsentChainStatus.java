package io.patienttwin.fhir;

import ca.uhn.fhir.context.FhirContext;
import io.patienttwin.consent.ConsentLedger;
import io.patienttwin.consent.ConsentStateChanged;
import io.patienttwin.fhir.store.GatedResourceReader;
import io.patienttwin.fhir.store.ResourceStore;
import io.patienttwin.fhir.store.StoredResource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.hl7.fhir.r4.model.Consent;

/**
 * Stores a new version of a Consent when the chain confirmed, revoked or rejected it: status and chain
 * proof as the projection now has them. Runs inside the transaction that changed the projection, so the
 * FHIR resource and the projection never disagree after a commit.
 */
@ApplicationScoped
public class ConsentChainStatus {

    private final GatedResourceReader reader;
    private final ResourceStore store;
    private final ConsentLedger consents;
    private final FhirContext fhirContext;

    public ConsentChainStatus(
            GatedResourceReader reader, ResourceStore store, ConsentLedger consents, FhirContext fhirContext) {
        this.reader = reader;
        this.store = store;
        this.consents = consents;
        this.fhirContext = fhirContext;
    }

    void onChange(@Observes ConsentStateChanged change) {
        Optional<StoredResource> stored = reader.currentForUpdate("Consent", change.consentId());
        if (stored.isEmpty() || stored.get().deleted()) {
            return;
        }
        Consent consent = fhirContext
                .newJsonParser()
                .parseResource(Consent.class, stored.get().json());
        if (consents.applyRecordedState(consent, change.consentId())) {
            store.update("Consent", change.consentId(), consent, stored.get().version());
            // written now, not at commit (the connection is released by then), and the persistence
            // context emptied: a long replay stays small; callers keep no managed state across this
            store.flushIfAtLeast(1);
        }
    }
}

package io.patienttwin.fhir;

import ca.uhn.fhir.context.FhirContext;
import io.patienttwin.consent.ConsentLedger;
import io.patienttwin.consent.ConsentStateChanged;
import io.patienttwin.fhir.store.GatedResourceReader;
import io.patienttwin.fhir.store.ResourceStore;
import io.patienttwin.fhir.store.StoredResource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Consent;

/**
 * Stores a new version of a Consent when the chain confirmed, revoked or rejected it: status and chain
 * proof as the projection now has them. Runs inside the transaction that changed the projection, so the
 * FHIR resource and the projection never disagree after a commit.
 */
@ApplicationScoped
public class ConsentChainStatus {

    /** Consents written per batch of index rows. */
    private static final int BATCH = 200;

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
        List<String> ids = change.consentIds();
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + BATCH));
            Map<String, StoredResource> current = reader.currentForUpdate("Consent", batch);
            List<ResourceStore.Update> updates = new ArrayList<>();
            for (String id : batch) {
                StoredResource stored = current.get(id);
                if (stored == null || stored.deleted()) {
                    continue;
                }
                Consent consent = fhirContext.newJsonParser().parseResource(Consent.class, stored.json());
                if (consents.applyRecordedState(consent, id)) {
                    updates.add(new ResourceStore.Update(id, consent, stored.version()));
                }
            }
            store.updateExisting("Consent", updates);
            // written now in one batch, not at commit (the connection is released by then), and the
            // persistence context emptied: a long replay stays small; callers keep no managed state
            // across this
            store.flushIfAtLeast(1);
        }
    }
}

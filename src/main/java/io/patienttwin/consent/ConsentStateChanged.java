package io.patienttwin.consent;

import java.util.List;

/**
 * CDI event, fired inside the transaction that changed consents' recorded state (confirmed, revoked
 * or rejected by the chain): once per range of chain events, naming every consent whose state shown
 * in FHIR changed, so the new versions are written in batches. The FHIR layer observes it and stores
 * each Consent's new status and chain proof ({@link ConsentLedger#applyRecordedState}) in the same
 * transaction.
 */
public record ConsentStateChanged(List<String> consentIds) {

    public ConsentStateChanged {
        consentIds = List.copyOf(consentIds);
    }
}

package io.patienttwin.fhir;

import io.patienttwin.fhir.store.GatedResourceReader;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Resource;
import org.jboss.logging.Logger;

/**
 * In dev mode, makes sure the FHIR resources that the dev realm's users stand for exist:
 * Practitioner/alice, Practitioner/bob and Patient/pat. Leaves them alone once they do.
 */
@IfBuildProfile("dev")
@ApplicationScoped
class DevUsersSeed {

    private static final Logger LOG = Logger.getLogger(DevUsersSeed.class);

    private final ResourceService writes;
    private final GatedResourceReader reader;

    DevUsersSeed(ResourceService writes, GatedResourceReader reader) {
        this.writes = writes;
        this.reader = reader;
    }

    @Transactional
    @ActivateRequestContext
    void seed(@Observes StartupEvent event) {
        Practitioner alice = new Practitioner();
        alice.setId("alice");
        alice.addName().setFamily("Example").addGiven("Alice").addPrefix("Dr.");
        Practitioner bob = new Practitioner();
        bob.setId("bob");
        bob.addName().setFamily("Example").addGiven("Bob").addPrefix("Dr.");
        Patient pat = new Patient();
        pat.setId("pat");
        pat.addName().setFamily("Example").addGiven("Pat");
        pat.setGender(AdministrativeGender.UNKNOWN);
        for (Resource resource : new Resource[] {alice, bob, pat}) {
            String type = resource.fhirType();
            String id = resource.getIdElement().getIdPart();
            if (!reader.exists(type, id)) {
                writes.update(type, id, resource, null);
                LOG.infof("Seeded %s/%s for the dev realm's users", type, id);
            }
        }
    }
}

package io.patienttwin.twin;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import io.patienttwin.fhir.ReadService;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Patient;

/**
 * Builds a patient's twin from the gated read path: the patient's compartment, paged through
 * {@link ReadService#everything}, so the twin sees exactly what the caller may read. No other data
 * access. Cost: one compartment read per call (the twin is not cached).
 */
@ApplicationScoped
public class TwinService {

    /** Page size for reading the compartment. */
    static final int PAGE = 200;

    private final ReadService reads;
    private final Clock clock;

    public TwinService(ReadService reads) {
        this.reads = reads;
        this.clock = Clock.systemUTC();
    }

    /** The twin; 404/410 (from the read path) when the patient does not exist or was deleted. */
    public Twin twin(String patientId) {
        List<IBaseResource> resources = new ArrayList<>();
        Patient patient = null;
        int offset = 0;
        while (true) {
            IBundleProvider page = reads.everything(patientId, PAGE, offset);
            List<IBaseResource> batch = page.getResources(0, PAGE);
            for (IBaseResource resource : batch) {
                if (resource instanceof Patient p
                        && p.getIdElement().getIdPart().equals(patientId)) {
                    patient = p;
                } else {
                    resources.add(resource);
                }
            }
            // the read path may cap the page size: advance by what came back
            offset += batch.size();
            Integer total = page.size();
            if (batch.isEmpty() || total == null || offset >= total) {
                break;
            }
        }
        if (patient == null) {
            patient = (Patient) reads.read("Patient", patientId);
        }
        return TwinBuilder.build(patient, resources, clock.instant());
    }
}

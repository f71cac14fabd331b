package io.patienttwin.twin;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.patienttwin.fhir.ReadService;
import io.patienttwin.fhir.store.ReadReceipts;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Patient;

/**
 * Builds a patient's twin from the gated read path: the patient's compartment (of the types the twin
 * uses, {@link TwinBuilder#INPUT_TYPES}), paged through {@link ReadService#everything}, so the twin sees
 * exactly what the caller may read. No other data access. Cost: one compartment read per call (the twin
 * is not cached). A twin can also be rebuilt from recorded versions ({@link #rebuild}), read through the
 * gate again, for a simulation record's rerun.
 */
@ApplicationScoped
public class TwinService {

    /** Page size for reading the compartment. */
    static final int PAGE = 200;

    /** What a twin reads of the compartment: the Patient and the types it is built from. */
    static final List<String> READ_TYPES = java.util.stream.Stream.concat(
                    java.util.stream.Stream.of("Patient"), TwinBuilder.INPUT_TYPES.stream())
            .toList();

    private final ReadService reads;
    private final Clock clock;

    public TwinService(ReadService reads) {
        this.reads = reads;
        this.clock = Clock.systemUTC();
    }

    /**
     * A twin with what it was built from: the instant it is as of (to the millisecond, so that a record
     * can hold it exactly) and every version, consent and block of the reads it took.
     */
    public record Built(Twin twin, Instant asOf, ReadReceipts.Receipt<Twin> reads) {}

    /** The twin; 404/410 (from the read path) when the patient does not exist or was deleted. */
    public Twin twin(String patientId) {
        return build(patientId).twin();
    }

    /** The twin as of now, with its receipt of reads. */
    public Built build(String patientId) {
        Instant asOf = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        ReadReceipts.Receipt<Twin> receipt = ReadReceipts.collect(() -> read(patientId, asOf));
        return new Built(receipt.value(), asOf, receipt);
    }

    /**
     * The twin rebuilt as of {@code asOf} from exactly the given versions ({@code Type/id/_history/n},
     * one of them the patient's), each read through the gate again (403 when any may no longer be read):
     * a rerun sees what the recorded run saw, not what the record holds today.
     */
    public Twin rebuild(String patientId, List<String> versions, Instant asOf) {
        Patient patient = null;
        List<IBaseResource> resources = new ArrayList<>();
        for (IBaseResource resource : reads.versions("simulation-rerun", versions)) {
            if (resource instanceof Patient p && p.getIdElement().getIdPart().equals(patientId)) {
                patient = p;
            } else {
                resources.add(resource);
            }
        }
        if (patient == null) {
            throw new UnprocessableEntityException(
                    "PT-SIM-422-RECORD: the record names no version of Patient/" + patientId);
        }
        return TwinBuilder.build(patient, resources, asOf);
    }

    private Twin read(String patientId, Instant asOf) {
        List<IBaseResource> resources = new ArrayList<>();
        Patient patient = null;
        int offset = 0;
        while (true) {
            IBundleProvider page = reads.everything(patientId, READ_TYPES, PAGE, offset);
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
        return TwinBuilder.build(patient, resources, asOf);
    }
}

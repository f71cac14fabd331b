package io.patienttwin.device;

import io.patienttwin.consent.Purpose;
import io.patienttwin.device.ReadingParser.Reading;
import io.patienttwin.device.Refusal.Reason;
import io.patienttwin.fhir.CurrentReader;
import io.patienttwin.fhir.ResourceService;
import io.patienttwin.fhir.store.AccessLog;
import io.patienttwin.fhir.store.GatedResourceReader;
import io.patienttwin.fhir.store.StoredResource;
import io.patienttwin.fhir.store.WriteOutcome;
import io.patienttwin.identity.Principal;
import io.patienttwin.policy.ReadContext;
import io.patienttwin.twin.News2;
import io.patienttwin.twin.TwinBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;

/**
 * Stores a batch of readings in one transaction through the normal write path ({@link
 * ResourceService#createUnderFreeId}, so validated, indexed, decided by the write gate and given their
 * integrity leaves; the batch's index rows and leaves are written together),
 * each as the write of its device: a {@link Principal#device device principal} assigned to the patient
 * its Device names at this moment. Each device's stored readings of the batch are one audit record.
 */
@ApplicationScoped
public class ReadingWriter {

    /** What became of one reading. */
    public record Outcome(Reading reading, boolean stored, boolean duplicate, Refusal refusal) {}

    private final ResourceService resources;
    private final CurrentReader currentReader;
    private final DeviceRegistry registry;
    private final GatedResourceReader store;
    private final AccessLog log;
    private final EarlyWarning earlyWarning;
    private final Event<EarlyWarning.Assessed> assessed;

    public ReadingWriter(
            ResourceService resources,
            CurrentReader currentReader,
            DeviceRegistry registry,
            GatedResourceReader store,
            AccessLog log,
            EarlyWarning earlyWarning,
            Event<EarlyWarning.Assessed> assessed) {
        this.resources = resources;
        this.currentReader = currentReader;
        this.registry = registry;
        this.store = store;
        this.log = log;
        this.earlyWarning = earlyWarning;
        this.assessed = assessed;
    }

    /**
     * Writes the readings, in their order. A reading stored before (a redelivery) is a duplicate and
     * changes nothing. Each patient's NEWS2 is then scored on what its devices sent ({@link
     * EarlyWarning}), and an alert it raises is stored in the same transaction and named in the
     * raising device's audit record. Throws when the transaction fails (the caller decides what that
     * means for each).
     */
    @ActivateRequestContext
    @Transactional
    public List<Outcome> write(List<Reading> readings) {
        Set<String> devices = new LinkedHashSet<>();
        List<String> ids = new ArrayList<>();
        for (Reading reading : readings) {
            devices.add(reading.deviceId());
            ids.add(reading.resourceId());
        }
        Map<String, DeviceRegistry.Assignment> assignments = registry.resolve(devices);
        Map<String, StoredResource> existing = store.currentForUpdate("Observation", ids);
        Set<String> seen = new HashSet<>();
        Map<String, List<String>> writtenByDevice = new LinkedHashMap<>();
        Map<String, List<News2.Observed>> vitalsByPatient = new LinkedHashMap<>();
        Map<String, String> lastDeviceOf = new LinkedHashMap<>();
        Instant now = Instant.now();
        List<Outcome> outcomes = new ArrayList<>(readings.size());
        for (Reading reading : readings) {
            DeviceRegistry.Assignment assignment = assignments.get(reading.deviceId());
            if (assignment.refusal() != null) {
                outcomes.add(new Outcome(reading, false, false, assignment.refusal()));
                continue;
            }
            String patient = "Patient/" + assignment.patientId();
            var observation = reading.observation();
            if (observation.hasSubject()
                    && !patient.equals(observation.getSubject().getReference())) {
                outcomes.add(new Outcome(
                        reading,
                        false,
                        false,
                        Refusal.of(
                                Reason.SUBJECT_MISMATCH,
                                "the Observation names "
                                        + observation.getSubject().getReference() + ", but Device/" + reading.deviceId()
                                        + " is assigned to another patient")));
                continue;
            }
            String id = reading.resourceId();
            if (existing.containsKey(id) || !seen.add(id)) {
                outcomes.add(new Outcome(reading, false, true, null));
                continue;
            }
            observation.setSubject(new Reference(patient));
            currentReader.set(contextOf(reading.deviceId(), assignment.patientId(), now));
            // the id was looked up above and is free: no lock query per reading, one flush per batch
            WriteOutcome written = resources.createUnderFreeId(id, observation);
            vitalsByPatient
                    .computeIfAbsent(assignment.patientId(), p -> new ArrayList<>())
                    .addAll(TwinBuilder.news2((Observation) written.resource()));
            lastDeviceOf.put(assignment.patientId(), reading.deviceId());
            writtenByDevice
                    .computeIfAbsent(reading.deviceId(), d -> new ArrayList<>())
                    .add("Observation/" + id);
            outcomes.add(new Outcome(reading, true, false, null));
        }
        resources.flush();
        List<EarlyWarning.Assessment> assessments = new ArrayList<>();
        vitalsByPatient.forEach((patientId, vitals) -> {
            EarlyWarning.Assessment assessment = earlyWarning.assess(patientId, vitals, now);
            if (assessment.raise()) {
                String device = lastDeviceOf.get(patientId);
                WriteOutcome alert = resources.record(EarlyWarning.alert(patientId, device, assessment.score()));
                writtenByDevice.get(device).add("RiskAssessment/" + alert.id());
            }
            assessments.add(assessment);
        });
        assessed.fire(new EarlyWarning.Assessed(assessments));
        writtenByDevice.forEach((device, entities) -> {
            String patientId = assignments.get(device).patientId();
            log.written(
                    contextOf(device, patientId, now), "device-reading", entities, patientId, "PERMIT-DEVICE-ASSIGNED");
        });
        return outcomes;
    }

    private static ReadContext contextOf(String deviceId, String patientId, Instant at) {
        return new ReadContext(Principal.device(deviceId, patientId), Purpose.TREAT, null, at);
    }
}

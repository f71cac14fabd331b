package io.patienttwin.device;

import ca.uhn.fhir.context.FhirContext;
import io.patienttwin.device.Refusal.Reason;
import io.patienttwin.fhir.store.GatedResourceReader;
import io.patienttwin.fhir.store.StoredResource;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.Device;

/**
 * Which patient a device is assigned to now, from its FHIR {@code Device} (id = the device's broker user
 * name): the Device must be stored, {@code active}, and name in {@code patient} a Patient this server
 * holds. A Device is in its patient's compartment, so only the patient's custodian (or the patient)
 * could have written that assignment. Looked up for every batch inside its transaction, so a device
 * moved to another patient or deactivated writes nothing more for the old one from the next batch on.
 * Fails closed: anything unresolved is a refusal.
 */
@ApplicationScoped
public class DeviceRegistry {

    /** The device's patient, or why it has none. */
    public record Assignment(String deviceId, String patientId, Refusal refusal) {}

    private final GatedResourceReader store;
    private final FhirContext fhir;

    public DeviceRegistry(GatedResourceReader store, FhirContext fhir) {
        this.store = store;
        this.fhir = fhir;
    }

    /** The assignment of each device, in one query for the Devices. */
    public Map<String, Assignment> resolve(Collection<String> deviceIds) {
        Map<String, StoredResource> devices = store.currentForUpdate("Device", deviceIds);
        Map<String, Assignment> assignments = new HashMap<>();
        for (String id : deviceIds) {
            assignments.put(id, assignment(id, devices.get(id)));
        }
        return assignments;
    }

    private Assignment assignment(String id, StoredResource stored) {
        if (stored == null || stored.deleted()) {
            return refused(id, Reason.UNREGISTERED_DEVICE, "no Device/" + id + " is registered");
        }
        Device device = fhir.newJsonParser().parseResource(Device.class, stored.json());
        if (device.getStatus() != Device.FHIRDeviceStatus.ACTIVE) {
            return refused(id, Reason.DEVICE_NOT_ASSIGNED, "Device/" + id + " is not active");
        }
        String reference = device.getPatient().getReference();
        if (reference == null || !reference.startsWith("Patient/")) {
            return refused(id, Reason.DEVICE_NOT_ASSIGNED, "Device/" + id + " is not assigned to a patient");
        }
        String patientId = reference.substring("Patient/".length());
        if (!store.exists("Patient", patientId)) {
            return refused(
                    id, Reason.DEVICE_NOT_ASSIGNED, "Device/" + id + " names a patient this server does not hold");
        }
        return new Assignment(id, patientId, null);
    }

    private static Assignment refused(String id, Reason reason, String detail) {
        return new Assignment(id, null, Refusal.of(reason, detail));
    }
}

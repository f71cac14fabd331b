package io.patienttwin.device;

import io.patienttwin.fhir.store.ObservationsCommitted;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * Who wants to hear of a patient's new Observations: the portal's live twin streams. Told after any
 * transaction that stored Observations of the patient committed ({@link ObservationsCommitted}: device
 * readings, an EHR system's writes, Bundles), with their ids only: a listener learns that something new
 * exists, never its content, and must read it through the gate like any other read. Of a transaction
 * that stored more than {@link #MAX_PER_COMMIT} of one patient's Observations (a bulk load), only the
 * last ones written are told: a live view shows what is recent, not a record's backlog.
 *
 * <p>In-process: a listener hears the Observations this node stored. With several nodes, a stream
 * opened on another node than the writer's hears nothing (docs/architecture.md, "Devices").
 */
@ApplicationScoped
public class LiveReadings {

    private final Map<String, Set<Consumer<List<String>>>> listeners = new ConcurrentHashMap<>();

    /** Listens to a patient's new readings until the returned handle is closed. */
    public AutoCloseable listen(String patientId, Consumer<List<String>> listener) {
        listeners.computeIfAbsent(patientId, p -> new CopyOnWriteArraySet<>()).add(listener);
        return () -> listeners.computeIfPresent(patientId, (p, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    /** How many streams listen, over all patients. */
    public int listening() {
        return listeners.values().stream().mapToInt(Set::size).sum();
    }

    /** Observations of one patient and commit told at most. */
    static final int MAX_PER_COMMIT = 200;

    void committed(@Observes ObservationsCommitted event) {
        List<String> observations = event.observations();
        int size = observations.size();
        stored(
                event.patientId(),
                size > MAX_PER_COMMIT ? observations.subList(size - MAX_PER_COMMIT, size) : observations);
    }

    /** Tells the patient's listeners of newly stored Observations ({@code Observation/{id}}). */
    void stored(String patientId, List<String> observations) {
        Set<Consumer<List<String>>> set = listeners.get(patientId);
        if (set == null || observations.isEmpty()) {
            return;
        }
        List<String> copy = List.copyOf(observations);
        for (Consumer<List<String>> listener : set) {
            listener.accept(copy);
        }
    }
}

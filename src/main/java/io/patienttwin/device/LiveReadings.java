package io.patienttwin.device;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * Who wants to hear of a patient's new device readings: the portal's live twin streams. Told after the
 * readings' transaction committed, with the ids of the stored Observations only: a listener learns that
 * something new exists, never its content, and must read it through the gate like any other read.
 *
 * <p>In-process: a listener hears the readings this node stored. With several nodes, the node that holds
 * the broker subscription stores every reading (one persistent session, one client id), so a stream
 * opened on another node hears nothing (docs/architecture.md, "Devices").
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

package io.patienttwin.device;

import io.patienttwin.consent.ProjectionChanges;
import io.patienttwin.fhir.store.ObservationsCommitted;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * Who wants to hear of a patient's new Observations: the portal's live twin streams. Told after any
 * transaction that stored Observations of the patient committed, on any node ({@link
 * ObservationsCommitted}: device readings, an EHR system's writes, Bundles; at most 200 of a patient per
 * transaction), with their ids only: a listener learns that something new exists, never its content,
 * and must read it through the gate like any other read. On PostgreSQL the news comes by {@code NOTIFY}
 * to every node, so a live page served by one node hears what another stored; on H2 (dev mode, one
 * node) by an event after the commit.
 */
@ApplicationScoped
public class LiveReadings {

    /** A live stream's ears. */
    public interface Listener {
        /** New Observations of the patient ({@code Observation/{id}}). */
        void stored(List<String> observations);

        /** News may have been lost (this node stopped listening for a while): look for what is new. */
        void missed();
    }

    private final Map<String, Set<Listener>> listeners = new ConcurrentHashMap<>();

    /** Listens to a patient's new readings until the returned handle is closed. */
    public AutoCloseable listen(String patientId, Listener listener) {
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

    private final ProjectionChanges changes;

    public LiveReadings(ProjectionChanges changes) {
        this.changes = changes;
    }

    /** Hears every node's new Observations (PostgreSQL), subscribed before the application listens. */
    void subscribe(@Observes @Priority(1) StartupEvent event) {
        changes.subscribe(
                ObservationsCommitted.CHANNEL,
                payload -> committed(ObservationsCommitted.parse(payload)),
                this::missed);
    }

    /** The node listens again after a gap: every listener may have missed news. */
    void missed() {
        listeners.values().forEach(set -> set.forEach(Listener::missed));
    }

    /** New Observations: every node's by NOTIFY, or this node's by an event where there is none (H2). */
    void committed(@Observes ObservationsCommitted event) {
        stored(event.patientId(), event.observations());
    }

    /** Tells the patient's listeners of newly stored Observations ({@code Observation/{id}}). */
    void stored(String patientId, List<String> observations) {
        Set<Listener> set = listeners.get(patientId);
        if (set == null || observations.isEmpty()) {
            return;
        }
        List<String> copy = List.copyOf(observations);
        for (Listener listener : set) {
            listener.stored(copy);
        }
    }
}

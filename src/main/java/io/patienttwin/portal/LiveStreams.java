package io.patienttwin.portal;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patienttwin.consent.AccessIndex;
import io.patienttwin.consent.Purpose;
import io.patienttwin.device.LiveReadings;
import io.patienttwin.fhir.CurrentReader;
import io.patienttwin.fhir.ReadService;
import io.patienttwin.identity.Principal;
import io.patienttwin.policy.ReadContext;
import io.patienttwin.twin.TwinBuilder;
import io.patienttwin.twin.TwinInput;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Observation;
import org.jboss.logging.Logger;

/**
 * The live twin streams: each stream hears of its patient's new Observations, whoever stored them and
 * on whichever node ({@link LiveReadings}), and reads each new Observation through the gate as its viewer, with the purpose that holds at that
 * moment (ETREAT during the viewer's break-glass session, else TREAT) — a read like any other, decided
 * and audited. An Observation the viewer may not see (a category or a label its consent leaves out) is
 * skipped; once the viewer may no longer read the patient (consent revoked, grant ended), the stream
 * ends with an {@code end} event (the page stops listening); the
 * viewer's session expiry ends it without one (the browser reconnects and is authenticated again).
 */
@ApplicationScoped
public class LiveStreams {

    private static final Logger LOG = Logger.getLogger(LiveStreams.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LiveReadings live;
    private final ReadService reads;
    private final CurrentReader reader;
    private final AccessIndex access;
    private final int maxStreams;
    private final long heartbeatSeconds;
    private final ExecutorService readers;
    private final ScheduledExecutorService timers;

    LiveStreams(
            LiveReadings live,
            ReadService reads,
            CurrentReader reader,
            AccessIndex access,
            @ConfigProperty(name = "twin.portal.live.max-streams", defaultValue = "500") int maxStreams,
            @ConfigProperty(name = "twin.portal.live.heartbeat-seconds", defaultValue = "20") long heartbeatSeconds) {
        this.live = live;
        this.reads = reads;
        this.reader = reader;
        this.access = access;
        this.maxStreams = maxStreams;
        this.heartbeatSeconds = heartbeatSeconds;
        this.readers = Executors.newFixedThreadPool(2, daemon("live-twin-read"));
        this.timers = Executors.newSingleThreadScheduledExecutor(daemon("live-twin-timer"));
    }

    /** Whether another stream may open (false: the node holds its maximum). */
    boolean hasRoom() {
        return live.listening() < maxStreams;
    }

    /** Starts a stream of a patient's readings for a viewer until denial, session expiry or disconnect. */
    void open(String patientId, Principal viewer, Instant sessionExpires, SseEventSink sink, Sse sse) {
        Stream stream = new Stream(patientId, viewer, sink, sse);
        stream.registration = live.listen(patientId, stream::heard);
        long untilExpiry = Math.max(0, sessionExpires.toEpochMilli() - System.currentTimeMillis());
        stream.expiry = timers.schedule(() -> stream.close(null), untilExpiry, TimeUnit.MILLISECONDS);
        stream.heartbeat =
                timers.scheduleAtFixedRate(stream::heartbeat, heartbeatSeconds, heartbeatSeconds, TimeUnit.SECONDS);
        stream.send(sse.newEventBuilder()
                .name("ready")
                .data("{\"patient\":\"" + patientId + "\"}")
                .build());
    }

    @PreDestroy
    void stop() {
        timers.shutdownNow();
        readers.shutdownNow();
    }

    private final class Stream {
        final String patientId;
        final Principal viewer;
        final SseEventSink sink;
        final Sse sse;
        final ArrayDeque<List<String>> pending = new ArrayDeque<>();
        final AtomicBoolean closed = new AtomicBoolean();
        boolean draining;
        AutoCloseable registration;
        ScheduledFuture<?> expiry;
        ScheduledFuture<?> heartbeat;

        Stream(String patientId, Principal viewer, SseEventSink sink, Sse sse) {
            this.patientId = patientId;
            this.viewer = viewer;
            this.sink = sink;
            this.sse = sse;
        }

        /** On the ingestion thread: queue and hand over, never read here. */
        void heard(List<String> observations) {
            synchronized (this) {
                if (closed.get()) {
                    return;
                }
                pending.add(observations);
                if (draining) {
                    return;
                }
                draining = true;
            }
            readers.execute(this::drain);
        }

        private void drain() {
            while (true) {
                List<String> next;
                synchronized (this) {
                    next = pending.poll();
                    if (next == null || closed.get()) {
                        draining = false;
                        return;
                    }
                }
                deliver(next);
            }
        }

        /** Reads each new Observation through the gate as the viewer; sends what it may see. */
        private void deliver(List<String> observations) {
            ManagedContext request = Arc.container().requestContext();
            request.activate();
            try {
                Instant now = Instant.now();
                reader.set(new ReadContext(viewer, purpose(now), null, now));
                ArrayNode points = JSON.createArrayNode();
                for (String reference : observations) {
                    String id = reference.substring(reference.indexOf('/') + 1);
                    Observation observation;
                    try {
                        observation = (Observation) reads.read("Observation", id);
                    } catch (BaseServerResponseException e) {
                        if (e.getStatusCode() == 404 || e.getStatusCode() == 410) {
                            continue;
                        }
                        if (e.getStatusCode() == 403 && mayStillReadPatient()) {
                            // this one is not the viewer's to see (a category or label the consent leaves
                            // out): skipped, as a search leaves it out; the stream goes on
                            continue;
                        }
                        // 403 (consent revoked, grant ended) or the audit cannot record (503): nothing more
                        close("PT-LIVE-" + e.getStatusCode() + ": this patient's data may no longer be shown");
                        return;
                    }
                    for (TwinInput measure : TwinBuilder.measures(observation)) {
                        ObjectNode point = points.addObject()
                                .put("name", measure.name())
                                .put("y", measure.number())
                                .put("unit", measure.unit())
                                .put("source", reference);
                        if (measure.time() != null) {
                            point.put("t", measure.time().toString());
                        }
                    }
                }
                if (!points.isEmpty()) {
                    send(sse.newEventBuilder()
                            .name("reading")
                            .data(points.toString())
                            .build());
                }
            } catch (RuntimeException e) {
                LOG.warnf("PT-LIVE-500: live stream of Patient/%s: %s", patientId, e.toString());
                close("PT-LIVE-500: live updates failed; reload the page");
            } finally {
                request.terminate();
            }
        }

        /**
         * After a denied Observation: whether the viewer may still read the patient at all (a read of the
         * Patient, decided and audited like the one that opened the stream). A denial here, or any error,
         * ends the stream.
         */
        private boolean mayStillReadPatient() {
            try {
                reads.read("Patient", patientId);
                return true;
            } catch (BaseServerResponseException e) {
                return false;
            }
        }

        private Purpose purpose(Instant now) {
            return access.sessionsOf(viewer.subject(), now).stream()
                            .anyMatch(s -> s.patientId().equals(patientId))
                    ? Purpose.ETREAT
                    : Purpose.TREAT;
        }

        void heartbeat() {
            send(sse.newEventBuilder().comment("keep-alive").build());
        }

        void send(OutboundSseEvent event) {
            if (closed.get()) {
                return;
            }
            if (sink.isClosed()) {
                close(null);
                return;
            }
            sink.send(event).exceptionally(failure -> {
                close(null); // the browser went away
                return null;
            });
        }

        /** Ends the stream: with an {@code end} event naming the reason, or silently (reason null). */
        void close(String reason) {
            if (reason != null && !closed.get() && !sink.isClosed()) {
                sink.send(sse.newEventBuilder()
                        .name("end")
                        .data(JSON.createObjectNode().put("reason", reason).toString())
                        .build());
            }
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                if (registration != null) {
                    registration.close();
                }
            } catch (Exception e) {
                LOG.debugf("closing a live registration: %s", e.toString());
            }
            if (expiry != null) {
                expiry.cancel(false);
            }
            if (heartbeat != null) {
                heartbeat.cancel(false);
            }
            sink.close();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}

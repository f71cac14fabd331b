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
    private final java.util.concurrent.atomic.AtomicLong catchUps = new java.util.concurrent.atomic.AtomicLong();

    /** Queued for a look at what is new since the last reading sent, instead of a list of ids. */
    private static final List<String> CATCH_UP = new java.util.ArrayList<>();

    /** How far back a reconnecting browser's {@code Last-Event-ID} is honoured. */
    static final java.time.Duration MAX_CATCH_UP = java.time.Duration.ofHours(1);
    /** At most this many readings per catch-up (a page reloads for more). */
    static final int MAX_CATCH_UP_READINGS = 200;
    /** How much earlier than the last reading sent a catch-up looks (stamped before commit). */
    static final java.time.Duration COMMIT_SKEW = java.time.Duration.ofSeconds(5);

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

    /**
     * Starts a stream of a patient's readings for a viewer until denial, session expiry or disconnect.
     * {@code since}: the instant of the last reading the browser had (its {@code Last-Event-ID}, after a
     * reconnect), or null: what is newer is sent first, read through the gate as a search.
     */
    void open(String patientId, Principal viewer, Instant sessionExpires, Instant since, SseEventSink sink, Sse sse) {
        Instant now = Instant.now();
        boolean catchUp = since != null && since.isBefore(now);
        Instant from = catchUp && since.isBefore(now.minus(MAX_CATCH_UP)) ? now.minus(MAX_CATCH_UP) : since;
        Stream stream = new Stream(patientId, viewer, sink, sse, catchUp ? from : now);
        stream.registration = live.listen(patientId, stream);
        long untilExpiry = Math.max(0, sessionExpires.toEpochMilli() - System.currentTimeMillis());
        stream.expiry = timers.schedule(() -> stream.close(null), untilExpiry, TimeUnit.MILLISECONDS);
        stream.heartbeat =
                timers.scheduleAtFixedRate(stream::heartbeat, heartbeatSeconds, heartbeatSeconds, TimeUnit.SECONDS);
        stream.send(sse.newEventBuilder()
                .name("ready")
                .data("{\"patient\":\"" + patientId + "\"}")
                .build());
        if (catchUp) {
            stream.missed();
        }
    }

    /** How many times a stream looked for readings it may have missed (a reconnect, a lost NOTIFY). */
    public long catchUps() {
        return catchUps.get();
    }

    @PreDestroy
    void stop() {
        timers.shutdownNow();
        readers.shutdownNow();
    }

    private final class Stream implements LiveReadings.Listener {
        final String patientId;
        final Principal viewer;
        final SseEventSink sink;
        final Sse sse;
        final ArrayDeque<List<String>> pending = new ArrayDeque<>();
        final AtomicBoolean closed = new AtomicBoolean();
        /** Ids of the readings sent lately (a catch-up overlaps what the stream already sent). */
        final java.util.LinkedHashSet<String> sent = new java.util.LinkedHashSet<>();
        /** When the newest reading sent was stored; a catch-up looks from here on. Reader thread only. */
        Instant cursor;

        boolean draining;
        AutoCloseable registration;
        ScheduledFuture<?> expiry;
        ScheduledFuture<?> heartbeat;

        Stream(String patientId, Principal viewer, SseEventSink sink, Sse sse, Instant cursor) {
            this.patientId = patientId;
            this.viewer = viewer;
            this.sink = sink;
            this.sse = sse;
            this.cursor = cursor;
        }

        /** On the listening thread: queue and hand over, never read here. */
        @Override
        public void stored(List<String> observations) {
            enqueue(observations);
        }

        @Override
        public void missed() {
            enqueue(CATCH_UP);
        }

        private void enqueue(List<String> work) {
            synchronized (this) {
                if (closed.get()) {
                    return;
                }
                pending.add(work);
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
                inRequest(() -> {
                    if (next == CATCH_UP) {
                        catchUp();
                    } else {
                        deliver(next);
                    }
                });
            }
        }

        /** Runs work as the viewer, in a request context of its own. */
        private void inRequest(Runnable work) {
            ManagedContext request = Arc.container().requestContext();
            request.activate();
            try {
                Instant now = Instant.now();
                reader.set(new ReadContext(viewer, purpose(now), null, now));
                work.run();
            } catch (RuntimeException e) {
                LOG.warnf("PT-LIVE-500: live stream of Patient/%s: %s", patientId, e.toString());
                close("PT-LIVE-500: live updates failed; reload the page");
            } finally {
                request.terminate();
            }
        }

        /** Reads each new Observation through the gate as the viewer; sends what it may see. */
        private void deliver(List<String> observations) {
            List<Observation> readable = new java.util.ArrayList<>();
            for (String reference : observations) {
                String id = reference.substring(reference.indexOf('/') + 1);
                if (sent.contains(id)) {
                    continue;
                }
                try {
                    readable.add((Observation) reads.read("Observation", id));
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
            }
            send(readable);
        }

        /**
         * Looks for what is new since the last reading sent, as a search of the patient's Observations
         * through the gate (what the viewer may not see is left out, as in any search), and sends it.
         * Looks a little earlier than the cursor: a version is stamped before its transaction commits.
         */
        private void catchUp() {
            catchUps.incrementAndGet();
            java.util.Map<String, String[]> parameters = new java.util.HashMap<>();
            parameters.put("patient", new String[] {patientId});
            parameters.put("_lastUpdated", new String[] {"ge" + cursor.minus(COMMIT_SKEW)});
            parameters.put("_sort", new String[] {"_lastUpdated"});
            parameters.put("_count", new String[] {Integer.toString(MAX_CATCH_UP_READINGS)});
            ca.uhn.fhir.rest.api.server.IBundleProvider found = reads.search("Observation", parameters, false);
            List<Observation> readable = new java.util.ArrayList<>();
            for (org.hl7.fhir.instance.model.api.IBaseResource resource :
                    found.getResources(0, MAX_CATCH_UP_READINGS)) {
                if (resource instanceof Observation observation
                        && !sent.contains(observation.getIdElement().getIdPart())) {
                    readable.add(observation);
                }
            }
            send(readable);
        }

        /** Sends the points of Observations read for the viewer, as one event whose id is the cursor. */
        private void send(List<Observation> observations) {
            ArrayNode points = JSON.createArrayNode();
            for (Observation observation : observations) {
                String id = observation.getIdElement().getIdPart();
                remember(id);
                if (observation.getMeta().hasLastUpdated()) {
                    Instant stored = observation.getMeta().getLastUpdated().toInstant();
                    if (stored.isAfter(cursor)) {
                        cursor = stored;
                    }
                }
                for (TwinInput measure : TwinBuilder.measures(observation)) {
                    ObjectNode point = points.addObject()
                            .put("name", measure.name())
                            .put("y", measure.number())
                            .put("unit", measure.unit())
                            .put("source", "Observation/" + id);
                    if (measure.time() != null) {
                        point.put("t", measure.time().toString());
                    }
                }
            }
            if (!points.isEmpty()) {
                send(sse.newEventBuilder()
                        .name("reading")
                        .id(cursor.toString())
                        .data(points.toString())
                        .build());
            }
        }

        private void remember(String id) {
            sent.add(id);
            if (sent.size() > MAX_CATCH_UP_READINGS * 2) {
                java.util.Iterator<String> oldest = sent.iterator();
                oldest.next();
                oldest.remove();
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

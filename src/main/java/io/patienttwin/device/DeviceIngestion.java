package io.patienttwin.device;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.patienttwin.device.ReadingParser.Parsed;
import io.patienttwin.device.ReadingParser.Reading;
import io.patienttwin.device.ReadingWriter.Outcome;
import io.patienttwin.device.Refusal.Reason;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.jboss.logging.Logger;

/**
 * Consumes device readings from the MQTT broker and stores them; see docs/architecture.md, "Devices".
 *
 * <p>At least once, stored once: the node keeps a persistent session (clean session off, a stable client
 * id), subscribes with QoS 1 and acknowledges a message only after the transaction that stored it
 * committed, or after its dead letter was sent. A node killed in between gets the message again from
 * the broker, and the reading's key makes the second write a duplicate that changes nothing. A failure
 * of the store (database down, audit unavailable) acknowledges nothing: the batch is retried with
 * backoff until it can be written, and the broker holds back the rest (its in-flight window).
 *
 * <p>A message that is no reading — malformed, from an unregistered or unassigned device, on a wrong
 * topic, naming another patient, refused by the write gate — is never stored: it is counted by reason
 * and published with its reason to {@code dead-letter/devices/{deviceId}}.
 */
@ApplicationScoped
public class DeviceIngestion {

    private static final Logger LOG = Logger.getLogger(DeviceIngestion.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** What the node has done since it started. */
    public record Status(
            boolean enabled,
            boolean connected,
            long received,
            long stored,
            long duplicates,
            long acksOfLostConnections,
            Map<Reason, Long> refused,
            String lastError) {}

    /** A message as received, with the connection it came on: only that connection can acknowledge it. */
    private record Delivery(MqttPublishMessage message, MqttClient via, Context context, Instant receivedAt) {}

    private final DeviceConfig config;
    private final Vertx vertx;
    private final ReadingWriter writer;
    private final ReadingParser parser;
    private final ObjectMapper json = new ObjectMapper();

    private final BlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final LongAdder received = new LongAdder();
    private final LongAdder stored = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder staleAcks = new LongAdder();
    private final Map<Reason, LongAdder> refused = new EnumMap<>(Reason.class);
    private volatile boolean connected;
    private volatile String lastError;
    private volatile MqttClient client;
    private Thread worker;
    private long reconnectDelayMs;

    public DeviceIngestion(DeviceConfig config, Vertx vertx, ReadingWriter writer, FhirContext fhir) {
        this.config = config;
        this.vertx = vertx;
        this.writer = writer;
        this.parser = new ReadingParser(fhir, Clock.systemUTC(), config.maxClockSkew());
        for (Reason reason : Reason.values()) {
            refused.put(reason, new LongAdder());
        }
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled() || !running.compareAndSet(false, true)) {
            return;
        }
        worker = new Thread(this::work, "device-readings");
        worker.setDaemon(true);
        worker.start();
        reconnectDelayMs = config.retryBackoff().toMillis();
        connect();
    }

    void stop(@Observes ShutdownEvent event) {
        if (!running.compareAndSet(true, false)) {
            return;
        }
        MqttClient current = client;
        if (current != null && current.isConnected()) {
            current.disconnect();
        }
        if (worker != null) {
            worker.interrupt();
            try {
                worker.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public Status status() {
        Map<Reason, Long> counts = new EnumMap<>(Reason.class);
        refused.forEach((reason, count) -> counts.put(reason, count.sum()));
        return new Status(
                config.enabled(),
                connected,
                received.sum(),
                stored.sum(),
                duplicates.sum(),
                staleAcks.sum(),
                counts,
                lastError);
    }

    private void connect() {
        if (!running.get()) {
            return;
        }
        MqttClientOptions options = new MqttClientOptions()
                .setClientId(config.clientId())
                .setCleanSession(false)
                .setUsername(config.username())
                .setPassword(config.password().orElse(null))
                .setSsl(config.ssl())
                .setKeepAliveInterval(30)
                .setAutoKeepAlive(true)
                .setMaxInflightQueue(1000)
                .setMaxMessageSize(ReadingParser.MAX_PAYLOAD_BYTES * 4);
        options.setAutoAck(false);
        MqttClient next = MqttClient.create(vertx, options);
        next.publishHandler(message -> {
            received.increment();
            queue.add(new Delivery(message, next, Vertx.currentContext(), Instant.now()));
        });
        next.exceptionHandler(e -> {
            lastError = "connection: " + e;
            LOG.warnf("PT-DEVICES-CONNECTION: %s", e.toString());
        });
        next.closeHandler(closed -> {
            connected = false;
            if (running.get()) {
                LOG.warnf(
                        "PT-DEVICES-DISCONNECTED: lost the broker at %s:%d; reconnecting",
                        config.host(), config.port());
                reconnectLater();
            }
        });
        client = next;
        next.connect(config.port(), config.host(), connect -> {
            if (connect.failed()) {
                lastError = "connect: " + connect.cause().getMessage();
                LOG.warnf(
                        "PT-DEVICES-CONNECT: cannot connect to the broker at %s:%d (%s); retrying",
                        config.host(), config.port(), connect.cause().getMessage());
                reconnectLater();
                return;
            }
            next.subscribe(config.subscription(), MqttQoS.AT_LEAST_ONCE.value(), subscribed -> {
                if (subscribed.failed()) {
                    lastError = "subscribe: " + subscribed.cause().getMessage();
                    next.disconnect();
                    return;
                }
                connected = true;
                lastError = null;
                reconnectDelayMs = config.retryBackoff().toMillis();
                LOG.infof(
                        "Device readings: subscribed to %s at %s:%d as %s (persistent session)",
                        config.subscription(), config.host(), config.port(), config.clientId());
            });
        });
    }

    private void reconnectLater() {
        long delay = reconnectDelayMs;
        reconnectDelayMs = Math.min(delay * 2, MAX_BACKOFF.toMillis());
        vertx.setTimer(delay, t -> connect());
    }

    /** The worker: takes batches off the queue and writes them; never dies of a message. */
    private void work() {
        List<Delivery> batch = new ArrayList<>();
        while (running.get()) {
            try {
                Delivery first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long until = System.nanoTime() + config.batchWait().toNanos();
                while (batch.size() < config.batchSize()) {
                    Delivery next = queue.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                handle(batch);
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // not expected: handle() keeps every failure to itself; the batch stays unacknowledged
                LOG.error("PT-DEVICES-500: device readings worker", e);
                lastError = e.toString();
                batch.clear();
            }
        }
    }

    private void handle(List<Delivery> batch) throws InterruptedException {
        List<Delivery> readings = new ArrayList<>();
        List<Reading> parsed = new ArrayList<>();
        for (Delivery delivery : batch) {
            Parsed p = parser.parse(
                    delivery.message().topicName(), delivery.message().payload().getBytes());
            if (p.refusal() != null) {
                deadLetter(delivery, p.deviceId(), p.refusal());
            } else {
                readings.add(delivery);
                parsed.add(p.reading());
            }
        }
        if (parsed.isEmpty()) {
            return;
        }
        List<Outcome> outcomes = writeOrSplit(parsed);
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome outcome = outcomes.get(i);
            Delivery delivery = readings.get(i);
            if (outcome.refusal() != null) {
                deadLetter(delivery, outcome.reading().deviceId(), outcome.refusal());
            } else {
                (outcome.duplicate() ? duplicates : stored).increment();
                ack(delivery);
            }
        }
    }

    /**
     * Writes the batch in one transaction; when the store refuses it for one reading's sake (a 4xx of
     * the write path), writes each reading alone so that only that one is refused. A failure of the
     * store itself is retried with backoff until it passes or the node stops: nothing is acknowledged,
     * nothing is lost.
     */
    private List<Outcome> writeOrSplit(List<Reading> readings) throws InterruptedException {
        try {
            return retrying(() -> writer.write(readings));
        } catch (RefusedByStore whole) {
            if (readings.size() == 1) {
                return List.of(
                        new Outcome(readings.get(0), false, false, Refusal.of(Reason.NOT_STORED, whole.getMessage())));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Reading reading : readings) {
                outcomes.addAll(writeOrSplit(List.of(reading)));
            }
            return outcomes;
        }
    }

    private List<Outcome> retrying(java.util.function.Supplier<List<Outcome>> write) throws InterruptedException {
        long backoff = config.retryBackoff().toMillis();
        while (true) {
            try {
                return write.get();
            } catch (BaseServerResponseException e) {
                if (e.getStatusCode() >= 400 && e.getStatusCode() < 500) {
                    throw new RefusedByStore(e.getMessage());
                }
                failed(e);
            } catch (RuntimeException e) {
                failed(e);
            }
            if (!running.get()) {
                throw new InterruptedException("stopping; the batch stays unacknowledged");
            }
            Thread.sleep(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
        }
    }

    private void failed(RuntimeException e) {
        lastError = e.toString();
        LOG.warnf("PT-DEVICES-503: could not store device readings (%s); retrying, nothing acknowledged", e.toString());
    }

    private void deadLetter(Delivery delivery, String deviceId, Refusal refusal) {
        refused.get(refusal.reason()).increment();
        byte[] payload = delivery.message().payload().getBytes();
        ObjectNode letter = json.createObjectNode()
                .put("reason", refusal.reason().name())
                .put("detail", refusal.detail())
                .put("topic", delivery.message().topicName())
                .put("receivedAt", delivery.receivedAt().toString());
        if (deviceId != null) {
            letter.put("deviceId", deviceId);
        }
        String text = new String(payload, StandardCharsets.UTF_8);
        boolean plainText = payload.length <= ReadingParser.MAX_PAYLOAD_BYTES
                && Arrays.equals(text.getBytes(StandardCharsets.UTF_8), payload)
                && text.indexOf('\u0000') < 0;
        if (plainText) {
            letter.put("payload", text);
        } else {
            letter.put(
                    "payloadBase64",
                    Base64.getEncoder()
                            .encodeToString(
                                    Arrays.copyOf(payload, Math.min(payload.length, ReadingParser.MAX_PAYLOAD_BYTES))));
        }
        // a topic level received can hold no wildcard (nobody may publish to one), so it is safe to publish under
        String topic = config.deadLetterTopic() + "/" + (deviceId != null ? deviceId : "_unknown");
        LOG.infof(
                "PT-DEVICES-REFUSED %s on %s: %s",
                refusal.reason(), delivery.message().topicName(), refusal.detail());
        Buffer body = Buffer.buffer(letter.toString());
        delivery.context().runOnContext(v -> {
            MqttClient current = client;
            if (delivery.via() != current || !current.isConnected()) {
                // the broker delivers the message again on the next connection; refused again then
                staleAcks.increment();
                return;
            }
            current.publish(topic, body, MqttQoS.AT_LEAST_ONCE, false, false, sent -> {
                if (sent.failed()) {
                    // not acknowledged: the broker delivers the message again and it is refused again
                    lastError = "dead letter: " + sent.cause().getMessage();
                    return;
                }
                ackOnContext(delivery);
            });
        });
    }

    private void ack(Delivery delivery) {
        delivery.context().runOnContext(v -> ackOnContext(delivery));
    }

    /**
     * Acknowledges on the connection the message came on. When that connection is gone, the broker holds
     * the message in the persistent session and delivers it again on the next connection, where it is a
     * duplicate (stored already) and acknowledged then.
     */
    private void ackOnContext(Delivery delivery) {
        if (delivery.via() == client && delivery.via().isConnected()) {
            delivery.message().ack();
        } else {
            staleAcks.increment();
        }
    }

    /** The write path refused a batch for a reason of its content (a 4xx). */
    private static final class RefusedByStore extends RuntimeException {
        RefusedByStore(String message) {
            super(message, null, false, false);
        }
    }
}

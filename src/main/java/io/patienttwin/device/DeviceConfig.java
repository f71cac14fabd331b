package io.patienttwin.device;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Device readings over MQTT ({@code twin.devices.*}); see docs/operations.md, "Devices". */
@ConfigMapping(prefix = "twin.devices")
public interface DeviceConfig {

    /** Whether this node consumes device readings at all. */
    @WithDefault("false")
    boolean enabled();

    /** The broker's host. */
    @WithDefault("127.0.0.1")
    String host();

    @WithDefault("1883")
    int port();

    /** TLS to the broker (production). */
    @WithDefault("false")
    boolean ssl();

    /** The platform's user at the broker; its password comes from a Secret ({@code TWIN_DEVICES_PASSWORD}). */
    @WithDefault("patient-twin")
    String username();

    Optional<String> password();

    /**
     * The MQTT client id: with a persistent session the broker keeps the readings for this id while the
     * node is away, so it must be stable across restarts and unique per consuming node.
     */
    @WithDefault("patient-twin")
    String clientId();

    /**
     * What the node subscribes to: every device topic, so that a message on a wrong topic is refused
     * with a dead letter instead of vanishing. Several nodes share one with {@code $share/group/devices/#}.
     */
    @WithDefault("devices/#")
    String subscription();

    /** Where refused messages go, one topic per device ({@code …/{deviceId}}). */
    @WithDefault("dead-letter/devices")
    String deadLetterTopic();

    /** At most this many readings per transaction. */
    @WithDefault("500")
    int batchSize();

    /** How long a batch waits for more readings after its first. */
    @WithDefault("20ms")
    Duration batchWait();

    /** How far a reading's time may lie ahead of this node's clock. */
    @WithDefault("5M")
    Duration maxClockSkew();

    /** The first wait before a reconnect or a retry after a failure of the store; doubles up to 30 s. */
    @WithDefault("500ms")
    Duration retryBackoff();
}

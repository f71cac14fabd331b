package io.patienttwin.device;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Dev mode's bedside monitor: publishes vital signs of the demo's vancomycin patient (Device/demo-monitor,
 * assigned to Patient/demo-vanco by the demo data) to the local broker as that device would, a reading
 * every {@code twin.demo.monitor.interval-ms}: heart rate, SpO2, respiratory rate, systolic pressure and
 * temperature in turn, each a slow random walk. Open alice's twin of that patient to see it move.
 */
@IfBuildProfile("dev")
@ApplicationScoped
class DemoMonitor {

    private static final Logger LOG = Logger.getLogger(DemoMonitor.class);
    static final String DEVICE = "demo-monitor";

    private static final String[][] VITALS = {
        {"heart-rate", "/min", "96", "60", "140"},
        {"spo2", "%", "95", "85", "100"},
        {"respiratory-rate", "/min", "20", "8", "32"},
        {"systolic-bp", "mm[Hg]", "112", "80", "180"},
        {"body-temperature", "Cel", "38.2", "35.5", "40.5"}
    };

    private final Vertx vertx;
    private final DeviceConfig config;
    private final boolean enabled;
    private final long intervalMs;
    private final double[] values = new double[VITALS.length];
    private final Random random = new Random();
    private MqttClient client;
    private long timer = -1;
    private int turn;

    DemoMonitor(
            Vertx vertx,
            DeviceConfig config,
            @ConfigProperty(name = "twin.demo.monitor.enabled", defaultValue = "false") boolean enabled,
            @ConfigProperty(name = "twin.demo.monitor.interval-ms", defaultValue = "2000") long intervalMs) {
        this.vertx = vertx;
        this.config = config;
        this.enabled = enabled;
        this.intervalMs = intervalMs;
        for (int i = 0; i < VITALS.length; i++) {
            values[i] = Double.parseDouble(VITALS[i][2]);
        }
    }

    void start(@Observes StartupEvent event) {
        if (!enabled || !config.enabled()) {
            return;
        }
        client = MqttClient.create(
                vertx,
                new MqttClientOptions()
                        .setClientId(DEVICE)
                        .setUsername(DEVICE)
                        .setPassword(DEVICE)
                        .setAutoKeepAlive(true));
        client.connect(config.port(), config.host(), connected -> {
            if (connected.failed()) {
                LOG.warnf("Demo monitor: no broker at %s:%d (%s)", config.host(), config.port(), connected.cause());
                return;
            }
            LOG.infof("Demo monitor: publishing to devices/%s/readings every %d ms", DEVICE, intervalMs);
            timer = vertx.setPeriodic(intervalMs, t -> publish());
        });
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (client != null && client.isConnected()) {
            client.disconnect();
        }
    }

    private void publish() {
        int i = turn++ % VITALS.length;
        String[] vital = VITALS[i];
        double low = Double.parseDouble(vital[3]);
        double high = Double.parseDouble(vital[4]);
        double step = (high - low) / 40;
        values[i] = Math.max(low, Math.min(high, values[i] + (random.nextDouble() - 0.5) * 2 * step));
        double shown = vital[1].equals("Cel") ? Math.round(values[i] * 10) / 10.0 : Math.round(values[i]);
        String reading = "{\"code\":\"" + vital[0] + "\",\"value\":" + shown + ",\"unit\":\"" + vital[1]
                + "\",\"time\":\"" + Instant.now().truncatedTo(ChronoUnit.MILLIS) + "\"}";
        client.publish("devices/" + DEVICE + "/readings", Buffer.buffer(reading), MqttQoS.AT_LEAST_ONCE, false, false);
    }
}

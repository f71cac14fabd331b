package io.patienttwin.localstack;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Starts the local MQTT broker when {@code quarkus:dev} starts (Mosquitto as a child process on
 * 127.0.0.1:{@code twin.localstack.mosquitto.port}, default 1884: the machine's own broker holds 1883),
 * with passwords and the device ACL of {@link MosquittoProcess}, unless something already listens there;
 * it stays up across live reloads and the JVM's exit stops it. Users: the platform (twin.devices.username
 * and password), {@code operator}/{@code operator} (reads dead letters) and the demo's bedside monitor
 * {@code demo-monitor}/{@code demo-monitor}.
 */
@IfBuildProfile("dev")
@ApplicationScoped
class MosquittoDevStarter {

    private static final Logger LOG = Logger.getLogger(MosquittoDevStarter.class);

    @ConfigProperty(name = "twin.localstack.mosquitto.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "twin.localstack.mosquitto.port", defaultValue = "1884")
    int port;

    @ConfigProperty(name = "twin.localstack.mosquitto.binary", defaultValue = "/usr/sbin/mosquitto")
    Path binary;

    @ConfigProperty(name = "twin.devices.username")
    String platformUser;

    @ConfigProperty(name = "twin.devices.password", defaultValue = "")
    String platformPassword;

    /** Runs before device ingestion connects to this broker. */
    void startMosquitto(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        if (!enabled) {
            return;
        }
        if (listens(port)) {
            LOG.infof("Something already listens on 127.0.0.1:%d; using it as the local MQTT broker", port);
            return;
        }
        // Deliberately never stopped on ShutdownEvent, which every live reload fires.
        MosquittoProcess broker = MosquittoProcess.start(
                binary,
                port,
                Path.of(".dev-data", "mosquitto"),
                new MosquittoProcess.Users(
                        Map.entry(platformUser, platformPassword),
                        Map.entry("operator", "operator"),
                        Map.of("demo-monitor", "demo-monitor")));
        LOG.infof(
                "Local MQTT broker (Mosquitto) at 127.0.0.1:%d; devices publish to devices/{id}/readings,"
                        + " refusals go to dead-letter/devices/# (user operator)",
                broker.port());
    }

    private static boolean listens(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

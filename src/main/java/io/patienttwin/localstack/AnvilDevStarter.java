package io.patienttwin.localstack;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Starts the local chain when {@code quarkus:dev} starts, unless something already listens on its
 * port (a live reload, or a chain you run yourself), and leaves it running across live reloads; the
 * JVM's exit stops it. The chain's state lives in {@code .dev-data/anvil/state.json} beside the H2
 * database, dumped every few seconds and at exit, and is loaded at the next start.
 */
@IfBuildProfile("dev")
@ApplicationScoped
class AnvilDevStarter {

    private static final Logger LOG = Logger.getLogger(AnvilDevStarter.class);

    @ConfigProperty(name = "twin.localstack.anvil.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "twin.localstack.anvil.port", defaultValue = "8545")
    int port;

    @ConfigProperty(name = "twin.localstack.anvil.state", defaultValue = ".dev-data/anvil/state.json")
    Path state;

    /** Runs before the ledger client's startup check, which connects to this chain. */
    void startAnvil(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        if (!enabled) {
            return;
        }
        if (listens(port)) {
            LOG.infof("Something already listens on 127.0.0.1:%d; using it as the local chain", port);
            return;
        }
        try {
            Files.createDirectories(state.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Deliberately never stopped on ShutdownEvent, which every live reload fires.
        AnvilProcess anvil = AnvilProcess.start(
                AnvilProcess.DEFAULT_BINARY, port, List.of("--state", state.toString(), "--state-interval", "5"));
        LOG.infof("Local chain (Anvil, chain id %d) at %s, state in %s", AnvilProcess.CHAIN_ID, anvil.rpcUrl(), state);
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

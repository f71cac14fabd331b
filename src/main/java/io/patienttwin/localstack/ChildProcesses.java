package io.patienttwin.localstack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** Helpers for the local servers run as child processes: ports, stopping process trees, logs, scratch files. */
public final class ChildProcesses {

    private ChildProcesses() {}

    /** Ports chosen here lie below Linux's ephemeral range (32768–60999), which outgoing connections use. */
    static final int LOWEST_PORT = 20000;

    static final int HIGHEST_PORT = 32767;

    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A free TCP port on the loopback interface (free when asked; another process may take it later), for
     * a child process to listen on. Taken at random from 20000–32767, below the kernel's ephemeral range:
     * a port the kernel hands out (port 0) is the kind an outgoing connection of this busy JVM or its
     * children takes next, and did, between the choice and a Keycloak's bind, in a CI run (2026-12-04:
     * "Port already bound"). Never the same port twice in one JVM.
     */
    public static int freePort() throws IOException {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = random.nextInt(LOWEST_PORT, HIGHEST_PORT + 1);
            if (HANDED_OUT.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port, 0, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException taken) {
                // in use: try another
            }
        }
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Stops a process and all its descendants: SIGTERM to each, then SIGKILL to whatever is still alive
     * after the grace period. Safe to call from a shutdown hook (JDK classes only); returns early, after
     * the forced kill, if the calling thread is interrupted.
     */
    static void stopTree(ProcessHandle root, Duration grace) {
        // Collect first: once the root is gone its children are re-parented and no longer found.
        List<ProcessHandle> tree =
                Stream.concat(root.descendants(), Stream.of(root)).toList();
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                break; // grace is over: force what is left
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** The last lines of a log file, for error messages; a placeholder if it cannot be read. */
    static String tail(Path log, int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(log), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Deletes a folder and everything in it, best effort: a leftover costs disk space only. */
    static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // nothing more to do
        }
    }
}

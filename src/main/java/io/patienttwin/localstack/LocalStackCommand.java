package io.patienttwin.localstack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs the local stack outside the application, for benchmarks and manual tests of the packaged app:
 * a fresh Keycloak with the patient-twin realm and a fresh Anvil chain, on the given ports. Prints
 * {@code READY <realm url> <chain url>} once both answer, then runs until it is stopped (SIGTERM),
 * stopping both with it.
 *
 * <p>Usage: {@code java -cp 'target/quarkus-app/app/*:target/quarkus-app/lib/main/*'
 * io.patienttwin.localstack.LocalStackCommand <keycloak port> <chain port> [anvil options…]} (with lib/boot/*
 * added to the class path), e.g. {@code --block-time 2} for a chain that mines like a Besu QBFT network.
 */
public final class LocalStackCommand {

    private LocalStackCommand() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: LocalStackCommand <keycloak port> <chain port> [anvil options...]");
            System.exit(2);
        }
        int keycloakPort = Integer.parseInt(args[0]);
        int chainPort = Integer.parseInt(args[1]);
        KeycloakProcess keycloak = KeycloakProcess.start(new KeycloakOptions(
                KeycloakDistribution.ensure(),
                keycloakPort,
                "http://127.0.0.1:" + keycloakPort,
                Path.of("target", "localstack"),
                false,
                Duration.ofSeconds(180)));
        AnvilProcess anvil = AnvilProcess.start(
                AnvilProcess.DEFAULT_BINARY, chainPort, List.of(args).subList(2, args.length));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            anvil.stop();
            keycloak.stop();
        }));
        System.out.println("READY " + keycloak.issuer() + " " + anvil.rpcUrl());
        System.out.flush();
        Thread.currentThread().join();
    }
}

package io.patienttwin.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How KeycloakProcess fails: at once, with the end of the log, never hanging, leaving no process behind. */
class KeycloakProcessTest {

    @TempDir
    Path temp;

    @Test
    void aMissingDistributionFailsAtOnceNamingWhereItLooked() {
        KeycloakOptions options = options(temp.resolve("nowhere").resolve("keycloak"), Duration.ofSeconds(30));

        KeycloakStartException failure =
                assertThrows(KeycloakStartException.class, () -> KeycloakProcess.start(options));

        assertThat(failure)
                .hasMessageContaining(temp.resolve("nowhere").toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void aKeycloakThatDiesFailsFastWithTheLastFortyLinesOfItsLog() throws IOException {
        Path distribution =
                fakeDistribution("i=1; while [ $i -le 100 ]; do echo \"log line $i\"; i=$((i + 1)); done; exit 3");
        long started = System.nanoTime();

        KeycloakStartException failure = assertThrows(
                KeycloakStartException.class,
                () -> KeycloakProcess.start(options(distribution, Duration.ofSeconds(60))));

        assertThat(failure.getMessage())
                .contains("exited with code 3")
                .contains("log line 61")
                .contains("log line 100")
                .doesNotContain("log line 60");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aKeycloakThatNeverAnswersIsStoppedWithItsChildrenAfterTheTimeout() throws Exception {
        Path pids = temp.resolve("pids");
        Path distribution = fakeDistribution(
                "echo $$ > '" + pids + "'; sleep 120 & echo $! >> '" + pids + "'; echo still starting; wait");

        KeycloakStartException failure = assertThrows(
                KeycloakStartException.class,
                () -> KeycloakProcess.start(options(distribution, Duration.ofSeconds(2))));

        assertThat(failure.getMessage()).contains("did not answer within 2 s").contains("still starting");
        List<String> started = Files.readAllLines(pids);
        assertThat(started).hasSize(2);
        for (String pid : started) {
            assertThat(runsWithin(Long.parseLong(pid.strip()), Duration.ofSeconds(5)))
                    .as("process %s", pid)
                    .isFalse();
        }
    }

    private KeycloakOptions options(Path distribution, Duration timeout) {
        return new KeycloakOptions(distribution, 1, "http://127.0.0.1:1", temp.resolve("work"), false, timeout);
    }

    /** A stand-in for the distribution: bin/kc.sh is the given shell script (run with /bin/sh). */
    private Path fakeDistribution(String script) throws IOException {
        Path home = temp.resolve("keycloak-fake");
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("bin").resolve("kc.sh"), "#!/bin/sh\n" + script + "\n");
        return home;
    }

    /** Whether the process still runs after waiting; a zombie awaiting its reaper has no command and counts as gone. */
    private static boolean runsWithin(long pid, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .flatMap(handle -> handle.info().command())
                .isPresent()) {
            if (System.nanoTime() > deadline) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}

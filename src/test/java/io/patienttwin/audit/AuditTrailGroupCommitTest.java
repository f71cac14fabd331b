package io.patienttwin.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit of the audit: records of requests in progress share one transaction, and a record with
 * no other request in progress is written at once. Each test runs its own {@link AuditTrail} (a group
 * wait far longer than the write timeout, so that waiting for the group shows as a failed record,
 * not as a measured time) on the application's PostgreSQL, and owns its rows through a fresh agent.
 */
@QuarkusTest
class AuditTrailGroupCommitTest {

    @Inject
    AgroalDataSource dataSource;

    private final List<AuditTrail> trails = new ArrayList<>();
    private final String agent = "group-commit-test-" + UUID.randomUUID();

    @AfterEach
    void stopTrails() {
        trails.forEach(trail -> trail.stop(null));
    }

    private AuditTrail trail(Duration writeTimeout, Duration groupWait) {
        AuditTrail trail = new AuditTrail(writeTimeout, groupWait, true, dataSource);
        trail.start(null);
        trails.add(trail);
        return trail;
    }

    private AuditRecord record(String target) {
        return new AuditRecord(
                Instant.now(),
                agent,
                "SYSTEM",
                "ehr-system",
                "read",
                target,
                null,
                "TREAT",
                "permit",
                "PERMIT-CUSTODIAN",
                List.of(),
                0,
                List.of(target),
                1);
    }

    /** The transaction ids (xmin) of this test's rows, by target. */
    private List<String> transactions() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "select xmin::text from audit_event where agent = ? order by target")) {
            query.setString(1, agent);
            List<String> xmins = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    xmins.add(rows.getString(1));
                }
            }
            return xmins;
        }
    }

    /** Records on another thread and checks, 300 ms later, that the record is still waiting, unwritten. */
    private CompletableFuture<Void> recordHeldInGroup(AuditTrail trail, String target) throws Exception {
        CompletableFuture<Void> recorded = CompletableFuture.runAsync(() -> trail.record(record(target)));
        Thread.sleep(300);
        assertThat(recorded).isNotDone();
        assertThat(transactions()).isEmpty();
        return recorded;
    }

    @Test
    void recordsOfRequestsInProgressShareOneCommit() throws Exception {
        AuditTrail trail = trail(Duration.ofSeconds(60), Duration.ofSeconds(60));
        AuditTrail.Call first = trail.open();
        AuditTrail.Call second = trail.open();
        // the writer holds the group open for the second request, which has not recorded yet
        CompletableFuture<Void> a = recordHeldInGroup(trail, "Observation/a");
        CompletableFuture<Void> b = CompletableFuture.runAsync(() -> trail.record(record("Observation/b")));
        CompletableFuture.allOf(a, b).get();
        first.close();
        second.close();
        List<String> xmins = transactions();
        assertThat(xmins).hasSize(2);
        assertThat(xmins.get(0)).isEqualTo(xmins.get(1));
    }

    @Test
    void aRecordWithNoOtherRequestInProgressIsWrittenWithoutWaitingForTheGroup() throws Exception {
        // were the writer to wait for the group (60 s), the record would fail after the 20 s timeout
        AuditTrail trail = trail(Duration.ofSeconds(20), Duration.ofSeconds(60));
        try (AuditTrail.Call call = trail.open()) {
            trail.record(record("Observation/alone"));
        }
        assertThat(transactions()).hasSize(1);
    }

    @Test
    void aRequestThatEndsWithoutRecordingReleasesTheGroup() throws Exception {
        AuditTrail trail = trail(Duration.ofSeconds(20), Duration.ofSeconds(60));
        AuditTrail.Call recording = trail.open();
        AuditTrail.Call silent = trail.open();
        CompletableFuture<Void> a = recordHeldInGroup(trail, "Observation/a");
        silent.close();
        silent.close(); // a second close counts once
        a.get();
        recording.close();
        assertThat(transactions()).hasSize(1);
    }
}

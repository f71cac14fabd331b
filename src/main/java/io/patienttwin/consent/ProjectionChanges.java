package io.patienttwin.consent;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Tells every other node at once when the consent and access projection changed (docs/architecture.md,
 * "Several nodes"). Each node keeps the effective consents, access grants and break-glass sessions in
 * memory (ConsentIndex, AccessIndex); the projection in the database is shared, but only the node that
 * made a change — a revocation through its API, or a chain event its follower applied (one follower
 * holds the cursor at a time) — updates its own memory. So the transaction that changes a record also
 * sends a PostgreSQL {@code NOTIFY} on {@value #CHANNEL} naming it, which PostgreSQL delivers to every
 * listening node when, and only if, that transaction commits; each node then reads the record from the
 * database and applies what it says (a revocation denies at once).
 *
 * <p>Fail closed: after the listening connection was lost, a node reloads its whole index when it has
 * listened again (it may have missed changes), and its readiness is DOWN while it does not listen, so a
 * load balancer stops sending it requests. H2 (dev mode, one node) has no NOTIFY: nothing is sent or
 * listened for there.
 */
@ApplicationScoped
public class ProjectionChanges {

    private static final Logger LOG = Logger.getLogger(ProjectionChanges.class);

    /** The PostgreSQL channel. */
    public static final String CHANNEL = "patienttwin_projection";

    private static final Duration RETRY = Duration.ofSeconds(1);

    private final EntityManager entityManager;
    private final String jdbcUrl;
    private final String username;
    private final Optional<String> password;
    private final ConsentIndex consents;
    private final AccessIndex access;
    private final boolean enabled;
    private final boolean postgres;
    private final AtomicLong received = new AtomicLong();
    private final java.util.Map<String, java.util.function.Consumer<String>> subscriptions =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, Runnable> resumptions = new java.util.concurrent.ConcurrentHashMap<>();

    private volatile Connection connection;
    private volatile boolean listening;
    private volatile boolean running;
    private volatile String lastError;
    private Thread thread;

    public ProjectionChanges(
            EntityManager entityManager,
            ConsentIndex consents,
            AccessIndex access,
            @ConfigProperty(name = "quarkus.datasource.db-kind") String dbKind,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") String jdbcUrl,
            @ConfigProperty(name = "quarkus.datasource.username", defaultValue = "") String username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password,
            @ConfigProperty(name = "twin.consent.projection-changes.enabled", defaultValue = "true") boolean enabled) {
        this.entityManager = entityManager;
        this.jdbcUrl = jdbcUrl;
        this.username = username;
        this.password = password;
        this.consents = consents;
        this.access = access;
        this.enabled = enabled;
        this.postgres = dbKind.startsWith("postgres");
    }

    // ---- the writing side: in the transaction that changed the record -------------------------------

    /**
     * A consent's record changed (revoked, confirmed, rejected): others read it again; when the change
     * {@code denies} (the consent no longer permits), they take it out of their index first, before
     * reading the record.
     */
    public void consentChanged(String consentId, String patientId, boolean denies) {
        send("consent|" + consentId + (denies ? "|" + patientId : ""));
    }

    /** An access grant's record changed; {@code denies} as for a consent, keyed by the grant's subject. */
    public void grantChanged(String grantId, String subject, boolean denies) {
        send("grant|" + grantId + (denies ? "|" + subject : ""));
    }

    /** A break-glass session was opened. */
    public void breakGlassOpened(String sessionId) {
        send("break-glass|" + sessionId);
    }

    /** The projection was rebuilt from block 0: others reload everything. */
    public void reset() {
        send("reset|");
    }

    private void send(String payload) {
        if (!active()) {
            return;
        }
        entityManager
                .createNativeQuery("select pg_notify(?1, ?2)")
                .setParameter(1, CHANNEL)
                .setParameter(2, payload)
                .getSingleResult();
    }

    /**
     * Hands the notifications of another channel to {@code handler}, on this node's one listening
     * connection (a connection per channel would be one more held outside the pool). Subscribe before
     * the application has started (a {@code StartupEvent} observer of priority below 5). A notification
     * sent while the connection was lost is gone: {@code resumed} runs each time the node listens again
     * (and once when it first listens), so that the subscriber can look for what it may have missed.
     * Both run on the listening thread: they must hand long work off.
     */
    public void subscribe(String channel, java.util.function.Consumer<String> handler, Runnable resumed) {
        if (!channel.matches("[a-z_]{1,63}")) {
            throw new IllegalArgumentException("not a channel name: " + channel);
        }
        subscriptions.put(channel, handler);
        resumptions.put(channel, resumed);
    }

    // ---- the listening side ---------------------------------------------------------------------------

    /** Whether changes are sent and listened for (PostgreSQL, not switched off). */
    public boolean active() {
        return enabled && postgres;
    }

    /** Whether this node listens now (always true where changes are not sent at all). */
    public boolean listening() {
        return !active() || listening;
    }

    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** Notifications received since start (its own included). */
    public long received() {
        return received.get();
    }

    /**
     * Listens before the indexes load (priority 10), so that no change between the two is missed; the
     * notifications wait on the connection until {@link #startApplying} reads them, after the loads (one
     * applied during a load could be overwritten by the older state the load read).
     */
    void start(@Observes @Priority(5) StartupEvent event) {
        if (!active()) {
            return;
        }
        running = true;
        try {
            listen();
        } catch (SQLException e) {
            lastError = e.getMessage();
            LOG.warnf("Projection changes: cannot listen yet (%s); retrying", e.getMessage());
        }
    }

    void startApplying(@Observes @Priority(20) StartupEvent event) {
        if (!active()) {
            return;
        }
        thread = new Thread(this::loop, "projection-changes");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        close();
    }

    /**
     * A connection of its own, outside the pool: it is held for as long as the node runs, and when it
     * breaks it is thrown away — a broken connection returned to the pool would be handed to a request.
     */
    private void listen() throws SQLException {
        Connection c = DriverManager.getConnection(jdbcUrl, username, password.orElse(""));
        try {
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("LISTEN " + CHANNEL);
                for (String channel : subscriptions.keySet()) {
                    s.execute("LISTEN " + channel);
                }
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        connection = c;
        listening = true;
        lastError = null;
    }

    private void loop() {
        while (running) {
            try {
                if (connection == null) {
                    listen();
                    // changes may have been missed while not listening: read everything again
                    reloadAll();
                    LOG.info("Projection changes: listening again; indexes reloaded");
                    resumptions.forEach((channel, resumed) -> {
                        try {
                            resumed.run();
                        } catch (RuntimeException e) {
                            LOG.warnf("Projection changes: the subscriber of %s failed on resuming: %s", channel, e);
                        }
                    });
                }
                PGNotification[] notifications =
                        connection.unwrap(PGConnection.class).getNotifications(1_000);
                if (notifications != null) {
                    for (PGNotification n : notifications) {
                        received.incrementAndGet();
                        java.util.function.Consumer<String> subscriber = subscriptions.get(n.getName());
                        if (subscriber != null) {
                            deliver(subscriber, n);
                        } else {
                            apply(n.getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                listening = false;
                lastError = e.getMessage();
                LOG.warnf("Projection changes: not listening (%s); retrying in %s", e.getMessage(), RETRY);
                close();
                try {
                    Thread.sleep(RETRY.toMillis());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /**
     * Applies one change ({@code kind|id} or, for a denial, {@code kind|id|key}): takes a denied consent
     * or grant out at once, then reads the named record and puts what it says into the index.
     */
    void apply(String payload) {
        String[] parts = payload.split("\\|", -1);
        String kind = parts[0];
        String id = parts.length > 1 ? parts[1] : "";
        if (parts.length > 2 && !parts[2].isEmpty()) {
            if ("consent".equals(kind)) {
                consents.apply(id, parts[2], null);
            } else if ("grant".equals(kind)) {
                access.remove(parts[2], id);
            }
        }
        switch (kind) {
            case "consent" -> QuarkusTransaction.requiringNew().run(() -> {
                ConsentRecord record = ConsentRecord.findById(id);
                if (record != null) {
                    consents.apply(
                            record.consentId, record.patientId, record.effective() ? record.toIndexEntry() : null);
                }
            });
            case "grant" -> QuarkusTransaction.requiringNew().run(() -> {
                AccessGrantRecord record = AccessGrantRecord.findById(id);
                if (record == null) {
                    return;
                }
                if (record.effective()) {
                    access.put(record.toIndexGrant());
                } else {
                    access.remove(record.subject, record.grantId);
                }
            });
            case "break-glass" -> QuarkusTransaction.requiringNew().run(() -> {
                BreakGlassRecord record = BreakGlassRecord.findById(id);
                if (record != null && record.validUntil.isAfter(Instant.now())) {
                    access.open(record.toSession());
                }
            });
            case "reset" -> reloadAll();
            default -> LOG.warnf("Projection changes: unknown change %s ignored", payload);
        }
    }

    private static void deliver(java.util.function.Consumer<String> subscriber, PGNotification n) {
        try {
            subscriber.accept(n.getParameter());
        } catch (RuntimeException e) {
            LOG.warnf("Projection changes: a subscriber of %s failed (%s)", n.getName(), e.toString());
        }
    }

    private void reloadAll() {
        consents.reload();
        java.util.List<AccessGrantRecord> grants = QuarkusTransaction.requiringNew()
                .call(() -> AccessGrantRecord.<AccessGrantRecord>list(
                        "requested = ?1 and chainState = ?2",
                        ConsentRecord.Requested.ACTIVE,
                        ConsentRecord.ChainState.ACTIVE));
        java.util.List<BreakGlassRecord> sessions = QuarkusTransaction.requiringNew()
                .call(() -> BreakGlassRecord.<BreakGlassRecord>list("validUntil > ?1", Instant.now()));
        access.clearGrants();
        grants.forEach(g -> access.put(g.toIndexGrant()));
        access.clearSessions();
        sessions.forEach(s -> access.open(s.toSession()));
    }

    private void close() {
        listening = false;
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection is gone already
            }
        }
    }
}

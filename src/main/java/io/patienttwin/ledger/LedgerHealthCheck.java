package io.patienttwin.ledger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports the chain in {@code /q/health/ready}: reachable or not, chain id, head block, the follower's
 * lag, the outbox backlog and the integrity anchoring's backlog (leaves waiting for a batch, batches
 * waiting for the chain, and how long the oldest leaf has waited). An unreachable chain does not make this node unready: reads are decided
 * on the local consent projection and writes wait in the outbox, so taking the node out of service
 * would only turn a delay into an outage. Alert on {@code chainReachable=false} and a growing backlog
 * instead (docs/operations.md). A chain that lost its history, or is another chain, makes it DOWN.
 */
@Readiness
@ApplicationScoped
public class LedgerHealthCheck implements HealthCheck {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(LedgerHealthCheck.class);

    private final java.util.concurrent.atomic.AtomicReference<String> lastProblem =
            new java.util.concurrent.atomic.AtomicReference<>();

    private final LedgerClient ledger;
    private final LedgerFollower follower;
    private final LedgerOutbox outbox;
    private final IntegrityAnchorer anchorer;
    private final boolean leaves;

    public LedgerHealthCheck(
            LedgerClient ledger,
            LedgerFollower follower,
            LedgerOutbox outbox,
            IntegrityAnchorer anchorer,
            @org.eclipse.microprofile.config.inject.ConfigProperty(
                            name = "twin.integrity.leaves",
                            defaultValue = "true")
                    boolean leaves) {
        this.ledger = ledger;
        this.follower = follower;
        this.outbox = outbox;
        this.anchorer = anchorer;
        this.leaves = leaves;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            HealthCheckResponse checked = check();
            lastProblem.set(null);
            return checked;
        } catch (RuntimeException e) {
            // e.g. the database is away (the backlogs are read from it); readiness is public: a stable
            // code, and SmallRye Health would otherwise show the exception's class and message. Logged
            // once per problem, not at every probe.
            String problem = e.toString();
            if (!problem.equals(lastProblem.getAndSet(problem))) {
                LOG.warnf("PT-LEDGER-503: the ledger's state could not be read: %s", problem);
            }
            return HealthCheckResponse.named("ledger")
                    .down()
                    .withData("error", "PT-LEDGER-503: the ledger's state could not be read (details in the log)")
                    .build();
        }
    }

    private HealthCheckResponse check() {
        HealthCheckResponseBuilder response =
                HealthCheckResponse.named("ledger").up();
        LedgerFollower.Status following = follower.status();
        response.withData("follower", following.state().name())
                .withData("processedBlock", following.processedBlock())
                .withData("followerLag", following.lag())
                .withData("outboxBacklog", QuarkusTransaction.requiringNew().call(outbox::backlog));
        IntegrityAnchorer.Backlog integrity = anchorer.backlog();
        response.withData("integrityLeaves", leaves)
                .withData("integrityWaitingLeaves", integrity.waitingLeaves())
                .withData("integrityUnanchoredBatches", integrity.unanchoredBatches())
                .withData(
                        "integrityOldestWaitingSeconds",
                        integrity
                                .oldestWaiting()
                                .map(t -> java.time.Duration.between(t, java.time.Instant.now())
                                        .toSeconds())
                                .orElse(0L));
        if (following.state() == LedgerFollower.State.HALTED) {
            // readiness is public: a stable text; the follower's message is in GET /api/ledger/status and the log
            response.down()
                    .withData(
                            "error",
                            "PT-LEDGER-HALTED: Chain history lost; details in GET /api/ledger/status and the log");
        }
        try {
            ChainFacts facts = ledger.chainFacts();
            return response.withData("chainReachable", true)
                    .withData("chainId", facts.chainId())
                    .withData("headBlock", facts.headBlock())
                    .build();
        } catch (Web3jLedgerClient.WrongChainException e) {
            return response.down()
                    .withData("chainReachable", true)
                    .withData("error", "wrong chain id")
                    .build();
        } catch (LedgerException e) {
            return response.withData("chainReachable", false).build();
        }
    }
}

package io.patienttwin.ledger;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports the chain in {@code /q/health/ready}: reachable or not, chain id, head block. An unreachable
 * chain does not make this node unready: reads are decided on the local consent projection and writes
 * wait in the outbox, so taking the node out of service would only turn a delay into an outage. Alert on
 * {@code chainReachable=false} instead (docs/operations.md).
 */
@Readiness
@ApplicationScoped
public class LedgerHealthCheck implements HealthCheck {

    private final LedgerClient ledger;

    public LedgerHealthCheck(LedgerClient ledger) {
        this.ledger = ledger;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response =
                HealthCheckResponse.named("ledger").up();
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

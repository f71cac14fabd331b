package io.patienttwin.ledger;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the integrity anchoring (docs/architecture.md, "Integrity"). */
@ConfigMapping(prefix = "twin.integrity")
public interface IntegrityConfig {

    /** Off only for tools that must not anchor (the ungated benchmark build keeps it on). */
    @WithDefault("true")
    boolean enabled();

    /** A batch closes when its oldest leaf has waited this long ... */
    @WithDefault("10s")
    Duration batchInterval();

    /** ... or when this many leaves wait, whichever comes first. */
    @WithDefault("10000")
    int batchSize();

    /** How often the anchorer looks when nobody wakes it. */
    @WithDefault("1s")
    Duration pollInterval();
}

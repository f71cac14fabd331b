package io.patienttwin.fhir.store;

import io.patienttwin.policy.Decision;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the gate let out while a piece of work ran on this thread: every version read, the access bits
 * those versions need, and the consents, grants and chain block of the decisions that permitted them.
 * A derived record (the Provenance of a {@code $simulate} run) is built from it, so that it names the
 * exact versions read and is at least as sensitive as everything it was derived from. Only the
 * {@link GatedResourceReader} notes reads, after a permit; collection is per thread and nests (an inner
 * collection also counts for the outer one).
 */
public final class ReadReceipts {

    private static final ThreadLocal<Collector> CURRENT = new ThreadLocal<>();

    private ReadReceipts() {}

    /**
     * What a piece of work read.
     *
     * @param versions {@code Type/id/_history/n} of every version read, in the order first read
     * @param mask the union of the access bits of those versions (category and label bits)
     * @param basis ids of the consents, grants and break-glass sessions the permits rest on
     * @param block the newest chain block among those permits, 0 when none (a patient's own data)
     * @param reasons the permit reasons ({@code PERMIT-CONSENT}, {@code PERMIT-SELF}, …)
     */
    public record Receipt<T>(
            T value, List<String> versions, long mask, List<String> basis, long block, List<String> reasons) {

        public Receipt {
            versions = List.copyOf(versions);
            basis = List.copyOf(basis);
            reasons = List.copyOf(reasons);
        }
    }

    /** Runs {@code work} on this thread and returns its value with everything the gate let out meanwhile. */
    public static <T> Receipt<T> collect(Supplier<T> work) {
        Collector outer = CURRENT.get();
        Collector collector = new Collector(outer);
        CURRENT.set(collector);
        try {
            T value = work.get();
            return new Receipt<>(
                    value,
                    new ArrayList<>(collector.versions.keySet()),
                    collector.mask,
                    new ArrayList<>(collector.basis),
                    collector.block,
                    new ArrayList<>(collector.reasons));
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /** Notes one permitted version (called by the gate after its decision, before the data leaves). */
    static void permitted(StoredResource resource, long mask, Decision decision) {
        for (Collector c = CURRENT.get(); c != null; c = c.outer) {
            c.note(resource, mask, decision);
        }
    }

    private static final class Collector {
        private final Collector outer;
        private final Map<String, Boolean> versions = new LinkedHashMap<>();
        private final Set<String> basis = new LinkedHashSet<>();
        private final Set<String> reasons = new LinkedHashSet<>();
        private long mask;
        private long block;

        Collector(Collector outer) {
            this.outer = outer;
        }

        void note(StoredResource resource, long resourceMask, Decision decision) {
            versions.put(resource.type() + "/" + resource.id() + "/_history/" + resource.version(), Boolean.TRUE);
            mask |= resourceMask;
            basis.addAll(decision.basis());
            reasons.add(decision.reason());
            block = Math.max(block, decision.block());
        }
    }
}

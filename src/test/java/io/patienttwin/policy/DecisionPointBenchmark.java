package io.patienttwin.policy;

import io.patienttwin.consent.AccessIndex;
import io.patienttwin.consent.ConsentIndex;
import io.patienttwin.consent.DataCategory;
import io.patienttwin.consent.Purpose;
import io.patienttwin.consent.SensitiveLabel;
import io.patienttwin.identity.Principal;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmark of {@link ConsentPolicyDecisionPoint#decide} with 100,000 consents indexed (50,000
 * patients, two consents each: one to a practitioner, one to an organization with 100 members by
 * access grant). Each call decides a random patient's lab for one of three readers: the consented
 * practitioner (permit), an organization member (permit through the membership), a stranger (deny).
 * Run with {@code src/bench/decision-bench.sh}; results in docs/benchmarks.md.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 10, time = 3)
@Measurement(iterations = 5, time = 3)
public class DecisionPointBenchmark {

    static final int PATIENTS = 50_000;

    private ConsentPolicyDecisionPoint pdp;
    private ReadContext[] readers;
    private String[] patientIds;
    private final Instant now = Instant.parse("2026-06-01T00:00:00Z");

    /** Per thread: its own random sequence, so threads do not contend on one generator. */
    @State(Scope.Thread)
    public static class Dice {
        final SplittableRandom random = new SplittableRandom(42);
    }

    @Setup
    public void index() {
        ConsentIndex consents = new ConsentIndex();
        AccessIndex access = new AccessIndex();
        long covered = DataCategory.DEMOGRAPHICS.mask() | DataCategory.LABS.mask() | DataCategory.VITALS.mask();
        int treat = (int) Purpose.TREAT.mask();
        for (int p = 0; p < PATIENTS; p++) {
            String patient = "p" + p;
            consents.apply(
                    "c" + p,
                    patient,
                    new ConsentIndex.Entry("c" + p, patient, "Practitioner/pr" + (p % 1000), covered, treat, 0, 0, 10));
            consents.apply(
                    "o" + p,
                    patient,
                    new ConsentIndex.Entry(
                            "o" + p,
                            patient,
                            "Organization/org" + (p % 500),
                            covered | SensitiveLabel.PSY.mask(),
                            treat,
                            0,
                            0,
                            11));
        }
        for (int m = 0; m < 100; m++) {
            access.put(new AccessIndex.Grant(
                    "g" + m, AccessIndex.Kind.MEMBERSHIP, "Practitioner/member" + m, "Organization/org" + m, 0, 5));
        }
        pdp = new ConsentPolicyDecisionPoint(consents, access);
        patientIds = new String[PATIENTS];
        for (int p = 0; p < PATIENTS; p++) {
            patientIds[p] = "p" + p;
        }
        readers = new ReadContext[] {
            context("Practitioner/pr7"), context("Practitioner/member7"), context("Practitioner/stranger")
        };
    }

    private ReadContext context(String fhirUser) {
        Principal principal = new Principal(
                Principal.Kind.PRACTITIONER, fhirUser, "portal", fhirUser, Set.of("clinician"), List.of());
        return new ReadContext(principal, Purpose.TREAT, null, now);
    }

    @Benchmark
    @BenchmarkMode({Mode.Throughput})
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Decision decisionsPerSecond(Dice dice) {
        return decide(dice);
    }

    @Benchmark
    @BenchmarkMode({Mode.SampleTime})
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Decision decisionLatency(Dice dice) {
        return decide(dice);
    }

    private Decision decide(Dice dice) {
        // patients whose consents name pr7 or org7: p % 1000 == 7 or p % 500 == 7; others deny
        int patient = dice.random.nextInt(PATIENTS);
        ReadContext reader = readers[dice.random.nextInt(readers.length)];
        return pdp.decide(
                new AccessRequest(reader, "read", "Observation", patientIds[patient], DataCategory.LABS.mask(), null));
    }
}

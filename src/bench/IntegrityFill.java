import io.patienttwin.integrity.Leaves;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Fills a PatientTwin store with N Observation versions of one patient, each with the integrity leaf
 * the server itself computes for it ({@code integrity.Leaves.version}, the function the store calls),
 * waiting for the anchorer (batch_id null). For the integrity benchmark only (src/bench/integrity-bench.sh):
 * it measures the sweep and the proofs at a size that ingest through the API would take hours to reach on
 * a small machine. The rows are what the server would store for such an Observation (its JSON with
 * {@code meta.versionId} and {@code meta.lastUpdated}, the patient, the access bits of a vital sign); no
 * search index rows are written (the sweep and the proofs do not use them).
 *
 * <p>Usage: {@code java -cp <app classpath>:<classes> IntegrityFill JDBC_URL PATIENT_ID COUNT}
 */
public final class IntegrityFill {

    /** Far above the pids the server allocates from fhir_resource_seq. */
    private static final long PID_BASE = 1_000_000_000_000L;

    /** DataCategory.VITALS. */
    private static final long VITALS_MASK = 1L << 2;

    private IntegrityFill() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String patient = args[1];
        int count = Integer.parseInt(args[2]);
        long started = System.nanoTime();
        try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
            c.setAutoCommit(false);
            long base;
            try (var rs = c.createStatement().executeQuery("select coalesce(max(pid), 0) from fhir_resource")) {
                rs.next();
                base = Math.max(PID_BASE, rs.getLong(1) + 1);
            }
            try (PreparedStatement resource = c.prepareStatement("insert into fhir_resource (pid, res_type, res_id,"
                            + " version, deleted, last_updated, patient_id, category, access_mask)"
                            + " values (?, 'Observation', ?, 1, false, ?, ?, 'vitals', ?)");
                    PreparedStatement version = c.prepareStatement("insert into fhir_resource_version (resource_pid,"
                            + " version, res_type, res_id, deleted, last_updated, method, body, patient_id, access_mask)"
                            + " values (?, 1, 'Observation', ?, false, ?, 'POST', ?, ?, ?)");
                    PreparedStatement leaf = c.prepareStatement("insert into integrity_leaf (kind, ref_type, ref_id,"
                            + " ref_version, leaf_hash, recorded_at) values ('VERSION', 'Observation', ?, 1, ?, ?)")) {
                Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                for (int i = 0; i < count; i++) {
                    String id = "fill-" + (base + i);
                    Instant lastUpdated = at.minusMillis(count - i); // in the past: the anchorer batches by age
                    String json = observation(id, patient, lastUpdated, i);
                    var time = lastUpdated.atOffset(ZoneOffset.UTC);
                    resource.setLong(1, base + i);
                    resource.setString(2, id);
                    resource.setObject(3, time);
                    resource.setString(4, patient);
                    resource.setLong(5, VITALS_MASK);
                    resource.addBatch();
                    version.setLong(1, base + i);
                    version.setString(2, id);
                    version.setObject(3, time);
                    version.setString(4, json);
                    version.setString(5, patient);
                    version.setLong(6, VITALS_MASK);
                    version.addBatch();
                    leaf.setString(1, id);
                    leaf.setBytes(2, Leaves.version("Observation", id, 1, lastUpdated, json));
                    leaf.setObject(3, time);
                    leaf.addBatch();
                    if ((i + 1) % 5_000 == 0 || i == count - 1) {
                        resource.executeBatch();
                        version.executeBatch();
                        leaf.executeBatch();
                        c.commit();
                    }
                }
            }
        }
        System.out.printf(
                Locale.ROOT, "filled %d versions with leaves in %.1f s%n", count, (System.nanoTime() - started) / 1e9);
    }

    private static String observation(String id, String patient, Instant lastUpdated, int i) {
        double kg = 50 + ThreadLocalRandom.current().nextInt(0, 6000) / 100.0;
        return "{\"resourceType\":\"Observation\",\"id\":\"" + id + "\",\"meta\":{\"versionId\":\"1\",\"lastUpdated\":\""
                + Leaves.INSTANT.format(lastUpdated) + "\"},\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":"
                + "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
                + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},\"subject\":"
                + "{\"reference\":\"Patient/" + patient + "\"},\"effectiveDateTime\":\"2026-01-01T00:00:00Z\","
                + "\"valueQuantity\":{\"value\":" + String.format(Locale.ROOT, "%.2f", kg)
                + ",\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"},\"note\":[{\"text\":\"fill "
                + i + "\"}]}";
    }
}

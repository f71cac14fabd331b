import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The consent benchmarks of docs/benchmarks.md, as a client sees them: FHIR Consents POSTed to a
 * running PatientTwin, timed until the server reports them active (chain-confirmed).
 *
 * <pre>
 * java src/bench/ConsentBench.java latency    &lt;fhir base&gt; &lt;realm url&gt; &lt;grants&gt;
 * java src/bench/ConsentBench.java throughput &lt;fhir base&gt; &lt;realm url&gt; &lt;grants&gt; &lt;clients&gt;
 * </pre>
 *
 * latency: one grant at a time; each is read every 5 ms until active; prints p50/p90/p99/max of
 * request → active. throughput: {@code clients} threads POST {@code grants} consents as fast as
 * they can; prints the POST rate and grants/s from the first POST until all are active. Any answer
 * other than 201 stops the run. Single-file program (JDK 17, no dependencies).
 */
public class ConsentBench {

    private static final HttpClient HTTP =
            HttpClient.newBuilder()
                    // one connection per client thread, as EHR integration engines do; over HTTP/2 the JDK client
                    // would multiplex every thread on one connection and measure that connection
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
    private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");
    private static final Pattern STATUS = Pattern.compile("\"status\":\"([a-z-]+)\"");
    private static final Pattern TOTAL = Pattern.compile("\"total\":(\\d+)");
    private static final Pattern TOKEN = Pattern.compile("\"access_token\":\"([^\"]+)\"");

    private static String realm;
    /** The EHR system, which writes the consents. */
    private static final TokenSource EHR =
            new TokenSource("grant_type=client_credentials&client_id=ehr-system&client_secret=ehr-system-secret");
    /**
     * The compliance officer carol, who reads them back: Consents are governance data, which the policy
     * gate lets compliance officers read and not the EHR that wrote them (unless it holds a custodian
     * grant for the patient).
     */
    private static final TokenSource COMPLIANCE =
            new TokenSource("grant_type=password&client_id=twin-cli&username=carol&password=carol");

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String base = args[1];
        realm = args[2];
        int grants = Integer.parseInt(args[3]);
        String run = UUID.randomUUID().toString();
        if (mode.equals("latency")) {
            latency(base, run, grants);
        } else {
            throughput(base, run, grants, Integer.parseInt(args[4]));
        }
    }

    private static void latency(String base, String run, int grants) throws Exception {
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < grants + 10; i++) {
            long t0 = System.nanoTime();
            String id = post(base, run, i);
            while (!status(base, id).equals("active")) {
                if (System.nanoTime() - t0 > 60_000_000_000L) {
                    throw new IllegalStateException("Consent/" + id + " not active after 60 s");
                }
                Thread.sleep(5);
            }
            if (i >= 10) { // the first ten warm the JVM up
                millis.add((System.nanoTime() - t0) / 1e6);
            }
        }
        Collections.sort(millis);
        System.out.printf(
                "grant latency (request -> active), %d grants one at a time: p50 %.1f ms, p90 %.1f ms,"
                        + " p99 %.1f ms, max %.1f ms%n",
                millis.size(), pct(millis, 50), pct(millis, 90), pct(millis, 99), millis.get(millis.size() - 1));
    }

    private static void throughput(String base, String run, int grants, int clients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            workers.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < grants; i = next.getAndIncrement()) {
                    post(base, run, i);
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        pool.shutdown();
        double posted = (System.nanoTime() - t0) / 1e9;
        int active = 0;
        while (active < grants) {
            Thread.sleep(100);
            active = activeCount(base, run);
            if ((System.nanoTime() - t0) / 1e9 > 1200) {
                throw new IllegalStateException(active + " of " + grants + " active after 20 minutes");
            }
        }
        double done = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                "sustained grants, %d consents from %d clients: POSTed in %.1f s (%.0f requests/s); all active"
                        + " after %.1f s: %.0f grants/s%n",
                grants, clients, posted, grants / posted, done, grants / done);
    }

    private static String post(String base, String run, int i) throws Exception {
        String body = """
                {"resourceType":"Consent","status":"active",
                 "identifier":[{"system":"urn:patienttwin:bench","value":"%s"}],
                 "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
                 "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
                 "patient":{"reference":"Patient/bench-%d"},
                 "performer":[{"reference":"Patient/bench-%d"}],
                 "policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]},
                 "provision":{"type":"permit","period":{"start":"2026-01-01"},
                  "actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"PRCP"}]},
                            "reference":{"reference":"Practitioner/bench-%d"}}],
                  "purpose":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"TREAT"}],
                  "code":[{"coding":[{"system":"https://patienttwin.io/fhir/CodeSystem/data-category","code":"labs"}]}]}}
                """.formatted(run, i, i, i % 50);
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/Consent"))
                        .header("Authorization", "Bearer " + EHR.get())
                        .header("Content-Type", "application/fhir+json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("POST /Consent: " + response.statusCode() + " " + response.body());
        }
        return find(ID, response.body());
    }

    private static String status(String base, String id) throws Exception {
        return find(STATUS, get(base + "/Consent/" + id + "?_elements=status"));
    }

    private static int activeCount(String base, String run) throws Exception {
        String identifier = URLEncoder.encode("urn:patienttwin:bench|" + run, StandardCharsets.UTF_8);
        return Integer.parseInt(
                find(TOTAL, get(base + "/Consent?identifier=" + identifier + "&status=active&_summary=count")));
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + COMPLIANCE.get())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + ": " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    /** Tokens from the realm, renewed every 4 minutes (they live 5). */
    private static final class TokenSource {
        private final String form;
        private String token;
        private long at;

        TokenSource(String form) {
            this.form = form;
        }

        synchronized String get() throws Exception {
            if (token == null || System.nanoTime() - at > 240_000_000_000L) {
                HttpResponse<String> response = HTTP.send(
                        HttpRequest.newBuilder(URI.create(realm + "/protocol/openid-connect/token"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(form))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                token = find(TOKEN, response.body());
                at = System.nanoTime();
            }
            return token;
        }
    }

    private static String find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        if (!matcher.find()) {
            throw new IllegalStateException(pattern + " not in " + text);
        }
        return matcher.group(1);
    }

    private static double pct(List<Double> sorted, int percentile) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1));
    }
}

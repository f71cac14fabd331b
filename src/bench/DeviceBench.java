import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The device benchmarks of docs/benchmarks.md ("Devices"), as devices and a clinician's browser see them:
 * MQTT clients (Vert.x, QoS 1) publish compact readings to the broker PatientTwin consumes, each device
 * a patient's bedside monitor sending heart rate, respiratory rate, SpO2, systolic pressure and
 * temperature in turn ({@link #VITALS}).
 *
 * <pre>
 * DeviceBench throughput &lt;mqtt port&gt; &lt;devices&gt; &lt;readings&gt; &lt;app base&gt; &lt;admin token&gt;
 * DeviceBench latency    &lt;mqtt port&gt; &lt;devices&gt; &lt;rate/s&gt; &lt;seconds&gt; &lt;app base&gt; &lt;patient of device 0&gt;
 * </pre>
 *
 * throughput: the devices (users bench-0…) publish {@code readings} between them as fast as the broker
 * acknowledges (up to 500 in flight each); timed from the first publish until the app's ingestion counter
 * says all are stored. latency: the devices publish at {@code rate} readings/s in all for {@code seconds}
 * while alice's twin page stream of device 0's patient is open (signed in through Keycloak's login form
 * as a browser would); prints p50/p90/p99/max of publish → the reading's SSE event. Run on the app's
 * class path (target/quarkus-app/lib/main/*) for Vert.x.
 */
public class DeviceBench {

    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "throughput" -> throughput(
                    Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), args[4], args[5]);
            case "latency" -> latency(
                    Integer.parseInt(args[1]),
                    Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]),
                    args[5],
                    args[6]);
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.exit(0);
    }

    static final Vertx VERTX = Vertx.vertx();

    static MqttClient connect(int port, String user) throws Exception {
        MqttClient client = MqttClient.create(
                VERTX,
                new MqttClientOptions()
                        .setClientId(user)
                        .setUsername(user)
                        .setPassword(user)
                        .setMaxInflightQueue(1000)
                        .setAutoKeepAlive(true));
        client.connect(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return client;
    }

    /**
     * A bedside monitor's vital signs, one after the other: code, UCUM unit, lowest value, spread. Each
     * device plays one patient's monitor; values wander within the spread (some sets score NEWS2 5 or
     * more, so the early warning raises alerts during a run as it would on a ward).
     */
    static final String[][] VITALS = {
        {"heart-rate", "/min", "60", "55"},
        {"respiratory-rate", "/min", "12", "10"},
        {"spo2", "%", "92", "8"},
        {"systolic-bp", "mm[Hg]", "100", "40"},
        {"body-temperature", "Cel", "36.0", "2.0"}
    };

    /** The {@code n}-th reading of a device: the vitals in turn. */
    static String reading(String id, long n, Instant time) {
        String[] vital = VITALS[(int) (n % VITALS.length)];
        double step = (n / VITALS.length) % 11 / 10.0;
        double value = Math.round((Double.parseDouble(vital[2]) + step * Double.parseDouble(vital[3])) * 10) / 10.0;
        return "{\"id\":\"" + id + "\",\"code\":\"" + vital[0] + "\",\"value\":" + value + ",\"unit\":\""
                + vital[1] + "\",\"time\":\"" + time + "\"}";
    }

    static long stored(String base, String token) throws Exception {
        String body = HTTP.send(
                        HttpRequest.newBuilder(URI.create(base + "/api/devices/ingestion"))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = Pattern.compile("\"stored\":(\\d+)").matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no counter in " + body);
        }
        return Long.parseLong(m.group(1));
    }

    static void throughput(int port, int devices, int readings, String base, String token) throws Exception {
        long before = stored(base, token);
        List<MqttClient> clients = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            clients.add(connect(port, "bench-" + d));
        }
        String run = Long.toString(System.nanoTime(), 36);
        Instant time = Instant.now().minusSeconds(3600);
        CountDownLatch acked = new CountDownLatch(readings);
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            final int device = d;
            Thread thread = new Thread(() -> {
                Semaphore window = new Semaphore(500);
                MqttClient client = clients.get(device);
                client.publishCompletionHandler(id -> {
                    window.release();
                    acked.countDown();
                });
                for (int i = device; i < readings; i += devices) {
                    window.acquireUninterruptibly();
                    String payload = reading(run + "-" + i, i / devices, time.plusMillis(i));
                    VERTX.runOnContext(v -> client.publish(
                            "devices/bench-" + device + "/readings",
                            Buffer.buffer(payload),
                            MqttQoS.AT_LEAST_ONCE,
                            false,
                            false));
                }
            });
            thread.start();
            threads.add(thread);
        }
        acked.await(10, TimeUnit.MINUTES);
        long published = System.nanoTime();
        long storedNow;
        while ((storedNow = stored(base, token) - before) < readings) {
            Thread.sleep(20);
            if (System.nanoTime() - t0 > TimeUnit.MINUTES.toNanos(20)) {
                throw new IllegalStateException("only " + storedNow + " of " + readings + " stored in 20 minutes");
            }
        }
        long done = System.nanoTime();
        System.out.printf(
                "throughput: %d readings from %d devices; published (PUBACK) in %.2f s (%.0f/s); all stored in %.2f s:"
                        + " %.0f readings/s into the store%n",
                readings,
                devices,
                (published - t0) / 1e9,
                readings / ((published - t0) / 1e9),
                (done - t0) / 1e9,
                readings / ((done - t0) / 1e9));
        for (MqttClient c : clients) {
            c.disconnect();
        }
    }

    static void latency(int port, int devices, int rate, int seconds, String base, String patient) throws Exception {
        // sign in as alice through the portal's code flow, as a browser
        // Keycloak's login cookies are Secure; browsers send them to http://127.0.0.1 (a secure context),
        // Java's CookieManager does not: drop the flag, as the browser effectively does here
        CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL) {
            @Override
            public void put(URI uri, Map<String, List<String>> headers) throws java.io.IOException {
                Map<String, List<String>> plain = new java.util.HashMap<>();
                headers.forEach((name, values) -> plain.put(
                        name,
                        name != null && name.equalsIgnoreCase("Set-Cookie")
                                ? values.stream()
                                        .map(v -> v.replaceAll("(?i);\\s*Secure", ""))
                                        .toList()
                                : values));
                super.put(uri, plain);
            }
        };
        HttpClient browser = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .cookieHandler(cookies)
                .followRedirects(HttpClient.Redirect.ALWAYS)
                .build();
        HttpResponse<String> login = browser.send(
                HttpRequest.newBuilder(URI.create(base + "/portal/patients/" + patient)).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher action = Pattern.compile("id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"").matcher(login.body());
        if (!action.find()) {
            action = Pattern.compile("action=\"([^\"]+)\"[^>]*id=\"kc-form-login\"").matcher(login.body());
            if (!action.find()) {
                throw new IllegalStateException("no login form at " + login.uri());
            }
        }
        HttpResponse<String> page = browser.send(
                HttpRequest.newBuilder(URI.create(action.group(1).replace("&amp;", "&")))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("username=alice&password=alice"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (page.statusCode() != 200 || !page.body().contains("live-status")) {
            throw new IllegalStateException("the twin page did not open: " + page.statusCode() + " " + page.uri());
        }
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        HttpResponse<InputStream> stream = browser.send(
                HttpRequest.newBuilder(URI.create(base + "/portal/patients/" + patient + "/live"))
                        .header("Accept", "text/event-stream")
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (stream.statusCode() != 200) {
            throw new IllegalStateException("live stream: " + stream.statusCode());
        }
        CountDownLatch ready = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            Pattern source = Pattern.compile("\"source\":\"Observation/([^\"]+)\"");
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("event:") && line.contains("ready")) {
                        ready.countDown();
                    }
                    if (line.startsWith("data:")) {
                        long now = System.nanoTime();
                        Matcher m = source.matcher(line);
                        while (m.find()) {
                            Long sent = sentAt.remove(m.group(1));
                            if (sent != null) {
                                latencies.add(now - sent);
                            }
                        }
                    }
                }
            } catch (Exception e) {
                // the stream closes when the run ends
            }
        });
        reader.setDaemon(true);
        reader.start();
        if (!ready.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the live stream sent no ready event");
        }

        List<MqttClient> clients = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            clients.add(connect(port, "bench-" + d));
        }
        String run = Long.toString(System.nanoTime(), 36);
        long total = (long) rate * seconds;
        long interval = 1_000_000_000L / rate;
        long t0 = System.nanoTime();
        AtomicLong watched = new AtomicLong();
        for (long i = 0; i < total; i++) {
            long due = t0 + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int device = (int) (i % devices);
            String id = run + "-" + i;
            String payload = reading(id, i / devices, Instant.now());
            if (device == 0) {
                sentAt.put(idOf("bench-0|id|" + id), System.nanoTime());
                watched.incrementAndGet();
            }
            MqttClient client = clients.get(device);
            VERTX.runOnContext(v -> client.publish(
                    "devices/bench-" + device + "/readings", Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, false));
        }
        long sendSeconds = (System.nanoTime() - t0) / 1_000_000_000L;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (latencies.size() < watched.get() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf(
                "latency: %d readings/s from %d devices for %d s (sent in %d s); %d of device 0's %d readings"
                        + " reached the page's stream: publish -> SSE p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                rate,
                devices,
                seconds,
                sendSeconds,
                sorted.size(),
                watched.get(),
                pct(sorted, 0.50),
                pct(sorted, 0.90),
                pct(sorted, 0.99),
                sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1) / 1e6);
        for (MqttClient c : clients) {
            c.disconnect();
        }
    }

    static double pct(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    static String idOf(String key) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        return "dr-" + HexFormat.of().formatHex(digest, 0, 20);
    }

    static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

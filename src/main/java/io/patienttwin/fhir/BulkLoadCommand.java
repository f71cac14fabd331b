package io.patienttwin.fhir;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Loads a folder of FHIR transaction and batch Bundles (such as Synthea's output) into a running
 * PatientTwin through {@code POST /fhir}, in Synthea's dependency order (hospital, then practitioner
 * Bundles, then patients), printing progress after each file. Streams each file from disk, so the
 * client's heap does not grow with bundle size. Stops at the first Bundle the server refuses.
 *
 * <p>Usage: {@code java -cp 'target/quarkus-app/app/*:target/quarkus-app/lib/main/*'
 * io.patienttwin.fhir.BulkLoadCommand <folder> [base-url]}. A bearer token, when the server needs
 * one, comes from the environment variable {@code PATIENTTWIN_TOKEN} (never from the command line,
 * where other users of the machine could read it).
 */
public final class BulkLoadCommand {

    private static final JsonFactory JSON = new JsonFactory();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final String token;
    private final PrintStream out;

    /** Totals of a finished load. */
    public record Summary(int files, long resources, Duration elapsed) {
        public double resourcesPerSecond() {
            return resources / Math.max(elapsed.toNanos() / 1e9, 1e-9);
        }
    }

    public BulkLoadCommand(URI base, String token, PrintStream out) {
        this.base = base;
        this.token = token;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: BulkLoadCommand <folder of Bundle JSON files> [base-url, default"
                    + " http://localhost:8080/fhir]");
            System.exit(2);
        }
        URI base = URI.create(args.length > 1 ? args[1] : "http://localhost:8080/fhir");
        try {
            new BulkLoadCommand(base, System.getenv("PATIENTTWIN_TOKEN"), System.out).load(Path.of(args[0]));
        } catch (LoadFailedException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }

    /** Loads every {@code *.json} file of {@code folder}; throws on the first refused Bundle. */
    public Summary load(Path folder) throws IOException, InterruptedException {
        List<Path> files = bundlesInLoadOrder(folder);
        long started = System.nanoTime();
        long resources = 0;
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            long fileStarted = System.nanoTime();
            long entries = post(file);
            resources += entries;
            double fileSeconds = (System.nanoTime() - fileStarted) / 1e9;
            double totalSeconds = (System.nanoTime() - started) / 1e9;
            out.printf(
                    Locale.ROOT,
                    "[%d/%d] %s: %,d resources in %.1f s; total %,d resources, %,.0f resources/s%n",
                    i + 1,
                    files.size(),
                    file.getFileName(),
                    entries,
                    fileSeconds,
                    resources,
                    resources / Math.max(totalSeconds, 1e-9));
        }
        Summary summary = new Summary(files.size(), resources, Duration.ofNanos(System.nanoTime() - started));
        out.printf(
                Locale.ROOT,
                "Loaded %,d resources from %d files in %.1f s (%,.0f resources/s)%n",
                summary.resources(),
                summary.files(),
                summary.elapsed().toMillis() / 1e3,
                summary.resourcesPerSecond());
        return summary;
    }

    /** Synthea's order: organizations and locations, then practitioners, then one Bundle per person. */
    static List<Path> bundlesInLoadOrder(Path folder) throws IOException {
        try (Stream<Path> all = Files.list(folder)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .sorted(Comparator.comparing(BulkLoadCommand::loadRank).thenComparing(Path::toString))
                    .toList();
        }
    }

    private static int loadRank(Path file) {
        String name = file.getFileName().toString();
        return name.startsWith("hospitalInformation") ? 0 : name.startsWith("practitionerInformation") ? 1 : 2;
    }

    private long post(Path file) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base)
                .header("Content-Type", "application/fhir+json; charset=UTF-8")
                .header("Accept", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofFile(file));
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                String text = new String(body.readNBytes(4096), StandardCharsets.UTF_8);
                throw new LoadFailedException(
                        file.getFileName() + " was refused with HTTP " + response.statusCode() + ": " + text);
            }
            return countSuccessfulEntries(file, body);
        }
    }

    /** Counts the response Bundle's entries; a batch entry that failed stops the load with its status. */
    private static long countSuccessfulEntries(Path file, InputStream body) throws IOException {
        long entries = 0;
        try (JsonParser parser = JSON.createParser(body)) {
            int depth = 0;
            boolean inEntries = false;
            String entryField = null;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    depth++;
                } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                    depth--;
                } else if (token == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    if (depth == 1) {
                        inEntries = name.equals("entry");
                    } else if (depth == 3) {
                        entryField = name;
                    } else if (inEntries && depth == 4 && "response".equals(entryField) && name.equals("status")) {
                        parser.nextToken();
                        String status = parser.getText();
                        if (!status.startsWith("2")) {
                            throw new LoadFailedException(
                                    file.getFileName() + ": entry " + entries + " failed with " + status);
                        }
                        entries++;
                    }
                }
            }
        }
        return entries;
    }

    /** A Bundle the server refused; the message names the file and the server's answer. */
    public static final class LoadFailedException extends RuntimeException {
        LoadFailedException(String message) {
            super(message);
        }
    }
}

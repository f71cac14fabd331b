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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Loads a folder of FHIR transaction and batch Bundles (such as Synthea's output) into a running
 * PatientTwin through {@code POST /fhir}, in Synthea's dependency order (hospital, then practitioner
 * Bundles, then patients, two at a time by default), printing progress after each file. Streams each file from disk, so the
 * client's heap does not grow with bundle size. Stops at the first Bundle the server refuses.
 *
 * <p>Usage: {@code java -cp 'target/quarkus-app/app/*:target/quarkus-app/lib/main/*'
 * io.patienttwin.fhir.BulkLoadCommand <folder> [base-url] [parallelism]}. A bearer token, when the server needs
 * one, comes from the environment variable {@code PATIENTTWIN_TOKEN} (never from the command line,
 * where other users of the machine could read it). With {@code PATIENTTWIN_MANAGING_ORGANIZATION}
 * ({@code Organization/x}) set, every Patient entry that names no managing organization is sent with
 * that one: Synthea names none, and an EHR system writes only patients of organizations it is custodian
 * of (the server refuses the others).
 */
public final class BulkLoadCommand {

    private static final JsonFactory JSON = new JsonFactory();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final URI base;
    private final String token;
    private final PrintStream out;
    private final int parallelism;
    private final String managingOrganization;

    /** Totals of a finished load. */
    public record Summary(int files, long resources, Duration elapsed) {
        public double resourcesPerSecond() {
            return resources / Math.max(elapsed.toNanos() / 1e9, 1e-9);
        }
    }

    /**
     * @param token bearer token sent with every request, or null
     * @param parallelism how many patient Bundles load at once (2 keeps both cores of a small server busy)
     */
    public BulkLoadCommand(URI base, String token, PrintStream out, int parallelism) {
        this(base, token, out, parallelism, null);
    }

    /**
     * @param managingOrganization given to every Patient entry that names none ({@code Organization/x}), or
     *     null to send the files as they are
     */
    public BulkLoadCommand(URI base, String token, PrintStream out, int parallelism, String managingOrganization) {
        this.base = base;
        this.token = token;
        this.out = out;
        this.parallelism = parallelism;
        this.managingOrganization =
                managingOrganization == null || managingOrganization.isBlank() ? null : managingOrganization;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: BulkLoadCommand <folder of Bundle JSON files> [base-url, default"
                    + " http://localhost:8080/fhir] [parallel patient bundles, default 2]");
            System.exit(2);
        }
        URI base = URI.create(args.length > 1 ? args[1] : "http://localhost:8080/fhir");
        int parallelism = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        try {
            new BulkLoadCommand(
                            base,
                            System.getenv("PATIENTTWIN_TOKEN"),
                            System.out,
                            parallelism,
                            System.getenv("PATIENTTWIN_MANAGING_ORGANIZATION"))
                    .load(Path.of(args[0]));
        } catch (LoadFailedException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Loads every {@code *.json} file of {@code folder}; throws on the first refused Bundle. Hospital and
     * practitioner Bundles load first, one at a time, since the others reference them; the patient
     * Bundles, independent of each other, then load on {@code parallelism} connections.
     */
    public Summary load(Path folder) throws IOException, InterruptedException {
        List<Path> files = bundlesInLoadOrder(folder);
        Progress progress = new Progress(files.size());
        int shared = (int) files.stream().filter(f -> loadRank(f) < 2).count();
        for (Path file : files.subList(0, shared)) {
            progress.loaded(file, post(file));
        }
        ExecutorService workers = Executors.newFixedThreadPool(parallelism);
        try {
            List<Future<?>> pending = new ArrayList<>();
            for (Path file : files.subList(shared, files.size())) {
                pending.add(workers.submit(() -> {
                    progress.loaded(file, post(file));
                    return null;
                }));
            }
            for (Future<?> future : pending) {
                try {
                    future.get();
                } catch (ExecutionException e) {
                    pending.forEach(f -> f.cancel(true));
                    if (e.getCause() instanceof LoadFailedException failed) {
                        throw failed;
                    }
                    if (e.getCause() instanceof IOException io) {
                        throw io;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            workers.shutdownNow();
        }
        Summary summary = progress.summary();
        out.printf(
                Locale.ROOT,
                "Loaded %,d resources from %d files in %.1f s (%,.0f resources/s)%n",
                summary.resources(),
                summary.files(),
                summary.elapsed().toMillis() / 1e3,
                summary.resourcesPerSecond());
        return summary;
    }

    /** Counts what has loaded and prints a line per finished file; thread-safe. */
    private final class Progress {
        private final int files;
        private final long started = System.nanoTime();
        private int done;
        private long resources;

        Progress(int files) {
            this.files = files;
        }

        synchronized void loaded(Path file, long entries) {
            done++;
            resources += entries;
            double seconds = (System.nanoTime() - started) / 1e9;
            out.printf(
                    Locale.ROOT,
                    "[%d/%d] %s: %,d resources; total %,d resources in %.1f s, %,.0f resources/s%n",
                    done,
                    files,
                    file.getFileName(),
                    entries,
                    resources,
                    seconds,
                    resources / Math.max(seconds, 1e-9));
        }

        synchronized Summary summary() {
            return new Summary(done, resources, Duration.ofNanos(System.nanoTime() - started));
        }
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
        Path sent = managingOrganization == null ? file : withManagingOrganization(file, managingOrganization);
        try {
            return post(file, sent);
        } finally {
            if (!sent.equals(file)) {
                Files.deleteIfExists(sent);
            }
        }
    }

    /**
     * A copy of a Bundle file (streamed, never whole in memory) in which every entry's Patient that names
     * no managing organization names {@code organization}.
     */
    static Path withManagingOrganization(Path file, String organization) throws IOException {
        Path copy = Files.createTempFile("bulk-load-", ".json");
        try (InputStream in = Files.newInputStream(file);
                JsonParser parser = JSON.createParser(in);
                com.fasterxml.jackson.core.JsonGenerator generator = JSON.createGenerator(
                        Files.newOutputStream(copy), com.fasterxml.jackson.core.JsonEncoding.UTF8)) {
            // names[d]: the field whose value opened depth d; an entry's resource is the object at depth 4
            String[] names = new String[8];
            String field = null;
            int depth = 0;
            boolean patient = false;
            boolean managed = false;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    depth++;
                    if (depth < names.length) {
                        names[depth] = field;
                    }
                    if (depth == 4) {
                        patient = false;
                        managed = false;
                    }
                } else if (token == JsonToken.END_OBJECT && depth == 4 && entryResource(names) && patient && !managed) {
                    generator.writeObjectFieldStart("managingOrganization");
                    generator.writeStringField("reference", organization);
                    generator.writeEndObject();
                }
                if (token == JsonToken.FIELD_NAME) {
                    field = parser.currentName();
                    if (depth == 4 && entryResource(names)) {
                        managed |= field.equals("managingOrganization");
                        if (field.equals("resourceType")) {
                            generator.copyCurrentEvent(parser);
                            parser.nextToken();
                            patient = "Patient".equals(parser.getText());
                        }
                    }
                }
                generator.copyCurrentEvent(parser);
                if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                    depth--;
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
        return copy;
    }

    private static boolean entryResource(String[] names) {
        return "entry".equals(names[2]) && "resource".equals(names[4]);
    }

    private long post(Path file, Path sent) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base)
                .header("Content-Type", "application/fhir+json; charset=UTF-8")
                .header("Accept", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofFile(sent));
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

package io.patienttwin.identity;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;

/** The lines of a Server-Sent Events answer ({@link CodeFlowLogin#stream}), read on a thread of its own. */
public final class EventStreamLines implements AutoCloseable {

    private final HttpResponse<InputStream> answer;
    public final List<String> lines = new CopyOnWriteArrayList<>();

    public EventStreamLines(HttpResponse<InputStream> answer) {
        this.answer = answer;
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(answer.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException closed) {
                // closed by the test
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits until a line contains {@code text}. */
    public void await(String text, Duration timeout) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> lines.stream()
                .anyMatch(l -> l.contains(text)));
    }

    @Override
    public void close() throws IOException {
        answer.body().close();
    }
}

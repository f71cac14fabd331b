package io.patienttwin.identity;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Logs in to a portal page the way a browser without JavaScript would: follows the app's redirect to
 * Keycloak, submits Keycloak's real login form, follows the redirects back with the authorization code,
 * and keeps the session cookies. One instance is one browser session.
 */
public final class CodeFlowLogin {

    private static final Pattern LOGIN_FORM_ACTION =
            Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"");
    private static final int MAX_REDIRECTS = 10;

    private final HttpClient http =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    /** Cookies per host. Like a browser on a loopback host, sends Secure cookies over plain http. */
    private final Map<String, Map<String, String>> cookies = new HashMap<>();

    /** The final answer after logging in at {@code page} (a full URL) with a user name and password. */
    public HttpResponse<String> open(String page, String username, String password) throws Exception {
        HttpResponse<String> response = follow(get(URI.create(page)));
        Matcher form = LOGIN_FORM_ACTION.matcher(response.body());
        if (!form.find()) {
            throw new IllegalStateException(
                    "no Keycloak login form at " + response.uri() + ": HTTP " + response.statusCode());
        }
        URI action = URI.create(form.group(1).replace("&amp;", "&"));
        String body = "username=" + URLEncoder.encode(username, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8) + "&credentialId=";
        HttpRequest.Builder post = HttpRequest.newBuilder(action)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        return follow(send(post, action));
    }

    /** A later page in the same session. */
    public HttpResponse<String> get(String page) throws Exception {
        return follow(get(URI.create(page)));
    }

    /** One request in the same session, redirects not followed: what the server itself answered. */
    public HttpResponse<String> fetch(String page) throws Exception {
        return get(URI.create(page));
    }

    /** One form post in the same session, redirects not followed. */
    public HttpResponse<String> postOnce(String page, String form) throws Exception {
        URI uri = URI.create(page);
        return send(
                HttpRequest.newBuilder(uri)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)),
                uri);
    }

    /** A form post in the same session (body {@code application/x-www-form-urlencoded}), redirects followed. */
    public HttpResponse<String> post(String page, String form) throws Exception {
        URI uri = URI.create(page);
        HttpRequest.Builder post = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        return follow(send(post, uri));
    }

    /** A streamed answer in the same session (Server-Sent Events), redirects not followed. */
    public HttpResponse<java.io.InputStream> stream(String page) throws IOException, InterruptedException {
        return stream(page, Map.of());
    }

    /** As {@link #stream(String)}, with more request headers (e.g. {@code Last-Event-ID}). */
    public HttpResponse<java.io.InputStream> stream(String page, Map<String, String> headers)
            throws IOException, InterruptedException {
        URI uri = URI.create(page);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .GET();
        headers.forEach(request::header);
        return http.send(withCookies(request, uri).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).GET(), uri);
    }

    /** Adds the session's cookies for the request's host. */
    private HttpRequest.Builder withCookies(HttpRequest.Builder request, URI uri) {
        Map<String, String> jar = cookies.computeIfAbsent(uri.getHost(), host -> new LinkedHashMap<>());
        if (!jar.isEmpty()) {
            request.header(
                    "Cookie",
                    jar.entrySet().stream()
                            .map(c -> c.getKey() + "=" + c.getValue())
                            .collect(Collectors.joining("; ")));
        }
        return request;
    }

    private HttpResponse<String> send(HttpRequest.Builder request, URI uri) throws IOException, InterruptedException {
        Map<String, String> jar = cookies.computeIfAbsent(uri.getHost(), host -> new LinkedHashMap<>());
        HttpResponse<String> response =
                http.send(withCookies(request, uri).build(), HttpResponse.BodyHandlers.ofString());
        for (String header : response.headers().allValues("Set-Cookie")) {
            String pair = header.split(";", 2)[0];
            int equals = pair.indexOf('=');
            String name = pair.substring(0, equals).trim();
            String value = pair.substring(equals + 1).trim();
            if (value.isEmpty() || header.toLowerCase(java.util.Locale.ROOT).contains("max-age=0")) {
                jar.remove(name);
            } else {
                jar.put(name, value);
            }
        }
        return response;
    }

    private HttpResponse<String> follow(HttpResponse<String> response) throws IOException, InterruptedException {
        for (int i = 0; i < MAX_REDIRECTS && response.statusCode() / 100 == 3; i++) {
            URI next = response.uri()
                    .resolve(response.headers().firstValue("Location").orElseThrow());
            response = get(next);
        }
        return response;
    }
}

package io.patienttwin.portal;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * A page of the portal's own when Keycloak cannot be reached: without it, a browser that is not
 * signed in is redirected to the identity provider and shows the browser's "cannot connect" error
 * (or hangs), which reads as "PatientTwin is down" although every signed-in user, and every API client
 * with a token, keeps working.
 *
 * <p>Every few seconds ({@code twin.portal.sign-in-probe-interval}) the portal tenant's discovery
 * document is fetched. While the last probe failed, a portal request that carries no portal session
 * cookie — one that would be sent to sign in, the code-flow callback included — is answered here with
 * 503, {@code Retry-After} and a page saying that sign-in is unavailable, before authentication runs.
 * A request with a session cookie goes on as usual: its tokens are verified with the keys already
 * fetched. Before the first probe has answered nothing is held back (fail open here is right: this is
 * a page of explanation, not a decision; the OIDC mechanism still decides).
 */
@ApplicationScoped
public class SignInAvailability {

    private static final Logger LOG = Logger.getLogger(SignInAvailability.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    /** How long a browser is told to wait before trying again. */
    static final String RETRY_AFTER_SECONDS = "30";

    enum State {
        UNKNOWN,
        REACHABLE,
        UNREACHABLE
    }

    private final PortalTemplates templates;
    private final Optional<URI> discovery;
    private final Duration interval;
    private final String csp;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
    private volatile State state = State.UNKNOWN;
    private ScheduledExecutorService probes;

    SignInAvailability(
            PortalTemplates templates,
            @ConfigProperty(name = "quarkus.oidc.portal.auth-server-url") Optional<String> identityProvider,
            @ConfigProperty(name = "quarkus.oidc.portal.tenant-enabled", defaultValue = "true") boolean enabled,
            @ConfigProperty(name = "twin.portal.sign-in-probe-interval", defaultValue = "5S") Duration interval) {
        this.templates = templates;
        this.discovery = identityProvider.filter(url -> enabled).map(SignInAvailability::discoveryOf);
        this.interval = interval;
        this.csp = Pages.csp(identityProvider.map(Pages::origin).orElse(""));
    }

    /** The discovery document of a realm URL. */
    static URI discoveryOf(String realm) {
        String base = realm.endsWith("/") ? realm.substring(0, realm.length() - 1) : realm;
        return URI.create(base + "/.well-known/openid-configuration");
    }

    void start(@Observes StartupEvent event) {
        if (discovery.isEmpty()) {
            return;
        }
        probes = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sign-in-probe");
            thread.setDaemon(true);
            return thread;
        });
        probes.scheduleWithFixedDelay(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (probes != null) {
            probes.shutdownNow();
        }
    }

    void install(@Observes Router router) {
        // right after RequestsInFlight, before authentication
        router.route().order(Integer.MIN_VALUE + 1).handler(this::handle);
    }

    /** The state the last probe left; {@code UNKNOWN} until one has answered. */
    State state() {
        return state;
    }

    /** Fetches the discovery document once and records whether the identity provider answered. */
    void probe() {
        State now;
        try {
            HttpResponse<Void> response = http.send(
                    HttpRequest.newBuilder(discovery.orElseThrow())
                            .timeout(PROBE_TIMEOUT)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            now = response.statusCode() == 200 ? State.REACHABLE : State.UNREACHABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) { // connection refused, timeout, DNS: all "cannot sign in now"
            now = State.UNREACHABLE;
        }
        State before = state;
        state = now;
        if (before != now && now == State.UNREACHABLE) {
            LOG.warnf(
                    "PT-SIGNIN-503 the identity provider %s does not answer: portal sign-in shows the"
                            + " unavailable page; signed-in users and API tokens keep working",
                    discovery.get());
        } else if (before == State.UNREACHABLE && now == State.REACHABLE) {
            LOG.infof("the identity provider %s answers again: portal sign-in is open", discovery.get());
        }
    }

    private void handle(RoutingContext context) {
        if (!holdsBack(state, context.normalizedPath(), context.request().getHeader("Cookie"))) {
            context.next();
            return;
        }
        Map<String, Object> data = new HashMap<>();
        data.put("status", 503);
        data.put("heading", "Sign-in is unavailable");
        data.put(
                "detail",
                "The sign-in service cannot be reached right now, so nobody can sign in. If you are"
                        + " already signed in elsewhere, that session keeps working. Please try again in a"
                        + " few minutes.");
        data.put("viewer", null);
        data.put("csrf", "");
        data.put("title", "Sign-in is unavailable");
        context.response()
                .setStatusCode(503)
                .putHeader("Content-Type", "text/html;charset=UTF-8")
                .putHeader("Retry-After", RETRY_AFTER_SECONDS)
                .putHeader("Content-Security-Policy", csp)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cache-Control", "no-store")
                .end(templates.render("error", data));
    }

    /**
     * Whether a request is answered with the unavailable page: only while the identity provider is
     * known to be unreachable, only on the portal's paths, and only without a portal session cookie
     * (Quarkus OIDC's {@code q_session…}, chunked or not).
     */
    static boolean holdsBack(State state, String path, String cookieHeader) {
        if (state != State.UNREACHABLE || path == null) {
            return false;
        }
        if (!(path.equals("/") || path.equals("/portal") || path.startsWith("/portal/"))) {
            return false;
        }
        if (cookieHeader == null) {
            return true;
        }
        for (String cookie : cookieHeader.split(";")) {
            if (cookie.trim().startsWith("q_session")) {
                return false;
            }
        }
        return true;
    }
}

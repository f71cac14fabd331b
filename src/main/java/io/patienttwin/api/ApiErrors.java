package io.patienttwin.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one error policy of the JSON API under {@code /api} (the FHIR endpoint has its own, and the
 * portal answers with pages): every error is a JSON problem {@code {"code": ..., "message": ...}}
 * with a stable code — {@code PT-API-400-JSON} for a body that is not JSON of the expected shape,
 * {@code PT-API-<status>} for any other client error, {@code PT-API-500} with an incident id for the
 * unexpected — and never a class name, a stack trace or a parser's text. Outside {@code /api} a
 * JAX-RS error keeps the response it carries.
 */
public class ApiErrors {

    private static final Logger LOG = Logger.getLogger(ApiErrors.class);

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e, HttpServerRequest request) {
        if (!isApi(request)) {
            return Response.status(400).build();
        }
        return problem(
                400,
                "PT-API-400-JSON",
                "the body is not JSON of the expected shape"
                        + (e.getOriginalMessage() != null
                                        && e.getOriginalMessage().startsWith("Unrecognized field")
                                ? " (an unknown field)"
                                : ""));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, HttpServerRequest request) {
        Response carried = e.getResponse();
        if (!isApi(request) || carried.getStatus() < 400 || carried.hasEntity()) {
            return carried;
        }
        int status = carried.getStatus();
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonProcessingException json) {
                return malformedJson(json, request);
            }
        }
        if (status >= 500) {
            return unexpected(e, request);
        }
        String reason = Response.Status.fromStatusCode(status) == null
                ? "request refused"
                : Response.Status.fromStatusCode(status).getReasonPhrase().toLowerCase();
        return problem(status, "PT-API-" + status, reason);
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e, HttpServerRequest request) {
        String incident = UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected error on %s %s (incident %s)", request.method(), request.path(), incident);
        if (!isApi(request)) {
            return Response.serverError()
                    .type(MediaType.TEXT_PLAIN)
                    .entity("internal error, incident " + incident)
                    .build();
        }
        return problem(500, "PT-API-500", "internal error, incident " + incident);
    }

    /** A JSON problem body, the shape every {@code /api} error has. */
    public static Response problem(int status, String code, String message) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("code", code, "message", message))
                .build();
    }

    private static boolean isApi(HttpServerRequest request) {
        return request.path().startsWith("/api/");
    }
}

package io.patienttwin.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.eclipse.microprofile.config.ConfigProvider;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Checks every /fhir request before HAPI sees it. An unknown resource type is a 400 (HAPI alone would
 * answer 404); a parameter with a NUL character or an unpaired surrogate is a 400 ({@code
 * PT-FHIR-400-TEXT}). {@code twin.fhir.max-request-size} is enforced with a FHIR answer: a declared
 * Content-Length over the limit is refused before any byte is read, and a chunked body is counted
 * while HAPI reads it.
 */
@WebFilter(urlPatterns = "/fhir/*")
public class FhirRequestFilter extends HttpFilter {

    private static final Set<String> SYSTEM_PATHS = Set.of("metadata", "_history", ".well-known");
    private static final Set<String> RESOURCE_TYPES = FhirContext.forR4Cached().getResourceTypes();

    // Read lazily: config mappings cannot be injected while the servlet container boots.
    private volatile Long limit;

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String type = firstSegment(request.getPathInfo());
        if (type != null && !RESOURCE_TYPES.contains(type)) {
            reply(response, 400, "not-supported", "PT-FHIR-400-TYPE: unknown resource type '" + type + "'");
            return;
        }
        for (java.util.Map.Entry<String, String[]> parameter :
                request.getParameterMap().entrySet()) {
            boolean storable = IncomingResources.storable(parameter.getKey());
            for (String value : parameter.getValue()) {
                storable &= IncomingResources.storable(value);
            }
            if (!storable) {
                // a NUL or half a surrogate pair can match nothing stored, and PostgreSQL refuses it
                reply(
                        response,
                        400,
                        "invalid",
                        "PT-FHIR-400-TEXT: a parameter of the request contains a NUL"
                                + " character or an unpaired surrogate");
                return;
            }
        }
        long limit = limit();
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            reply(response, 413, "too-long", message(limit));
            return;
        }
        if (declared == 0 && request.getPathInfo().endsWith("/$validate")) {
            // Type/id/$validate without a body validates the stored resource; HAPI would try to parse
            // an empty body as soon as a Content-Type is present.
            chain.doFilter(new WithoutContentType(request), response);
            return;
        }
        chain.doFilter(declared >= 0 ? request : new LimitedRequest(request, limit), response);
    }

    private long limit() {
        Long value = limit;
        if (value == null) {
            value = ConfigProvider.getConfig()
                    .getOptionalValue("twin.fhir.max-request-size", MemorySize.class)
                    .map(MemorySize::asLongValue)
                    .orElse(200L * 1024 * 1024);
            limit = value;
        }
        return value;
    }

    /** The resource type a path names, or null for system-level paths such as metadata or $operations. */
    static String firstSegment(String path) {
        if (path == null || path.length() <= 1) {
            return null;
        }
        String first = path.substring(1).split("/", 2)[0];
        if (first.isEmpty() || first.startsWith("$") || SYSTEM_PATHS.contains(first)) {
            return null;
        }
        return first;
    }

    private static void reply(HttpServletResponse response, int status, String code, String diagnostics)
            throws IOException {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.fromCode(code))
                .setDiagnostics(diagnostics);
        response.setStatus(status);
        response.setContentType("application/fhir+json;charset=UTF-8");
        response.getOutputStream()
                .write(FhirContext.forR4Cached()
                        .newJsonParser()
                        .encodeResourceToString(outcome)
                        .getBytes(StandardCharsets.UTF_8));
    }

    static String message(long limit) {
        return "PT-FHIR-413: request body exceeds the limit of " + limit + " bytes";
    }

    /** An empty-bodied request that declares no Content-Type. */
    private static final class WithoutContentType extends HttpServletRequestWrapper {
        WithoutContentType(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getContentType() {
            return null;
        }

        @Override
        public String getHeader(String name) {
            return "Content-Type".equalsIgnoreCase(name) ? null : super.getHeader(name);
        }

        @Override
        public java.util.Enumeration<String> getHeaders(String name) {
            return "Content-Type".equalsIgnoreCase(name)
                    ? java.util.Collections.emptyEnumeration()
                    : super.getHeaders(name);
        }
    }

    /** A request whose body stream fails with 413 once more than the limit has been read. */
    private static final class LimitedRequest extends HttpServletRequestWrapper {
        private final long limit;

        LimitedRequest(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            ServletInputStream in = super.getInputStream();
            return new ServletInputStream() {
                private long read;

                @Override
                public int read() throws IOException {
                    int b = in.read();
                    if (b >= 0) {
                        count(1);
                    }
                    return b;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    int n = in.read(buffer, offset, length);
                    if (n > 0) {
                        count(n);
                    }
                    return n;
                }

                private void count(int n) {
                    read += n;
                    if (read > limit) {
                        throw new PayloadTooLargeException(message(limit));
                    }
                }

                @Override
                public boolean isFinished() {
                    return in.isFinished();
                }

                @Override
                public boolean isReady() {
                    return in.isReady();
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    in.setReadListener(listener);
                }
            };
        }
    }
}

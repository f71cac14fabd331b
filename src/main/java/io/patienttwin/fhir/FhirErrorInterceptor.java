package io.patienttwin.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import io.patienttwin.audit.AuditUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * PatientTwin's error policy at the FHIR boundary: concurrent-write collisions become 409, a 413 raised
 * while reading the body keeps its status, and anything unexpected becomes a 500 with a generic message
 * and an incident id — the details go to the log, never to the client.
 */
@Interceptor
@ApplicationScoped
public class FhirErrorInterceptor {

    private static final Logger LOG = Logger.getLogger(FhirErrorInterceptor.class);

    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException translate(RequestDetails request, Throwable exception) {
        if (exception instanceof BaseServerResponseException known) {
            Throwable cause = known.getCause();
            if (known instanceof InternalErrorException
                    && cause != null
                    && !(cause instanceof BaseServerResponseException)) {
                return translate(request, cause);
            }
            return known;
        }
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof BaseServerResponseException known) {
                return known;
            }
            if (t instanceof AuditUnavailableException audit) {
                // fail closed: data whose access cannot be audited does not leave
                LOG.error(audit.getMessage(), audit.getCause());
                return new ServiceUnavailableException("PT-AUDIT-503: the access audit is unavailable; retry later");
            }
            if (t instanceof SQLException sql && databaseUnavailable(sql)) {
                // the database is down, restarting or refusing connections: a clear retry, not a 500
                LOG.warnf(
                        "Database unavailable on %s %s: %s",
                        request.getRequestType(), request.getCompleteUrl(), sql.getMessage());
                return new ServiceUnavailableException("PT-STORE-503: the database is unavailable; retry later");
            }
            if (t instanceof SQLException sql
                    && sql.getSQLState() != null
                    && (sql.getSQLState().equals("23505")
                            || sql.getSQLState().equals("40001")
                            || sql.getSQLState().equals("40P01"))) {
                return new ResourceVersionConflictException(
                        "PT-STORE-409: a concurrent write to the same resource won; retry the request");
            }
        }
        if (thrownParsingTheRequest(exception)) {
            // HAPI's parser fails with other exceptions than DataFormatException on some malformed input
            // (an empty resourceType, a null Bundle entry resource): still the client's mistake
            LOG.debugf(
                    exception, "Unparseable request body on %s %s", request.getRequestType(), request.getCompleteUrl());
            return new InvalidRequestException(
                    "PT-FHIR-400-PARSE: the body is not a FHIR resource this server can read");
        }
        String incident = UUID.randomUUID().toString();
        LOG.errorf(
                exception,
                "Unexpected error on %s %s (incident %s)",
                request.getRequestType(),
                request.getCompleteUrl(),
                incident);
        return new InternalErrorException("PT-500: internal error, incident " + incident);
    }

    /**
     * Whether a JDBC failure means the database cannot be reached or used now: SQLSTATE class 08
     * (connection exception), 57P01–57P03 (administrator or crash shutdown, cannot connect now), 53300
     * (too many connections), 55000 with "not currently accepting connections", or the pool's
     * acquisition timeout (no connection within the pool's wait).
     */
    static boolean databaseUnavailable(SQLException sql) {
        String state = sql.getSQLState();
        String message = sql.getMessage() == null ? "" : sql.getMessage();
        if (state != null) {
            if (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")) {
                return true;
            }
            if (state.equals("55000") && message.contains("not currently accepting connections")) {
                return true;
            }
        }
        return message.startsWith("Acquisition timeout");
    }

    /**
     * Whether the root failure was thrown by HAPI's parser while the endpoint parsed the request body:
     * no PatientTwin frame between the throw and the parser, and the first PatientTwin frame below the
     * parser is the servlet filter (the request's entry), not code of ours parsing stored data.
     */
    static boolean thrownParsingTheRequest(Throwable exception) {
        Throwable root = exception;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        StackTraceElement[] frames = root.getStackTrace();
        int parser = -1;
        for (int i = 0; i < frames.length; i++) {
            String type = frames[i].getClassName();
            if (parser < 0 && type.startsWith("io.patienttwin.")) {
                return false;
            }
            if (parser < 0 && type.startsWith("ca.uhn.fhir.parser.")) {
                parser = i;
            } else if (parser >= 0 && type.startsWith("io.patienttwin.")) {
                return type.equals(FhirRequestFilter.class.getName());
            }
        }
        return false;
    }
}

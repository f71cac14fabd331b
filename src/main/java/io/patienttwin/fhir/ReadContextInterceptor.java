package io.patienttwin.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import io.patienttwin.consent.Purpose;
import io.patienttwin.fhir.store.AccessLog;
import io.patienttwin.identity.Principal;
import io.patienttwin.identity.PrincipalFactory;
import io.patienttwin.policy.BreakGlassReason;
import io.patienttwin.policy.ReadContext;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Optional;

/**
 * Sets the {@link CurrentReader} of every /fhir request from the caller's principal and the headers
 * {@code X-Purpose-Of-Use} (a v3 ActReason code, optionally {@code system|code}; TREAT when absent) and
 * {@code X-Break-Glass-Reason}. An unknown purpose is a 400 ({@code PT-POLICY-400-PURPOSE}); purpose
 * ETREAT by a principal without the break-glass permission is a 403 ({@code PT-POLICY-403-BREAK-GLASS}),
 * audited; a break-glass reason outside {@link BreakGlassReason}'s bounds is a 400 ({@code
 * PT-POLICY-400-BREAK-GLASS-REASON}). Runs after the SMART scope check.
 */
@ApplicationScoped
@Interceptor
public class ReadContextInterceptor {

    static final String PURPOSE_HEADER = "X-Purpose-Of-Use";
    static final String BREAK_GLASS_HEADER = "X-Break-Glass-Reason";

    @Inject
    SecurityIdentity identity;

    @Inject
    PrincipalFactory principals;

    @Inject
    CurrentReader reader;

    @Inject
    AccessLog log;

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void setReader(RequestDetails request, RestOperationTypeEnum operation) {
        if (operation == RestOperationTypeEnum.METADATA) {
            return;
        }
        Optional<Principal> principal = principals.from(identity);
        if (principal.isEmpty()) {
            return; // refused by the SMART scope check already
        }
        Purpose purpose = purpose(request.getHeader(PURPOSE_HEADER));
        String reason = request.getHeader(BREAK_GLASS_HEADER);
        ReadContext context = new ReadContext(principal.get(), purpose, reason, Instant.now());
        if (purpose == Purpose.ETREAT && !principal.get().mayBreakGlass()) {
            log.denied(context, "break-glass", request.getRequestPath(), null, "DENY-BREAK-GLASS-NOT-PERMITTED");
            throw new ForbiddenOperationException("PT-POLICY-403-BREAK-GLASS: break-glass access is not permitted");
        }
        if (reason != null && !reason.isBlank() && !BreakGlassReason.acceptable(reason)) {
            throw new InvalidRequestException("PT-POLICY-400-BREAK-GLASS-REASON: " + BREAK_GLASS_HEADER
                    + " must describe the emergency in " + BreakGlassReason.MIN + " to " + BreakGlassReason.MAX
                    + " characters");
        }
        reader.set(context);
        reader.setServerBase(request.getFhirServerBase());
    }

    static Purpose purpose(String header) {
        if (header == null || header.isBlank()) {
            return Purpose.TREAT;
        }
        String code = header.strip();
        int bar = code.indexOf('|');
        if (bar >= 0) {
            String system = code.substring(0, bar);
            if (!system.isEmpty() && !system.equals(Purpose.SYSTEM)) {
                throw unknown(header);
            }
            code = code.substring(bar + 1);
        }
        return Purpose.fromCode(code).orElseThrow(() -> unknown(header));
    }

    private static InvalidRequestException unknown(String header) {
        String shown = header.length() > 80 ? header.substring(0, 80) : header;
        return new InvalidRequestException("PT-POLICY-400-PURPOSE: unknown purpose of use '" + shown
                + "'; expected a v3 ActReason code: TREAT, ETREAT, HRESCH, HPAYMT or HOPERAT");
    }
}

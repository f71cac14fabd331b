package io.patienttwin.portal;

import io.patienttwin.consent.AccessIndex;
import io.patienttwin.consent.Purpose;
import io.patienttwin.fhir.CurrentReader;
import io.patienttwin.identity.Principal;
import io.patienttwin.identity.PrincipalFactory;
import io.patienttwin.policy.ReadContext;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who is looking at a portal page: the signed-in user's {@link Principal} (from the ID token of the
 * portal's code flow and the realm roles of its access token), name, CSRF token, and the read context
 * that every page sets before it reads clinical data through the gate.
 */
@RequestScoped
public class Viewer {

    private final SecurityIdentity identity;
    private final PrincipalFactory principals;
    private final CurrentReader reader;
    private final Csrf csrf;
    private final AccessIndex access;
    private Principal principal;

    Viewer(
            SecurityIdentity identity,
            PrincipalFactory principals,
            CurrentReader reader,
            Csrf csrf,
            AccessIndex access) {
        this.identity = identity;
        this.principals = principals;
        this.reader = reader;
        this.csrf = csrf;
        this.access = access;
    }

    /** The principal; 403 when the account holds none of PatientTwin's roles. */
    public Principal principal() {
        if (principal == null) {
            principal = principals
                    .from(identity)
                    .orElseThrow(() -> new PortalException(
                            403, "No access", "Your account has no PatientTwin role. Ask an administrator."));
        }
        return principal;
    }

    public String username() {
        String name = token().getClaim("preferred_username");
        return name == null ? principal().subject() : name;
    }

    public String name() {
        String name = token().getClaim("name");
        return name == null ? username() : name;
    }

    public boolean isClinician() {
        return principal().kind() == Principal.Kind.PRACTITIONER;
    }

    public boolean isPatient() {
        return principal().kind() == Principal.Kind.PATIENT;
    }

    public boolean isCompliance() {
        return principal().kind() == Principal.Kind.COMPLIANCE;
    }

    public boolean isAdmin() {
        return principal().kind() == Principal.Kind.ADMIN;
    }

    public String role() {
        return switch (principal().kind()) {
            case PRACTITIONER -> "Clinician";
            case PATIENT -> "Patient";
            case COMPLIANCE -> "Compliance officer";
            case ADMIN -> "Administrator";
            case SYSTEM -> "System";
            case DEVICE -> "Device";
        };
    }

    /** The CSRF token of this login session. */
    public String csrfToken() {
        return csrf.token(session());
    }

    /** 403 unless the form field or the header carries this session's CSRF token. */
    public void checkCsrf(String field, String header) {
        if (!csrf.valid(session(), field, header)) {
            throw new PortalException(
                    403, "Form expired", "The form could not be verified. Reload the page and try again.");
        }
    }

    /** Reads from here on in this request are this user's, for this purpose. */
    public ReadContext read(Purpose purpose, String breakGlassReason) {
        ReadContext context = new ReadContext(principal(), purpose, breakGlassReason, Instant.now());
        reader.set(context);
        return context;
    }

    /**
     * Reads of one patient: purpose ETREAT while this user's break-glass session for the patient lasts,
     * else TREAT for clinicians (the portal's clinical purpose).
     */
    public ReadContext readPatient(String patientId) {
        return read(breakGlass(patientId).isPresent() ? Purpose.ETREAT : Purpose.TREAT, null);
    }

    /** When the signed-in session's token expires (the portal then authenticates the user again). */
    public Instant sessionExpires() {
        long exp = token().getExpirationTime();
        return exp > 0 ? Instant.ofEpochSecond(exp) : Instant.now();
    }

    /** This user's open break-glass session for a patient, if any. */
    public Optional<AccessIndex.Session> breakGlass(String patientId) {
        return access.sessionsOf(principal().subject(), Instant.now()).stream()
                .filter(s -> s.patientId().equals(patientId))
                .findFirst();
    }

    private String session() {
        JsonWebToken token = token();
        String sid = token.getClaim("sid");
        if (sid != null) {
            return sid;
        }
        Object authTime = token.getClaim("auth_time");
        return token.getSubject() + "|" + authTime;
    }

    private JsonWebToken token() {
        if (!(identity.getPrincipal() instanceof JsonWebToken token)) {
            throw new PortalException(401, "Signed out", "Sign in again.");
        }
        return token;
    }
}

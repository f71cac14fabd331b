package io.patienttwin.consent;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory index of effective access grants and open break-glass sessions, by subject: which
 * organizations and care teams a practitioner belongs to, which organizations a system client is
 * custodian for, and which patients a principal broke the glass for. What the read path decides on,
 * without I/O; kept by {@link AccessGrants} and {@link BreakGlass} from their projections.
 * Thread-safe.
 */
@ApplicationScoped
public class AccessIndex {

    /**
     * An effective access grant.
     *
     * @param subject {@code Practitioner/alice} for a membership, the OAuth client id for a custodian grant
     * @param target {@code Organization/x} or {@code CareTeam/y}
     * @param validUntil unix seconds (exclusive), 0 for open-ended
     * @param block the block that confirmed the grant
     */
    public record Grant(String grantId, Kind kind, String subject, String target, long validUntil, long block) {

        public boolean validAt(Instant at) {
            return validUntil == 0 || at.getEpochSecond() < validUntil;
        }
    }

    /** Kinds of access grant, as on chain. */
    public enum Kind {
        MEMBERSHIP,
        CUSTODIAN
    }

    /**
     * An open break-glass session.
     *
     * @param principal the subject ({@code sub}) of the principal who broke the glass
     */
    public record Session(String sessionId, String principal, String patientId, Instant validFrom, Instant validUntil) {

        public boolean validAt(Instant at) {
            return !at.isBefore(validFrom) && at.isBefore(validUntil);
        }
    }

    private final Map<String, Map<String, Grant>> grantsBySubject = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Session>> sessionsByPrincipal = new ConcurrentHashMap<>();

    /** The subject's effective grants of a kind valid at {@code at}. */
    public List<Grant> grantsOf(String subject, Kind kind, Instant at) {
        Map<String, Grant> grants = subject == null ? null : grantsBySubject.get(subject);
        if (grants == null) {
            return List.of();
        }
        List<Grant> valid = new java.util.ArrayList<>(grants.size());
        for (Grant grant : grants.values()) {
            if (grant.kind() == kind && grant.validAt(at)) {
                valid.add(grant);
            }
        }
        return valid;
    }

    /** The principal's break-glass sessions open at {@code at}. */
    public List<Session> sessionsOf(String principal, Instant at) {
        Map<String, Session> sessions = principal == null ? null : sessionsByPrincipal.get(principal);
        return sessions == null
                ? List.of()
                : sessions.values().stream().filter(s -> s.validAt(at)).toList();
    }

    /** Puts an effective grant in (replacing one with the same id). */
    public void put(Grant grant) {
        grantsBySubject
                .computeIfAbsent(grant.subject(), s -> new ConcurrentHashMap<>())
                .put(grant.grantId(), grant);
    }

    /** Takes a grant out, if present. */
    public void remove(String subject, String grantId) {
        Map<String, Grant> grants = grantsBySubject.get(subject);
        if (grants != null) {
            grants.remove(grantId);
        }
    }

    /** Puts an open break-glass session in. */
    public void open(Session session) {
        sessionsByPrincipal
                .computeIfAbsent(session.principal(), p -> new ConcurrentHashMap<>())
                .put(session.sessionId(), session);
    }

    void clearGrants() {
        grantsBySubject.clear();
    }

    void clearSessions() {
        sessionsByPrincipal.clear();
    }
}

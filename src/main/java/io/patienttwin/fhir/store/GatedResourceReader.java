package io.patienttwin.fhir.store;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import io.patienttwin.policy.AccessRequest;
import io.patienttwin.policy.Decision;
import io.patienttwin.policy.PolicyDecisionPoint;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The one way clinical data leaves the store (ARCHITECTURE §2.1): every read, search, history and
 * compartment read asks the {@link PolicyDecisionPoint} first and returns nothing it denies.
 * Stateless and thread-safe; runs on the caller's transaction or a short read-only session.
 */
@ApplicationScoped
public class GatedResourceReader {

    private static final Logger LOG = Logger.getLogger(GatedResourceReader.class);
    private static final String VERSION_COLUMNS =
            "v.res_type, v.res_id, v.version, v.last_updated, v.deleted, v.method, v.body";

    private final EntityManager em;
    private final PolicyDecisionPoint policy;
    private final SearchParameterRegistry registry;

    public GatedResourceReader(EntityManager em, PolicyDecisionPoint policy, SearchParameterRegistry registry) {
        this.em = em;
        this.policy = policy;
        this.registry = registry;
    }

    /** The current version of a resource (possibly a deletion), or empty if it never existed. */
    public Optional<StoredResource> read(String type, String id) {
        List<Object[]> rows = Jdbc.query(
                em,
                "select r.patient_id, " + VERSION_COLUMNS + " from fhir_resource r join fhir_resource_version v"
                        + " on v.resource_pid = r.pid and v.version = r.version where r.res_type = ? and r.res_id = ?",
                List.of(type, id),
                rs -> new Object[] {rs.getString(1), version(rs, 1)});
        return rows.stream().findFirst().map(row -> {
            require(new AccessRequest("read", type, (String) row[0]));
            return (StoredResource) row[1];
        });
    }

    /** One version of a resource, or empty if that version does not exist. */
    public Optional<StoredResource> vread(String type, String id, long version) {
        List<Object[]> rows = Jdbc.query(
                em,
                "select r.patient_id, " + VERSION_COLUMNS + " from fhir_resource r join fhir_resource_version v"
                        + " on v.resource_pid = r.pid where r.res_type = ? and r.res_id = ? and v.version = ?",
                List.of(type, id, version),
                rs -> new Object[] {rs.getString(1), version(rs, 1)});
        return rows.stream().findFirst().map(row -> {
            require(new AccessRequest("vread", type, (String) row[0]));
            return (StoredResource) row[1];
        });
    }

    /** Whether a resource exists and is not deleted; used for write-side decisions, not for reads. */
    public boolean exists(String type, String id) {
        return Jdbc.count(
                        em,
                        "select count(*) from fhir_resource where res_type = ? and res_id = ? and deleted = false",
                        List.of(type, id))
                > 0;
    }

    /** The number of current resources matching a search. */
    public long count(SearchRequest request) {
        require(new AccessRequest("search-type", request.type(), null));
        SearchQueryBuilder.Sql sql = new SearchQueryBuilder(registry).build(request);
        return Jdbc.count(em, "select count(*) from fhir_resource r where " + sql.where(), sql.binds());
    }

    /** One page of a search and the exact number of matches of the whole search. */
    public record Page(long total, List<StoredResource> resources) {}

    /**
     * One page of matching resources (current versions), in the requested order, with the exact
     * total. One query computes both (a window count over the matches, taken before the limit); only
     * a page past the end needs a second query for the total.
     */
    public Page search(SearchRequest request) {
        require(new AccessRequest("search-type", request.type(), null));
        SearchQueryBuilder.Sql sql = new SearchQueryBuilder(registry).build(request);
        List<Object> binds = new ArrayList<>(sql.binds());
        binds.addAll(sql.orderBinds());
        binds.add(request.count());
        binds.add(request.offset());
        List<long[]> rows = Jdbc.query(
                em,
                "select r.pid, count(*) over () from fhir_resource r where " + sql.where() + " order by "
                        + sql.orderBy() + " limit ? offset ?",
                binds,
                rs -> new long[] {rs.getLong(1), rs.getLong(2)});
        if (rows.isEmpty()) {
            long total = request.offset() == 0
                    ? 0
                    : Jdbc.count(em, "select count(*) from fhir_resource r where " + sql.where(), sql.binds());
            return new Page(total, List.of());
        }
        return new Page(
                rows.get(0)[1], loadCurrent(rows.stream().map(row -> row[0]).toList()));
    }

    /** Logical ids of current resources matching a search, at most {@code limit} of them. */
    public List<String> matchingIds(SearchRequest request, int limit) {
        SearchQueryBuilder.Sql sql = new SearchQueryBuilder(registry).build(request);
        List<Object> binds = new ArrayList<>(sql.binds());
        binds.add(limit);
        return Jdbc.query(
                em,
                "select r.res_id from fhir_resource r where " + sql.where() + " order by r.pid limit ?",
                binds,
                rs -> rs.getString(1));
    }

    /**
     * Resources referenced by the page through {@code _include} values ({@code Type:param[:Target]} or
     * {@code *}), current and not deleted, at most {@code limit}.
     */
    public List<StoredResource> includes(List<StoredResource> page, List<String> includes, int limit) {
        if (page.isEmpty() || includes.isEmpty()) {
            return List.of();
        }
        Map<String, StoredResource> found = new LinkedHashMap<>();
        for (String include : includes) {
            String[] parts = include.split(":");
            List<Object> binds = new ArrayList<>();
            StringBuilder sql = new StringBuilder("select distinct i.target_type, i.target_id from idx_reference i"
                    + " join fhir_resource s on s.pid = i.resource_pid where i.target_id is not null and (");
            appendPageMatch(sql, binds, page, "s");
            sql.append(')');
            if (!include.equals("*")) {
                sql.append(" and s.res_type = ? and i.name = ?");
                binds.add(parts[0]);
                binds.add(parts.length > 1 ? parts[1] : "");
                if (parts.length > 2) {
                    sql.append(" and i.target_type = ?");
                    binds.add(parts[2]);
                }
            }
            for (String[] target :
                    Jdbc.query(em, sql.toString(), binds, rs -> new String[] {rs.getString(1), rs.getString(2)})) {
                if (found.size() >= limit) {
                    break;
                }
                readCurrentQuietly(target[0], target[1]).ifPresent(r -> found.putIfAbsent(r.type() + "/" + r.id(), r));
            }
        }
        return new ArrayList<>(found.values());
    }

    /** Resources that point at the page through {@code _revinclude} values ({@code Type:param}), at most {@code limit}. */
    public List<StoredResource> revIncludes(List<StoredResource> page, List<String> revIncludes, int limit) {
        if (page.isEmpty() || revIncludes.isEmpty()) {
            return List.of();
        }
        List<Long> pids = new ArrayList<>();
        for (String revInclude : revIncludes) {
            String[] parts = revInclude.split(":");
            List<Object> binds = new ArrayList<>();
            StringBuilder sql = new StringBuilder(
                    "select distinct r.pid from idx_reference i join fhir_resource r on r.pid = i.resource_pid"
                            + " where r.deleted = false and (");
            boolean first = true;
            for (StoredResource resource : page) {
                sql.append(first ? "" : " or ").append("(i.target_type = ? and i.target_id = ?)");
                binds.add(resource.type());
                binds.add(resource.id());
                first = false;
            }
            sql.append(')');
            if (!revInclude.equals("*")) {
                sql.append(" and r.res_type = ? and i.name = ?");
                binds.add(parts[0]);
                binds.add(parts.length > 1 ? parts[1] : "");
            }
            sql.append(" order by r.pid limit ?");
            binds.add(limit);
            pids.addAll(Jdbc.query(em, sql.toString(), binds, rs -> rs.getLong(1)));
        }
        return loadCurrent(pids.stream().distinct().limit(limit).toList());
    }

    /** Number of versions in a history (instance when id is set, type when only type is set, else system). */
    public long historyCount(String type, String id, Instant since) {
        require(new AccessRequest(historyInteraction(type, id), type, null));
        HistoryFilter filter = historyFilter(type, id, since);
        return Jdbc.count(em, "select count(*) from fhir_resource_version v where " + filter.where, filter.binds);
    }

    /** One page of a history, newest first. */
    public List<StoredResource> history(String type, String id, Instant since, int offset, int count) {
        require(new AccessRequest(historyInteraction(type, id), type, null));
        HistoryFilter filter = historyFilter(type, id, since);
        List<Object> binds = new ArrayList<>(filter.binds);
        binds.add(count);
        binds.add(offset);
        return Jdbc.query(
                em,
                "select " + VERSION_COLUMNS + " from fhir_resource_version v where " + filter.where
                        + " order by v.last_updated desc, v.resource_pid desc, v.version desc limit ? offset ?",
                binds,
                rs -> version(rs, 0));
    }

    /** Number of current resources in a patient's compartment, the Patient included. */
    public long compartmentCount(String patientId) {
        require(new AccessRequest("everything", "Patient", patientId));
        return Jdbc.count(
                em, "select count(*) from fhir_resource r where " + compartmentWhere(), compartmentBinds(patientId));
    }

    /** One page of a patient's compartment: the Patient first, then the rest by type and id. */
    public List<StoredResource> compartment(String patientId, int offset, int count) {
        require(new AccessRequest("everything", "Patient", patientId));
        List<Object> binds = new ArrayList<>(compartmentBinds(patientId));
        binds.add(count);
        binds.add(offset);
        List<Long> pids = Jdbc.query(
                em,
                "select r.pid from fhir_resource r where " + compartmentWhere()
                        + " order by case when r.res_type = 'Patient' then 0 else 1 end, r.res_type, r.pid limit ? offset ?",
                binds,
                rs -> rs.getLong(1));
        return loadCurrent(pids);
    }

    private static String compartmentWhere() {
        return "r.deleted = false and ((r.res_type = 'Patient' and r.res_id = ?) or exists (select 1 from idx_reference i"
                + " where i.resource_pid = r.pid and i.patient_compartment = true and i.target_type = 'Patient'"
                + " and i.target_id = ?))";
    }

    private static List<Object> compartmentBinds(String patientId) {
        return List.of(patientId, patientId);
    }

    private Optional<StoredResource> readCurrentQuietly(String type, String id) {
        return Jdbc.query(
                        em,
                        "select " + VERSION_COLUMNS + " from fhir_resource r join fhir_resource_version v"
                                + " on v.resource_pid = r.pid and v.version = r.version"
                                + " where r.res_type = ? and r.res_id = ? and r.deleted = false",
                        List.of(type, id),
                        rs -> version(rs, 0))
                .stream()
                .findFirst();
    }

    private List<StoredResource> loadCurrent(List<Long> pids) {
        if (pids.isEmpty()) {
            return List.of();
        }
        StringBuilder sql = new StringBuilder("select v.resource_pid, " + VERSION_COLUMNS
                + " from fhir_resource r join fhir_resource_version v on v.resource_pid = r.pid and v.version = r.version"
                + " where r.pid in (");
        for (int i = 0; i < pids.size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        sql.append(')');
        Map<Long, StoredResource> byPid = new LinkedHashMap<>();
        for (Object[] row : Jdbc.query(
                em, sql.toString(), new ArrayList<>(pids), rs -> new Object[] {rs.getLong(1), version(rs, 1)})) {
            byPid.put((Long) row[0], (StoredResource) row[1]);
        }
        return pids.stream().map(byPid::get).filter(java.util.Objects::nonNull).toList();
    }

    private static void appendPageMatch(
            StringBuilder sql, List<Object> binds, List<StoredResource> page, String alias) {
        boolean first = true;
        for (StoredResource resource : page) {
            sql.append(first ? "" : " or ")
                    .append('(')
                    .append(alias)
                    .append(".res_type = ? and ")
                    .append(alias)
                    .append(".res_id = ?)");
            binds.add(resource.type());
            binds.add(resource.id());
            first = false;
        }
    }

    private record HistoryFilter(String where, List<Object> binds) {}

    private static HistoryFilter historyFilter(String type, String id, Instant since) {
        StringBuilder where = new StringBuilder("1 = 1");
        List<Object> binds = new ArrayList<>();
        if (type != null) {
            where.append(" and v.res_type = ?");
            binds.add(type);
        }
        if (id != null) {
            where.append(" and v.resource_pid = (select pid from fhir_resource where res_type = ? and res_id = ?)");
            binds.add(type);
            binds.add(id);
        }
        if (since != null) {
            where.append(" and v.last_updated >= ?");
            binds.add(since.atOffset(java.time.ZoneOffset.UTC));
        }
        return new HistoryFilter(where.toString(), binds);
    }

    private static String historyInteraction(String type, String id) {
        return id != null ? "history-instance" : type != null ? "history-type" : "history-system";
    }

    private static StoredResource version(ResultSet rs, int offset) throws SQLException {
        return new StoredResource(
                rs.getString(offset + 1),
                rs.getString(offset + 2),
                rs.getLong(offset + 3),
                rs.getObject(offset + 4, OffsetDateTime.class).toInstant(),
                rs.getBoolean(offset + 5),
                rs.getString(offset + 6),
                rs.getString(offset + 7));
    }

    private void require(AccessRequest request) {
        Decision decision = policy.decide(request);
        if (!decision.permitted()) {
            LOG.debugf("Denied %s: %s", request, decision.reason());
            throw new ForbiddenOperationException("PT-POLICY-403: access denied");
        }
    }
}

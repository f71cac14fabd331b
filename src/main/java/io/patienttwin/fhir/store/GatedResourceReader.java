package io.patienttwin.fhir.store;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import io.patienttwin.consent.BreakGlass;
import io.patienttwin.policy.AccessRequest;
import io.patienttwin.policy.Decision;
import io.patienttwin.policy.PolicyDecisionPoint;
import io.patienttwin.policy.ReadContext;
import io.patienttwin.policy.ReadScope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The one way clinical data leaves the store (ARCHITECTURE §2.1). Every read, search, include,
 * history and compartment read is decided by the {@link PolicyDecisionPoint}: searches are filtered in
 * the query by the reader's {@link ReadScope} (so pages and totals count only what the reader may
 * see), and every row that leaves is decided once more, one by one, and reported to the {@link
 * AccessLog}. A read by id of something the reader may not see is a 403 — also when it does not exist
 * and its type can belong to a patient — so that the answer tells nothing. Stateless and thread-safe.
 */
@ApplicationScoped
public class GatedResourceReader {

    private static final Logger LOG = Logger.getLogger(GatedResourceReader.class);
    private static final String VERSION_COLUMNS =
            "v.res_type, v.res_id, v.version, v.last_updated, v.deleted, v.method, v.body";
    /** Columns the decision needs, after the version columns: patient, bits, managing organization. */
    private static final String DECISION_COLUMNS = ", v.patient_id, v.access_mask, " + ScopeFilter.custodianColumn("v");

    private final EntityManager em;
    private final PolicyDecisionPoint policy;
    private final SearchParameterRegistry registry;
    private final BreakGlass breakGlass;
    private final AccessLog log;

    public GatedResourceReader(
            EntityManager em,
            PolicyDecisionPoint policy,
            SearchParameterRegistry registry,
            BreakGlass breakGlass,
            AccessLog log) {
        this.em = em;
        this.policy = policy;
        this.registry = registry;
        this.breakGlass = breakGlass;
        this.log = log;
    }

    /** A stored version with the facts its decision needs. */
    private record Row(StoredResource resource, String patientId, long mask, String custodian) {}

    /**
     * The current version of a resource (possibly a deletion), or empty if it never existed and its
     * type belongs to no patient.
     *
     * @throws ForbiddenOperationException when the reader may not see it, or it does not exist and could
     *     belong to a patient
     */
    public Optional<StoredResource> read(ReadContext context, String type, String id) {
        return one(context, "read", type, id, current(type, id));
    }

    /**
     * One version of a resource, or empty if that version does not exist but the reader may see the
     * resource (same rules as {@link #read} otherwise).
     */
    public Optional<StoredResource> vread(ReadContext context, String type, String id, long version) {
        List<Row> rows = rows(
                "select " + VERSION_COLUMNS + DECISION_COLUMNS + " from fhir_resource r join fhir_resource_version v"
                        + " on v.resource_pid = r.pid where r.res_type = ? and r.res_id = ? and v.version = ?",
                List.of(type, id, version));
        if (rows.isEmpty()) {
            // no such version: a 404 only for a reader who may see the resource itself
            return one(context, "vread", type, id, current(type, id)).filter(found -> false);
        }
        return one(context, "vread", type, id, rows);
    }

    private List<Row> current(String type, String id) {
        return rows(
                "select " + VERSION_COLUMNS + DECISION_COLUMNS + " from fhir_resource r join fhir_resource_version v"
                        + " on v.resource_pid = r.pid and v.version = r.version where r.res_type = ? and r.res_id = ?",
                List.of(type, id));
    }

    private Optional<StoredResource> one(
            ReadContext context, String interaction, String type, String id, List<Row> rows) {
        if (rows.isEmpty()) {
            if (registry.inPatientCompartment(type) || ReadScope.GOVERNANCE.contains(type)) {
                log.denied(context, interaction, type + "/" + id, null, "DENY-UNKNOWN");
                throw forbidden();
            }
            return Optional.empty();
        }
        Row row = rows.get(0);
        Decision decision = decide(context, interaction, row);
        if (!decision.permitted()) {
            log.denied(context, interaction, type + "/" + id, row.patientId(), decision.reason());
            throw forbidden();
        }
        log.permitted(context, interaction, List.of(reference(row)), row.patientId(), decision);
        ReadReceipts.permitted(row.resource(), row.mask(), decision);
        return Optional.of(row.resource());
    }

    /**
     * The current version of a resource for the write path: a system process updating a resource it
     * owns (the chain status of a Consent). Not a disclosure: what it returns never reaches a client,
     * so it asks no decision and writes no audit record.
     */
    public Optional<StoredResource> currentForUpdate(String type, String id) {
        return Optional.ofNullable(currentForUpdate(type, List.of(id)).get(id));
    }

    /** {@link #currentForUpdate(String, String)} for many resources of one type in one query, by id. */
    public Map<String, StoredResource> currentForUpdate(String type, Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        List<Object> binds = new ArrayList<>();
        binds.add(type);
        binds.addAll(ids);
        Map<String, StoredResource> current = new HashMap<>();
        rows(
                        "select " + VERSION_COLUMNS + DECISION_COLUMNS
                                + " from fhir_resource r join fhir_resource_version v"
                                + " on v.resource_pid = r.pid and v.version = r.version where r.res_type = ? and r.res_id in ("
                                + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")",
                        binds)
                .forEach(row -> current.put(row.resource().id(), row.resource()));
        return current;
    }

    /**
     * The id of a Patient's managing organization, empty when the patient names none or does not exist:
     * for the write gate's decisions, never returned to a client.
     */
    public Optional<String> managingOrganizationOf(String patientId) {
        List<String> found = Jdbc.query(
                em,
                "select managing_org from fhir_resource where res_type = 'Patient' and res_id = ?",
                List.of(patientId),
                rs -> rs.getString(1));
        return found.isEmpty() ? Optional.empty() : Optional.ofNullable(found.get(0));
    }

    /** Whether a resource exists and is not deleted; used for write-side decisions, not for reads. */
    public boolean exists(String type, String id) {
        return Jdbc.count(
                        em,
                        "select count(*) from fhir_resource where res_type = ? and res_id = ? and deleted = false",
                        List.of(type, id))
                > 0;
    }

    /** The number of current resources matching a search that the reader may see. */
    public long count(ReadContext context, SearchRequest request) {
        Filtered sql = filtered(context, request);
        long total = countCurrent(sql);
        log.searched(context, "search-type", request.type(), new AccessLog.Gated(), total);
        return total;
    }

    /** One page of a search and the exact number of matches of the whole search. */
    public record Page(long total, List<StoredResource> resources) {}

    /**
     * One page of matching resources the reader may see (current versions), in the requested order,
     * with the exact total of those. One query computes both (a window count over the matches, taken
     * before the limit); only a page past the end needs a second query for the total.
     */
    public Page search(ReadContext context, SearchRequest request) {
        SearchQueryBuilder.Sql built = new SearchQueryBuilder(registry).build(request);
        Filtered sql = filtered(context, built);
        List<Object> binds = new ArrayList<>(sql.binds);
        binds.addAll(built.orderBinds());
        binds.add(request.count());
        binds.add(request.offset());
        List<long[]> rows = Jdbc.query(
                em,
                "select r.pid, count(*) over () from fhir_resource r" + sql.join + " where " + sql.where + " order by "
                        + built.orderBy() + " limit ? offset ?",
                binds,
                rs -> new long[] {rs.getLong(1), rs.getLong(2)});
        if (rows.isEmpty()) {
            long total = request.offset() == 0 ? 0 : countCurrent(sql);
            log.searched(context, "search-type", request.type(), new AccessLog.Gated(), total);
            return new Page(total, List.of());
        }
        AccessLog.Gated page = decideAll(
                context,
                "search-type",
                loadCurrent(rows.stream().map(row -> row[0]).toList()));
        log.searched(context, "search-type", request.type(), page, rows.get(0)[1]);
        return new Page(rows.get(0)[1], page.resources());
    }

    /**
     * Logical ids of current resources matching a conditional write's criteria ({@code If-None-Exist},
     * conditional update and delete, conditional references), at most {@code limit} of them, among those
     * the writer may read: the search is filtered by the writer's scope and decided row by row like any
     * search, and audited as {@code conditional-match}. A match the writer may not see is no match, so
     * the answer of a conditional write never depends on data the writer may not read.
     *
     * @param writer the writer's context; empty for the operator's own writes (no request), which match
     *     among everything and are not audited
     */
    public List<String> matchingIds(Optional<ReadContext> writer, SearchRequest request, int limit) {
        SearchQueryBuilder.Sql built = new SearchQueryBuilder(registry).build(request);
        if (writer.isEmpty()) {
            List<Object> binds = new ArrayList<>(built.binds());
            binds.add(limit);
            return Jdbc.query(
                    em,
                    "select r.res_id from fhir_resource r where " + built.where() + " order by r.pid limit ?",
                    binds,
                    rs -> rs.getString(1));
        }
        ReadContext context = writer.get();
        Filtered sql = filtered(context, built);
        List<Object> binds = new ArrayList<>(sql.binds);
        binds.add(limit);
        List<Long> pids = Jdbc.query(
                em,
                "select r.pid from fhir_resource r" + sql.join + " where " + sql.where + " order by r.pid limit ?",
                binds,
                rs -> rs.getLong(1));
        AccessLog.Gated matched = decideAll(context, "conditional-match", loadCurrent(pids));
        log.searched(
                context,
                "conditional-match",
                request.type(),
                matched,
                matched.resources().size());
        return matched.resources().stream().map(StoredResource::id).toList();
    }

    /**
     * Resources referenced by the page through {@code _include} values ({@code Type:param[:Target]} or
     * {@code *}) that the reader may see, current and not deleted, at most {@code limit}. Those it may
     * not see are left out without a trace.
     */
    public List<StoredResource> includes(
            ReadContext context, List<StoredResource> page, List<String> includes, int limit) {
        if (page.isEmpty() || includes.isEmpty()) {
            return List.of();
        }
        ScopeFilter filter = ScopeFilter.of(policy.scope(context), "t", Jdbc.isPostgres(em));
        Map<String, StoredResource> found = new LinkedHashMap<>();
        AccessLog.Gated included = new AccessLog.Gated();
        for (String include : includes) {
            String[] parts = include.split(":");
            List<Object> binds = new ArrayList<>();
            StringBuilder sql = new StringBuilder("select t.pid from idx_reference i"
                    + " join fhir_resource s on s.pid = i.resource_pid"
                    + " join fhir_resource t on t.res_type = i.target_type and t.res_id = i.target_id" + filter.join
                    + " where i.target_id is not null and t.deleted = false and (");
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
            sql.append(" and ").append(filter.where);
            binds.addAll(filter.binds);
            sql.append(" order by t.pid limit ?");
            binds.add(limit);
            List<Long> pids = Jdbc.query(em, sql.toString(), binds, rs -> rs.getLong(1)).stream()
                    .distinct()
                    .toList();
            AccessLog.Gated gated = decideAll(context, "search-include", loadCurrent(pids));
            for (int i = 0; i < gated.resources().size() && found.size() < limit; i++) {
                StoredResource resource = gated.resources().get(i);
                if (found.putIfAbsent(resource.type() + "/" + resource.id(), resource) == null) {
                    included.add(
                            resource, gated.patients().get(i), gated.decisions().get(i));
                }
            }
        }
        log.searched(
                context,
                "search-include",
                page.get(0).type(),
                included,
                included.resources().size());
        return included.resources();
    }

    /**
     * Resources that point at the page through {@code _revinclude} values ({@code Type:param}) that the
     * reader may see, at most {@code limit}.
     */
    public List<StoredResource> revIncludes(
            ReadContext context, List<StoredResource> page, List<String> revIncludes, int limit) {
        if (page.isEmpty() || revIncludes.isEmpty()) {
            return List.of();
        }
        ScopeFilter filter = ScopeFilter.of(policy.scope(context), "r", Jdbc.isPostgres(em));
        List<Long> pids = new ArrayList<>();
        for (String revInclude : revIncludes) {
            String[] parts = revInclude.split(":");
            List<Object> binds = new ArrayList<>();
            StringBuilder sql = new StringBuilder(
                    "select distinct r.pid from idx_reference i join fhir_resource r on r.pid = i.resource_pid"
                            + filter.join + " where r.deleted = false and (");
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
            sql.append(" and ").append(filter.where);
            binds.addAll(filter.binds);
            sql.append(" order by r.pid limit ?");
            binds.add(limit);
            pids.addAll(Jdbc.query(em, sql.toString(), binds, rs -> rs.getLong(1)));
        }
        AccessLog.Gated included = decideAll(
                context,
                "search-revinclude",
                loadCurrent(pids.stream().distinct().limit(limit).toList()));
        log.searched(
                context,
                "search-revinclude",
                page.get(0).type(),
                included,
                included.resources().size());
        return included.resources();
    }

    /**
     * Number of versions in a history that the reader may see (instance when id is set, type when only
     * type is set, else system). Each version is decided on the patient and bits it was written with.
     */
    public long historyCount(ReadContext context, String type, String id, Instant since) {
        Filtered filter = historyFilter(context, type, id, since);
        return Jdbc.count(
                em,
                "select count(*) from fhir_resource_version v" + filter.join + " where " + filter.where,
                filter.binds);
    }

    /** One page of a history that the reader may see, newest first. */
    public List<StoredResource> history(
            ReadContext context, String type, String id, Instant since, int offset, int count) {
        Filtered filter = historyFilter(context, type, id, since);
        List<Object> binds = new ArrayList<>(filter.binds);
        binds.add(count);
        binds.add(offset);
        List<Row> rows = rows(
                "select " + VERSION_COLUMNS + DECISION_COLUMNS + " from fhir_resource_version v" + filter.join
                        + " where "
                        + filter.where
                        + " order by v.last_updated desc, v.resource_pid desc, v.version desc limit ? offset ?",
                binds);
        String interaction = historyInteraction(type, id);
        AccessLog.Gated page = decideAll(context, interaction, rows);
        log.searched(context, interaction, type, page, page.resources().size());
        return page.resources();
    }

    /**
     * Number of current resources in a patient's compartment that the reader may see, the Patient
     * included. The caller has read the Patient through {@link #read} first.
     */
    public long compartmentCount(ReadContext context, String patientId) {
        return compartmentCount(context, patientId, List.of());
    }

    /** As {@link #compartmentCount(ReadContext, String)}, of the given types only (all when empty). */
    public long compartmentCount(ReadContext context, String patientId, List<String> types) {
        Filtered sql = compartment(context, patientId, types);
        return countCurrent(sql);
    }

    /** One page of a patient's compartment that the reader may see: the Patient first, then by type and id. */
    public List<StoredResource> compartment(ReadContext context, String patientId, int offset, int count) {
        return compartment(context, patientId, List.of(), offset, count);
    }

    /** As {@link #compartment(ReadContext, String, int, int)}, of the given types only (all when empty). */
    public List<StoredResource> compartment(
            ReadContext context, String patientId, List<String> types, int offset, int count) {
        Filtered sql = compartment(context, patientId, types);
        List<Object> binds = new ArrayList<>(sql.binds);
        binds.add(count);
        binds.add(offset);
        List<Long> pids = Jdbc.query(
                em,
                "select r.pid from fhir_resource r" + sql.join + " where " + sql.where
                        + " order by case when r.res_type = 'Patient' then 0 else 1 end, r.res_type, r.pid limit ? offset ?",
                binds,
                rs -> rs.getLong(1));
        AccessLog.Gated page = decideAll(context, "everything", loadCurrent(pids));
        log.searched(
                context,
                "everything",
                "Patient/" + patientId,
                page,
                page.resources().size());
        return page.resources();
    }

    private Filtered compartment(ReadContext context, String patientId, List<String> types) {
        ScopeFilter filter = ScopeFilter.of(policy.scope(context), "r", Jdbc.isPostgres(em));
        List<Object> binds = new ArrayList<>(List.of(patientId, patientId));
        StringBuilder typed = new StringBuilder();
        if (!types.isEmpty()) {
            typed.append(" and r.res_type in (");
            for (int i = 0; i < types.size(); i++) {
                typed.append(i == 0 ? "?" : ", ?");
                binds.add(types.get(i));
            }
            typed.append(')');
        }
        binds.addAll(filter.binds);
        return new Filtered(
                filter.join,
                "r.deleted = false and ((r.res_type = 'Patient' and r.res_id = ?) or exists (select 1 from idx_reference i"
                        + " where i.resource_pid = r.pid and i.patient_compartment = true and i.target_type = 'Patient'"
                        + " and i.target_id = ?))" + typed + " and " + filter.where,
                binds);
    }

    /** One version of a resource, named as in a versioned reference. */
    public record VersionRef(String type, String id, long version) {}

    /** Most versions one {@link #versions} call reads. */
    public static final int MAX_VERSIONS_READ = 5_000;

    /**
     * Given versions of resources, each decided like a vread and recorded as one audited call
     * ({@code interaction}): in the order asked; a version that does not exist, or that the reader may
     * not see, fails the whole call (403, as for a single vread), so that the caller never works on a
     * part of what it asked for.
     */
    public List<StoredResource> versions(ReadContext context, String interaction, List<VersionRef> refs) {
        if (refs.size() > MAX_VERSIONS_READ) {
            throw new ca.uhn.fhir.rest.server.exceptions.InvalidRequestException(
                    "PT-FHIR-400-VERSIONS: at most " + MAX_VERSIONS_READ + " versions in one read");
        }
        Map<String, Row> found = new HashMap<>();
        for (int start = 0; start < refs.size(); start += 200) {
            List<VersionRef> chunk = refs.subList(start, Math.min(refs.size(), start + 200));
            StringBuilder sql = new StringBuilder("select " + VERSION_COLUMNS + DECISION_COLUMNS
                    + " from fhir_resource r join fhir_resource_version v on v.resource_pid = r.pid where ");
            List<Object> binds = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                VersionRef ref = chunk.get(i);
                sql.append(i == 0 ? "" : " or ").append("(r.res_type = ? and r.res_id = ? and v.version = ?)");
                binds.add(ref.type());
                binds.add(ref.id());
                binds.add(ref.version());
            }
            for (Row row : rows(sql.toString(), binds)) {
                found.put(
                        key(
                                row.resource().type(),
                                row.resource().id(),
                                row.resource().version()),
                        row);
            }
        }
        List<Row> rows = new ArrayList<>(refs.size());
        List<Decision> decisions = new ArrayList<>(refs.size());
        for (VersionRef ref : refs) {
            Row row = found.get(key(ref.type(), ref.id(), ref.version()));
            if (row == null) {
                log.denied(
                        context,
                        interaction,
                        ref.type() + "/" + ref.id() + "/_history/" + ref.version(),
                        null,
                        "DENY-UNKNOWN");
                throw forbidden();
            }
            Decision decision = decide(context, interaction, row);
            if (!decision.permitted()) {
                log.denied(context, interaction, reference(row), row.patientId(), decision.reason());
                throw forbidden();
            }
            rows.add(row);
            decisions.add(decision);
        }
        AccessLog.Gated read = new AccessLog.Gated();
        for (int i = 0; i < rows.size(); i++) {
            read.add(rows.get(i).resource(), rows.get(i).patientId(), decisions.get(i));
            ReadReceipts.permitted(rows.get(i).resource(), rows.get(i).mask(), decisions.get(i));
        }
        log.searched(context, interaction, null, read, read.resources().size());
        return read.resources();
    }

    private static String key(String type, String id, long version) {
        return type + "/" + id + "/" + version;
    }

    /**
     * A query's condition joined with the reader's scope; {@code join} goes after the filtered table in
     * the FROM clause ({@code fhir_resource r}, or {@code fhir_resource_version v} for a history).
     */
    private record Filtered(String join, String where, List<Object> binds) {}

    /** The number of current resources ({@code fhir_resource r}) a filtered condition matches. */
    private long countCurrent(Filtered sql) {
        return Jdbc.count(em, "select count(*) from fhir_resource r" + sql.join + " where " + sql.where, sql.binds);
    }

    private Filtered filtered(ReadContext context, SearchRequest request) {
        return filtered(context, new SearchQueryBuilder(registry).build(request));
    }

    private Filtered filtered(ReadContext context, SearchQueryBuilder.Sql sql) {
        ScopeFilter filter = ScopeFilter.of(policy.scope(context), "r", Jdbc.isPostgres(em));
        List<Object> binds = new ArrayList<>(sql.binds());
        binds.addAll(filter.binds);
        return new Filtered(filter.join, "(" + sql.where() + ") and " + filter.where, binds);
    }

    private Decision decide(ReadContext context, String interaction, Row row) {
        Decision decision = policy.decide(new AccessRequest(
                context, interaction, row.resource().type(), row.patientId(), row.mask(), row.custodian()));
        if (decision.permitted() && decision.opensBreakGlass()) {
            // recorded (and queued for the chain and review) before any data leaves
            String session = breakGlass
                    .open(
                            context.principal().subject(),
                            context.principal().fhirUser(),
                            row.patientId(),
                            context.breakGlassReason())
                    .sessionId();
            return Decision.permit(decision.reason(), List.of(session), 0);
        }
        return decision;
    }

    /**
     * The rows the decision point permits, with the consents and grants they rest on; a row the query
     * let through but the decision denies is a bug, logged and left out.
     */
    private AccessLog.Gated decideAll(ReadContext context, String interaction, List<Row> rows) {
        AccessLog.Gated permitted = new AccessLog.Gated();
        for (Row row : rows) {
            Decision decision = decide(context, interaction, row);
            if (decision.permitted()) {
                permitted.add(row.resource(), row.patientId(), decision);
                ReadReceipts.permitted(row.resource(), row.mask(), decision);
            } else {
                LOG.errorf(
                        "PT-POLICY-500: the query scope let %s through but the decision is %s; left out",
                        reference(row), decision.reason());
            }
        }
        return permitted;
    }

    private List<Row> loadCurrent(List<Long> pids) {
        if (pids.isEmpty()) {
            return List.of();
        }
        StringBuilder sql = new StringBuilder("select v.resource_pid, " + VERSION_COLUMNS + DECISION_COLUMNS
                + " from fhir_resource r join fhir_resource_version v on v.resource_pid = r.pid and v.version = r.version"
                + " where r.pid in (");
        for (int i = 0; i < pids.size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        sql.append(')');
        Map<Long, Row> byPid = new LinkedHashMap<>();
        for (Object[] entry :
                Jdbc.query(em, sql.toString(), new ArrayList<>(pids), rs -> new Object[] {rs.getLong(1), row(rs, 1)})) {
            byPid.put((Long) entry[0], (Row) entry[1]);
        }
        return pids.stream().map(byPid::get).filter(java.util.Objects::nonNull).toList();
    }

    private List<Row> rows(String sql, List<Object> binds) {
        return Jdbc.query(em, sql, binds, rs -> row(rs, 0));
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

    private Filtered historyFilter(ReadContext context, String type, String id, Instant since) {
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
        ScopeFilter filter = ScopeFilter.of(policy.scope(context), "v", Jdbc.isPostgres(em));
        where.append(" and ").append(filter.where);
        binds.addAll(filter.binds);
        return new Filtered(filter.join, where.toString(), binds);
    }

    private static String historyInteraction(String type, String id) {
        return id != null ? "history-instance" : type != null ? "history-type" : "history-system";
    }

    private static String reference(Row row) {
        return row.resource().type() + "/" + row.resource().id();
    }

    private static Row row(ResultSet rs, int offset) throws SQLException {
        StoredResource resource = new StoredResource(
                rs.getString(offset + 1),
                rs.getString(offset + 2),
                rs.getLong(offset + 3),
                rs.getObject(offset + 4, OffsetDateTime.class).toInstant(),
                rs.getBoolean(offset + 5),
                rs.getString(offset + 6),
                rs.getString(offset + 7));
        String custodian = rs.getString(offset + 10);
        return new Row(
                resource,
                rs.getString(offset + 8),
                rs.getLong(offset + 9),
                custodian == null ? null : "Organization/" + custodian);
    }

    private static ForbiddenOperationException forbidden() {
        return new ForbiddenOperationException("PT-POLICY-403: access denied");
    }
}

package io.patienttwin.portal;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import io.patienttwin.audit.AuditEventRow;
import io.patienttwin.audit.AuditQuery;
import io.patienttwin.audit.AuditTrail;
import io.patienttwin.consent.BreakGlass;
import io.patienttwin.consent.BreakGlassRecord;
import io.patienttwin.consent.ConsentLedger;
import io.patienttwin.consent.ConsentRecord;
import io.patienttwin.consent.Purpose;
import io.patienttwin.fhir.ReadService;
import io.patienttwin.fhir.store.AccessLog;
import io.patienttwin.ledger.ConsentEventLog;
import io.patienttwin.ledger.IntegrityAnchorer;
import io.patienttwin.ledger.IntegritySweep;
import io.patienttwin.ledger.LedgerException;
import io.patienttwin.policy.ReadContext;
import io.quarkus.security.Authenticated;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Consent;

/**
 * The compliance officer's pages: the consent log (every consent's chain events, each verified against
 * the chain now), the access audit with filters and CSV export, the break-glass review queue, and the
 * integrity console (sweeps and anchored batches). Each page view is itself recorded in the audit.
 */
@Path("/portal/compliance")
@Authenticated
public class CompliancePages {

    private static final int LOG_PAGE = 50;
    private static final int AUDIT_PAGE = 100;
    private static final int CSV_LIMIT = 10_000;

    private final Pages pages;
    private final Viewer viewer;
    private final ReadService reads;
    private final ConsentLedger ledger;
    private final AuditTrail audit;
    private final BreakGlass breakGlass;
    private final AccessLog log;
    private final ConsentEventLog events;
    private final IntegritySweep sweep;
    private final IntegrityAnchorer anchorer;
    private final Optional<String> explorer;

    CompliancePages(
            Pages pages,
            Viewer viewer,
            ReadService reads,
            ConsentLedger ledger,
            AuditTrail audit,
            BreakGlass breakGlass,
            AccessLog log,
            ConsentEventLog events,
            IntegritySweep sweep,
            IntegrityAnchorer anchorer,
            @ConfigProperty(name = "twin.portal.explorer-url") Optional<String> explorer) {
        this.pages = pages;
        this.viewer = viewer;
        this.reads = reads;
        this.ledger = ledger;
        this.audit = audit;
        this.breakGlass = breakGlass;
        this.log = log;
        this.events = events;
        this.sweep = sweep;
        this.anchorer = anchorer;
        this.explorer = explorer.map(url -> url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }

    /** One consent event on chain, with the consent it belongs to and that consent's verification. */
    public record ConsentEvent(
            String time,
            String event,
            String consentId,
            String patient,
            String grantee,
            String tx,
            String block,
            String verification) {}

    /**
     * The consent log: every ConsentGranted and ConsentRevoked event the follower read from the chain,
     * newest first, with its block's time, transaction and block, the consent, patient and grantee it
     * concerns, and the verification of that consent's stored document against the chain now.
     */
    @GET
    @Path("/consents")
    @Produces(MediaType.TEXT_HTML)
    public Response consents(@QueryParam("page") Integer page) {
        return pages.guard(() -> {
            ReadContext context = requireCompliance();
            int current = page == null ? 0 : Math.max(0, page);
            List<ConsentEventLog.Entry> entries = events.page(current * LOG_PAGE, LOG_PAGE);
            long total = events.count();
            Map<String, ConsentRecord> records = new HashMap<>();
            List<String> chainIds = entries.stream()
                    .map(ConsentEventLog.Entry::recordId)
                    .distinct()
                    .toList();
            if (!chainIds.isEmpty()) {
                ConsentRecord.<ConsentRecord>list("chainId in ?1", chainIds).forEach(r -> records.put(r.chainId, r));
            }
            Map<String, String> verified = new HashMap<>();
            List<ConsentEvent> rows = new ArrayList<>();
            for (ConsentEventLog.Entry entry : entries) {
                ConsentRecord record = records.get(entry.recordId());
                rows.add(new ConsentEvent(
                        time(entry),
                        "ConsentGranted".equals(entry.event()) ? "granted" : "revoked",
                        record == null ? entry.recordId() : record.consentId,
                        record == null ? "(not recorded by this node)" : "Patient/" + record.patientId,
                        record == null ? "" : record.grantee,
                        entry.txHash(),
                        Long.toString(entry.blockNumber()),
                        record == null
                                ? "not-recorded"
                                : verified.computeIfAbsent(record.consentId, id -> verify(record))));
            }
            log.governanceRead(context, "portal-consent-log", "ConsentEvents?page=" + current, null, rows.size());
            Map<String, Object> data = new HashMap<>();
            data.put("events", rows);
            data.put("total", total);
            data.put("page", current);
            data.put("previous", current - 1);
            data.put("next", current + 1);
            data.put("more", (long) (current + 1) * LOG_PAGE < total);
            return pages.page("consent-log", "Consent log", data);
        });
    }

    private String time(ConsentEventLog.Entry entry) {
        try {
            return events.time(entry.blockHash())
                    .map(ClinicianPages.WHEN::format)
                    .orElse("block " + entry.blockNumber());
        } catch (LedgerException e) {
            return "block " + entry.blockNumber() + " (chain unavailable)";
        }
    }

    /** match, mismatch, not-on-chain; "unavailable" when the chain cannot be asked. */
    private String verify(ConsentRecord record) {
        try {
            Consent stored = (Consent) reads.read("Consent", record.consentId);
            return ledger.verify(record.consentId, stored).result();
        } catch (LedgerException e) {
            return "chain unavailable";
        } catch (BaseServerResponseException e) {
            return e.getStatusCode() == 410 ? "deleted" : "not readable";
        }
    }

    /** Filters of the audit page. */
    public record AuditFilter(String patient, String user, String outcome, String purpose, String from, String to) {

        AuditQuery query(int offset, int count) {
            return new AuditQuery(
                    blank(patient) ? null : patient.startsWith("Patient/") ? patient.substring(8) : patient,
                    blank(user) ? null : user.strip(),
                    day(from, "from"),
                    blank(to) ? null : day(to, "to").plusSeconds(86_400),
                    offset,
                    count,
                    blank(outcome) ? null : outcome,
                    blank(purpose) ? null : purpose);
        }

        String queryString() {
            StringBuilder q = new StringBuilder();
            append(q, "patient", patient);
            append(q, "user", user);
            append(q, "outcome", outcome);
            append(q, "purpose", purpose);
            append(q, "from", from);
            append(q, "to", to);
            return q.toString();
        }

        private static void append(StringBuilder q, String name, String value) {
            if (!blank(value)) {
                q.append('&')
                        .append(name)
                        .append('=')
                        .append(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
            }
        }

        private static boolean blank(String value) {
            return value == null || value.isBlank();
        }

        private static Instant day(String value, String what) {
            if (blank(value)) {
                return null;
            }
            try {
                return LocalDate.parse(value.strip())
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant();
            } catch (DateTimeParseException e) {
                throw new PortalException(400, "Check the filter", "The " + what + " date must be YYYY-MM-DD.");
            }
        }
    }

    /** One audit record as the page shows it. */
    public record AuditRow(
            long id,
            String time,
            String user,
            String kind,
            String interaction,
            String target,
            String patient,
            String purpose,
            String outcome,
            String reason,
            String basis,
            String block,
            long total) {

        static AuditRow of(AuditEventRow row) {
            return new AuditRow(
                    row.id,
                    ClinicianPages.WHEN.format(row.recordedAt),
                    row.agentRef != null ? row.agentRef : row.agent,
                    row.agentKind,
                    row.interaction,
                    row.target == null ? "" : row.target,
                    row.patientId == null ? "" : "Patient/" + row.patientId,
                    row.purpose == null ? "" : row.purpose,
                    row.outcome,
                    row.reason == null ? "" : row.reason,
                    row.basis == null ? "" : row.basis,
                    row.block == null ? "" : row.block.toString(),
                    row.total == null ? 0 : row.total);
        }
    }

    @GET
    @Path("/audit")
    @Produces(MediaType.TEXT_HTML)
    public Response audit(
            @QueryParam("patient") String patient,
            @QueryParam("user") String user,
            @QueryParam("outcome") String outcome,
            @QueryParam("purpose") String purpose,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("page") Integer page) {
        return pages.guard(() -> {
            ReadContext context = requireCompliance();
            AuditFilter filter = filter(patient, user, outcome, purpose, from, to);
            int current = page == null ? 0 : Math.max(0, page);
            AuditTrail.Page found = audit.search(filter.query(current * AUDIT_PAGE, AUDIT_PAGE));
            log.governanceRead(context, "portal-audit", "AuditEvent?" + filter.queryString(), null, found.total());
            Map<String, Object> data = new HashMap<>();
            data.put("filter", filter);
            data.put("rows", found.rows().stream().map(AuditRow::of).toList());
            data.put("total", found.total());
            data.put("query", filter.queryString());
            data.put(
                    "csvQuery",
                    filter.queryString().isEmpty() ? "" : filter.queryString().substring(1));
            data.put("page", current);
            data.put("previous", current - 1);
            data.put("next", current + 1);
            data.put("more", (long) (current + 1) * AUDIT_PAGE < found.total());
            data.put("purposes", Purpose.values());
            return pages.page("audit", "Access audit", data);
        });
    }

    /** The same records as CSV (RFC 4180), up to 10,000 rows, newest first. */
    @GET
    @Path("/audit.csv")
    @Produces("text/csv")
    public Response auditCsv(
            @QueryParam("patient") String patient,
            @QueryParam("user") String user,
            @QueryParam("outcome") String outcome,
            @QueryParam("purpose") String purpose,
            @QueryParam("from") String from,
            @QueryParam("to") String to) {
        return pages.guard(() -> {
            ReadContext context = requireCompliance();
            AuditFilter filter = filter(patient, user, outcome, purpose, from, to);
            AuditTrail.Page found = audit.search(filter.query(0, CSV_LIMIT));
            log.governanceRead(
                    context,
                    "portal-audit-export",
                    "AuditEvent?" + filter.queryString(),
                    null,
                    found.rows().size());
            StringBuilder csv = new StringBuilder(
                    "id,time,user,kind,interaction,target,patient,purpose,outcome,reason,basis,block,total\r\n");
            for (AuditEventRow row : found.rows()) {
                AuditRow r = AuditRow.of(row);
                csv.append(r.id())
                        .append(',')
                        .append(cell(row.recordedAt.toString()))
                        .append(',')
                        .append(cell(r.user()))
                        .append(',')
                        .append(cell(r.kind()))
                        .append(',')
                        .append(cell(r.interaction()))
                        .append(',')
                        .append(cell(r.target()))
                        .append(',')
                        .append(cell(r.patient()))
                        .append(',')
                        .append(cell(r.purpose()))
                        .append(',')
                        .append(cell(r.outcome()))
                        .append(',')
                        .append(cell(r.reason()))
                        .append(',')
                        .append(cell(r.basis()))
                        .append(',')
                        .append(cell(r.block()))
                        .append(',')
                        .append(r.total())
                        .append("\r\n");
            }
            return Response.ok(csv.toString(), "text/csv; charset=UTF-8")
                    .header("Content-Disposition", "attachment; filename=\"access-audit.csv\"")
                    .header("Cache-Control", "no-store")
                    .build();
        });
    }

    /**
     * A CSV cell: quoted when needed; a leading =, +, - or @ is prefixed with ' so that a spreadsheet
     * never runs a formula an attacker put in a field (CSV injection).
     */
    static String cell(String value) {
        if (value == null) {
            return "";
        }
        String v = !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
            return '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }

    /** A break-glass session in the review queue. */
    public record SessionRow(
            String id,
            String who,
            String patient,
            String reason,
            String from,
            String until,
            String chain,
            String tx,
            String block,
            String reviewed) {}

    @GET
    @Path("/break-glass")
    @Produces(MediaType.TEXT_HTML)
    public Response breakGlassQueue() {
        return pages.guard(() -> {
            ReadContext context = requireCompliance();
            List<SessionRow> rows = breakGlass.list(false).stream()
                    .map(r -> new SessionRow(
                            r.sessionId,
                            r.fhirUser != null ? r.fhirUser : r.principal,
                            "Patient/" + r.patientId,
                            r.reason,
                            ClinicianPages.WHEN.format(r.validFrom),
                            ClinicianPages.WHEN.format(r.validUntil),
                            r.chainState,
                            r.recordedTx == null ? "" : r.recordedTx,
                            r.recordedBlock == null ? "" : r.recordedBlock.toString(),
                            r.reviewedAt == null
                                    ? ""
                                    : r.reviewedBy + ", " + ClinicianPages.WHEN.format(r.reviewedAt)
                                            + (r.reviewNote == null || r.reviewNote.isBlank()
                                                    ? ""
                                                    : ": " + r.reviewNote)))
                    .toList();
            log.governanceRead(context, "portal-break-glass-queue", "BreakGlass", null, rows.size());
            Map<String, Object> data = new HashMap<>();
            data.put("sessions", rows);
            return pages.page("break-glass-review", "Break-glass review", data);
        });
    }

    @POST
    @Path("/break-glass/{id}/acknowledge")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    @Transactional
    public Response acknowledge(
            @PathParam("id") String id,
            @FormParam("note") String note,
            @FormParam(Csrf.FIELD) String csrf,
            @HeaderParam(Csrf.HEADER) String header) {
        return pages.guard(() -> {
            viewer.checkCsrf(csrf, header);
            requireCompliance();
            Optional<BreakGlassRecord> found =
                    breakGlass.acknowledge(id, viewer.username(), note == null ? null : note.strip());
            if (found.isEmpty()) {
                throw new PortalException(404, "Not found", "There is no such break-glass session.");
            }
            return pages.seeOther("/portal/compliance/break-glass");
        });
    }

    /** A batch row of the integrity page. */
    public record BatchRow(
            long id, int leaves, String root, String state, String block, String tx, String txLink, String created) {}

    /** A finding row of the integrity page. */
    public record FindingRow(String kind, String batch, String reference, String detail) {}

    /**
     * The integrity console: the last sweep (counts, and every finding highlighted), what waits to be
     * anchored, and the newest batches with their block and transaction. Recorded in the audit.
     */
    @GET
    @Path("/integrity")
    @Produces(MediaType.TEXT_HTML)
    public Response integrity() {
        return pages.guard(() -> {
            ReadContext context = requireCompliance();
            Optional<IntegritySweep.Report> last = sweep.last();
            IntegrityAnchorer.Backlog backlog = anchorer.backlog();
            List<BatchRow> batches = anchorer.recentBatches(LOG_PAGE).stream()
                    .map(b -> new BatchRow(
                            b.id(),
                            b.leaves(),
                            b.root(),
                            b.anchored() ? "anchored" : "pending",
                            b.blockNumber() == null ? "" : Long.toString(b.blockNumber()),
                            b.txHash() == null ? "" : b.txHash(),
                            b.txHash() == null || explorer.isEmpty() ? null : explorer.get() + "/tx/" + b.txHash(),
                            b.createdAt() == null ? "" : b.createdAt().toString()))
                    .toList();
            log.governanceRead(context, "portal-integrity", "IntegrityBatch", null, batches.size());
            Map<String, Object> data = new HashMap<>();
            data.put("batches", batches);
            data.put("waitingLeaves", backlog.waitingLeaves());
            data.put("unanchoredBatches", backlog.unanchoredBatches());
            data.put("swept", last.isPresent());
            last.ifPresent(report -> {
                data.put("sweptAt", report.finishedAt().toString());
                data.put("sweptBatches", report.batches());
                data.put("sweptLeaves", report.leaves());
                data.put("missing", report.missing());
                data.put("altered", report.altered());
                data.put("extra", report.extra());
                data.put("batchesAltered", report.batchesAltered());
                data.put("clean", report.clean());
                data.put(
                        "findings",
                        report.findings().stream()
                                .map(f -> new FindingRow(
                                        f.kind(),
                                        f.batch() == null ? "" : Long.toString(f.batch()),
                                        f.reference() == null ? "" : f.reference(),
                                        f.detail()))
                                .toList());
            });
            return pages.page("integrity", "Integrity", data);
        });
    }

    /** Runs the integrity sweep now (CSRF-checked) and shows its result. */
    @POST
    @Path("/integrity/sweep")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Response runSweep(@FormParam(Csrf.FIELD) String csrf, @HeaderParam(Csrf.HEADER) String header) {
        return pages.guard(() -> {
            viewer.checkCsrf(csrf, header);
            requireCompliance();
            try {
                sweep.run();
            } catch (LedgerException e) {
                throw new PortalException(
                        503,
                        "Chain unreachable",
                        "The sweep needs the chain, which cannot be reached. Try again later.");
            }
            return pages.seeOther("/portal/compliance/integrity");
        });
    }

    private static AuditFilter filter(
            String patient, String user, String outcome, String purpose, String from, String to) {
        if (outcome != null && !outcome.isBlank() && !List.of("permit", "deny").contains(outcome)) {
            throw new PortalException(400, "Check the filter", "Outcome is permit or deny.");
        }
        if (purpose != null && !purpose.isBlank() && Purpose.fromCode(purpose).isEmpty()) {
            throw new PortalException(400, "Check the filter", "Unknown purpose " + purpose + ".");
        }
        return new AuditFilter(patient, user, outcome, purpose, from, to);
    }

    private ReadContext requireCompliance() {
        if (!viewer.isCompliance()) {
            throw new PortalException(403, "Not permitted", "These pages are for compliance officers.");
        }
        return viewer.read(Purpose.HOPERAT, null);
    }
}

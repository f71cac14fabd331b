package io.patienttwin.portal;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import io.patienttwin.audit.AuditEventRow;
import io.patienttwin.audit.AuditQuery;
import io.patienttwin.audit.AuditTrail;
import io.patienttwin.consent.ConsentDraft;
import io.patienttwin.consent.ConsentLedger;
import io.patienttwin.consent.ConsentRecord;
import io.patienttwin.consent.DataCategory;
import io.patienttwin.consent.Purpose;
import io.patienttwin.fhir.ReadService;
import io.patienttwin.fhir.ResourceService;
import io.patienttwin.twin.Twin;
import io.patienttwin.twin.TwinService;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Patient;

/**
 * The patient's pages: my record, my consents (grant and revoke, each with its chain status) and who
 * accessed my data. A patient reads only their own record (the gate's self rule) and writes consents
 * only for themselves; a consent written here is exactly what an EHR would POST to /fhir/Consent.
 */
@Path("/portal/my")
@Authenticated
@Produces(MediaType.TEXT_HTML)
public class PatientPages {

    static final Pattern GRANTEE =
            Pattern.compile("(Practitioner|PractitionerRole|Organization|CareTeam)/[A-Za-z0-9.-]{1,64}");
    /** Purposes a patient can grant here (emergency treatment is break-glass, never a consent). */
    static final List<Purpose> GRANTABLE = List.of(Purpose.TREAT, Purpose.HRESCH, Purpose.HPAYMT, Purpose.HOPERAT);

    private static final int ACCESS_PAGE = 50;

    /** A purpose in the grant form. */
    public record PurposeChoice(String code, String label) {}

    static final List<PurposeChoice> PURPOSE_CHOICES = List.of(
            new PurposeChoice("TREAT", "Treatment"),
            new PurposeChoice("HRESCH", "Research"),
            new PurposeChoice("HPAYMT", "Payment"),
            new PurposeChoice("HOPERAT", "Healthcare operations"));

    private final Pages pages;
    private final Viewer viewer;
    private final ReadService reads;
    private final ResourceService writes;
    private final TwinService twins;
    private final ConsentLedger ledger;
    private final AuditTrail audit;

    PatientPages(
            Pages pages,
            Viewer viewer,
            ReadService reads,
            ResourceService writes,
            TwinService twins,
            ConsentLedger ledger,
            AuditTrail audit) {
        this.pages = pages;
        this.viewer = viewer;
        this.reads = reads;
        this.writes = writes;
        this.twins = twins;
        this.ledger = ledger;
        this.audit = audit;
    }

    /** My record: the twin of my own Patient resource. */
    @GET
    public Response record() {
        return pages.guard(() -> {
            String me = me();
            viewer.read(Purpose.TREAT, null);
            Patient patient = (Patient) reads.read("Patient", me);
            Twin twin = twins.twin(me);
            Map<String, Object> data = new HashMap<>();
            data.put("patient", PatientSummary.of(patient));
            data.put("twin", twin);
            data.put("asOf", ClinicianPages.WHEN.format(twin.asOf()));
            data.put(
                    "series",
                    twin.series().stream().map(ClinicianPages::seriesRow).toList());
            data.put("renal", ClinicianPages.inputs(twin, List.of("creatinine", "crcl", "egfr")));
            data.put("body", ClinicianPages.inputs(twin, List.of("age", "sex", "weight", "height", "bmi")));
            data.put("charts", ClinicianPages.json(ClinicianPages.charts(twin)));
            return pages.page("my-record", "My record", data);
        });
    }

    /** A consent as the patient sees it, with its chain status. */
    public record ConsentRow(
            String id,
            String grantee,
            String categories,
            String purposes,
            String period,
            String status,
            String tx,
            String block,
            String revokedTx,
            String note,
            boolean revocable) {}

    /** My consents, newest first, and the form to grant a new one. */
    @GET
    @Path("/consents")
    public Response consents(@QueryParam("granted") String granted, @HeaderParam("HX-Request") String htmx) {
        return pages.guard(() -> {
            String me = me();
            viewer.read(Purpose.TREAT, null);
            Map<String, String[]> search = new HashMap<>();
            search.put("patient", new String[] {"Patient/" + me});
            search.put("_count", new String[] {"100"});
            search.put("_sort", new String[] {"-_lastUpdated"});
            List<ConsentRow> rows = new ArrayList<>();
            var bundle = reads.search("Consent", search, false);
            for (IBaseResource resource : bundle.getResources(0, 100)) {
                rows.add(row((Consent) resource));
            }
            Map<String, Object> data = new HashMap<>();
            data.put("consents", rows);
            data.put("pending", rows.stream().anyMatch(r -> r.status().equals("proposed")));
            data.put("categories", List.of(DataCategory.values()));
            data.put("purposes", PURPOSE_CHOICES);
            data.put("today", LocalDate.now(ZoneOffset.UTC).toString());
            data.put("nextYear", LocalDate.now(ZoneOffset.UTC).plusYears(1).toString());
            data.put("granted", granted);
            return htmx != null
                    ? pages.fragment("consent-table", data)
                    : pages.page("my-consents", "My consents", data);
        });
    }

    /** Grants a consent: stored as {@code proposed}, recorded on chain, then {@code active}. */
    @POST
    @Path("/consents")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response grant(MultivaluedMap<String, String> form, @HeaderParam(Csrf.HEADER) String header) {
        return pages.guard(() -> {
            viewer.checkCsrf(form.getFirst(Csrf.FIELD), header);
            String me = me();
            String grantee = form.getFirst("grantee") == null
                    ? ""
                    : form.getFirst("grantee").strip();
            if (!GRANTEE.matcher(grantee).matches()) {
                throw new PortalException(
                        400,
                        "Check the form",
                        "Name who may see your data as Practitioner/<id>, Organization/<id>, CareTeam/<id> or"
                                + " PractitionerRole/<id>.");
            }
            Set<DataCategory> categories = EnumSet.noneOf(DataCategory.class);
            for (String code : form.getOrDefault("category", List.of())) {
                categories.add(DataCategory.fromCode(code)
                        .orElseThrow(() -> new PortalException(400, "Check the form", "Unknown category " + code)));
            }
            if (categories.isEmpty()) {
                throw new PortalException(400, "Check the form", "Choose at least one kind of data.");
            }
            Purpose purpose = Purpose.fromCode(String.valueOf(form.getFirst("purpose")))
                    .filter(GRANTABLE::contains)
                    .orElseThrow(() -> new PortalException(400, "Check the form", "Choose a purpose."));
            LocalDate from = date(form.getFirst("from"), "start date");
            LocalDate until = date(form.getFirst("until"), "end date");
            if (!until.isAfter(from)) {
                throw new PortalException(400, "Check the form", "The end date must be after the start date.");
            }
            viewer.read(Purpose.TREAT, null);
            try {
                reads.read(grantee.substring(0, grantee.indexOf('/')), grantee.substring(grantee.indexOf('/') + 1));
            } catch (BaseServerResponseException e) {
                throw new PortalException(400, "Check the form", "PatientTwin knows no " + grantee + ".");
            }
            Consent consent = new ConsentDraft(me, grantee, categories, purpose, from, until).toConsent();
            var outcome = writes.create(consent, null);
            return pages.seeOther("/portal/my/consents?granted=" + outcome.id());
        });
    }

    /** Revokes one of my consents: denied at once here, then recorded on chain. */
    @POST
    @Path("/consents/{id}/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response revoke(
            @PathParam("id") String id, MultivaluedMap<String, String> form, @HeaderParam(Csrf.HEADER) String header) {
        return pages.guard(() -> {
            viewer.checkCsrf(form.getFirst(Csrf.FIELD), header);
            String me = me();
            String consentId = ClinicianPages.patientId(id);
            viewer.read(Purpose.TREAT, null);
            Consent consent = (Consent) reads.read("Consent", consentId);
            if (!("Patient/" + me).equals(consent.getPatient().getReference())) {
                throw new PortalException(403, "Not permitted", "This is not your consent.");
            }
            consent.setStatus(Consent.ConsentState.INACTIVE);
            consent.getMeta().setVersionId(null);
            writes.update("Consent", consentId, consent, null);
            return pages.seeOther("/portal/my/consents");
        });
    }

    /** One access to my data, from the audit. */
    public record AccessRow(String time, String who, String what, String purpose, String outcome, String reason) {}

    /** Who accessed my data: the audit records naming my patient id, newest first. */
    @GET
    @Path("/access")
    public Response access(@QueryParam("page") Integer page) {
        return pages.guard(() -> {
            String me = me();
            int offset = Math.max(0, page == null ? 0 : page) * ACCESS_PAGE;
            AuditTrail.Page found = audit.search(new AuditQuery(me, null, null, null, offset, ACCESS_PAGE));
            List<AccessRow> rows =
                    found.rows().stream().map(PatientPages::accessRow).toList();
            Map<String, Object> data = new HashMap<>();
            data.put("rows", rows);
            data.put("total", found.total());
            int current = page == null ? 0 : Math.max(0, page);
            data.put("page", current);
            data.put("previous", current - 1);
            data.put("next", current + 1);
            data.put("more", offset + rows.size() < found.total());
            return pages.page("my-access", "Who accessed my data", data);
        });
    }

    static AccessRow accessRow(AuditEventRow row) {
        String who = row.agentRef != null ? row.agentRef : row.agent;
        return new AccessRow(
                ClinicianPages.WHEN.format(row.recordedAt),
                who,
                row.interaction + (row.target == null ? "" : " " + row.target),
                row.purpose == null ? "" : row.purpose,
                row.outcome,
                row.reason == null ? "" : row.reason);
    }

    ConsentRow row(Consent consent) {
        String id = consent.getIdElement().getIdPart();
        Consent.ProvisionComponent provision = consent.getProvision();
        String grantee = provision.getActor().stream()
                .map(a -> a.getReference().getReference())
                .collect(Collectors.joining(", "));
        String categories = provision.getCode().stream()
                .flatMap(c -> c.getCoding().stream())
                .map(Coding::getCode)
                .collect(Collectors.joining(", "));
        String purposes = provision.getPurpose().stream().map(Coding::getCode).collect(Collectors.joining(", "));
        String period = provision.hasPeriod()
                ? day(provision.getPeriod().getStartElement().getValueAsString()) + " – "
                        + day(provision.getPeriod().getEndElement().getValueAsString())
                : "";
        String status = consent.getStatus() == null ? "" : consent.getStatus().toCode();
        ConsentRecord record = ledger.record(id).orElse(null);
        String tx = record == null || record.grantedTx == null ? "" : record.grantedTx;
        String block = record == null || record.grantedBlock == null ? "" : record.grantedBlock.toString();
        String revokedTx = record == null || record.revokedTx == null ? "" : record.revokedTx;
        String note = record != null && record.rejection != null ? record.rejection : "";
        boolean revocable = status.equals("active") || status.equals("proposed");
        return new ConsentRow(id, grantee, categories, purposes, period, status, tx, block, revokedTx, note, revocable);
    }

    private static String day(String value) {
        return value == null ? "" : value.length() > 10 ? value.substring(0, 10) : value;
    }

    private static LocalDate date(String value, String what) {
        try {
            return LocalDate.parse(value == null ? "" : value.strip());
        } catch (DateTimeParseException e) {
            throw new PortalException(400, "Check the form", "The " + what + " must be a date (YYYY-MM-DD).");
        }
    }

    private String me() {
        if (!viewer.isPatient()) {
            throw new PortalException(403, "Not permitted", "These pages are for patients.");
        }
        return viewer.principal()
                .patientId()
                .orElseThrow(
                        () -> new PortalException(403, "Not permitted", "Your account is not linked to a record."));
    }
}

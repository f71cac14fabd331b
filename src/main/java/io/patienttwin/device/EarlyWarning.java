package io.patienttwin.device;

import io.patienttwin.consent.DataCategory;
import io.patienttwin.twin.News2;
import io.patienttwin.twin.News2.Observed;
import io.patienttwin.twin.News2.Parameter;
import io.patienttwin.twin.News2.Risk;
import io.patienttwin.twin.News2.Score;
import io.patienttwin.twin.News2.Scored;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RiskAssessment;

/**
 * NEWS2 early warning on the readings devices send: for each patient, the newest reading of each
 * NEWS2 parameter the devices assigned to the patient sent within {@link News2#WINDOW}, scored after
 * every batch. When the score reaches Chart 2's urgent-response threshold (an aggregate of 5 or more,
 * or a 3 in one parameter), or its clinical risk rises while it is there, a FHIR {@code RiskAssessment}
 * is raised in the batch's own transaction (so the readings and the alert they raise are stored
 * together or not at all). Once the score falls below the threshold the patient is armed again.
 *
 * <p>Only what the devices themselves sent is scored: vitals an EHR posted (an ACVPU a nurse charted)
 * would have to be read, and nothing here reads — the platform holds no consent of its own. A score
 * with parameters missing is a lower bound, so an alert raised from it is never a false one; one not
 * raised may be missed until a device sends what is missing. The twin's {@code news2} (what a
 * clinician sees) scores every source the clinician may read.
 *
 * <p>The windows are this node's memory: after a restart they fill again with the next readings (a
 * monitor sends every few seconds), and an alert already raised before it may be raised once more.
 */
@ApplicationScoped
public class EarlyWarning {

    /** {@code meta.tag} of a raised alert (system of the simulation records' kinds). */
    public static final String KIND_SYSTEM = "https://patienttwin.io/fhir/CodeSystem/record-kind";

    public static final String KIND_EARLY_WARNING = "early-warning";

    /** SNOMED CT (UK): Royal College of Physicians NEWS2 total score. */
    public static final String NEWS2_SNOMED = "1104051000000101";

    public static final String RISK_SYSTEM = "https://patienttwin.io/fhir/CodeSystem/news2-risk";

    private static final String SNOMED = "http://snomed.info/sct";
    private static final String RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability";

    /** A patient's newest readings per parameter, and the risk last raised (null: armed). */
    record Window(Map<Parameter, Observed> newest, Risk raised) {
        Window {
            newest = Collections.unmodifiableMap(
                    newest.isEmpty() ? new EnumMap<>(Parameter.class) : new EnumMap<>(newest));
        }

        static Window empty() {
            return new Window(new EnumMap<>(Parameter.class), null);
        }
    }

    /**
     * What a batch makes of a patient's score: the score, whether to raise an alert, and the window to
     * keep once the batch is committed.
     */
    public record Assessment(String patientId, Score score, boolean raise, Window next) {}

    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /**
     * Scores a patient's window with a batch's readings added, as of {@code now}. Nothing changes until
     * {@link #committed} is called with the result.
     */
    public Assessment assess(String patientId, List<Observed> observed, Instant now) {
        Window window = windows.getOrDefault(patientId, Window.empty());
        Map<Parameter, Observed> newest = new EnumMap<>(Parameter.class);
        newest.putAll(window.newest());
        for (Observed o : observed) {
            Observed known = newest.get(o.parameter());
            if (o.time() != null
                    && (known == null || known.time() == null || o.time().isAfter(known.time()))) {
                newest.put(o.parameter(), o);
            }
        }
        Instant since = now.minus(News2.WINDOW);
        newest.values().removeIf(o -> o.time().isBefore(since));
        Score score = News2.score(new ArrayList<>(newest.values()), News2.Scale.SCALE_1);
        boolean triggers = score.triggers();
        boolean raise = triggers && (window.raised() == null || score.risk().compareTo(window.raised()) > 0);
        Risk raised = !triggers ? null : raise ? score.risk() : window.raised();
        return new Assessment(patientId, score, raise, new Window(newest, raised));
    }

    /** Keeps what a committed batch made of the patient's window. */
    public void committed(Assessment assessment) {
        if (assessment.next().newest().isEmpty() && assessment.next().raised() == null) {
            windows.remove(assessment.patientId());
        } else {
            windows.put(assessment.patientId(), assessment.next());
        }
    }

    /** The assessments of a batch, fired in its transaction and kept only if it commits. */
    public record Assessed(List<Assessment> assessments) {}

    void onCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) Assessed assessed) {
        assessed.assessments().forEach(this::committed);
    }

    /** How many patients have a window on this node. */
    public int patients() {
        return windows.size();
    }

    /**
     * The alert of a score that triggers: a {@code RiskAssessment} of the patient by the device whose
     * reading raised it, on the readings scored, tagged with the vitals category it derives from.
     */
    public static RiskAssessment alert(String patientId, String deviceId, Score score) {
        RiskAssessment alert = new RiskAssessment();
        alert.getMeta().addTag(KIND_SYSTEM, KIND_EARLY_WARNING, "NEWS2 early warning");
        alert.getMeta().addTag(DataCategory.SYSTEM, DataCategory.VITALS.code(), null);
        alert.setStatus(RiskAssessment.RiskAssessmentStatus.FINAL);
        alert.setSubject(new Reference("Patient/" + patientId));
        alert.setOccurrence(new DateTimeType(java.util.Date.from(score.time())));
        alert.setPerformer(new Reference("Device/" + deviceId));
        alert.setCode(new CodeableConcept()
                .addCoding(new org.hl7.fhir.r4.model.Coding(
                        SNOMED,
                        NEWS2_SNOMED,
                        "Royal College of Physicians NEWS2 (National Early Warning Score 2) total score"))
                .setText("NEWS2 early warning"));
        alert.setMethod(new CodeableConcept().setText("NEWS2, Royal College of Physicians 2017, SpO2 scale 1"));
        Set<String> basis = new LinkedHashSet<>();
        for (Scored scored : score.scored()) {
            basis.addAll(scored.sources());
        }
        basis.forEach(source -> alert.addBasis(new Reference(source)));
        String risk = score.risk().name().toLowerCase(Locale.ROOT).replace('_', '-');
        RiskAssessment.RiskAssessmentPredictionComponent prediction = alert.addPrediction();
        prediction.getOutcome().setText("Acute clinical deterioration");
        prediction.setQualitativeRisk(new CodeableConcept()
                .addCoding(new org.hl7.fhir.r4.model.Coding(RISK_SYSTEM, risk, "NEWS2 clinical risk " + risk))
                .addCoding(new org.hl7.fhir.r4.model.Coding(
                        RISK_PROBABILITY, score.risk() == Risk.HIGH ? "high" : "moderate", null)));
        prediction.setRationale(rationale(score));
        alert.setMitigation(
                score.risk() == Risk.HIGH
                        ? "NEWS2 7 or more: emergency response threshold (RCP 2017, Chart 2)"
                        : score.total() >= 5
                                ? "NEWS2 5 or more: urgent response threshold (RCP 2017, Chart 2)"
                                : "A single parameter scoring 3: urgent ward-based response (RCP 2017, Chart 2)");
        return alert;
    }

    /** "NEWS2 5 (a lower bound: oxygen, consciousness not observed); respiration 26 /min scores 3; …". */
    static String rationale(Score score) {
        StringBuilder text = new StringBuilder("NEWS2 ").append(score.total());
        if (!score.complete()) {
            text.append(" (a lower bound: ");
            List<String> missing = new ArrayList<>();
            score.missing().forEach(p -> missing.add(p.name().toLowerCase(Locale.ROOT)));
            text.append(String.join(", ", missing)).append(" not observed)");
        }
        for (Scored scored : score.scored()) {
            text.append("; ")
                    .append(scored.parameter().name().toLowerCase(Locale.ROOT))
                    .append(' ')
                    .append(scored.value())
                    .append(" scores ")
                    .append(scored.points());
        }
        return text.toString();
    }
}

package io.patienttwin.fhir;

import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

/** Small factory for OperationOutcomes carrying one issue. */
final class OperationOutcomes {

    private OperationOutcomes() {}

    static OperationOutcome information(String diagnostics) {
        return single(IssueSeverity.INFORMATION, IssueType.INFORMATIONAL, diagnostics);
    }

    static OperationOutcome single(IssueSeverity severity, IssueType type, String diagnostics) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(severity).setCode(type).setDiagnostics(diagnostics);
        return outcome;
    }
}

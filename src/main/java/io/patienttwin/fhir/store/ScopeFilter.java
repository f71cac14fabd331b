package io.patienttwin.fhir.store;

import io.patienttwin.policy.PatientCompartment;
import io.patienttwin.policy.ReadScope;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@link ReadScope} as a SQL condition on a {@code fhir_resource} or {@code fhir_resource_version}
 * row: the consent projection, the managing organization of the row's patient and the principal's own
 * patient are joined in the query, so that paging and totals count only what the reader may see. The
 * condition mirrors {@code ConsentPolicyDecisionPoint.decide} rule for rule.
 *
 * <p>A custodian's scope needs the managing organization of each row's patient. It comes through
 * {@link #join} (a left join on the Patient's row, at most one per row), not a sub-select in the
 * condition: inside the condition's {@code or}, PostgreSQL ran the sub-select once per matching row, half
 * the buffer reads of a patient search; as a join, the planner looks each patient up once (docs/benchmarks.md,
 * "Policy gate").
 */
final class ScopeFilter {

    /** Governance types as a SQL list literal; constants, not input. */
    private static final String GOVERNANCE = ReadScope.GOVERNANCE.stream()
            .sorted()
            .map(type -> "'" + type + "'")
            .collect(Collectors.joining(", ", "(", ")"));

    /**
     * The types a row without a patient must not have to be readable: governance records, and every
     * type that can belong to a patient (such a row is nobody's patient data; {@code
     * ConsentPolicyDecisionPoint} denies it too). Constants, not input.
     */
    private static final String NOT_WITHOUT_PATIENT = java.util.stream.Stream.concat(
                    ReadScope.GOVERNANCE.stream(), PatientCompartment.types().stream())
            .distinct()
            .sorted()
            .map(type -> "'" + type + "'")
            .collect(Collectors.joining(", ", "(", ")"));

    /** The alias of the joined Patient row; not used by any query this filter is added to. */
    private static final String PATIENT = "scope_patient";

    /** What to add to the query's FROM clause after the filtered table: empty, or a left join. */
    final String join;

    final String where;
    final List<Object> binds;

    private ScopeFilter(String join, String where, List<Object> binds) {
        this.join = join;
        this.where = where;
        this.binds = binds;
    }

    static ScopeFilter of(ReadScope scope, String alias, boolean postgres) {
        if (scope.unrestricted()) {
            return new ScopeFilter("", "(1 = 1)", List.of());
        }
        String r = alias;
        List<Object> binds = new ArrayList<>();
        StringBuilder sql = new StringBuilder("((")
                .append(r)
                .append(".patient_id is null and ")
                .append(r)
                .append(".res_type not in ")
                .append(NOT_WITHOUT_PATIENT)
                .append(')');
        if (scope.allGovernance()) {
            sql.append(" or ").append(r).append(".res_type in ").append(GOVERNANCE);
        }
        if (scope.selfPatient() != null) {
            sql.append(" or ").append(r).append(".patient_id = ?");
            binds.add(scope.selfPatient());
        }
        String clinical = r + ".res_type not in " + GOVERNANCE;
        if (!scope.breakGlassPatients().isEmpty()) {
            sql.append(" or (").append(clinical).append(" and ").append(r).append(".patient_id in ");
            list(sql, binds, scope.breakGlassPatients());
            sql.append(')');
        }
        if (!scope.grantees().isEmpty()) {
            sql.append(" or (")
                    .append(clinical)
                    .append(" and exists (select 1 from consent_record c where c.patient_id = ")
                    .append(r)
                    .append(".patient_id and c.requested = 'ACTIVE' and c.chain_state = 'ACTIVE'")
                    .append(" and c.valid_from <= ? and (c.valid_until = 0 or c.valid_until > ?)");
            binds.add(scope.atSeconds());
            binds.add(scope.atSeconds());
            // the purpose bit is a constant of the Purpose enum, not input: written as a literal, since H2
            // cannot type a parameter inside bitand()
            String purpose = Long.toString(scope.purposeMask());
            sql.append(" and ")
                    .append(and(postgres, "c.purposes", purpose))
                    .append(" = ")
                    .append(purpose);
            sql.append(" and ")
                    .append(and(postgres, "c.categories", r + ".access_mask"))
                    .append(" = ")
                    .append(r)
                    .append(".access_mask and c.grantee in ");
            list(sql, binds, scope.grantees());
            sql.append("))");
        }
        String join = "";
        if (!scope.custodianOf().isEmpty()) {
            join = " left join fhir_resource " + PATIENT + " on " + PATIENT + ".res_type = 'Patient' and " + PATIENT
                    + ".res_id = " + r + ".patient_id";
            sql.append(" or (").append(clinical).append(" and ").append(PATIENT).append(".managing_org in ");
            list(
                    sql,
                    binds,
                    scope.custodianOf().stream().map(ScopeFilter::idPart).toList());
            sql.append(')');
        }
        sql.append(')');
        return new ScopeFilter(join, sql.toString(), binds);
    }

    /** The managing organization of a row's patient as {@code Organization/id}, or null (a select expression). */
    static String custodianColumn(String alias) {
        return "(select p.managing_org from fhir_resource p where p.res_type = 'Patient' and p.res_id = " + alias
                + ".patient_id)";
    }

    private static String and(boolean postgres, String a, String b) {
        return postgres ? "(" + a + " & " + b + ")" : "bitand(" + a + ", " + b + ")";
    }

    private static String idPart(String reference) {
        return reference.substring(reference.indexOf('/') + 1);
    }

    private static void list(StringBuilder sql, List<Object> binds, List<String> values) {
        sql.append('(');
        for (int i = 0; i < values.size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
            binds.add(values.get(i));
        }
        sql.append(')');
    }
}

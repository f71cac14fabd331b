package io.patienttwin.fhir.store;

import io.patienttwin.policy.ReadScope;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@link ReadScope} as a SQL condition on a {@code fhir_resource} row (alias {@code r}): the
 * consent projection, the managing organization of the row's patient and the principal's own
 * patient are joined in the query, so that paging and totals count only what the reader may see. The
 * condition mirrors {@code ConsentPolicyDecisionPoint.decide} rule for rule.
 */
final class ScopeFilter {

    /** Governance types as a SQL list literal; constants, not input. */
    private static final String GOVERNANCE = ReadScope.GOVERNANCE.stream()
            .sorted()
            .map(type -> "'" + type + "'")
            .collect(Collectors.joining(", ", "(", ")"));

    final String where;
    final List<Object> binds;

    private ScopeFilter(String where, List<Object> binds) {
        this.where = where;
        this.binds = binds;
    }

    static ScopeFilter of(ReadScope scope, String alias, boolean postgres) {
        if (scope.unrestricted()) {
            return new ScopeFilter("(1 = 1)", List.of());
        }
        String r = alias;
        List<Object> binds = new ArrayList<>();
        StringBuilder sql = new StringBuilder("((")
                .append(r)
                .append(".patient_id is null and ")
                .append(r)
                .append(".res_type not in ")
                .append(GOVERNANCE)
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
        if (!scope.custodianOf().isEmpty()) {
            sql.append(" or (").append(clinical);
            sql.append(" and exists (select 1 from fhir_resource p where p.res_type = 'Patient' and p.res_id = ");
            sql.append(r).append(".patient_id and p.managing_org in ");
            list(
                    sql,
                    binds,
                    scope.custodianOf().stream().map(ScopeFilter::idPart).toList());
            sql.append("))");
        }
        sql.append(')');
        return new ScopeFilter(sql.toString(), binds);
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

package io.patienttwin.fhir.store;

import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.math.BigDecimal;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;

/**
 * Translates a {@link SearchRequest} into SQL over the resource table and the index tables: one
 * pid sub-query per parameter repetition, intersected (AND), OR inside it for comma-separated values. Every
 * value is a bind parameter. Stateless; one instance per query.
 */
final class SearchQueryBuilder {

    /** SQL fragments and their bind values, in order. */
    record Sql(String where, List<Object> binds, String orderBy, List<Object> orderBinds) {}

    private static final Set<String> DATE_PREFIXES = Set.of("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap");

    private final SearchParameterRegistry registry;
    private final List<Object> binds = new ArrayList<>();
    private String resourceType;

    /** How a criterion that selects the resources having some index row begins (see indexMatches). */
    private static final String PID_SET = "select i.resource_pid from ";

    SearchQueryBuilder(SearchParameterRegistry registry) {
        this.registry = registry;
    }

    Sql build(SearchRequest request) {
        resourceType = request.type();
        StringBuilder where = new StringBuilder("r.res_type = ? and r.deleted = false");
        binds.add(request.type());
        List<String> pidSets = new ArrayList<>();
        List<Object> pidSetBinds = new ArrayList<>();
        for (Map.Entry<String, List<String>> criterion : request.criteria().entrySet()) {
            for (String repetition : criterion.getValue()) {
                int mark = binds.size();
                String sql = criterion(request.type(), criterion.getKey(), repetition);
                if (sql.startsWith(PID_SET)) {
                    List<Object> own = binds.subList(mark, binds.size());
                    pidSets.add(sql);
                    pidSetBinds.addAll(own);
                    own.clear();
                } else {
                    where.append(" and ").append(sql);
                }
            }
        }
        if (!pidSets.isEmpty()) {
            // The positive criteria intersect index-only scans of their index tables, so a search
            // touches only the resources that match them all, whatever values the plan was made for.
            where.append(" and r.pid in (")
                    .append(String.join(" intersect ", pidSets))
                    .append(')');
            binds.addAll(pidSetBinds);
        }
        List<Object> whereBinds = List.copyOf(binds);
        binds.clear();
        String orderBy = orderBy(request.type(), request.sort());
        return new Sql(where.toString(), whereBinds, orderBy, List.copyOf(binds));
    }

    private String criterion(String type, String key, String rawValue) {
        int colon = key.indexOf(':');
        String name = colon > 0 ? key.substring(0, colon) : key;
        String modifier = colon > 0 ? key.substring(colon + 1) : null;
        // A chain may follow a type modifier too (subject:Patient.name), so look at the whole key.
        if (key.contains(".")) {
            throw new InvalidRequestException(
                    "PT-SEARCH-400-CHAIN: chained search parameters are not supported: " + key);
        }
        if (name.equals("_has")) {
            throw new InvalidRequestException("PT-SEARCH-400-HAS: _has is not supported");
        }
        List<String> values = splitOr(rawValue);
        if (name.equals("_id")) {
            return idCriterion(values, modifier);
        }
        if (name.equals("_lastUpdated")) {
            requireNoModifier(key, modifier, null);
            return or(values, v -> dateCriterion("r.last_updated", "r.last_updated", v));
        }
        IndexedParam param = registry.param(type, name)
                .orElseThrow(() -> registry.isDefined(type, name)
                        ? new InvalidRequestException("PT-SEARCH-400-UNSUPPORTED: search parameter " + type + "." + name
                                + " (composite or special) is not supported")
                        : new InvalidRequestException(
                                "PT-SEARCH-400-UNKNOWN: unknown search parameter " + name + " for " + type));
        if ("missing".equals(modifier)) {
            if (values.size() != 1
                    || !(values.get(0).equals("true") || values.get(0).equals("false"))) {
                throw new InvalidRequestException("PT-SEARCH-400-VALUE: :missing takes true or false");
            }
            binds.add(resourceType);
            binds.add(name);
            String withValue = PID_SET + table(param.type()) + " i where i.res_type = ? and i.name = ?";
            return values.get(0).equals("true") ? "r.pid not in (" + withValue + ")" : withValue;
        }
        return switch (param.type()) {
            case STRING -> stringCriterion(param, modifier, values);
            case TOKEN -> tokenCriterion(param, modifier, values);
            case REFERENCE -> referenceCriterion(param, modifier, values);
            case DATE -> {
                requireNoModifier(key, modifier, null);
                yield indexMatches(
                        "idx_date", name, () -> or(values, v -> dateCriterion("i.low_value", "i.high_value", v)));
            }
            case QUANTITY, NUMBER -> {
                requireNoModifier(key, modifier, null);
                yield indexMatches("idx_quantity", name, () -> or(values, v -> quantityCriterion(param.type(), v)));
            }
            case URI -> uriCriterion(param, modifier, values);
            default -> throw new InvalidRequestException("PT-SEARCH-400-UNSUPPORTED: " + type + "." + name);
        };
    }

    private String idCriterion(List<String> values, String modifier) {
        requireNoModifier("_id", modifier, null);
        StringBuilder sql = new StringBuilder("r.res_id in (");
        for (int i = 0; i < values.size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
            binds.add(values.get(i));
        }
        return sql.append(')').toString();
    }

    private String stringCriterion(IndexedParam param, String modifier, List<String> values) {
        if (modifier != null && !modifier.equals("exact") && !modifier.equals("contains")) {
            throw unsupportedModifier(param, modifier);
        }
        return indexMatches(
                "idx_string",
                param.name(),
                () -> or(values, v -> {
                    String value = unescape(v);
                    if ("exact".equals(modifier)) {
                        binds.add(SearchIndexer.truncate(value, SearchIndexer.MAX_STRING));
                        return "i.value_exact = ?";
                    }
                    String normalized = escapeLike(
                            SearchIndexer.truncate(SearchIndexer.normalize(value), SearchIndexer.MAX_STRING));
                    binds.add(("contains".equals(modifier) ? "%" : "") + normalized + "%");
                    return "i.value_norm like ? escape '\\'";
                }));
    }

    private String tokenCriterion(IndexedParam param, String modifier, List<String> values) {
        if (modifier != null && !modifier.equals("not")) {
            throw unsupportedModifier(param, modifier);
        }
        String match = indexMatches(
                "idx_token",
                param.name(),
                () -> or(values, v -> {
                    int bar = indexOfUnescaped(v, '|');
                    if (bar < 0) {
                        binds.add(unescape(v));
                        return "i.code = ?";
                    }
                    String system = unescape(v.substring(0, bar));
                    String code = unescape(v.substring(bar + 1));
                    if (system.isEmpty() && code.isEmpty()) {
                        throw new InvalidRequestException("PT-SEARCH-400-VALUE: empty token '|' for " + param.name());
                    }
                    if (system.isEmpty()) {
                        binds.add(code);
                        return "(i.system is null and i.code = ?)";
                    }
                    if (code.isEmpty()) {
                        binds.add(system);
                        return "i.system = ?";
                    }
                    binds.add(code);
                    binds.add(system);
                    return "(i.code = ? and i.system = ?)";
                }));
        return "not".equals(modifier) ? "r.pid not in (" + match + ")" : match;
    }

    private String referenceCriterion(IndexedParam param, String modifier, List<String> values) {
        String typeModifier = null;
        if (modifier != null) {
            boolean isTarget = param.targets().isEmpty()
                    ? registry.isResourceType(modifier)
                    : param.targets().contains(modifier);
            if (!isTarget) {
                throw unsupportedModifier(param, modifier);
            }
            typeModifier = modifier;
        }
        String requiredType = typeModifier;
        if (requiredType == null && param.targets().size() == 1) {
            requiredType = param.targets().iterator().next();
        }
        String onlyType = requiredType;
        return indexMatches(
                "idx_reference",
                param.name(),
                () -> or(values, v -> {
                    if (v.startsWith("http://") || v.startsWith("https://") || v.startsWith("urn:")) {
                        binds.add(v);
                        return "i.target_url = ?";
                    }
                    IdType id = new IdType(v);
                    if (!id.hasIdPart() || id.getIdPart().isBlank()) {
                        throw new InvalidRequestException("PT-SEARCH-400-REFERENCE: " + param.name() + " value '"
                                + SearchIndexer.truncate(v, 80) + "' is not a reference (Type/id or id)");
                    }
                    String targetType = id.hasResourceType() ? id.getResourceType() : onlyType;
                    if (targetType != null && onlyType != null && !targetType.equals(onlyType)) {
                        return "1 = 0";
                    }
                    binds.add(id.getIdPart());
                    if (targetType == null) {
                        return "i.target_id = ?";
                    }
                    binds.add(targetType);
                    return "(i.target_id = ? and i.target_type = ?)";
                }));
    }

    private String uriCriterion(IndexedParam param, String modifier, List<String> values) {
        if (modifier != null && !modifier.equals("below")) {
            throw unsupportedModifier(param, modifier);
        }
        return indexMatches(
                "idx_uri",
                param.name(),
                () -> or(values, v -> {
                    String uri = unescape(v);
                    if ("below".equals(modifier)) {
                        binds.add(escapeLike(uri) + "%");
                        return "i.uri like ? escape '\\'";
                    }
                    binds.add(uri);
                    return "i.uri = ?";
                }));
    }

    /** Date comparison per FHIR prefix; {@code low}/{@code high} are the target's range columns. */
    private String dateCriterion(String low, String high, String value) {
        String prefix = "eq";
        String date = value;
        if (value.length() > 2 && DATE_PREFIXES.contains(value.substring(0, 2))) {
            prefix = value.substring(0, 2);
            date = value.substring(2);
        }
        DateTimeType parsed;
        try {
            parsed = new DateTimeType(date);
        } catch (RuntimeException e) {
            throw new InvalidRequestException("PT-SEARCH-400-VALUE: invalid date '" + value + "'");
        }
        if (parsed.getValue() == null) {
            throw new InvalidRequestException("PT-SEARCH-400-VALUE: invalid date '" + value + "'");
        }
        Object from = DateRanges.low(parsed).atOffset(ZoneOffset.UTC);
        Object to = DateRanges.high(parsed).atOffset(ZoneOffset.UTC);
        switch (prefix) {
            case "eq" -> {
                binds.add(from);
                binds.add(to);
                return "(" + low + " >= ? and " + high + " <= ?)";
            }
            case "ne" -> {
                binds.add(from);
                binds.add(to);
                return "not (" + low + " >= ? and " + high + " <= ?)";
            }
            case "gt", "sa" -> {
                binds.add(to);
                return "(" + high + " is null or " + high + " > ?)";
            }
            case "lt", "eb" -> {
                binds.add(from);
                return "(" + low + " is null or " + low + " < ?)";
            }
            case "ge" -> {
                binds.add(from);
                return "(" + high + " is null or " + high + " >= ?)";
            }
            case "le" -> {
                binds.add(to);
                return "(" + low + " is null or " + low + " <= ?)";
            }
            default -> { // ap: the ranges overlap
                binds.add(to);
                binds.add(from);
                return "((" + low + " is null or " + low + " <= ?) and (" + high + " is null or " + high + " >= ?))";
            }
        }
    }

    private String quantityCriterion(RestSearchParameterTypeEnum type, String value) {
        String prefix = "eq";
        String rest = value;
        if (value.length() > 2 && DATE_PREFIXES.contains(value.substring(0, 2))) {
            prefix = value.substring(0, 2);
            rest = value.substring(2);
        }
        String[] parts = rest.split("\\|", -1);
        if (type == RestSearchParameterTypeEnum.NUMBER && parts.length > 1 || parts.length > 3) {
            throw new InvalidRequestException("PT-SEARCH-400-VALUE: invalid quantity '" + value + "'");
        }
        BigDecimal number;
        try {
            number = new BigDecimal(parts[0]);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("PT-SEARCH-400-VALUE: invalid number '" + value + "'");
        }
        StringBuilder sql = new StringBuilder("(");
        BigDecimal half =
                BigDecimal.ONE.movePointLeft(Math.max(number.scale(), 0)).divide(BigDecimal.valueOf(2));
        switch (prefix) {
            case "eq" -> {
                sql.append("i.value_num >= ? and i.value_num < ?");
                binds.add(number.subtract(half));
                binds.add(number.add(half));
            }
            case "ne" -> {
                sql.append("(i.value_num < ? or i.value_num >= ?)");
                binds.add(number.subtract(half));
                binds.add(number.add(half));
            }
            case "gt", "sa" -> {
                sql.append("i.value_num > ?");
                binds.add(number);
            }
            case "lt", "eb" -> {
                sql.append("i.value_num < ?");
                binds.add(number);
            }
            case "ge" -> {
                sql.append("i.value_num >= ?");
                binds.add(number);
            }
            case "le" -> {
                sql.append("i.value_num <= ?");
                binds.add(number);
            }
            default -> { // ap: within 10 %
                BigDecimal tenth = number.abs().divide(BigDecimal.TEN);
                sql.append("i.value_num >= ? and i.value_num <= ?");
                binds.add(number.subtract(tenth));
                binds.add(number.add(tenth));
            }
        }
        if (parts.length >= 2 && !parts[1].isEmpty()) {
            sql.append(" and i.system = ?");
            binds.add(parts[1]);
        }
        if (parts.length == 3 && !parts[2].isEmpty()) {
            sql.append(" and i.code = ?");
            binds.add(parts[2]);
        }
        return sql.append(')').toString();
    }

    private String orderBy(String type, List<String> sort) {
        StringBuilder order = new StringBuilder();
        for (String key : sort) {
            boolean descending = key.startsWith("-");
            String name = descending ? key.substring(1) : key;
            String expression;
            if (name.equals("_lastUpdated")) {
                expression = "r.last_updated";
            } else if (name.equals("_id")) {
                expression = "r.res_id";
            } else {
                IndexedParam param = registry.param(type, name)
                        .orElseThrow(() -> new InvalidRequestException(
                                "PT-SEARCH-400-SORT: cannot sort " + type + " by '" + name + "'"));
                String column =
                        switch (param.type()) {
                            case DATE -> descending ? "max(i.high_value)" : "min(i.low_value)";
                            case STRING -> descending ? "max(i.value_norm)" : "min(i.value_norm)";
                            case TOKEN -> descending ? "max(i.code)" : "min(i.code)";
                            case QUANTITY, NUMBER -> descending ? "max(i.value_num)" : "min(i.value_num)";
                            case REFERENCE -> descending ? "max(i.target_id)" : "min(i.target_id)";
                            case URI -> descending ? "max(i.uri)" : "min(i.uri)";
                            default -> throw new InvalidRequestException("PT-SEARCH-400-SORT: cannot sort by " + name);
                        };
                expression = "(select " + column + " from " + table(param.type())
                        + " i where i.resource_pid = r.pid and i.name = ?)";
                binds.add(name);
            }
            order.append(expression).append(descending ? " desc nulls last, " : " asc nulls last, ");
        }
        return order.append("r.pid").toString();
    }

    /**
     * The pids of resources with a matching row in one index table: a sub-query that the table's
     * (res_type, name, value, resource_pid) index answers by an index-only scan.
     */
    private String indexMatches(String table, String name, java.util.function.Supplier<String> condition) {
        binds.add(resourceType);
        binds.add(name);
        return PID_SET + table + " i where i.res_type = ? and i.name = ? and (" + condition.get() + ")";
    }

    private interface ValueSql {
        String apply(String value);
    }

    private String or(List<String> values, ValueSql each) {
        StringBuilder sql = new StringBuilder(values.size() > 1 ? "(" : "");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sql.append(" or ");
            }
            sql.append(each.apply(values.get(i)));
        }
        return sql.append(values.size() > 1 ? ")" : "").toString();
    }

    private static String table(RestSearchParameterTypeEnum type) {
        return switch (type) {
            case STRING -> "idx_string";
            case TOKEN -> "idx_token";
            case REFERENCE -> "idx_reference";
            case DATE -> "idx_date";
            case QUANTITY, NUMBER -> "idx_quantity";
            case URI -> "idx_uri";
            default -> throw new IllegalArgumentException(type.name());
        };
    }

    private static void requireNoModifier(String key, String modifier, String allowed) {
        if (modifier != null && !modifier.equals(allowed)) {
            throw new InvalidRequestException("PT-SEARCH-400-MODIFIER: unsupported modifier in '" + key + "'");
        }
    }

    private static InvalidRequestException unsupportedModifier(IndexedParam param, String modifier) {
        return new InvalidRequestException(
                "PT-SEARCH-400-MODIFIER: modifier :" + modifier + " is not supported for " + param.name());
    }

    /** Splits on commas not escaped with a backslash. */
    static List<String> splitOr(String raw) {
        List<String> values = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length()) {
                current.append(c).append(raw.charAt(++i));
            } else if (c == ',') {
                values.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        values.add(current.toString());
        values.removeIf(String::isEmpty);
        if (values.isEmpty()) {
            throw new InvalidRequestException("PT-SEARCH-400-VALUE: empty search value");
        }
        return values;
    }

    private static int indexOfUnescaped(String value, char wanted) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == wanted) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(String value) {
        return value.replaceAll("\\\\([,|$\\\\])", "$1");
    }

    private static String escapeLike(String value) {
        return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}

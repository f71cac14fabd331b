package io.patienttwin.identity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One SMART on FHIR resource scope, v1 or v2 form, parsed into whose data it reaches, which resource
 * type and which interactions.
 *
 * <p>Accepted forms: v2 {@code patient/*.rs}, {@code user/Observation.rs}, {@code system/*.cruds}
 * (any non-empty subsequence of {@code cruds}, letters in that order, none repeated); v1
 * {@code patient/*.read} (= {@code rs}), {@code user/*.write} (= {@code cud}) and {@code user/*.*}
 * (= {@code cruds}). Everything else grants nothing and {@link #parse} returns empty: OpenID scopes
 * ({@code openid}, {@code fhirUser}, {@code launch/patient}), a scope without context ({@code *.*}),
 * and v2 granular scopes with search parameters ({@code patient/Observation.rs?category=laboratory}),
 * which this server cannot yet enforce and so refuses rather than widens.
 *
 * <p>A scope only says what kind of access a token may attempt; which patients a {@link Context#USER}
 * or {@link Context#SYSTEM} scope reaches is decided by the policy decision point (consent), and a
 * {@link Context#PATIENT} scope is limited to the principal's own compartment there.
 *
 * @param context whose data the scope reaches
 * @param resourceType a FHIR resource type name, or {@code *} for every type
 * @param interactions what the scope allows; never empty
 */
public record SmartScope(Context context, String resourceType, Set<Interaction> interactions) {

    /** Whose data a scope reaches. */
    public enum Context {
        /** The patient in context: a patient's own record, or the launch patient of an app. */
        PATIENT,
        /** Whatever the signed-in user may see. */
        USER,
        /** A backend service acting without a user (client credentials). */
        SYSTEM
    }

    /** Stands for every resource type. */
    public static final String ANY_TYPE = "*";

    private static final Pattern FORM =
            Pattern.compile("(patient|user|system)/(\\*|[A-Z][A-Za-z]{1,63})\\.(\\*|read|write|[cruds]{1,5})");
    /** "cruds": the letters in the order v2 requires them, one per {@link Interaction}. */
    private static final String LETTERS = Arrays.stream(Interaction.values())
            .map(interaction -> String.valueOf(interaction.letter()))
            .collect(Collectors.joining());

    public SmartScope {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(resourceType, "resourceType");
        interactions = Set.copyOf(interactions);
        if (interactions.isEmpty()) {
            throw new IllegalArgumentException("a SMART scope allows at least one interaction");
        }
    }

    /**
     * Parses one scope string.
     *
     * @param text one scope, e.g. {@code patient/*.rs}; null or blank gives empty
     * @return the scope, or empty when the text is not a resource scope this server honours
     */
    public static Optional<SmartScope> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher matcher = FORM.matcher(text.strip());
        if (!matcher.matches()) {
            return Optional.empty();
        }
        Context context = Context.valueOf(matcher.group(1).toUpperCase(Locale.ROOT));
        return interactions(matcher.group(3)).map(allowed -> new SmartScope(context, matcher.group(2), allowed));
    }

    /**
     * Parses every resource scope in the given values, each of which may hold several scopes separated
     * by whitespace (the OAuth {@code scope} form); values that are not resource scopes are skipped.
     */
    public static List<SmartScope> parseAll(Collection<String> values) {
        List<SmartScope> scopes = new ArrayList<>();
        for (String value : values) {
            if (value == null) {
                continue;
            }
            for (String token : value.strip().split("\\s+")) {
                parse(token).ifPresent(scopes::add);
            }
        }
        return List.copyOf(scopes);
    }

    /** Parses a space-separated scope string, such as the OAuth {@code scope} claim. */
    public static List<SmartScope> parseAll(String spaceSeparated) {
        return spaceSeparated == null ? List.of() : parseAll(List.of(spaceSeparated));
    }

    /**
     * Whether this scope allows an interaction on a resource type. Says nothing about which patient's
     * data: that is the policy decision point's question.
     *
     * @param resourceType the FHIR type the interaction is on, e.g. {@code Observation}
     * @param interaction the interaction
     */
    public boolean permits(String resourceType, Interaction interaction) {
        return (ANY_TYPE.equals(this.resourceType) || this.resourceType.equals(resourceType))
                && interactions.contains(interaction);
    }

    /** The scope in SMART v2 form, e.g. {@code patient/*.rs}. */
    @Override
    public String toString() {
        String letters = EnumSet.copyOf(interactions).stream()
                .map(interaction -> String.valueOf(interaction.letter()))
                .collect(Collectors.joining());
        return context.name().toLowerCase(Locale.ROOT) + "/" + resourceType + "." + letters;
    }

    private static Optional<Set<Interaction>> interactions(String permissions) {
        switch (permissions) {
            case "*":
                return Optional.of(EnumSet.allOf(Interaction.class));
            case "read":
                return Optional.of(EnumSet.of(Interaction.READ, Interaction.SEARCH));
            case "write":
                return Optional.of(EnumSet.of(Interaction.CREATE, Interaction.UPDATE, Interaction.DELETE));
            default:
                break;
        }
        Set<Interaction> allowed = EnumSet.noneOf(Interaction.class);
        int next = 0;
        for (char letter : permissions.toCharArray()) {
            int position = LETTERS.indexOf(letter, next);
            if (position < 0) {
                return Optional.empty(); // out of order or repeated, e.g. "sr" or "rr"
            }
            allowed.add(Interaction.values()[position]);
            next = position + 1;
        }
        return Optional.of(allowed);
    }
}

package io.patienttwin.identity;

/**
 * A FHIR interaction as SMART on FHIR v2 scopes name it, one letter of {@code cruds} each.
 *
 * <p>Mapping of REST interactions (SMART App Launch 2.x, "Scopes for requesting FHIR resources"): {@link
 * #CREATE} = create; {@link #READ} = read, vread, instance history; {@link #UPDATE} = update, patch;
 * {@link #DELETE} = delete; {@link #SEARCH} = type and system search, type and system history, and
 * operations that search, such as {@code $everything}.
 */
public enum Interaction {
    CREATE('c'),
    READ('r'),
    UPDATE('u'),
    DELETE('d'),
    SEARCH('s');

    private final char letter;

    Interaction(char letter) {
        this.letter = letter;
    }

    /** The SMART v2 permission letter: {@code c}, {@code r}, {@code u}, {@code d} or {@code s}. */
    public char letter() {
        return letter;
    }
}

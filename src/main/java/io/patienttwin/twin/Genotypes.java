package io.patienttwin.twin;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads CYP2C9 star-allele and VKORC1 −1639G>A genotypes from the text forms labs report. */
public final class Genotypes {

    private static final Pattern STARS = Pattern.compile("\\*\\s*(\\d+)\\s*/\\s*\\*\\s*(\\d+)");
    private static final Pattern VKORC1 = Pattern.compile("([GA])\\s*/?\\s*([GA])\\s*$");

    private Genotypes() {}

    /** "CYP2C9 *1/*3" → "*1/*3". */
    public static Optional<String> cyp2c9(String text) {
        Matcher m = STARS.matcher(text);
        return m.find() ? Optional.of("*" + m.group(1) + "/*" + m.group(2)) : Optional.empty();
    }

    /** "-1639G>A G/A", "GA", "A/A" → "G/A", "A/A" (G first). rs9923231 C/T is the same SNP on the other strand. */
    public static Optional<String> vkorc1(String text) {
        String t = text.toUpperCase(Locale.ROOT)
                .replace("C/T", "G/A")
                .replace("T/C", "A/G")
                .replace("C/C", "G/G")
                .replace("T/T", "A/A");
        Matcher m = VKORC1.matcher(t.trim());
        if (!m.find()) {
            return Optional.empty();
        }
        String a = m.group(1);
        String b = m.group(2);
        return Optional.of(a.equals("A") && b.equals("G") ? "G/A" : a + "/" + b);
    }
}

package org.opensearch.binaryembeddings.common;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one home of the rules for a parameter's value, wherever it is written (mapping, query, fusion, model manifest,
 * field attribute), so that the same value is accepted or refused with the same message everywhere. Every message
 * names the parameter in brackets and says what was expected and what was given.
 */
public final class ParamValues {

    private ParamValues() {}

    /** An enum constant by its lower-case name: {@code [parameter] must be one of [a, b], got [x]}. */
    public static <E extends Enum<E>> E enumValue(Class<E> type, String parameter, Object value) {
        String text = String.valueOf(value);
        for (E e : type.getEnumConstants()) {
            if (name(e).equals(text)) {
                return e;
            }
        }
        throw new IllegalArgumentException("[" + parameter + "] must be one of " + names(type) + ", got [" + text + "]");
    }

    /** The name a user writes for {@code e}: its constant's name in lower case. */
    public static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The names a user may write for {@code type}'s constants, in declaration order. */
    public static <E extends Enum<E>> List<String> names(Class<E> type) {
        List<String> out = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            out.add(name(e));
        }
        return out;
    }

    /**
     * An integer: a whole number within int's range, or a string holding one ({@code "12"}, as OpenSearch accepts for
     * its own integer parameters). A cast would silently turn 2.5 into 2 and 1e20 into Integer.MAX_VALUE: those are
     * refused.
     */
    public static int integer(String parameter, Object value) {
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        if (value instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                // refused below, with the value as given
            }
        }
        throw new IllegalArgumentException("[" + parameter + "] must be an integer, got [" + value + "]");
    }

    /**
     * A finite number, or a string holding one. {@code "NaN"}, {@code "Infinity"} and numbers beyond double's range
     * (which JSON parsers read as infinity) are refused.
     */
    public static double number(String parameter, Object value) {
        double d = Double.NaN;
        if (value instanceof Number n) {
            d = n.doubleValue();
        } else if (value instanceof String s) {
            try {
                d = Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                // refused below
            }
        }
        if (Double.isFinite(d) == false) {
            throw new IllegalArgumentException("[" + parameter + "] must be a number, got [" + value + "]");
        }
        return d;
    }
}

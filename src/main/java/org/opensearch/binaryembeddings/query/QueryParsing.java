package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.common.ParamValues;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec;
import org.opensearch.common.CheckedFunction;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.XContentParseException;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * How the query DSL's values are read and how their errors read: the one place {@code binary_knn} and
 * {@code binary_hybrid} (and the {@code vector} object inside it) share. Every error is a {@link ParsingException}
 * (400) that names the query ({@code where}: {@code binary_knn}, {@code binary_hybrid.vector}, ...) and the parameter.
 *
 * <p>The DSL is declared with OpenSearch's {@link ObjectParser}; each parameter is declared to take any JSON token and
 * its reader checks the token itself, so that a value of the wrong type gets the same message as a wrong value of the
 * right type ({@code [k] must be an integer, got [ten]}) instead of the object parser's generic one.
 */
final class QueryParsing {

    private QueryParsing() {}

    /** What a query's object parser builds into: it knows which query it is parsing, for the error messages. */
    interface Target {
        String where();
    }

    /** Declares {@code name}, read by {@code reader}; a reader's exception becomes "bad value for [name]". */
    static <B extends Target, T> void declare(ObjectParser<B, Void> parser, String name, BiConsumer<B, T> setter,
        CheckedFunction<XContentParser, T, IOException> reader) {
        parser.declareField((p, target, context) -> {
            T value;
            try {
                value = reader.apply(p);
            } catch (IllegalArgumentException | IOException e) {
                // IOException: the JSON parser's own errors (a number beyond int, null or an array where a number
                // belongs) do not say which parameter they are about
                throw badValue(p, target.where(), name, e);
            }
            setter.accept(target, value);
        }, new ParseField(name), ObjectParser.ValueType.VALUE_OBJECT_ARRAY);
    }

    /**
     * An object parser that refuses unknown parameters by listing the known ones, and parses into {@code target}.
     */
    static <B extends Target> B parse(ObjectParser<B, Void> parser, XContentParser p, B target) throws IOException {
        try {
            return parser.parse(p, target, null);
        } catch (XContentParseException e) {
            // the object parser wraps what a reader or the unknown-parameter check threw: that is the message
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ParsingException pe) {
                    throw pe;
                }
            }
            throw new ParsingException(e.getLocation(), "[" + target.where() + "] " + e.getMessage(), e);
        } catch (IOException e) {
            // A JSON syntax error (a bare NaN or Infinity, which JSON does not allow) while the object parser reads the
            // next member: the JSON parser reads a member's value together with its name, so the name is known and the
            // error can name the parameter, where the parser's own message only gives line and column.
            String member = p.currentName();
            if (member == null) {
                throw e;
            }
            throw badValue(p, target.where(), member, e);
        }
    }

    /** The unknown-parameter error, listing the parameters {@code where} takes. */
    static ParsingException unknownParameter(String where, String name, List<String> known) {
        return new ParsingException(null, "[" + where + "] unknown parameter [" + name + "]; expected one of " + String.join(", ", known));
    }

    static ParsingException badValue(XContentParser p, String where, String name, Exception e) {
        return new ParsingException(p.getTokenLocation(), "[" + where + "] bad value for [" + name + "]: " + e.getMessage(), e);
    }

    /** The error of a value that parsed but breaks a rule ({@code [k] must be between 1 and ...}). */
    static ParsingException invalid(XContentParser p, String where, String problem) {
        return new ParsingException(p == null ? null : p.getTokenLocation(), "[" + where + "] " + problem);
    }

    static String string(XContentParser p, String name) {
        if (p.currentToken() != XContentParser.Token.VALUE_STRING) {
            throw new IllegalArgumentException("[" + name + "] must be a string, got " + p.currentToken());
        }
        try {
            return p.text();
        } catch (IOException e) {
            throw new IllegalArgumentException("[" + name + "] must be a string: " + e.getMessage(), e);
        }
    }

    /** A number or a string holding one; anything else (object, array, boolean, null) names the parameter. */
    private static Object scalar(XContentParser p, String name, String expected) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_NUMBER -> p.numberValue();
            case VALUE_STRING -> p.text();
            default -> throw new IllegalArgumentException("[" + name + "] must be " + expected + ", got " + p.currentToken());
        };
    }

    static int integer(XContentParser p, String name) throws IOException {
        return ParamValues.integer(name, scalar(p, name, "an integer"));
    }

    static float number(XContentParser p, String name) throws IOException {
        return (float) ParamValues.number(name, scalar(p, name, "a number"));
    }

    static boolean bool(XContentParser p, String name) throws IOException {
        return p.booleanValue();
    }

    /** A query-valued parameter; the core parser's error for a non-object ("[_na] query malformed") names no parameter. */
    static QueryBuilder innerQuery(XContentParser p, String name) throws IOException {
        if (p.currentToken() != XContentParser.Token.START_OBJECT) {
            throw new IllegalArgumentException("[" + name + "] must be a query object, got " + p.currentToken());
        }
        return AbstractQueryBuilder.parseInnerQueryBuilder(p);
    }

    static float[] vector(XContentParser p) throws IOException {
        if (p.currentToken() != XContentParser.Token.START_ARRAY) {
            throw new IllegalArgumentException("[vector] must be an array of numbers, got " + p.currentToken());
        }
        List<Float> values = new ArrayList<>();
        for (XContentParser.Token t = p.nextToken(); t != XContentParser.Token.END_ARRAY; t = p.nextToken()) {
            if (t != XContentParser.Token.VALUE_NUMBER) {
                throw new IllegalArgumentException("[vector] must be an array of numbers, got " + t + " at position " + values.size());
            }
            if (values.size() == BinaryEmbeddingSpec.MAX_DIMS) {
                throw new IllegalArgumentException("[vector] has more than " + BinaryEmbeddingSpec.MAX_DIMS + " values");
            }
            float f = p.floatValue();
            if (Float.isFinite(f) == false) {
                throw new IllegalArgumentException("[vector] must hold finite numbers, got [" + f + "] at position " + values.size());
            }
            values.add(f);
        }
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i);
        }
        return v;
    }

    /** A hex or base64 string or a list of signed bytes, decoded against the field's mapping on the shard. */
    static Object bits(XContentParser p) throws IOException {
        if (p.currentToken() == XContentParser.Token.VALUE_STRING) {
            return p.text();
        }
        if (p.currentToken() == XContentParser.Token.START_ARRAY) {
            List<Integer> out = new ArrayList<>();
            for (XContentParser.Token t = p.nextToken(); t != XContentParser.Token.END_ARRAY; t = p.nextToken()) {
                if (t != XContentParser.Token.VALUE_NUMBER || out.size() > BinaryEmbeddingSpec.MAX_DIMS / 8) {
                    throw new IllegalArgumentException("[bits] must be a hex or base64 string or an array of signed bytes");
                }
                out.add(ParamValues.integer("bits", p.numberValue()));
            }
            return out;
        }
        throw new IllegalArgumentException("[bits] must be a hex or base64 string or an array of signed bytes, got " + p.currentToken());
    }
}

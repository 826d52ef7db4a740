package org.opensearch.binaryembeddings.testdata;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/** JSON text for request bodies the tests build by hand. */
public final class Json {

    private Json() {}

    /** A JSON string literal of {@code s}. */
    public static String string(String s) {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
    }
}

package org.opensearch.binaryembeddings.query;

import org.opensearch.core.action.ActionListener;

/** What the queries need from the local encoder: query text in, query vector out (query prefix applied). */
@FunctionalInterface
public interface QueryEncoder {

    /** Encodes off the calling thread and answers the listener; unknown models fail with IllegalArgumentException. */
    void encodeQuery(String model, String text, ActionListener<float[]> listener);
}

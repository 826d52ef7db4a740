package org.opensearch.binaryembeddings.query;

import org.opensearch.core.action.ActionListener;

/** What the queries need from the local encoder: query text in, query vector out (query prefix applied). */
public interface QueryEncoder {

    /** Encodes off the calling thread and answers the listener; unknown models fail with IllegalArgumentException. */
    void encodeQuery(String model, String text, ActionListener<float[]> listener);

    /** Encodes on the calling thread (the shard-level fallback when no coordinator rewrite happened). */
    float[] encodeQuery(String model, String text);
}

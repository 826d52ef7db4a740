package org.opensearch.binaryembeddings.testsupport;

import java.util.List;
import java.util.Map;

/** Reading a search response parsed into maps (the REST tests' and benchmarks' view of it). */
public final class SearchResponses {

    private SearchResponses() {}

    /** The response's {@code hits.hits}. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> hits(Map<String, Object> response) {
        return (List<Map<String, Object>>) ((Map<String, Object>) response.get("hits")).get("hits");
    }

    /** The hits' {@code _id}s, best first. */
    public static List<String> ids(Map<String, Object> response) {
        return hits(response).stream().map(h -> (String) h.get("_id")).toList();
    }
}

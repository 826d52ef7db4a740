package org.opensearch.binaryembeddings.testdata;

import org.opensearch.test.OpenSearchTestCase;

import java.util.List;
import java.util.Map;

public class MsMarcoTests extends OpenSearchTestCase {

    public void testLoadsTheSharedSubset() {
        MsMarco m = MsMarco.load();
        assertEquals(5000, m.docs.size());
        assertEquals(50, m.queries.size());
        assertEquals(43, m.judgedQueries().size());
    }

    public void testNdcgFollowsTrecEval() {
        Map<String, Integer> judged = Map.of("a", 3, "b", 1);
        assertEquals(1.0, MsMarco.ndcg(judged, List.of("a", "b"), 10), 1e-12);
        // b first: dcg = 1 + 3/log2(3); idcg = 3 + 1/log2(3)
        double l3 = Math.log(3) / Math.log(2);
        assertEquals((1 + 3 / l3) / (3 + 1 / l3), MsMarco.ndcg(judged, List.of("b", "a"), 10), 1e-12);
        assertEquals(0.0, MsMarco.ndcg(judged, List.of("x"), 10), 0);
    }
}

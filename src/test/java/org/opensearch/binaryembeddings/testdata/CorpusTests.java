package org.opensearch.binaryembeddings.testdata;

import org.opensearch.test.OpenSearchTestCase;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

public class CorpusTests extends OpenSearchTestCase {

    public void testSampleIsWholeAndJudged() {
        Corpus c = Corpus.sample();
        assertEquals(150, c.docs.size());
        assertEquals(76, c.queries.size());
        assertEquals(c.queries.size(), c.judgedQueries().size());
        Set<String> ids = new HashSet<>();
        c.docs.forEach(d -> ids.add(d.id()));
        for (Map<String, Integer> judged : c.qrels.values()) {
            for (Map.Entry<String, Integer> e : judged.entrySet()) {
                assertTrue("judged doc " + e.getKey() + " is in the corpus", ids.contains(e.getKey()));
                assertTrue(e.getValue() >= 1 && e.getValue() <= 3);
            }
        }
    }

    public void testExtendedIsDistinctOnTopicAndRepeatable() {
        Corpus c = Corpus.sample().extendedTo(3000);
        assertEquals(3000, c.docs.size());
        assertEquals(Corpus.sample().docs, c.docs.subList(0, 150));
        Set<String> texts = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (Corpus.Doc d : c.docs) {
            assertTrue("distinct text: " + d.text(), texts.add(d.text()));
            assertTrue("distinct id: " + d.id(), ids.add(d.id()));
        }
        assertEquals(c.docs, Corpus.sample().extendedTo(3000).docs);
        assertEquals(c.docs.subList(0, 500), Corpus.sample().extendedTo(500).docs);
        expectThrows(IllegalArgumentException.class, () -> Corpus.sample().extendedTo(100_000));
    }

    public void testNdcgFollowsTrecEval() {
        Map<String, Integer> judged = Map.of("a", 3, "b", 1);
        assertEquals(1.0, Corpus.ndcg(judged, List.of("a", "b"), 10), 1e-12);
        // b first: dcg = 1 + 3/log2(3); idcg = 3 + 1/log2(3)
        double l3 = Math.log(3) / Math.log(2);
        assertEquals((1 + 3 / l3) / (3 + 1 / l3), Corpus.ndcg(judged, List.of("b", "a"), 10), 1e-12);
        assertEquals(0.0, Corpus.ndcg(judged, List.of("x"), 10), 0);
    }
}
